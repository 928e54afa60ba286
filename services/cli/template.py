"""``main.py template needs|experts|units --out F.xlsx``: write an import template."""

from __future__ import annotations

import argparse

from services.cli.common import add_db_option, open_db
from services.exchange.schema import IMPORT_KINDS, KINDS
from services.exchange.templates import write_template


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="生成 Excel 导入模板（需求、专家、单位）")
    p.add_argument("kind", choices=IMPORT_KINDS, metavar="清单",
                   help="needs（需求）、experts（专家）或 units（需求单位）")
    p.add_argument("--out", required=True, metavar="文件", help="模板保存为（.xlsx）")
    add_db_option(p)
    p.set_defaults(handler=template)


def template(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        with db.session() as session:
            path = write_template(session, args.kind, args.out)
    finally:
        db.close()
    print(f"已生成{KINDS[args.kind].label}导入模板：{path}")
    return 0
