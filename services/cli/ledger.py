"""``main.py ledger EXPERT --year Y``: one expert's days at the grassroots in a year — each
completed dispatch and workstation stay, and the total (the figure the service certificate
and the talent card rule use). ``--cards`` lists who qualifies for a card and whose card
expires soon."""

from __future__ import annotations

import argparse
from datetime import date

from services.cli.common import add_db_option, add_format_option, emit, open_db
from services.errors import ValidationError

COLUMNS = (("kind", "类别"), ("code", "编号"), ("start", "开始"), ("end", "结束"),
           ("days", "天数"), ("where", "地点/单位"), ("content", "内容"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ledger", help="专家服务台账：某位专家一年的服务基层天数（派遣、工作站）")
    p.add_argument("expert", nargs="?", help="专家编号（如 ZJ-0001）、姓名或 ID")
    add_db_option(p)
    p.add_argument("--year", type=int, default=date.today().year, metavar="年份",
                   help="年度（默认今年）")
    p.add_argument("--cards", action="store_true",
                   help="列出可申领惠才卡（未持有效卡）的专家和即将到期的卡")
    add_format_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from services.outcomes import cards, ledger

    if not args.expert and not args.cards:
        raise ValidationError.single("expert", "请给出专家编号、姓名或 ID，或用 --cards。")
    db = open_db(args)
    try:
        with db.session() as session:
            if args.cards:
                qualified = cards.qualifying(session, args.year)
                print(f"{args.year} 年服务满 {cards.settings.get(session, 'cards.min_days')} 天、"
                      f"尚无有效惠才卡的专家：{len(qualified)} 名")
                emit([{"code": q.code, "name": q.name, "days": q.days} for q in qualified],
                     (("code", "专家编号"), ("name", "姓名"), ("days", "服务天数")), args.format)
                soon = cards.expiring(session)
                print(f"\n即将到期的惠才卡：{len(soon)} 张")
                emit(soon, (("number", "卡号"), ("expert_code", "专家编号"),
                            ("expert_name", "姓名"), ("valid_until", "有效期至")), args.format)
                return 0
            book = ledger.expert_ledger(session, args.expert, args.year)
            rows = [{"kind": i.kind_label, "code": i.code, "start": i.start, "end": i.end,
                     "days": i.days, "where": i.where, "content": i.content}
                    for i in book.items]
            if args.format == "text":
                print(f"{book.code} {book.name}（{book.title}）{book.year} 年服务基层台账")
            emit(rows, COLUMNS, args.format)
            if args.format == "text":
                print(f"合计：{book.total_days} 天（派遣 {book.dispatch_days} 天，"
                      f"工作站 {book.workstation_days} 天）")
            return 0
    finally:
        db.close()
