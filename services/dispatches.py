"""Dispatches (派遣): one expert's consecutive days for one need.

The full conflict check (caps, holidays, specialty) belongs to the scheduling service; here
are the rules no dispatch may ever break: a live need and expert, dates in order, no expert in
two places on one day, never at a unit of the expert's own employer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    CropPhase,
    Dispatch,
    DispatchStatus,
    Expert,
    Need,
    NeedStatus,
    PlanProposal,
    ProposalStatus,
    Township,
    Unit,
)
from services import validation as v
from services.errors import IllegalTransitionError, ValidationError
from services.experts import get_expert
from services.needs import get_need
from services.records import RowSet, get_record, next_code

if TYPE_CHECKING:
    from services.matching import Change, Finding, Plan, PlannedVisit, Visit

STATUS_LABELS = {
    DispatchStatus.PLANNED: "拟派",
    DispatchStatus.CONFIRMED: "已确认",
    DispatchStatus.COMPLETED: "已完成",
    DispatchStatus.DECLINED: "已婉拒",
    DispatchStatus.CANCELLED: "已取消",
}
ACTIVE = (DispatchStatus.PLANNED, DispatchStatus.CONFIRMED, DispatchStatus.COMPLETED)
_MOVES = {
    DispatchStatus.PLANNED: {DispatchStatus.CONFIRMED, DispatchStatus.DECLINED,
                             DispatchStatus.CANCELLED},
    DispatchStatus.CONFIRMED: {DispatchStatus.COMPLETED, DispatchStatus.DECLINED,
                               DispatchStatus.CANCELLED},
}
_NEED_OPEN = (NeedStatus.REVIEWED, NeedStatus.MATCHED, NeedStatus.SERVED)


def overlapping(
    session: Session, expert_id: int, start: date, end: date, exclude_id: int | None = None
) -> list[Dispatch]:
    stmt = select(Dispatch).where(
        Dispatch.expert_id == expert_id,
        Dispatch.status.in_(ACTIVE),
        Dispatch.start_date <= end,
        Dispatch.end_date >= start,
    )
    if exclude_id is not None:
        stmt = stmt.where(Dispatch.id != exclude_id)
    return list(session.scalars(stmt))


def create_dispatch(
    session: Session, data: dict[str, Any], *, allow_overlap: bool = False
) -> Dispatch:
    """A new dispatch. ``allow_overlap``: the office explicitly accepted a same-day clash
    (e.g. a morning and an afternoon visit in one township), after the conflict check of
    services/matching/conflicts.py showed it."""
    c = v.Collector()
    need: Need | None = c.check(get_need, session, data.get("need_id") or data.get("need") or "")
    expert: Expert | None = c.check(get_expert, session,
                                    data.get("expert_id") or data.get("expert") or "")
    start = c.check(v.parse_date, data.get("start_date"), "start_date", "开始日期")
    end = c.check(v.parse_date, data.get("end_date") or data.get("start_date"), "end_date",
                  "结束日期")
    if start is None and "start_date" not in c.errors:
        c.add("start_date", "请填写开始日期。")
    if start and end:
        c.check(v.window, start, end, "end_date", "派遣日期")
    status = c.check(v.choice, data.get("status") or DispatchStatus.PLANNED, "status", "派遣状态",
                     tuple(s.value for s in DispatchStatus))
    c.raise_if_any()
    assert need and expert and start and end
    if need.status not in _NEED_OPEN:
        raise ValidationError.single(
            "need_id", f"需求 {need.code} 尚未通过论证或已结束，不能派遣专家。"
        )
    if expert.employer_unit_id is not None and expert.employer_unit_id == need.unit_id:
        raise ValidationError.single(
            "expert_id", f"专家“{expert.name}”是需求单位的职工，存在利益冲突，不能派往本单位。"
        )
    clash = [] if allow_overlap else overlapping(session, expert.id, start, end)
    if clash:
        other = clash[0]
        raise ValidationError.single(
            "start_date",
            f"专家“{expert.name}”在 {other.start_date}～{other.end_date} 已有派遣 {other.code}，"
            "同一天不能去两个地方。",
        )
    place = v.optional_text("place", "地点", data.get("place"), 200)
    tasks = v.optional_text("tasks", "任务", data.get("tasks"), 5000)
    earlier = session.scalars(select(Dispatch).where(
        Dispatch.need_id == need.id, Dispatch.expert_id == expert.id,
        Dispatch.start_date == start)).first()
    if earlier is not None:
        # One dispatch per need, expert and first day (uq_dispatch_visit).
        return _reuse(session, earlier, expert, end, place, tasks, DispatchStatus(status))
    township = session.get(Township, need.township_id)
    dispatch = Dispatch(
        code=next_code(session, Dispatch, f"PQ-{start.year}-"),
        need_id=need.id,
        expert_id=expert.id,
        start_date=start,
        end_date=end,
        place=place or (f"{township.name}" if township else ""),
        tasks=tasks,
        status=DispatchStatus(status),
    )
    session.add(dispatch)
    session.flush()
    return dispatch


def _reuse(session: Session, earlier: Dispatch, expert: Expert, end: date, place: str,
           tasks: str, status: DispatchStatus) -> Dispatch:
    """The same visit asked for again. A cancelled dispatch is brought back (its code, its
    audit history and its sheet number stay; the note says it was cancelled before) rather
    than written twice; a refusal stays on record, and a live one is simply there already."""
    if earlier.status == DispatchStatus.CANCELLED:
        earlier.end_date = end
        earlier.place = place or earlier.place
        earlier.tasks = tasks or earlier.tasks
        earlier.status = status
        why = earlier.status_reason
        earlier.status_reason = f"曾取消{f'（{why}）' if why else ''}，重新安排。"
        session.flush()
        return earlier
    if earlier.status == DispatchStatus.DECLINED:
        raise ValidationError.single(
            "expert_id",
            f"专家“{expert.name}”已婉拒派遣 {earlier.code}（{earlier.start_date} 起），"
            "同一需求同一天不能再派给这位专家；请换一天或换一位专家。",
        )
    raise ValidationError.single(
        "start_date",
        f"专家“{expert.name}”在 {earlier.start_date} 起已有本需求的派遣 {earlier.code}，"
        "不能重复派遣。",
    )


def get_dispatch(session: Session, key: int | str) -> Dispatch:
    return get_record(session, Dispatch, key, "派遣")


def set_dispatch_status(
    session: Session, key: int | str, target: DispatchStatus, reason: str = ""
) -> Dispatch:
    dispatch = get_dispatch(session, key)
    if target not in _MOVES.get(dispatch.status, set()):
        raise IllegalTransitionError(
            f"派遣 {dispatch.code} 当前为“{STATUS_LABELS[dispatch.status]}”，"
            f"不能改为“{STATUS_LABELS[target]}”。"
        )
    reason = v.normalize_text(reason)
    if target in (DispatchStatus.DECLINED, DispatchStatus.CANCELLED) and not reason:
        raise ValidationError.single("reason", "婉拒或取消派遣必须填写原因。")
    dispatch.status = target
    dispatch.status_reason = reason
    session.flush()
    return dispatch


def list_dispatches(session: Session, need_id: int | None = None) -> list[dict[str, Any]]:
    stmt = (
        select(Dispatch.id, Dispatch.code, Need.code.label("need_code"),
               Need.title.label("need_title"), Expert.code.label("expert_code"),
               Expert.name.label("expert"), Unit.name.label("unit"), Dispatch.start_date,
               Dispatch.end_date, Dispatch.place, Dispatch.status)
        .join(Need, Dispatch.need_id == Need.id)
        .join(Expert, Dispatch.expert_id == Expert.id)
        .join(Unit, Need.unit_id == Unit.id)
        .order_by(Dispatch.start_date, Dispatch.code)
    )
    if need_id is not None:
        stmt = stmt.where(Dispatch.need_id == need_id)
    return [dict(r._mapping) | {"status_label": STATUS_LABELS[r.status]}
            for r in session.execute(stmt)]


# -- the dispatches screen and the planning board -------------------------------------------------

# What a dispatch is at, as the office speaks of it: 进行中 is a confirmed dispatch whose days
# include today (not a stored status: it follows from the date).
IN_PROGRESS = "in_progress"
STATE_LABELS = {
    DispatchStatus.PLANNED.value: "拟派",
    DispatchStatus.CONFIRMED.value: "已确认",
    IN_PROGRESS: "进行中",
    DispatchStatus.COMPLETED.value: "已完成",
    DispatchStatus.DECLINED.value: "已婉拒",
    DispatchStatus.CANCELLED.value: "已取消",
}
STATE_ORDER = tuple(STATE_LABELS.values())


def dispatch_state(status: DispatchStatus | str, start: date, end: date,
                   today: date | None = None) -> str:
    """The state key (``STATE_LABELS``): the stored status, or 进行中 for a confirmed
    dispatch under way today."""
    value = DispatchStatus(status).value
    today = today or date.today()
    if value == DispatchStatus.CONFIRMED.value and start <= today <= end:
        return IN_PROGRESS
    return value


ROW_COLUMNS = ("id", "code", "need_code", "need_title", "expert_code", "expert", "unit",
               "township", "start_date", "end_date", "days", "place", "status", "state",
               "state_label", "status_reason", "deleted_at")


def list_rows(session: Session, *, ids: Collection[int] | None = None,
              today: date | None = None) -> RowSet:
    """Dispatches for the list screen (``ROW_COLUMNS``), newest first; ``ids`` reads just
    those. ``deleted_at`` is always empty (dispatches are cancelled, never deleted)."""
    stmt = (
        select(Dispatch.id, Dispatch.code, Need.code, Need.title, Expert.code, Expert.name,
               Unit.name, Township.name, Dispatch.start_date, Dispatch.end_date,
               Dispatch.place, Dispatch.status, Dispatch.status_reason)
        .join(Need, Dispatch.need_id == Need.id)
        .join(Expert, Dispatch.expert_id == Expert.id)
        .join(Unit, Need.unit_id == Unit.id)
        .join(Township, Need.township_id == Township.id)
        .order_by(Dispatch.start_date.desc(), Dispatch.code.desc())
    )
    if ids is not None:
        stmt = stmt.where(Dispatch.id.in_(list(ids)))
    today = today or date.today()
    rows = []
    for (id_, code, need_code, need_title, expert_code, expert, unit, township, start, end,
         place, status, reason) in session.execute(stmt):
        state = dispatch_state(status, start, end, today)
        rows.append((id_, code, need_code, need_title, expert_code, expert, unit, township,
                     start, end, (end - start).days + 1, place, DispatchStatus(status).value,
                     state, STATE_LABELS[state], reason, None))
    return RowSet(ROW_COLUMNS, rows)


def confirm_dispatch(session: Session, key: int | str) -> Dispatch:
    """The expert agreed: 拟派 → 已确认 (a scheduler never moves it afterwards)."""
    return set_dispatch_status(session, key, DispatchStatus.CONFIRMED)


@dataclass
class Replacement:
    """A possible replacement for a declined dispatch. ``source``: 排程建议 (the replanner's
    proposal) or 推荐 (the ranking, on the declined dispatch's days); ``blocked``: the hard
    findings of the conflict check (it cannot be created while any is there); ``warnings``:
    the soft ones."""

    expert_id: int
    expert_code: str
    expert_name: str
    start: date
    end: date
    score: float
    reasons: str
    source: str
    warnings: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blocked


@dataclass
class Declined:
    """What a refusal leaves: the declined dispatch and the ranked replacements (the
    replanner's first, then the ranking's, those the conflict check blocks last)."""

    code: str
    need_code: str
    need_title: str
    expert_name: str
    start: date
    end: date
    replacements: list[Replacement] = field(default_factory=list)


def replacements(session: Session, key: int | str, *, limit: int = 8,
                 plan: Any = None) -> list[Replacement]:
    """Ranked replacements for a (declined) dispatch: the visits ``plan`` (the replanner's
    proposal, see ``services.matching.decline_dispatch``) offers, then the ranked experts of
    the need on the same days, each through the conflict check. Never the expert who declined
    and never one already on the need."""
    from services.matching import check_visit, rank_experts

    dispatch = get_dispatch(session, key)
    need = session.get(Need, dispatch.need_id)
    assert need is not None
    team = set(session.scalars(select(Dispatch.expert_id).where(
        Dispatch.need_id == need.id, Dispatch.status.in_(ACTIVE))))
    team.add(dispatch.expert_id)
    out: list[Replacement] = []
    seen: set[tuple[int, date]] = set()

    def add(expert_id: int, code: str, name: str, start: date, end: date, score: float,
            reasons: str, source: str) -> None:
        if expert_id in team or (expert_id, start) in seen:
            return
        seen.add((expert_id, start))
        findings = check_visit(session, need.id, expert_id, start, end)
        out.append(Replacement(expert_id, code, name, start, end, round(score, 1), reasons,
                               source, [f.message for f in findings if not f.hard],
                               [f.message for f in findings if f.hard]))

    for visit in getattr(plan, "visits", []) or []:
        if visit.need_id == need.id and not visit.pinned:
            add(visit.expert_id, visit.expert_code, visit.expert_name, visit.start, visit.end,
                visit.score, visit.reasons, "排程建议")
    ranking = rank_experts(session, need.id)
    for row in ranking.experts:
        if len(out) >= limit + 3:
            break
        add(row.expert_id, row.code, row.name, dispatch.start_date, dispatch.end_date,
            row.score, row.reasons, "推荐")
    out.sort(key=lambda r: (not r.ok, r.source != "排程建议", -r.score))
    return out[:limit]


def decline(session: Session, key: int | str, reason: str, actor: str, *,
            time_limit: float = 5.0) -> Declined:
    """The expert refused: the dispatch becomes 已婉拒 with the reason (the need goes back to
    论证通过) and the replacements are proposed, nothing more is written."""
    from services.matching import decline_dispatch

    dispatch = get_dispatch(session, key)
    plan = decline_dispatch(session, dispatch.code, reason, actor, time_limit=time_limit)
    need = session.get(Need, dispatch.need_id)
    expert = session.get(Expert, dispatch.expert_id)
    assert need is not None and expert is not None
    return Declined(dispatch.code, need.code, need.title, expert.name, dispatch.start_date,
                    dispatch.end_date, replacements(session, dispatch.id, plan=plan))


def create_replacement(session: Session, declined_key: int | str, expert_key: int | str,
                       start: Any, end: Any = None, *, actor: str = "") -> Dispatch:
    """The replacement chosen for a declined dispatch, written as 拟派 after the conflict
    check (a hard finding refuses it with every reason)."""
    from services.matching import assign

    declined = get_dispatch(session, declined_key)
    if declined.status != DispatchStatus.DECLINED:
        raise ValidationError.single("dispatch", f"派遣 {declined.code} 没有被婉拒，不需要替换。")
    dispatch, _warnings = assign(session, declined.need_id, expert_key, start, end,
                                 actor=actor, tasks=declined.tasks)
    return dispatch


# -- the planning board ---------------------------------------------------------------------------

PLAN_STATUSES = {NeedStatus.REVIEWED.value: "已论证（待安排）",
                 NeedStatus.MATCHED.value: "已匹配（重新排程）"}
PLANNING_COLUMNS = ("id", "code", "title", "status", "township", "crop", "phase", "priority",
                    "window_start", "window_end", "days", "experts_wanted")


def planning_needs(session: Session, start: date, end: date, *,
                   statuses: Iterable[str] = (NeedStatus.REVIEWED.value,),
                   township: str | None = None, crop: str | None = None,
                   priority: bool | None = None) -> RowSet:
    """The needs a season plan of ``start``…``end`` can take (``PLANNING_COLUMNS``): live
    needs of ``statuses`` (论证通过, and 已匹配 for a re-plan) whose window — their own dates,
    else the crop phase's — meets the period; optionally of one township, one crop (the crop
    phase's crop, else the need's industry) and only the 脱贫村/重点帮扶村 ones."""
    from services.matching import calendar_link, loading

    wanted = [NeedStatus(s) for s in statuses if s in PLAN_STATUSES]
    if not wanted:
        return RowSet(PLANNING_COLUMNS, [])
    stmt = loading.need_query().add_columns(CropPhase.crop).outerjoin(
        CropPhase, Need.crop_phase_id == CropPhase.id).where(Need.status.in_(wanted))
    if township:
        stmt = stmt.where(Township.name == township)
    rows = list(loading.fetch(session, stmt.order_by(Need.code)))
    infos = {n.id: n for n in loading.need_infos(session, rows)}
    dates = calendar_link.need_dates(session, rows)
    tree = loading.field_tree(session)
    out = []
    for r in rows:
        info = infos[r.id]
        lo, hi = info.window_start or start, info.window_end or end
        if lo > end or hi < start:
            continue
        industry = tree.industry(r.field_id)
        crop_name = r.crop or (tree.name(industry) if industry else "")
        if crop and crop_name != crop:
            continue
        if priority is not None and info.priority != priority:
            continue
        out.append((r.id, r.code, r.title, NeedStatus(r.status).value, r.township, crop_name,
                    dates[r.id].phase_name, info.priority, info.window_start,
                    info.window_end, info.days, info.experts_wanted))
    return RowSet(PLANNING_COLUMNS, out)


def check_plan_visit(session: Session, plan: Plan, index: int, expert_key: int | str,
                     start: date, end: date | None = None) -> list[Finding]:
    """The conflict check of changing visit ``index`` of a proposal to ``expert`` from
    ``start``: the database's dispatches (``check_visit``), plus the proposal's own other
    visits of that expert on the same days, the experts already on the need in the proposal,
    and the plan period."""
    from services.matching import Finding, check_visit
    from services.matching.conflicts import DOUBLE_BOOKED, HARD, OUTSIDE_WINDOW
    from services.matching.explain import cn_range

    visit = plan.visits[index]
    end = end or start + timedelta(days=visit.days - 1)
    expert = get_expert(session, expert_key)
    own = visit.dispatch_code or None
    findings = [f for f in check_visit(session, visit.need_id, expert.id, start, end,
                                       exclude_dispatch=own)
                if f.kind != "team_full"]  # the proposal's team is checked below
    if start < plan.start or end > plan.end:
        findings.append(Finding(OUTSIDE_WINDOW, HARD,
                                f"{cn_range(start, end)} 不在计划期 "
                                f"{cn_range(plan.start, plan.end)} 内。"))
    for i, other in enumerate(plan.visits):
        if i == index or other.expert_id != expert.id:
            continue
        if other.need_id == visit.need_id:
            findings.append(Finding("team", HARD, f"{expert.name}已在本方案中服务需求 "
                                                  f"{other.need_code}，不能重复安排。"))
        elif other.start <= end and other.end >= start:
            findings.append(Finding(
                DOUBLE_BOOKED, HARD,
                f"{expert.name}在本方案中 {cn_range(max(other.start, start), min(other.end, end))} "
                f"已安排需求 {other.need_code}（{other.township}），同一天不能去两个地方。"))
    return findings


def change_plan_visit(session: Session, plan: Plan, index: int, expert_key: int | str,
                      start: date) -> Plan:
    """A copy of ``plan`` with visit ``index`` moved to ``expert`` from ``start`` (same
    length) and pinned, after ``check_plan_visit``: a hard finding refuses the change with
    every reason (accepting the plan would fail on it anyway)."""
    from services.matching import Plan
    from services.matching.conflicts import ConflictCheckError

    visit = plan.visits[index]
    end = start + timedelta(days=visit.days - 1)
    findings = check_plan_visit(session, plan, index, expert_key, start, end)
    if any(f.hard for f in findings):
        raise ConflictCheckError(findings)
    expert = get_expert(session, expert_key)
    new = Plan.from_dict(plan.to_dict())
    new.visits[index] = replace(new.visits[index], expert_id=expert.id,
                                expert_code=expert.code, expert_name=expert.name,
                                start=start, end=end, pinned=True, dispatch_code="",
                                reasons="手工调整" if expert.id == visit.expert_id
                                else f"手工改派（原为{visit.expert_name}）")
    new.visits.sort(key=lambda v: (v.start, v.need_id))
    return new


def plan_pins(plan: Plan, pinned: Iterable[tuple[int, int, date]]) -> list[Visit]:
    """The visits of ``plan`` the user fixed — (need id, expert id, start) — as pins for a
    re-run of ``plan_season`` (visits already fixed by a confirmed dispatch need none)."""
    from services.matching import Visit as PlanVisit

    keys = set(pinned)
    return [PlanVisit(v.need_id, v.expert_id, v.start, v.end, True) for v in plan.visits
            if (v.need_id, v.expert_id, v.start) in keys and not v.dispatch_code]


def plan_changes(old: Plan, new: Plan) -> list[Change]:
    """What differs between two proposals, need by need (moved, reassigned, added, removed),
    for the office to review before accepting a re-plan."""
    from services.matching import Change
    from services.matching.explain import cn_range

    def by_need(plan: Plan) -> dict[str, dict[int, PlannedVisit]]:
        out: dict[str, dict[int, PlannedVisit]] = {}
        for visit in plan.visits:
            out.setdefault(visit.need_code, {})[visit.expert_id] = visit
        return out

    before, after = by_need(old), by_need(new)
    changes: list[Change] = []
    for code in sorted(set(before) | set(after)):
        a, b = before.get(code, {}), after.get(code, {})
        for e in sorted(a.keys() & b.keys()):
            if a[e].start != b[e].start:
                changes.append(Change("moved", code, f"{code} {a[e].expert_name}："
                                      f"{cn_range(a[e].start, a[e].end)} 改为 "
                                      f"{cn_range(b[e].start, b[e].end)}",
                                      a[e].expert_name, b[e].expert_name, a[e].start,
                                      b[e].start, a[e].dispatch_code))
        gone = [a[e] for e in a if e not in b]
        came = [b[e] for e in b if e not in a]
        while gone and came:
            x, y = gone.pop(0), came.pop(0)
            changes.append(Change("reassigned", code,
                                  f"{code} 改派：{x.expert_name}（{cn_range(x.start, x.end)}）→ "
                                  f"{y.expert_name}（{cn_range(y.start, y.end)}）",
                                  x.expert_name, y.expert_name, x.start, y.start,
                                  x.dispatch_code))
        for x in gone:
            changes.append(Change("removed", code, f"{code} 取消安排：{x.expert_name}"
                                  f"（{cn_range(x.start, x.end)}）", x.expert_name, "", x.start,
                                  None, x.dispatch_code))
        for y in came:
            changes.append(Change("added", code, f"{code} 新增：{y.expert_name}"
                                  f"（{cn_range(y.start, y.end)}）", "", y.expert_name, None,
                                  y.start))
    return changes


def remove_plan_visits(plan: Plan, keys: Iterable[tuple[int, int, date]]) -> Plan:
    """A copy of ``plan`` without the visits ``keys`` (need id, expert id, start); a need
    left without any visit is listed as unplanned (手工移除). Fixed visits (a confirmed
    dispatch) cannot be removed here."""
    from services.matching import Plan, Unplanned

    drop = set(keys)
    new = Plan.from_dict(plan.to_dict())
    fixed = [v for v in new.visits if (v.need_id, v.expert_id, v.start) in drop and v.dispatch_code
             and v.pinned]
    if fixed:
        raise ValidationError.single("visit", f"需求 {fixed[0].need_code} 的派遣 "
                                              f"{fixed[0].dispatch_code} 已确认，不能在方案中移除；"
                                              "请到派遣单中取消。")
    removed = [v for v in new.visits if (v.need_id, v.expert_id, v.start) in drop]
    new.visits = [v for v in new.visits if (v.need_id, v.expert_id, v.start) not in drop]
    left = {v.need_id for v in new.visits}
    listed = {u.need_id for u in new.unplanned}
    for gone in removed:
        if gone.need_id not in left and gone.need_id not in listed:
            listed.add(gone.need_id)
            new.unplanned.append(Unplanned(gone.need_id, gone.need_code, gone.need_title,
                                           "手工从方案中移除（重新排程时不再安排，除非重新选入）。"))
    return new


def plan_summary(plan: Plan) -> str:
    """The objective and the gap in plain words for the office."""
    s = plan.stats
    if s.status == "EMPTY" or not s.needs_total:
        return "所选时段和条件下没有需要安排的需求。"
    parts = [f"共 {s.needs_total} 条需求，安排了 {s.needs_served} 条"
             f"（{len(plan.visits)} 人次），{len(plan.unplanned)} 条未能安排。"]
    if s.status == "OPTIMAL" or s.gap <= 1e-9:
        parts.append("这已是能找到的最好方案：在现有专家、日期和规则下，不可能再多安排或安排得更合适。")
    elif s.status == "CANCELLED":
        parts.append("计算被中途停止，这是停止时找到的最好方案。")
    else:
        parts.append(f"方案的得分离理论上限还差约 {s.gap * 100:.1f}%"
                     + ("，已经非常接近最好。" if s.gap < 0.02 else
                        "；可以延长计算时间再排一次，也许能更好。"))
    if s.greedy_served and s.needs_served > s.greedy_served:
        parts.append(f"比逐条安排的办法多安排 {s.needs_served - s.greedy_served} 条。")
    parts.append(f"用时 {s.seconds:.1f} 秒。")
    return "".join(parts)


def list_proposals(session: Session, *, limit: int = 50) -> list[dict[str, Any]]:
    """Saved season-plan proposals, newest first: code, period, status, summary, who made it."""
    labels = {ProposalStatus.PROPOSED: "待审定", ProposalStatus.ACCEPTED: "已采纳",
              ProposalStatus.DISCARDED: "已放弃"}
    stmt = select(PlanProposal).order_by(PlanProposal.id.desc()).limit(limit)
    return [{"code": p.code, "start": p.period_start, "end": p.period_end,
             "status": p.status.value, "status_label": labels[p.status],
             "summary": p.summary, "created_by": p.created_by, "created_at": p.created_at}
            for p in session.scalars(stmt)]


def open_proposal(session: Session, code: str) -> Plan:
    from services.matching import Plan, get_proposal

    return Plan.from_dict(get_proposal(session, code).data)


def accept(session: Session, plan: Plan, actor: str, need_codes: Iterable[str] | None = None,
           proposal_code: str | None = None) -> list[Dispatch]:
    """Accept a proposal shown on screen (all of it, or the needs ``need_codes``): writes the
    dispatches (``accept_plan``) and marks the saved proposal it came from as accepted."""
    from services.matching import accept_plan, get_proposal

    written = accept_plan(session, plan, actor, need_codes)
    if proposal_code:
        proposal = get_proposal(session, proposal_code)
        if proposal.status == ProposalStatus.PROPOSED:
            proposal.status = ProposalStatus.ACCEPTED
            proposal.accepted_at = datetime.now()
    session.flush()
    return written
