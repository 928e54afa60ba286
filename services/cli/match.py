"""``main.py match NEED_CODE``: the ranked experts for a need, with the reasons per factor.

Also the 揭榜挂帅 side: ``match --published [--out F.csv]`` prints or exports the published
list (榜单); ``match NEED_CODE --apply-by ZJ-0001[,ZJ-0002] [--team 名称] [--plan 方案]``
records an application.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.cli.common import add_db_option, add_format_option, emit, open_db
from services.errors import ValidationError

COLUMNS = (
    ("rank", "名次"),
    ("role", "类别"),
    ("code", "专家编号"),
    ("name", "姓名"),
    ("title", "职称"),
    ("score", "得分"),
    ("plannable", "窗口内可派"),
    ("reasons", "理由"),
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("match", help="推荐专家：按得分列出适合某条需求的专家及理由；揭榜挂帅榜单")
    p.add_argument("code", nargs="?", help="需求编号，如 XQ-2026-0001")
    add_db_option(p)
    add_format_option(p)
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="最多列出 N 名专家（默认 20；0 表示全部）")
    p.add_argument("--published", action="store_true",
                   help="列出揭榜挂帅榜单（已论证、尚未确定专家的需求）")
    p.add_argument("--out", metavar="文件", help="与 --published 同用：把榜单保存为 CSV 文件")
    p.add_argument("--apply-by", metavar="专家编号",
                   help="登记揭榜：专家编号，团队揭榜用逗号分隔（第一位为负责人）")
    p.add_argument("--team", default="", help="与 --apply-by 同用：团队名称")
    p.add_argument("--plan", default="", help="与 --apply-by 同用：服务方案")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from services.matching import applications, rank_experts

    if args.published:
        return _published(args)
    if not args.code:
        raise ValidationError.single("code", "请给出需求编号（如 XQ-2026-0001），或用 --published 列出榜单。")
    db = open_db(args)
    if args.apply_by:
        with db.unit_of_work() as uow:
            experts = [c.strip() for c in args.apply_by.replace("，", ",").split(",") if c.strip()]
            app = applications.apply(uow.session, args.code, experts, team_name=args.team,
                                     plan=args.plan)
            uow.commit()
            print(f"已登记揭榜 {app.code}：{app.team_name or app.lead.name} 揭榜需求 {app.need.code}。")
        return 0
    with db.session() as session:
        ranking = rank_experts(session, args.code, limit=args.limit or None)
    rows = [{
        "rank": i, "role": r.role, "code": r.code, "name": r.name, "title": r.title,
        "score": r.score, "plannable": "是" if r.plannable else "否",
        "reasons": r.reasons + (f"（{r.note}）" if r.note else ""),
    } for i, r in enumerate(ranking.experts, start=1)]
    if args.format == "json":
        data = {
            "need": ranking.need_code, "title": ranking.need_title,
            "window": [ranking.window_start.isoformat(), ranking.window_end.isoformat()],
            "experts_wanted": ranking.experts_wanted,
            "experts": [{
                "rank": i, "role": r.role, "code": r.code, "name": r.name, "title": r.title,
                "score": r.score, "plannable": r.plannable, "meets_rules": r.meets_rules,
                "factors": [{"key": f.key, "text": f.label, "points": round(f.points, 1)}
                            for f in r.factors],
                "reasons": r.reasons, "note": r.note,
                "free_days": [d.isoformat() for d in r.free_days],
            } for i, r in enumerate(ranking.experts, start=1)],
            "excluded": [{"name": n, "reason": why} for n, why in ranking.excluded],
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return 0
    if args.format == "text":
        print(f"需求 {ranking.need_code}：{ranking.need_title}")
        print(f"时间窗口 {ranking.window_start} 至 {ranking.window_end}，需要专家 "
              f"{ranking.experts_wanted} 名")
        print()
    emit(rows, COLUMNS, args.format)
    if args.format == "text":
        if not rows:
            print("没有符合条件的专家。")
        for name, why in ranking.excluded:
            print(f"已排除：{name}，{why}")
    return 0


def _published(args: argparse.Namespace) -> int:
    from services.matching import applications

    db = open_db(args)
    with db.session() as session:
        if args.out:
            text = applications.published_csv(session)
            Path(args.out).write_text(text, encoding="utf-8-sig")
            count = max(0, text.count("\r\n") - 1)
            print(f"已保存榜单（{count} 条需求）到 {args.out}")
            return 0
        rows = applications.published_list(session)
    emit(rows, applications.PUBLISHED_COLUMNS, args.format)
    return 0
