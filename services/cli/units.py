"""``main.py units list|show|add|delete|restore``."""

from __future__ import annotations

import argparse

from services import units
from services.cli.common import add_db_option, add_format_option, emit, emit_record, open_db

LIST_COLUMNS = (
    ("code", "编号"),
    ("name", "单位名称"),
    ("unit_type", "类型"),
    ("township", "乡镇"),
    ("village", "村"),
    ("contact_person", "联系人"),
    ("phone", "电话"),
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("units", help="需求单位：列表、查看、录入")
    actions = parser.add_subparsers(title="操作", metavar="操作", required=True)

    p = actions.add_parser("list", help="列出需求单位")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("--deleted", action="store_true", help="包括已删除的单位")
    p.set_defaults(handler=list_units)

    p = actions.add_parser("show", help="查看一个单位")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("code", help="单位编号，如 DW-0001")
    p.set_defaults(handler=show_unit)

    p = actions.add_parser("add", help="录入一个需求单位")
    add_db_option(p)
    p.add_argument("--name", required=True, help="单位名称")
    p.add_argument("--type", dest="unit_type", default="其他",
                   help="类型：村委会/合作社/企业/家庭农场/种养大户/卫生院/学校/乡镇政府/事业单位/其他")
    p.add_argument("--township", required=True, help="所在乡镇")
    p.add_argument("--village", help="所在村")
    p.add_argument("--contact", dest="contact_person", help="联系人")
    p.add_argument("--phone", help="联系电话")
    p.add_argument("--address", help="地址")
    p.set_defaults(handler=add_unit)

    for name, fn, text in (("delete", delete_unit, "删除单位（可恢复）"),
                           ("restore", restore_unit, "恢复已删除的单位")):
        p = actions.add_parser(name, help=text)
        add_db_option(p)
        p.add_argument("code", help="单位编号")
        p.set_defaults(handler=fn)


def list_units(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        rows = units.list_units(session, include_deleted=args.deleted)
    emit(rows, LIST_COLUMNS, args.format)
    return 0


def show_unit(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        u = units.get_unit(session, args.code, include_deleted=True)
        pairs = [
            ("编号", u.code),
            ("单位名称", u.name),
            ("类型", u.unit_type),
            ("地点", u.township.name + (u.village.name if u.village else "")),
            ("地址", u.address),
            ("联系人", u.contact_person),
            ("电话", u.phone),
            ("备注", u.notes),
            ("已删除", "是" if u.deleted_at else "否"),
        ]
    emit_record(pairs, args.format)
    return 0


def add_unit(args: argparse.Namespace) -> int:
    db = open_db(args)
    data = {k: v for k, v in vars(args).items() if v is not None}
    with db.unit_of_work() as uow:
        unit = units.create_unit(uow.session, data)
        uow.commit()
        print(f"已录入需求单位 {unit.code}：{unit.name}")
    return 0


def delete_unit(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        unit = units.delete_unit(uow.session, args.code)
        uow.commit()
        print(f"已删除需求单位 {unit.code} {unit.name}（可用 units restore {unit.code} 恢复）。")
    return 0


def restore_unit(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        unit = units.restore_unit(uow.session, args.code)
        uow.commit()
        print(f"已恢复需求单位 {unit.code} {unit.name}。")
    return 0
