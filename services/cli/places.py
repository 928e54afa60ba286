"""``main.py places townships|villages|add-township|add-village``."""

from __future__ import annotations

import argparse

from services import places
from services.cli.common import add_db_option, add_format_option, emit, open_db


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("places", help="乡镇与村：列表、录入")
    actions = parser.add_subparsers(title="操作", metavar="操作", required=True)

    p = actions.add_parser("townships", help="列出乡镇")
    add_db_option(p)
    add_format_option(p)
    p.set_defaults(handler=list_townships)

    p = actions.add_parser("villages", help="列出村")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("--township", help="只列出该乡镇的村")
    p.set_defaults(handler=list_villages)

    p = actions.add_parser("add-township", help="录入乡镇")
    add_db_option(p)
    p.add_argument("name", help="乡镇名称")
    p.add_argument("--lat", dest="latitude", help="纬度")
    p.add_argument("--lon", dest="longitude", help="经度")
    p.set_defaults(handler=add_township)

    p = actions.add_parser("add-village", help="录入村")
    add_db_option(p)
    p.add_argument("township", help="所属乡镇")
    p.add_argument("name", help="村名称")
    p.add_argument("--key-support", dest="key_support", action="store_true", help="重点帮扶村")
    p.add_argument("--poverty-alleviated", dest="poverty_alleviated", action="store_true",
                   help="脱贫村")
    p.add_argument("--lat", dest="latitude", help="纬度")
    p.add_argument("--lon", dest="longitude", help="经度")
    p.set_defaults(handler=add_village)


def list_townships(args: argparse.Namespace) -> int:
    with open_db(args).session() as session:
        rows = places.list_townships(session)
    emit(rows, (("name", "乡镇"), ("villages", "村数"), ("latitude", "纬度"),
                ("longitude", "经度")), args.format)
    return 0


def list_villages(args: argparse.Namespace) -> int:
    with open_db(args).session() as session:
        township_id = places.find_township(session, args.township).id if args.township else None
        rows = places.list_villages(session, township_id)
    emit(rows, (("township", "乡镇"), ("name", "村"), ("poverty_alleviated", "脱贫村"),
                ("key_support", "重点帮扶村"), ("latitude", "纬度"), ("longitude", "经度")),
         args.format)
    return 0


def add_township(args: argparse.Namespace) -> int:
    with open_db(args).unit_of_work() as uow:
        township = places.create_township(uow.session, vars(args))
        uow.commit()
        print(f"已录入乡镇：{township.name}")
    return 0


def add_village(args: argparse.Namespace) -> int:
    with open_db(args).unit_of_work() as uow:
        village = places.create_village(uow.session, vars(args))
        uow.commit()
        print(f"已录入村：{args.township}{village.name}")
    return 0
