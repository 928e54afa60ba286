"""``main.py dispatches list|notify|confirm|decline``: the dispatches, the ready-to-send
notification texts (WeChat/SMS), and the expert's answer — confirmation, or refusal with the
replacements proposed."""

from __future__ import annotations

import argparse
import sys

from services.cli.common import add_db_option, add_format_option, emit, open_db
from services.errors import ValidationError

COLUMNS = (
    ("code", "派遣编号"),
    ("state_label", "状态"),
    ("expert", "专家"),
    ("unit", "接收单位"),
    ("township", "乡镇"),
    ("start_date", "开始"),
    ("end_date", "结束"),
    ("need_code", "需求编号"),
    ("need_title", "需求"),
)
REPLACEMENT_COLUMNS = (
    ("source", "来源"),
    ("expert_code", "专家编号"),
    ("expert_name", "专家"),
    ("start", "开始"),
    ("end", "结束"),
    ("score", "得分"),
    ("check", "冲突检查"),
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dispatches", help="派遣单：列表、通知文本、专家确认或婉拒")
    add_db_option(p)
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)

    ls = actions.add_parser("list", help="列出派遣")
    add_db_option(ls)
    add_format_option(ls)
    ls.add_argument("--status", action="append", metavar="状态",
                    help="只列出某状态：planned 拟派、confirmed 已确认、in_progress 进行中、"
                         "completed 已完成、declined 已婉拒、cancelled 已取消（可多次使用）")
    ls.set_defaults(handler=_list)

    nt = actions.add_parser("notify", help="生成发给专家或接收单位的通知文本（可粘贴到微信、短信）")
    add_db_option(nt)
    nt.add_argument("code", help="派遣编号，如 PQ-2026-0001")
    nt.add_argument("--for", dest="audience", choices=("expert", "unit", "both"), default="both",
                    help="通知对象：expert 专家、unit 接收单位、both 两者（默认）")
    nt.set_defaults(handler=_notify)

    cf = actions.add_parser("confirm", help="登记专家已确认（拟派 → 已确认）")
    add_db_option(cf)
    cf.add_argument("code", help="派遣编号")
    cf.set_defaults(handler=_confirm)

    dc = actions.add_parser("decline", help="登记专家婉拒，并列出可替换的专家")
    add_db_option(dc)
    dc.add_argument("code", help="派遣编号")
    dc.add_argument("--reason", required=True, help="婉拒原因")
    dc.add_argument("--replace-with", metavar="专家编号",
                    help="直接派这位专家替换（在婉拒派遣的日期，经冲突检查）")
    dc.set_defaults(handler=_decline)


def _list(args: argparse.Namespace) -> int:
    from services import dispatches

    wanted = set(args.status or ())
    unknown = wanted - set(dispatches.STATE_LABELS)
    if unknown:
        raise ValidationError.single("status", f"未知的派遣状态：{'、'.join(sorted(unknown))}。")
    with open_db(args).session() as session:
        rows = [r for r in dispatches.list_rows(session).dicts()
                if not wanted or r["state"] in wanted]
    emit(rows, COLUMNS, args.format)
    return 0


def _notify(args: argparse.Namespace) -> int:
    from services import notifications

    with open_db(args).session() as session:
        texts = [(notifications.AUDIENCES[a], notifications.notice(session, args.code, a))
                 for a in (("expert", "unit") if args.audience == "both" else (args.audience,))]
    for i, (who, text) in enumerate(texts):
        if len(texts) > 1:
            sys.stdout.write(("\n" if i else "") + f"—— 发给{who} ——\n")
        sys.stdout.write(text + "\n")
    return 0


def _confirm(args: argparse.Namespace) -> int:
    from services import dispatches

    with open_db(args).unit_of_work() as uow:
        d = dispatches.confirm_dispatch(uow.session, args.code)
        uow.commit()
        print(f"派遣 {d.code} 已确认。")
    return 0


def _decline(args: argparse.Namespace) -> int:
    from services import dispatches

    with open_db(args).unit_of_work() as uow:
        declined = dispatches.decline(uow.session, args.code, args.reason, uow.actor)
        written = None
        if args.replace_with:
            written = dispatches.create_replacement(uow.session, declined.code, args.replace_with,
                                                    declined.start, declined.end,
                                                    actor=uow.actor)
        uow.commit()
    print(f"派遣 {declined.code}（{declined.expert_name}）已登记婉拒，需求 {declined.need_code} "
          "回到“论证通过”。")
    if written is not None:
        print(f"已派出替换：{written.code}。")
        return 0
    rows = [{**vars(r), "check": "可派" if r.ok else "；".join(r.blocked)}
            for r in declined.replacements]
    if rows:
        print("可替换的专家：")
        emit(rows, REPLACEMENT_COLUMNS, "text")
        print("用 --replace-with 专家编号 直接派出替换。")
    else:
        print("没有找到可替换的专家。")
    return 0
