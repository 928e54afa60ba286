"""``main.py report --year Y [--quarter Q] [--out F.pdf|F.xlsx]``: the programme's figures for a
period and slice, the summary paragraph, the printable report or the workbook; ``--drill
FIGURE`` lists the records behind one figure; ``--funds`` prints the funds statement and
warnings of the year."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from services.cli.common import add_db_option, add_format_option, emit, open_db
from services.errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="统计报表：各项数字、综述段落，导出 PDF 报表或 Excel 统计表")
    add_db_option(p)
    p.add_argument("--year", type=int, default=date.today().year, metavar="年份",
                   help="统计年度（默认今年）")
    p.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), metavar="季度",
                   help="只统计该年的一个季度（1–4）")
    p.add_argument("--from", dest="start", metavar="日期",
                   help="自定义期间的开始日期（与 --to 同用，代替 --year/--quarter）")
    p.add_argument("--to", dest="end", metavar="日期", help="自定义期间的结束日期")
    p.add_argument("--slice", metavar="口径",
                   help="统计口径：township=乡镇名、field=领域、team=服务团、base=基地、"
                        "priority（脱贫村、重点帮扶村）或 ordinary（其他）；默认全县")
    p.add_argument("--out", metavar="文件", help="保存为 .pdf（报表）或 .xlsx（统计表）")
    p.add_argument("--drill", metavar="指标",
                   help="列出某项数字所依据的记录，如 experts、problems_solved（见 --list）")
    p.add_argument("--list", action="store_true", help="列出全部指标及其统计口径")
    p.add_argument("--funds", action="store_true", help="打印该年度的经费明细和预警")
    add_format_option(p)
    p.set_defaults(handler=run)


def _period(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from services import statistics as st
    from services.validation import parse_date

    if args.start or args.end:
        start = parse_date(args.start, "from", "开始日期")
        end = parse_date(args.end, "to", "结束日期")
        if start is None or end is None:
            raise ValidationError.single("from", "自定义期间需要同时给出 --from 和 --to。")
        return st.Period.custom(start, end)
    if args.quarter:
        return st.Period.of_quarter(args.year, args.quarter)
    return st.Period.of_year(args.year)


def _slice(session, text: str | None):  # type: ignore[no-untyped-def]
    from services import statistics as st

    if not text:
        return st.ALL
    kind, _, key = text.partition("=")
    return st.make_slice(session, kind.strip(), key.strip() or None)


def run(args: argparse.Namespace) -> int:
    from services import statistics as st

    if args.list:
        emit([{"key": f.key, "label": f.label, "unit": f.unit, "help": f.help}
              for f in st.FIGURES.values()],
             (("key", "指标"), ("label", "名称"), ("unit", "单位"), ("help", "统计口径")),
             args.format)
        return 0
    period = _period(args)
    db = open_db(args)
    try:
        with db.session() as session:
            sl = _slice(session, args.slice)
            if args.funds:
                return _funds(session, args)
            if args.out:
                return _save(session, Path(args.out), period, sl)
            if args.drill:
                rows = st.drill_down(session, args.drill, period, sl)
                fig = st.figure(args.drill)
                emit([{"kind": st.RECORD_KINDS[r.kind], "id": r.id, "code": r.code,
                       "label": r.label, "on": r.on, "value": r.value} for r in rows],
                     (("kind", "类别"), ("id", "ID"), ("code", "编号"), ("label", "内容"),
                      ("on", "日期"), ("value", f"计入（{fig.unit}）")), args.format)
                return 0
            figures = st.compute_all(session, period, sl)
            where = "" if sl.kind == "all" else f"，{sl.label}"
            emit([{"key": v.key, "label": v.label, "number": v.text, "unit": v.unit,
                   "records": v.records} for v in figures.values.values()],
                 (("label", "指标"), ("number", "数值"), ("unit", "单位"),
                  ("records", "依据记录"), ("key", "代码")), args.format)
            if args.format == "text":
                print()
                print(f"统计期间：{period.label}（{period.start} 至 {period.end}）{where}")
                print(st.summary_paragraph(figures))
            return 0
    finally:
        db.close()


def _save(session, out: Path, period, sl) -> int:  # type: ignore[no-untyped-def]
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        from services.documents.statistics_report import print_statistics_report

        result = print_statistics_report(session, out, period, sl)
        print(f"已保存统计报表：{out}（{result.pages} 页）")
        for line in result.missing:
            print(f"注意：{line}")
        return 0
    if suffix == ".xlsx":
        from services.statistics.export import export_xlsx

        export_xlsx(session, out, period, sl)
        print(f"已保存统计表：{out}")
        return 0
    raise ValidationError.single("out", "--out 的文件名应以 .pdf 或 .xlsx 结尾。")


def _funds(session, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from services.outcomes import funds

    statement = funds.year_statement(session, args.year)
    emit(statement.rows, funds.STATEMENT_COLUMNS, args.format)
    if args.format == "text":
        print()
        for line in statement.summary_lines():
            print(line)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".xlsx":
            funds.statement_xlsx(statement, out)
        elif out.suffix.lower() == ".pdf":
            funds.statement_pdf(session, statement, out)
        else:
            raise ValidationError.single("out", "--out 的文件名应以 .pdf 或 .xlsx 结尾。")
        print(f"已保存经费明细：{out}")
    return 0
