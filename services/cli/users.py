"""``main.py users list|add|passwd|set-role|disable|enable|unlock``.

The command line runs on the machine that holds the database (or its credentials) and acts
as the local administrator: that is how the first administrator of a shared server is made
(``users add NAME --role 管理员``) before anyone can log in to the window.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from models.users import ROLES
from services import users
from services.cli.common import add_db_option, add_format_option, emit, open_db
from services.errors import ValidationError

LIST_COLUMNS = (
    ("username", "用户名"),
    ("display_name", "姓名"),
    ("role", "角色"),
    ("state", "状态"),
    ("last_login_at", "上次登录"),
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("users", help="用户与角色（启用登录时使用）：列表、添加、改密码、改角色、停用、解锁")
    actions = parser.add_subparsers(title="操作", metavar="操作", required=True)

    p = actions.add_parser("list", help="列出用户")
    add_db_option(p)
    add_format_option(p)
    p.set_defaults(handler=list_users)

    p = actions.add_parser("add", help="添加用户（第一位管理员也用它创建）")
    add_db_option(p)
    p.add_argument("username", help="用户名（登录时输入）")
    p.add_argument("--role", required=True, choices=ROLES, help="角色：管理员、经办人或查看")
    p.add_argument("--name", default="", help="姓名（显示用）")
    p.add_argument("--password-stdin", action="store_true",
                   help="从标准输入读取密码（脚本用）；默认交互输入两次")
    p.add_argument("--keep-password", action="store_true",
                   help="首次登录时不要求修改密码")
    p.set_defaults(handler=add_user)

    p = actions.add_parser("passwd", help="重置用户的密码（下次登录时须修改）")
    add_db_option(p)
    p.add_argument("username", help="用户名")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码")
    p.set_defaults(handler=reset_password)

    p = actions.add_parser("set-role", help="修改用户的角色")
    add_db_option(p)
    p.add_argument("username", help="用户名")
    p.add_argument("role", choices=ROLES, help="新角色")
    p.set_defaults(handler=set_role)

    for name, help_text, active in (("disable", "停用用户（不删除，审计日志仍保留其记录）", False),
                                    ("enable", "重新启用用户", True)):
        p = actions.add_parser(name, help=help_text)
        add_db_option(p)
        p.add_argument("username", help="用户名")
        p.set_defaults(handler=set_active, active=active)

    p = actions.add_parser("unlock", help="解除因输错密码造成的锁定")
    add_db_option(p)
    p.add_argument("username", help="用户名")
    p.set_defaults(handler=unlock)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        raise ValidationError.single("password", "两次输入的密码不一致。")
    return first


def list_users(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        with db.session() as session:
            rows = users.list_users(session)
    finally:
        db.close()
    for row in rows:
        row["state"] = ("停用" if not row["active"] else
                        "锁定" if row["locked_until"] else "正常")
    emit(rows, LIST_COLUMNS, args.format)
    return 0


def add_user(args: argparse.Namespace) -> int:
    password = _password(args.password_stdin)
    db = open_db(args)
    try:
        with db.unit_of_work() as uow:
            user = users.add_user(uow.session, args.username, password, args.role, args.name,
                                  must_change_password=not args.keep_password)
            uow.commit()
    finally:
        db.close()
    print(f"已添加用户“{user.username}”（{user.role}）。")
    return 0


def reset_password(args: argparse.Namespace) -> int:
    password = _password(args.password_stdin)
    db = open_db(args)
    try:
        with db.unit_of_work() as uow:
            users.reset_password(uow.session, args.username, password)
            uow.commit()
    finally:
        db.close()
    print(f"已重置“{args.username}”的密码，下次登录时须修改。")
    return 0


def set_role(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        with db.unit_of_work() as uow:
            users.set_role(uow.session, args.username, args.role)
            uow.commit()
    finally:
        db.close()
    print(f"“{args.username}”的角色已改为“{args.role}”。")
    return 0


def set_active(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        with db.unit_of_work() as uow:
            users.set_active(uow.session, args.username, args.active)
            uow.commit()
    finally:
        db.close()
    print(f"已{'启用' if args.active else '停用'}用户“{args.username}”。")
    return 0


def unlock(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        with db.unit_of_work() as uow:
            users.unlock_user(uow.session, args.username)
            uow.commit()
    finally:
        db.close()
    print(f"已解锁用户“{args.username}”。")
    return 0
