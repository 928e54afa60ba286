"""An independent check of a plan against every hard rule, from the snapshot's raw data.

It shares no code with the candidate builder or the solver (only the plain data classes), so a
mistake there cannot hide itself here. Used by the tests, the benchmark, and as a last guard
before a plan is shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from services.matching.snapshot import TITLE_RANK, NeedInfo, Snapshot, Visit

# Kinds of violation, one per hard rule.
WINDOW = "window"
LENGTH = "length"
UNAVAILABLE = "unavailable"
HOLIDAY = "holiday"
WEEKEND = "weekend"
DOUBLE_BOOKED = "double_booked"
MONTH_CAP = "month_cap"
YEAR_CAP = "year_cap"
TEAM_SIZE = "team_size"
TEAM_DATES = "team_dates"
SPECIALTY = "specialty"
TITLE = "title"
CONFLICT = "conflict_of_interest"
DECLINED = "declined"
PINNED = "pinned_moved"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Violation:
    kind: str
    message: str


def _ancestors(snapshot: Snapshot, node: int) -> list[int]:
    out = [node]
    while (parent := snapshot.tree.parent.get(out[-1])) is not None and len(out) < 10:
        out.append(parent)
    return out


def _cover_rank(snapshot: Snapshot, need_field: int, expert_fields: tuple[int, ...]) -> int:
    """4 exact or narrower, 3 broader industry, 2 same industry, 1 same field, 0 none — the
    scale of ``fieldtree.LEVEL_RANK``, re-derived here on purpose."""
    need_path = _ancestors(snapshot, need_field)
    best = 0
    for f in expert_fields:
        path = _ancestors(snapshot, f)
        if need_field in path:
            rank = 4
        elif f in need_path:
            rank = 3 if len(path) >= 2 else 1
        elif len(need_path) >= 2 and len(path) >= 2 and need_path[-2] == path[-2]:
            rank = 2
        elif need_path[-1] == path[-1]:
            rank = 1
        else:
            rank = 0
        best = max(best, rank)
    return best


def validate(snapshot: Snapshot, plan: list[Visit]) -> list[Violation]:
    """Every broken hard rule of ``plan`` (new visits) given the snapshot's busy visits."""
    out: list[Violation] = []
    needs: dict[int, NeedInfo] = {n.id: n for n in snapshot.needs}
    everything = list(snapshot.busy) + list(plan)
    pinned = {(v.need_id, v.expert_id): v for v in snapshot.busy if v.pinned}

    for v in plan:
        need = needs.get(v.need_id)
        expert = snapshot.experts.get(v.expert_id)
        if need is None or expert is None:
            out.append(Violation(UNKNOWN, f"计划中有未知的需求或专家（{v.need_id}/{v.expert_id}）"))
            continue
        who = f"{need.code} {expert.name}"
        if (v.end - v.start).days + 1 != need.days:
            out.append(Violation(LENGTH, f"{who}：服务 {(v.end - v.start).days + 1} 天，"
                                         f"需求要求连续 {need.days} 天"))
        lo = max(need.window_start or snapshot.start, snapshot.start)
        hi = min(need.window_end or snapshot.end, snapshot.end)
        if v.start < lo or v.end > hi:
            out.append(Violation(WINDOW, f"{who}：{v.start}～{v.end} 不在窗口 {lo}～{hi} 内"))
        day = v.start
        while day <= v.end:
            if any(a <= day <= b for a, b in expert.unavailable):
                out.append(Violation(UNAVAILABLE, f"{who}：{day} 专家不可服务"))
            if not snapshot.allow_holidays and day in snapshot.days_off:
                out.append(Violation(HOLIDAY, f"{who}：{day} 是节假日"))
            if (not snapshot.allow_weekends and day.weekday() >= 5
                    and day not in snapshot.workdays):
                out.append(Violation(WEEKEND, f"{who}：{day} 是周末"))
            day += timedelta(days=1)
        if _cover_rank(snapshot, need.field_id, expert.field_ids) < snapshot.min_match_rank:
            out.append(Violation(SPECIALTY, f"{who}：专业不对口"))
        if TITLE_RANK.get(expert.title, 0) < TITLE_RANK.get(need.required_title or "", 0):
            out.append(Violation(TITLE, f"{who}：职称低于要求"))
        if expert.employer_unit_id is not None and expert.employer_unit_id == need.unit_id:
            out.append(Violation(CONFLICT, f"{who}：专家是需求单位职工"))
        if v.expert_id in need.declined:
            out.append(Violation(DECLINED, f"{who}：专家已婉拒该需求"))
        old = pinned.get((v.need_id, v.expert_id))
        if old is not None and (old.start, old.end) != (v.start, v.end):
            out.append(Violation(PINNED, f"{who}：已确认的派遣被改动"))

    # One place per day, across the plan and every visit it must respect.
    seen: dict[tuple[int, date], Visit] = {}
    in_plan = {id(v) for v in plan}
    for v in everything:
        day = v.start
        while day <= v.end:
            other = seen.get((v.expert_id, day))
            # Clashes among visits that already exist are not this plan's doing.
            if other is not None and other is not v and (id(v) in in_plan
                                                         or id(other) in in_plan):
                expert = snapshot.experts.get(v.expert_id)
                name = expert.name if expert else str(v.expert_id)
                first = needs[other.need_id].code if other.need_id in needs else (
                    other.dispatch_code or "另一项派遣")
                second = needs[v.need_id].code if v.need_id in needs else (
                    v.dispatch_code or "另一项派遣")
                out.append(Violation(DOUBLE_BOOKED, f"{name}在 {day} 同时有两项服务"
                                                    f"（{first} 与 {second}）"))
            seen[(v.expert_id, day)] = v
            day += timedelta(days=1)

    # Caps, counting every visit of the expert in the month or year.
    month: dict[tuple[int, int, int], int] = defaultdict(int)
    year: dict[tuple[int, int], int] = defaultdict(int)
    for v in everything:
        day = v.start
        while day <= v.end:
            month[(v.expert_id, day.year, day.month)] += 1
            year[(v.expert_id, day.year)] += 1
            day += timedelta(days=1)
    # Only where the plan adds days: an existing excess is not this plan's doing.
    planned_months = {(v.expert_id, d.year, d.month) for v in plan for d in v.dates()}
    planned_years = {(e, y) for e, y, _ in planned_months}
    for (e, y, m), n in month.items():
        expert = snapshot.experts.get(e)
        if (e, y, m) in planned_months and expert is not None and n > expert.month_cap:
            out.append(Violation(MONTH_CAP, f"{expert.name} {y}年{m}月服务 {n} 天，"
                                            f"超过上限 {expert.month_cap} 天"))
    for (e, y), n in year.items():
        expert = snapshot.experts.get(e)
        if (e, y) in planned_years and expert is not None and n > expert.year_cap:
            out.append(Violation(YEAR_CAP, f"{expert.name} {y}年服务 {n} 天，"
                                           f"超过上限 {expert.year_cap} 天"))

    # Teams: k distinct experts, all on the same days.
    by_need: dict[int, list[Visit]] = defaultdict(list)
    for v in everything:
        if v.need_id in needs:
            by_need[v.need_id].append(v)
    planned_needs = {v.need_id for v in plan}
    for need_id in planned_needs:
        need = needs[need_id]
        team = by_need[need_id]
        experts = [v.expert_id for v in team]
        if len(set(experts)) != len(experts) or len(experts) != need.experts_wanted:
            out.append(Violation(TEAM_SIZE, f"{need.code}：需要 {need.experts_wanted} 名不同专家，"
                                            f"实际 {len(set(experts))} 名（{len(experts)} 项）"))
        if len({(v.start, v.end) for v in team}) > 1:
            out.append(Violation(TEAM_DATES, f"{need.code}：同一需求的专家日期不一致"))
    return out
