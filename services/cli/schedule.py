"""``main.py schedule --from DATE --to DATE [--time-limit S] [--apply] [--format json]``:
a season plan for the reviewed needs of the period, with the unplanned needs and their
reasons, the objective and the gap; ``--apply`` writes the dispatches."""

from __future__ import annotations

import argparse
import json
import sys

from services import validation as v
from services.cli.common import add_db_option, emit, open_db
from services.errors import ValidationError

VISIT_COLUMNS = (
    ("need_code", "需求编号"),
    ("need_title", "需求"),
    ("township", "乡镇"),
    ("expert_code", "专家编号"),
    ("expert_name", "专家"),
    ("start", "开始"),
    ("end", "结束"),
    ("score", "得分"),
    ("state", "状态"),
)
UNPLANNED_COLUMNS = (("need_code", "需求编号"), ("need_title", "需求"), ("reason", "未安排原因"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schedule", help="排程：为一段时间内已论证的需求安排专家和日期")
    add_db_option(p)
    p.add_argument("--from", dest="start", required=True, metavar="日期",
                   help="计划期开始日期，如 2026-05-01")
    p.add_argument("--to", dest="end", required=True, metavar="日期", help="计划期结束日期")
    p.add_argument("--time-limit", type=float, metavar="秒",
                   help="最长计算时间（秒，默认按设置，一般 10 秒）；到时返回已找到的最好方案")
    p.add_argument("--apply", action="store_true", help="把方案写入派遣（拟派），需求改为已匹配")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text",
                   help="输出格式：text（默认）、csv（安排表）、json（完整方案）")
    p.add_argument("--replan", action="store_true",
                   help="重新排程：已匹配需求的拟派派遣尽量保持不变，列出改动")
    p.add_argument("--need", action="append", metavar="需求编号",
                   help="只排这些需求（可多次使用）")
    p.add_argument("--progress", action="store_true", help="在标准错误输出显示计算进度")
    p.set_defaults(handler=run)


def _date(text: str, field: str, label: str):  # type: ignore[no-untyped-def]
    day = v.parse_date(text, field, label)
    if day is None:
        raise ValidationError.single(field, f"请填写{label}。")
    return day


def run(args: argparse.Namespace) -> int:
    from services.matching import accept_plan, plan_season

    start = _date(args.start, "start", "开始日期")
    end = _date(args.end, "end", "结束日期")
    if args.time_limit is not None and not 0.5 <= args.time_limit <= 3600:
        raise ValidationError.single("time_limit", "计算时间应在 0.5 到 3600 秒之间。")

    def progress(done: int, total: int, text: str) -> None:
        sys.stderr.write(f"[{done / 1000:5.1f}/{total / 1000:.0f} 秒] {text}\n")

    db = open_db(args)
    with db.unit_of_work() as uow:
        plan = plan_season(uow.session, start, end, need_codes=args.need, replan=args.replan,
                           time_limit=args.time_limit,
                           progress=progress if args.progress else None)
        written = []
        if args.apply:
            written = accept_plan(uow.session, plan, uow.actor)
            uow.commit()
    if args.format == "json":
        data = plan.to_dict()
        data["applied"] = [d.code for d in written]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return 0
    rows = [{**vars(p), "state": "已确定" if p.pinned else "拟派"} for p in plan.visits]
    if args.format == "csv":
        emit(rows, VISIT_COLUMNS, "csv")
        return 0
    s = plan.stats
    print(f"计划期 {plan.start} 至 {plan.end}：{s.summary()}")
    unit = max(s.weight_unit, 1)
    print(f"按重点加权的安排量 {s.weight_served / unit:g} 条（逐条安排法 {s.greedy_weight / unit:g} 条，"
          f"比值 {s.weight_served / max(s.greedy_weight, 1):.3f}；脱贫村、重点帮扶村的需求加权计）")
    print()
    emit(rows, VISIT_COLUMNS, "text")
    if plan.unplanned:
        print()
        print(f"未安排的需求（{len(plan.unplanned)} 条）：")
        emit([vars(u) for u in plan.unplanned], UNPLANNED_COLUMNS, "text")
    if plan.changes:
        print()
        print(f"与原安排相比的改动（{len(plan.changes)} 项）：")
        for change in plan.changes:
            print(f"  {change.text}")
    if args.apply:
        print()
        print(f"已写入 {len(written)} 项派遣（拟派）。" if written else "没有需要写入的派遣。")
    elif plan.visits:
        print()
        print("这是建议方案，尚未写入。确认后加 --apply 写入派遣。")
    return 0
