"""Why a need was left out of a plan, in words a person understands:

"窗口 5月6日–5月20日内没有空闲的油茶专家（3 人：2 人不可服务，1 人已有派遣）；
最接近的是张某（5月22日起可用）"
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from services.matching.availability import Usage, caps_allow, unavailable_ordinals
from services.matching.candidates import Candidates, ExpertIndex
from services.matching.fieldtree import FIELD, LEVEL_RANK
from services.matching.scoring import conflict_of_interest, meets_title
from services.matching.snapshot import ExpertInfo, NeedInfo, Snapshot, Visit

LOOK_AROUND_DAYS = 60  # how far outside the window to look for the nearest free expert


def cn_date(day: date, year: int | None = None) -> str:
    """"5月6日" (with the year when it differs from ``year``)."""
    text = f"{day.month}月{day.day}日"
    return text if year is None or day.year == year else f"{day.year}年{text}"


def cn_range(a: date, b: date) -> str:
    return cn_date(a) if a == b else f"{cn_date(a)}–{cn_date(b, a.year)}"


def _specialty_name(snapshot: Snapshot, need: NeedInfo) -> str:
    tree = snapshot.tree
    if snapshot.min_match_rank <= LEVEL_RANK[FIELD]:
        return tree.name(tree.root(need.field_id))
    if snapshot.min_match_rank >= LEVEL_RANK["exact"]:
        return tree.name(need.field_id)
    return tree.name(tree.industry(need.field_id) or need.field_id)


def _names(experts: list[ExpertInfo], limit: int = 3) -> str:
    text = "、".join(e.name for e in experts[:limit])
    return text + (f" 等 {len(experts)} 人" if len(experts) > limit else "")


def _free_start(snapshot: Snapshot, expert: ExpertInfo, usage: Usage, taken: set[int],
                day: date, days: int) -> bool:
    lo = day.toordinal()
    blocked = unavailable_ordinals(expert, lo, lo + days - 1)
    for i in range(days):
        d = day + timedelta(days=i)
        o = lo + i
        if o in blocked or o in usage.busy.get(expert.id, ()) or o in taken:
            return False
        if (not snapshot.allow_holidays and d in snapshot.days_off) or (
                not snapshot.allow_weekends and d.weekday() >= 5 and d not in snapshot.workdays):
            return False
    return caps_allow(expert, usage, day, days) is None


def _nearest(snapshot: Snapshot, experts: list[ExpertInfo], usage: Usage,
             taken: dict[int, set[int]], need: NeedInfo, lo: date, hi: date
             ) -> tuple[ExpertInfo, date] | None:
    """The eligible expert free soonest outside the window (before or after it)."""
    best: tuple[int, ExpertInfo, date] | None = None
    for expert in experts:
        for step in range(1, LOOK_AROUND_DAYS + 1):
            if best is not None and step >= best[0]:
                break
            for day in (hi - timedelta(days=need.days - 1) + timedelta(days=step),
                        lo - timedelta(days=step)):
                if _free_start(snapshot, expert, usage, taken.get(expert.id, set()), day,
                               need.days):
                    best = (step, expert, day)
                    break
            if best is not None and best[1] is expert:
                break
    return (best[1], best[2]) if best else None


def _blocked_reasons(snapshot: Snapshot, expert: ExpertInfo, usage: Usage, lo: date, hi: date,
                     need: NeedInfo) -> str:
    """The main thing keeping one expert from the window: leave, other dispatches, holidays
    or a cap."""
    a, b = lo.toordinal(), hi.toordinal()
    away = unavailable_ordinals(expert, a, b)
    busy = {o for o in usage.busy.get(expert.id, ()) if a <= o <= b}
    if len(away) >= len(busy) and away:
        return "不可服务"
    if busy:
        return "已有派遣"
    for start_day in (lo + timedelta(days=i) for i in range((hi - lo).days - need.days + 2)):
        cap = caps_allow(expert, usage, start_day, need.days)
        if cap is not None:
            return "服务天数已达上限"
    return "节假日或周末"


def reasons(snapshot: Snapshot, full: Candidates, plan: list[Visit]) -> dict[int, str]:
    """A reason for every need of the snapshot the plan leaves unserved."""
    served = {v.need_id for v in plan} | {n.id for n in full.complete}
    options = {no.need.id: no for no in full.needs}
    index = ExpertIndex(snapshot)
    usage = Usage.of(list(snapshot.busy) + list(plan))
    taken: dict[int, set[int]] = defaultdict(set)
    by_day_need: dict[tuple[int, int], int] = {}
    for v in plan:
        for d in v.dates():
            by_day_need[(v.expert_id, d.toordinal())] = v.need_id
    codes = {n.id: n.code for n in snapshot.needs}
    out: dict[int, str] = {}
    for need in snapshot.needs:
        if need.id in served:
            continue
        lo, hi = snapshot.window(need)
        window = f"窗口 {cn_range(lo, hi)}"
        specialty = _specialty_name(snapshot, need)
        if hi < lo:
            out[need.id] = "需求的时间窗口不在本次计划期内。"
            continue
        if (hi - lo).days + 1 < need.days:
            out[need.id] = (f"{window}只有 {(hi - lo).days + 1} 天，短于每次服务所需的连续 "
                            f"{need.days} 天。请放宽时间窗口。")
            continue
        related = [e for e in index.candidates(need, snapshot.min_match_rank)
                   if snapshot.tree.match(need.field_id, e.field_ids).rank
                   >= snapshot.min_match_rank]
        if not related:
            out[need.id] = f"专家库中没有{specialty}专业的专家。请补充专家，或调整需求的专业领域。"
            continue
        allowed = [e for e in related if not conflict_of_interest(need, e)
                   and e.id not in need.declined]
        if not allowed:
            why = "、".join(f"{e.name}{'是该单位职工（利益冲突）' if conflict_of_interest(need, e) else '已婉拒'}"
                           for e in related[:3])
            out[need.id] = (f"没有可派的{specialty}专家：{why}。请补充专家，或由其他单位的专家承担。")
            continue
        qualified = [e for e in allowed if meets_title(need, e)]
        if not qualified:
            out[need.id] = (f"{specialty}专家 {_names(allowed)} 的职称都低于要求"
                            f"（{need.required_title}及以上）。可放宽职称要求。")
            continue
        no = options.get(need.id)
        team = f"需要 {need.experts_wanted} 名专家同时到场，" if need.experts_wanted > 1 else ""
        if no is None or not no.options:
            causes = Counter(_blocked_reasons(snapshot, e, usage, lo, hi, need)
                             for e in qualified)
            detail = "，".join(f"{n} 人{why}" for why, n in causes.most_common())
            text = (f"{window}内没有连续 {need.days} 天空闲的{specialty}专家"
                    f"（{len(qualified)} 人：{detail}）")
            near = _nearest(snapshot, qualified, usage, taken, need, lo, hi)
            if near:
                text += f"；最接近的是{near[0].name}（{cn_date(near[1])}起可用）"
            out[need.id] = text + "。"
            continue
        if not no.team_starts:
            best = max(Counter(s for o in no.options for s in o.starts).values())
            out[need.id] = (f"{team}{window}内最多只有 {best} 名{specialty}专家有共同的空闲日。"
                            "可减少人数或放宽时间窗口。")
            continue
        # Options existed: the plan gave those experts' days to other needs.
        others: Counter[str] = Counter()
        for o in no.options:
            for s in o.starts:
                for t in range(s, s + no.days):
                    other = by_day_need.get((o.expert_id, full.day(t).toordinal()))
                    if other is not None and other != need.id:
                        others[codes.get(other, str(other))] += 1
        if others:
            names = "、".join(code for code, _ in others.most_common(3))
            out[need.id] = (f"{team}{window}内的{specialty}专家已安排给其他需求（{names} 等），"
                            "这些需求更优先或只能在这几天安排。可放宽时间窗口、增加专家，"
                            "或把本需求设为重点后重新排程。")
        else:
            out[need.id] = (f"{team}{window}内的{specialty}专家本月或今年的服务天数已达上限。"
                            "可放宽时间窗口或增加专家。")
    return out
