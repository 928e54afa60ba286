"""``main.py needs list|show|add|set-status|delete|restore``."""

from __future__ import annotations

import argparse

from services import needs, workflow
from services.cli.common import add_db_option, add_format_option, emit, emit_record, open_db
from services.fields import field_path

LIST_COLUMNS = (
    ("code", "编号"),
    ("title", "标题"),
    ("status", "状态"),
    ("status_label", "状态名称"),
    ("unit", "需求单位"),
    ("township", "乡镇"),
    ("village", "村"),
    ("field", "专业领域"),
    ("window_start", "开始日期"),
    ("window_end", "结束日期"),
    ("experts_wanted", "专家人数"),
    ("priority", "重点帮扶"),
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("needs", help="需求清单：列表、查看、录入、改状态")
    actions = parser.add_subparsers(title="操作", metavar="操作", required=True)

    p = actions.add_parser("list", help="列出需求")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("--status", help="只列出该状态的需求（如 reviewed 或 已论证）")
    p.add_argument("--deleted", action="store_true", help="包括已删除的需求")
    p.set_defaults(handler=list_needs)

    p = actions.add_parser("show", help="查看一条需求及其流转记录")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("code", help="需求编号，如 XQ-2026-0001")
    p.set_defaults(handler=show_need)

    p = actions.add_parser("add", help="录入一条需求")
    add_db_option(p)
    p.add_argument("--title", required=True, help="需求标题")
    p.add_argument("--unit", required=True, help="需求单位编号（如 DW-0001）")
    p.add_argument("--field", required=True, help="专业领域，如 茶叶 或 种植业›茶叶›茶园管理")
    p.add_argument("--description", default="", help="需求描述")
    p.add_argument("--township", help="乡镇（默认为需求单位所在乡镇）")
    p.add_argument("--village", help="村")
    p.add_argument("--from", dest="window_start", help="希望服务的开始日期，如 2026-05-01")
    p.add_argument("--to", dest="window_end", help="希望服务的结束日期")
    p.add_argument("--experts", dest="experts_wanted", default=1, help="需要专家人数（默认 1）")
    p.add_argument("--days", dest="days_wanted", default=1, help="每次服务天数（默认 1）")
    p.add_argument("--title-level", dest="required_title", help="职称要求：正高级/副高级/中级/初级")
    p.add_argument("--beneficiaries", dest="beneficiaries_estimate", help="预计受益人数")
    p.add_argument("--source", default="系统录入", help="来源")
    p.set_defaults(handler=add_need)

    p = actions.add_parser("set-status", help="按七步法改变需求状态")
    add_db_option(p)
    p.add_argument("code", help="需求编号")
    p.add_argument("status", help="目标状态，如 reviewed（已论证）、rejected（已驳回）")
    p.add_argument("--reason", default="", help="原因（驳回、撤回等必须填写）")
    p.set_defaults(handler=set_status)

    for name, fn, text in (("delete", delete_need, "删除需求（可恢复）"),
                           ("restore", restore_need, "恢复已删除的需求")):
        p = actions.add_parser(name, help=text)
        add_db_option(p)
        p.add_argument("code", help="需求编号")
        p.set_defaults(handler=fn)


def list_needs(args: argparse.Namespace) -> int:
    db = open_db(args)
    status = workflow.parse_status(args.status) if args.status else None
    with db.session() as session:
        rows = needs.list_needs(session, status=status, include_deleted=args.deleted)
    emit(rows, LIST_COLUMNS, args.format)
    return 0


def show_need(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.session() as session:
        need = needs.get_need(session, args.code, include_deleted=True)
        pairs = [
            ("编号", need.code),
            ("标题", need.title),
            ("状态", f"{workflow.status_label(need.status)}（{need.status.value}）"),
            ("需求单位", f"{need.unit.name}（{need.unit.code}）"),
            ("地点", need.township.name + (need.village.name if need.village else "")),
            ("专业领域", field_path(need.field)),
            ("时间窗口", f"{need.window_start or '未定'} 至 {need.window_end or '未定'}"),
            ("专家人数", need.experts_wanted),
            ("每次天数", need.days_wanted),
            ("职称要求", need.required_title or "不限"),
            ("预计受益人数", need.beneficiaries_estimate),
            ("来源", need.source),
            ("申报日期", need.submitted_on),
            ("描述", need.description),
            ("已删除", "是" if need.deleted_at else "否"),
        ]
        history = [
            f"{e.at:%Y-%m-%d %H:%M} {e.actor} "
            f"{workflow.status_label(e.from_status) if e.from_status else '（新建）'}→"
            f"{workflow.status_label(e.to_status)}" + (f"：{e.reason}" if e.reason else "")
            for e in need.events
        ]
    if args.format == "json":
        pairs.append(("流转记录", history))
        emit_record(pairs, "json")
    else:
        emit_record([*pairs, ("流转记录", "\n    " + "\n    ".join(history))], args.format)
    return 0


def add_need(args: argparse.Namespace) -> int:
    db = open_db(args)
    data = {k: v for k, v in vars(args).items() if v is not None}
    with db.unit_of_work() as uow:
        need = needs.create_need(uow.session, data, uow.actor)
        uow.commit()
        print(f"已录入需求 {need.code}：{need.title}")
    return 0


def set_status(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        need = needs.set_status(uow.session, args.code, args.status, uow.actor, args.reason)
        uow.commit()
        print(f"需求 {need.code} 已改为“{workflow.status_label(need.status)}”。")
    return 0


def delete_need(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        need = needs.delete_need(uow.session, args.code)
        uow.commit()
        print(f"已删除需求 {need.code}（可用 needs restore {need.code} 恢复）。")
    return 0


def restore_need(args: argparse.Namespace) -> int:
    db = open_db(args)
    with db.unit_of_work() as uow:
        need = needs.restore_need(uow.session, args.code)
        uow.commit()
        print(f"已恢复需求 {need.code}。")
    return 0
