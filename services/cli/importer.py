"""``main.py import needs|experts|units FILE [--dry-run] [--on-duplicate update|skip|keep]``.

Exit code 0 when every row was accepted, 1 when some rows were refused (the report workbook
says which and why), 2 when nothing could be imported (unreadable file, no header …).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.cli.common import add_db_option, open_db
from services.errors import ValidationError
from services.exchange import mappings
from services.exchange.importer import POLICIES, ImportOptions, Outcome, import_file, preview_import
from services.exchange.schema import IMPORT_KINDS, KINDS

SHOW_ERRORS = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="从 Excel（.xlsx/.xls）或 CSV 导入需求、专家或单位",
                       description="先检查每一行，再把所有通过检查的行一次写入（要么全部写入，要么都不写）。"
                                   "有行未通过时生成导入报告（.xlsx），改正后可直接重新导入。")
    p.add_argument("kind", choices=IMPORT_KINDS, metavar="清单",
                   help="needs（需求）、experts（专家）或 units（需求单位）")
    p.add_argument("file", metavar="文件", help="要导入的 .xlsx、.xls 或 .csv 文件")
    add_db_option(p)
    p.add_argument("--dry-run", action="store_true", help="只预览，不写入数据库")
    p.add_argument("--on-duplicate", choices=tuple(POLICIES), default="skip",
                   help="与已有记录重复时：update 更新、skip 跳过（默认）、keep 保留两条")
    p.add_argument("--year", type=int, help="“5月3日”这类不带年份的日期按哪一年（默认今年）")
    p.add_argument("--sheet", metavar="工作表", help="导入哪个工作表（默认第一个能识别表头的）")
    p.add_argument("--map", action="append", default=[], metavar="表头=列",
                   help="指定某列的含义，如 --map 需求简述=需求标题；“表头=”表示不导入该列。可多次使用，会被记住")
    p.add_argument("--map-place", action="append", default=[], metavar="表中地名=库中地名",
                   help="地名对应，如 --map-place 白云乡=白云镇、--map-place 白云镇/老寨=新寨村；"
                        "“=新建”表示确认新建。会被记住")
    p.add_argument("--map-unit", action="append", default=[], metavar="表中单位=单位编号",
                   help="需求单位对应，如 --map-unit 兴旺养殖场=DW-0012；“=新建”表示确认新建。会被记住")
    p.add_argument("--no-create", action="store_true",
                   help="库中没有的乡镇、村和单位不新建，相关行作为错误")
    p.add_argument("--report", metavar="文件", help="导入报告保存为（默认与导入文件同一文件夹）")
    p.add_argument("--progress", action="store_true", help="在标准错误输出逐段显示进度")
    p.set_defaults(handler=run_import)


def _column_key(kind: str, text: str) -> str:
    """A column given by its key (title) or by its Chinese header (需求标题)."""
    if not text:
        return ""
    for column in KINDS[kind].import_columns:
        if text in (column.key, column.header):
            return column.key
    options = "、".join(c.header for c in KINDS[kind].import_columns)
    raise ValidationError.single("map", f"没有“{text}”这一列。可选：{options}。")


def _pairs(items: list[str], flag: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        if "=" not in item:
            raise ValidationError.single(flag, f"{flag} 的写法应为“左=右”，现在是“{item}”。")
        left, right = item.split("=", 1)
        pairs.append((left.strip(), right.strip()))
    return pairs


def _place_key(left: str) -> str:
    if "/" in left:
        township, village = left.split("/", 1)
        return mappings.village_key(township.strip(), village.strip())
    return mappings.township_key(left)


def run_import(args: argparse.Namespace) -> int:
    options = ImportOptions(
        on_duplicate=args.on_duplicate,
        year=args.year,
        sheet=args.sheet,
        columns={h: _column_key(args.kind, k) for h, k in _pairs(args.map, "--map")},
        places={_place_key(a): b or mappings.NEW for a, b in _pairs(args.map_place,
                                                                   "--map-place")},
        units={a: mappings.NEW if b in ("", mappings.NEW) else b.upper()
               for a, b in _pairs(args.map_unit, "--map-unit")},
        create_places=not args.no_create,
        create_units=not args.no_create,
        report=Path(args.report) if args.report else None,
    )
    tty = sys.stderr.isatty()

    def progress(done: int, total: int, text: str) -> None:
        if args.progress:
            sys.stderr.write(f"{text}\n")
            sys.stderr.flush()
        elif tty:
            sys.stderr.write(f"\r{text}".ljust(40))
            sys.stderr.flush()

    db = open_db(args)
    try:
        run = preview_import if args.dry_run else import_file
        result = run(db, args.kind, args.file, options, progress)
    finally:
        db.close()
    if tty and not args.progress:
        sys.stderr.write("\r" + " " * 60 + "\r")
    print(f"工作表“{result.sheet}”，表头在第 {result.header_row} 行；识别的列："
          + "、".join(f"{h}→{label}" if h != label else h for h, _k, label in result.columns))
    if result.unknown_headers:
        print("未导入的列：" + "、".join(result.unknown_headers))
    for place in result.places:
        print(f"地名：{place.text}")
    refused = result.refused
    for row in refused[:SHOW_ERRORS]:
        print(f"第 {row.row} 行：{row.message}")
    if len(refused) > SHOW_ERRORS:
        print(f"……另有 {len(refused) - SHOW_ERRORS} 行有错误，详见导入报告。")
    notes = [r for r in result.rows if r.outcome != Outcome.ERROR and r.messages]
    if notes and len(notes) <= SHOW_ERRORS:
        for row in notes:
            print(f"第 {row.row} 行（{row.label}）：{row.message}")
    print(result.summary())
    if args.dry_run:
        print("这是预览，数据库未作改动。去掉 --dry-run 即可导入。")
    if result.report_path:
        print(f"导入报告：{result.report_path}")
    if result.report_error:
        print(f"导入报告未能保存：{result.report_error}")
    for unit in result.units:
        if unit.action == "map":
            print(f"单位：{unit.text}")
    return result.exit_code
