"""``main.py audit list|export``: the audit trail, filtered by user, record, date and action."""

from __future__ import annotations

import argparse
from datetime import date

from services import audit
from services.cli.common import add_db_option, add_format_option, emit, open_db
from services.errors import ValidationError

LIST_COLUMNS = (
    ("id", "序号"),
    ("at", "时间"),
    ("actor", "操作人"),
    ("action_label", "操作"),
    ("entity_type", "记录类型"),
    ("entity_id", "记录"),
    ("note", "说明"),
    ("changes", "修改"),
)


def _filters(p: argparse.ArgumentParser) -> None:
    add_db_option(p)
    p.add_argument("--user", default="", help="只看该操作人")
    p.add_argument("--action", default="", choices=("", *audit.ACTIONS),
                   help="只看该操作：" + "、".join(f"{k}（{v}）" for k, v in audit.ACTIONS.items()))
    p.add_argument("--type", dest="entity_type", default="", help="记录类型，如 Need、Expert、User")
    p.add_argument("--record", default="", help="记录编号（如 XQ-2026-0001）或记录 id")
    p.add_argument("--from", dest="start", help="起始日期（YYYY-MM-DD）")
    p.add_argument("--to", dest="end", help="截止日期（YYYY-MM-DD）")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("audit", help="审计日志：谁在何时做了什么（查询、导出为 Excel）")
    actions = parser.add_subparsers(title="操作", metavar="操作", required=True)

    p = actions.add_parser("list", help="列出审计记录（最新的在前）")
    _filters(p)
    add_format_option(p)
    p.add_argument("--limit", type=int, default=100, help="最多列出多少条（默认 100）")
    p.set_defaults(handler=list_entries)

    p = actions.add_parser("export", help="把审计记录导出为 Excel（.xlsx）")
    _filters(p)
    p.add_argument("--out", required=True, metavar="文件", help="保存为（.xlsx）")
    p.set_defaults(handler=export_entries)


def _date(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError.single(field, f"日期“{text}”格式不对，应为 YYYY-MM-DD。") from None


def filter_of(args: argparse.Namespace) -> audit.AuditFilter:
    return audit.AuditFilter(actor=args.user, action=args.action, entity_type=args.entity_type,
                             record=args.record, start=_date(args.start, "start"),
                             end=_date(args.end, "end"))


def list_entries(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        with db.session() as session:
            rows = audit.list_entries(session, filter_of(args), limit=max(1, args.limit))
    finally:
        db.close()
    for row in rows:
        row["changes"] = audit.describe_values(row["after"] or row["before"])
    emit(rows, LIST_COLUMNS, args.format)
    return 0


def export_entries(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        with db.unit_of_work() as uow:
            path, count = audit.export_entries(uow.session, args.out, filter_of(args))
            uow.commit()
    finally:
        db.close()
    print(f"已导出 {count} 条审计记录到“{path}”。")
    return 0
