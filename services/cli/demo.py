"""``main.py demo [--db 路径] [--seed N] [--year 年份] [--open]``: the demo county 云岭县."""

from __future__ import annotations

import argparse
import sys

from services.cli.common import open_db
from services.demo import create_demo, demo_data, existing_data
from services.errors import ServiceError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="生成演示数据（虚构的云岭县），用于试用和培训",
        description=(
            "在一个新的空数据库中生成虚构的“云岭县”演示数据：乡镇、村、需求单位、专家、"
            "一年的基层需求及其七步法流转、派遣记录。同样的随机种子总是生成同样的数据。"
            "为避免与真实数据混在一起，数据库中已有数据时不会写入。"
        ),
    )
    parser.add_argument(
        "--db",
        metavar="路径",
        help="新数据库文件的路径，如 演示县.db（默认：用户数据文件夹中的数据库，但它必须还是空的）",
    )
    parser.add_argument("--seed", type=int, default=2026, metavar="整数",
                        help="随机种子（默认 2026）；换一个种子得到另一套演示数据")
    parser.add_argument("--year", type=int, metavar="年份",
                        help="需求所在的年份（默认今年）")
    parser.add_argument("--open", action="store_true",
                        help="生成后直接用图形界面打开这个数据库")
    parser.set_defaults(handler=run_demo)


class _StageReporter:
    """Prints each stage once on stderr (stdout stays for the summary)."""

    def __init__(self) -> None:
        self.stage = ""

    def __call__(self, done: int, total: int, text: str) -> None:
        if text != self.stage:
            self.stage = text
            sys.stderr.write(f"正在生成{text}……（{done}/{total}）\n")
            sys.stderr.flush()


def run_demo(args: argparse.Namespace) -> int:
    database = open_db(args)
    try:
        if args.open:
            with database.session() as session:
                already = existing_data(session)
            if already:
                # The quick start runs the same command twice: the second time just opens.
                print(f"数据库 {database.display_name} 中已有数据，不再生成，直接打开。")
                return _open_window(args, database.url)
        summary = create_demo(database, seed=args.seed, year=args.year,
                              progress=_StageReporter())
        where = database.display_name
        url = database.url
    finally:
        database.close()
    county = demo_data()["places"]["county"]["name"]
    print(f"已生成演示数据（{county}）：{summary.text()}。")
    print(f"数据库：{where}")
    if args.open:
        return _open_window(args, url)
    return 0


def _open_window(args: argparse.Namespace, url: str) -> int:
    # main.py hands in the GUI launcher; services never import Qt themselves.
    launch = getattr(args, "launch_gui", None)
    if launch is None:
        raise ServiceError("这里无法打开图形界面。请不带 --open 运行，然后用 main.py --db 路径 打开。")
    return int(launch(["--db", args.db or url]))
