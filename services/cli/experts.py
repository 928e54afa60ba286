"""``main.py experts list|show|add|delete|restore``."""

from __future__ import annotations

import argparse

from services import experts
from services.cli.common import add_db_option, add_format_option, emit, emit_record, open_db
from services.fields import field_path

LIST_COLUMNS = (
    ("code", "编号"),
    ("name", "姓名"),
    ("gender", "性别"),
    ("birth_year", "出生年份"),
    ("title", "职称级别"),
    ("title_name", "职称"),
    ("employer", "工作单位"),
    ("specialties", "专业"),
    ("honours", "荣誉"),
    ("phone", "电话"),
    ("retired", "退休"),
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("experts", help="专家库：列表、查看、录入")
    actions = parser.add_subparsers(title="操作", metavar="操作", required=True)

    p = actions.add_parser("list", help="列出专家")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("--deleted", action="store_true", help="包括已删除的专家")
    p.set_defaults(handler=list_experts)

    p = actions.add_parser("show", help="查看一位专家")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("code", help="专家编号，如 ZJ-0001")
    p.set_defaults(handler=show_expert)

    p = actions.add_parser("add", help="录入一位专家")
    add_db_option(p)
    p.add_argument("--name", required=True, help="姓名")
    p.add_argument("--gender", help="性别：男/女（有身份证号时可省略）")
    p.add_argument("--birth-year", dest="birth_year", help="出生年份")
    p.add_argument("--id-number", dest="id_number", help="身份证号（18 位）")
    p.add_argument("--phone", help="手机或座机")
    p.add_argument("--employer", help="工作单位")
    p.add_argument("--title", help="职称级别：正高级/副高级/中级/初级/无")
    p.add_argument("--title-name", dest="title_name", help="职称名称，如 研究员、主任医师")
    p.add_argument("--honours", help="荣誉，用逗号分隔，如 省级专家,享受国务院特殊津贴")
    p.add_argument("--specialties", help="专业，用逗号分隔，如 茶叶,茶园管理")
    p.add_argument("--home-place", dest="home_place", help="常住地")
    p.add_argument("--retired", action="store_true", help="已退休")
    p.add_argument("--max-days-month", dest="max_days_per_month", help="每月最多服务天数（默认 10）")
    p.add_argument("--max-days-year", dest="max_days_per_year", help="每年最多服务天数（默认 60）")
    p.set_defaults(handler=add_expert)

    for name, fn, text in (("delete", delete_expert, "删除专家（可恢复）"),
                           ("restore", restore_expert, "恢复已删除的专家")):
        p = actions.add_parser(name, help=text)
        add_db_option(p)
        p.add_argument("code", help="专家编号")
        p.set_defaults(handler=fn)


def list_experts(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        rows = experts.list_experts(session, include_deleted=args.deleted)
    emit(rows, LIST_COLUMNS, args.format)
    return 0


def show_expert(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        e = experts.get_expert(session, args.code, include_deleted=True)
        pairs = [
            ("编号", e.code),
            ("姓名", e.name),
            ("性别", e.gender),
            ("出生年份", e.birth_year),
            ("身份证号", e.id_number),
            ("电话", e.phone),
            ("工作单位", e.employer),
            ("职称", f"{e.title_name}（{e.title}）" if e.title_name else e.title),
            ("荣誉", "、".join(e.honours)),
            ("专业", "；".join(field_path(f) for f in e.specialties)),
            ("常住地", e.home_place),
            ("退休", "是" if e.retired else "否"),
            ("每月/每年最多天数", f"{e.max_days_per_month} / {e.max_days_per_year}"),
            ("不可服务时段", "；".join(f"{u.start_date}～{u.end_date} {u.reason}".strip()
                                      for u in e.unavailability)),
            ("备注", e.notes),
            ("已删除", "是" if e.deleted_at else "否"),
        ]
    emit_record(pairs, args.format)
    return 0


def add_expert(args: argparse.Namespace) -> int:
    db = open_db(args)
    data = {k: v for k, v in vars(args).items() if v is not None}
    with db.unit_of_work() as uow:
        expert = experts.create_expert(uow.session, data)
        uow.commit()
        print(f"已录入专家 {expert.code}：{expert.name}")
    return 0


def delete_expert(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        expert = experts.delete_expert(uow.session, args.code)
        uow.commit()
        print(f"已删除专家 {expert.code} {expert.name}（可用 experts restore {expert.code} 恢复）。")
    return 0


def restore_expert(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        expert = experts.restore_expert(uow.session, args.code)
        uow.commit()
        print(f"已恢复专家 {expert.code} {expert.name}。")
    return 0
