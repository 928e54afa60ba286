"""``main.py package export|import|show``: the reporting-upward package (数据报送包)."""

from __future__ import annotations

import argparse
from datetime import date

from services import settings
from services.cli.common import add_db_option, open_db
from services.errors import ValidationError
from services.exchange.packages import (
    default_package_name,
    export_package,
    import_package,
    iter_counts,
    read_manifest,
)
from services.validation import parse_date


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("package", help="数据报送：导出本县某一时期的数据包，或导入下级报送的数据包")
    actions = parser.add_subparsers(title="操作", metavar="操作", required=True)

    p = actions.add_parser("export", help="导出数据报送包（.zip）")
    add_db_option(p)
    p.add_argument("--out", metavar="文件", help="保存为（默认当前文件夹，按县名和时期命名）")
    p.add_argument("--from", dest="start", metavar="日期", help="时期开始，如 2026-01-01（默认今年 1 月 1 日）")
    p.add_argument("--to", dest="end", metavar="日期", help="时期结束，如 2026-12-31（默认今年 12 月 31 日）")
    p.add_argument("--year", type=int, help="整年，如 2026（代替 --from/--to）")
    p.set_defaults(handler=export)

    p = actions.add_parser("import", help="导入并合并下级报送的数据包")
    add_db_option(p)
    p.add_argument("file", metavar="文件", help="数据报送包（.zip）")
    p.add_argument("--dry-run", action="store_true", help="只预览，不写入数据库")
    p.set_defaults(handler=import_)

    p = actions.add_parser("show", help="查看数据包的说明（来源、时期、条数、主要数字），并检查是否完好")
    p.add_argument("file", metavar="文件", help="数据报送包（.zip）")
    p.set_defaults(handler=show)


def _period(args: argparse.Namespace) -> tuple[date, date]:
    year = args.year or date.today().year
    start = parse_date(args.start, "start", "开始日期") if args.start else date(year, 1, 1)
    end = parse_date(args.end, "end", "结束日期") if args.end else date(year, 12, 31)
    if start is None or end is None:
        raise ValidationError.single("start", "请填写时期。")
    return start, end


def export(args: argparse.Namespace) -> int:
    start, end = _period(args)
    db = open_db(args)
    try:
        with db.unit_of_work() as uow:
            county = settings.get(uow.session, "county.name")
            target = args.out or default_package_name(county, start, end)
            manifest = export_package(uow.session, target, start, end, actor=uow.actor)
            uow.commit()
    finally:
        db.close()
    print(f"已导出数据报送包：{target}")
    print(manifest.summary)
    for item in manifest.figures.values():
        print(f"  {item['label']}：{item['value']}")
    return 0


def import_(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        with db.unit_of_work() as uow:
            result = import_package(uow.session, args.file, dry_run=args.dry_run)
            if not args.dry_run:
                uow.commit()
    finally:
        db.close()
    print(result.manifest.summary)
    for line in result.conflicts:
        print(f"冲突：{line}")
    for line in result.notes:
        print(f"说明：{line}")
    print(result.summary())
    if args.dry_run:
        print("这是预览，数据库未作改动。")
    return 0


def show(args: argparse.Namespace) -> int:
    manifest = read_manifest(args.file)
    print(manifest.summary)
    print("数据包完好（校验和一致）。")
    for label, count in iter_counts(manifest):
        print(f"  {label}：{count} 条")
    for item in manifest.figures.values():
        print(f"  {item['label']}：{item['value']}")
    return 0
