"""``main.py print dispatch|letter|needs|certificate|calendar``: printed documents as PDF.

(The module is named for the subcommand; the loader imports ``services.cli.print``, which does
not shadow the builtin ``print`` anywhere else.)
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING

from services.cli.common import add_db_option, open_db
from services.errors import ValidationError
from services.validation import parse_date

if TYPE_CHECKING:
    from services.documents import PrintResult


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("print", help="打印公文：派遣单、商调函、需求清单、服务经历证明、农时月历（PDF）")
    actions = parser.add_subparsers(title="文书", metavar="文书", required=True)

    p = actions.add_parser("dispatch", help="派遣单（带回执），多份合成一个 PDF")
    add_db_option(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true",
                       help="所有“拟派”和“已确认”的派遣（可用 --from/--to 限定开始日期）")
    which.add_argument("codes", nargs="*", default=[], metavar="编号",
                       help="派遣编号，如 PQ-2026-0001（可写多个）")
    p.add_argument("--from", dest="start", metavar="日期", help="只打印此日期及以后开始的派遣（与 --all 同用）")
    p.add_argument("--to", dest="end", metavar="日期", help="只打印此日期及以前开始的派遣（与 --all 同用）")
    _common(p, id_numbers=True)
    p.set_defaults(handler=print_dispatch)

    p = actions.add_parser("letter", help="商调函（致专家所在单位）")
    add_db_option(p)
    p.add_argument("code", metavar="编号", help="派遣编号，如 PQ-2026-0001")
    _common(p)
    p.set_defaults(handler=print_letter)

    p = actions.add_parser("needs", help="需求清单（横向表格）")
    add_db_option(p)
    p.add_argument("--status", action="append", metavar="状态",
                   help="只列出该状态的需求（如 reviewed 或 已论证，可重复）")
    p.add_argument("--year", type=int, metavar="年份", help="只列出该年申报的需求")
    _common(p)
    p.set_defaults(handler=print_needs)

    p = actions.add_parser("certificate", help="服务基层经历证明（职称评审用）")
    add_db_option(p)
    p.add_argument("expert", metavar="专家编号", help="专家编号，如 ZJ-0001")
    p.add_argument("--from", dest="start", metavar="日期", help="统计起始日期（默认不限）")
    p.add_argument("--to", dest="end", metavar="日期", help="统计截止日期（默认不限）")
    _common(p, id_numbers=True)
    p.set_defaults(handler=print_certificate)

    p = actions.add_parser("calendar", help="农时月历（每月一页）")
    add_db_option(p)
    p.add_argument("--year", type=int, required=True, metavar="年份", help="年份，如 2026")
    p.add_argument("--month", type=int, action="append", metavar="月份",
                   help="月份 1—12（可重复；不写则打印全年 12 个月）")
    p.add_argument("--crop", action="append", metavar="产业",
                   help="只显示该产业的农时（如 茶叶，可重复；默认为本县需求涉及的产业）")
    _common(p, dated=False)
    p.set_defaults(handler=print_calendar)


def _common(p: argparse.ArgumentParser, *, id_numbers: bool = False, dated: bool = True) -> None:
    p.add_argument("--out", required=True, metavar="文件.pdf", help="输出的 PDF 文件")
    if dated:
        p.add_argument("--date", dest="issued", metavar="日期",
                       help="成文日期（默认今天），如 2026-05-03")
    if id_numbers:
        p.add_argument("--show-id", action="store_true",
                       help="打印完整身份证号（默认只印前 4 位和后 4 位）")


def _date(value: str | None, field: str, label: str) -> date | None:
    return parse_date(value, field, label) if value else None


def _progress(done: int, total: int, text: str) -> None:
    # Only a person at a terminal wants the running count; scripts and logs do not.
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{text}" + " " * 8)
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _report(result: PrintResult, what: str, unit: str = "份") -> int:
    print(f"已生成 {result.path}：{what} {result.documents} {unit}，共 {result.pages} 页。")
    if result.missing:
        sys.stderr.write("注意：以下字符没有可用的字形，已印成“□”，请手工补写或安装含该字的字体：\n")
        for line in result.missing:
            sys.stderr.write(f"  {line}\n")
    return 0


def print_dispatch(args: argparse.Namespace) -> int:
    from services import documents  # reportlab loads only when something is printed

    if not args.all and not args.codes:
        raise ValidationError.single("codes", "请写出要打印的派遣编号，或用 --all 打印全部派遣单。")
    if args.codes and (args.start or args.end):
        raise ValidationError.single("start", "--from/--to 只能与 --all 一起使用。")
    db = open_db(args)
    with db.session() as session:
        result = documents.print_dispatch_sheets(
            session, None if args.all else args.codes, args.out,
            start=_date(args.start, "start", "开始日期"), end=_date(args.end, "end", "结束日期"),
            issued_on=_date(args.issued, "date", "成文日期"), show_id_numbers=args.show_id,
            progress=_progress,
        )
    return _report(result, "派遣单")


def print_letter(args: argparse.Namespace) -> int:
    from services import documents  # reportlab loads only when something is printed

    db = open_db(args)
    with db.session() as session:
        result = documents.print_letter(session, args.code, args.out,
                                        issued_on=_date(args.issued, "date", "成文日期"))
    return _report(result, "商调函")


def print_needs(args: argparse.Namespace) -> int:
    from services import documents  # reportlab loads only when something is printed

    db = open_db(args)
    with db.session() as session:
        result = documents.print_need_list(session, args.out, statuses=args.status,
                                           year=args.year,
                                           issued_on=_date(args.issued, "date", "制表日期"),
                                           progress=_progress)
    return _report(result, "需求清单，需求", "项")


def print_certificate(args: argparse.Namespace) -> int:
    from services import documents  # reportlab loads only when something is printed

    db = open_db(args)
    with db.session() as session:
        result = documents.print_certificate(
            session, args.expert, args.out, start=_date(args.start, "start", "起始日期"),
            end=_date(args.end, "end", "截止日期"), issued_on=_date(args.issued, "date", "成文日期"),
            show_id_numbers=args.show_id,
        )
    return _report(result, "服务基层经历证明")


def print_calendar(args: argparse.Namespace) -> int:
    from services import documents  # reportlab loads only when something is printed

    months = args.month or list(range(1, 13))
    bad = [m for m in months if not 1 <= m <= 12]
    if bad:
        raise ValidationError.single("month", f"月份“{bad[0]}”无效，应为 1—12。")
    db = open_db(args)
    with db.session() as session:
        result = documents.print_month_calendar(session, args.year, months, args.out,
                                                crop=args.crop, progress=_progress)
    return _report(result, "农时月历", "个月")
