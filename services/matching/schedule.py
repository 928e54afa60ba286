"""Season plans against the database: propose, re-plan with few changes, accept (write
dispatches, move needs to ``matched``), and handle an expert's decline.

Reading and planning never write; ``accept_plan`` and ``decline_dispatch`` write inside the
caller's unit of work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Dispatch, DispatchStatus, Need, NeedStatus, PlanProposal, ProposalStatus
from services import dispatches, needs
from services.errors import (
    ConflictError,
    FieldChange,
    NotFoundError,
    ServiceError,
    ValidationError,
)
from services.matching import config, explain, loading, validate
from services.matching import planner as planner_mod
from services.matching.needstate import update_need_statuses
from services.matching.plan import Change, Plan, PlannedVisit, Unplanned
from services.matching.scoring import explain as explain_score
from services.matching.scoring import reasons_text
from services.matching.snapshot import NeedInfo, Snapshot, Visit
from services.matching.solver import Cancel, Progress
from services.records import get_record, next_code


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationError.single("end", f"计划期的结束日期（{end}）早于开始日期（{start}）。")
    if (end - start).days > 366:
        raise ValidationError.single("end", "计划期最长一年，请分段排程。")


def _visit_reason(snapshot: Snapshot, result: planner_mod.PlanResult, v: Visit,
                  rank_w: config.RankWeights, need: NeedInfo) -> tuple[float, str]:
    """The chosen expert's score for the need, with its reasons."""
    expert = snapshot.experts[v.expert_id]
    match = snapshot.tree.match(need.field_id, expert.field_ids)
    lo, hi = snapshot.window(need)
    free = result.cands.free.get(expert.id)
    a, b = (lo - snapshot.start).days, (hi - snapshot.start).days
    n_free = sum(free[a:b + 1]) if free else 0
    usage = result.cands.usage
    factors = explain_score(need, expert, match, snapshot.tree, rank_w,
                            free=n_free, window_days=b - a + 1, consecutive_ok=True,
                            used_year=usage.used_year(expert.id, v.start.year),
                            year=v.start.year)
    return sum(f.points for f in factors), reasons_text(factors)


def _changes(snapshot: Snapshot, visits: list[Visit]) -> list[Change]:
    """What differs from the earlier plan (its movable visits), need by need."""
    if not snapshot.previous:
        return []
    names = {e.id: e.name for e in snapshot.experts.values()}
    codes = {n.id: n.code for n in snapshot.needs}
    old_by_need: dict[int, list[Visit]] = defaultdict(list)
    new_by_need: dict[int, list[Visit]] = defaultdict(list)
    for v in snapshot.previous:
        old_by_need[v.need_id].append(v)
    for v in visits:
        new_by_need[v.need_id].append(v)

    def who(v: Visit) -> str:
        return names.get(v.expert_id, "")

    def when(v: Visit) -> str:
        return explain.cn_range(v.start, v.end)

    out: list[Change] = []
    for need_id in sorted(set(old_by_need) | set(new_by_need), key=lambda n: codes.get(n, "")):
        code = codes.get(need_id, str(need_id))
        old = {v.expert_id: v for v in old_by_need.get(need_id, [])}
        new = {v.expert_id: v for v in new_by_need.get(need_id, [])}
        gone = [v for e, v in old.items() if e not in new]
        came = [v for e, v in new.items() if e not in old]
        for e in old.keys() & new.keys():
            a, b = old[e], new[e]
            if a.start != b.start:
                out.append(Change("moved", code, f"{code} {who(a)}：{when(a)} 改为 {when(b)}",
                                  who(a), who(b), a.start, b.start, a.dispatch_code))
        while gone and came:
            a, b = gone.pop(0), came.pop(0)
            out.append(Change("reassigned", code,
                              f"{code} 改派：{who(a)}（{when(a)}）→ {who(b)}（{when(b)}）",
                              who(a), who(b), a.start, b.start, a.dispatch_code))
        for a in gone:
            out.append(Change("removed", code, f"{code} 取消原安排：{who(a)}（{when(a)}）",
                              who(a), "", a.start, None, a.dispatch_code))
        for b in came:
            out.append(Change("added", code, f"{code} 新增：{who(b)}（{when(b)}）", "", who(b),
                              None, b.start))
    return out


def plan_from_snapshot(
    snapshot: Snapshot,
    rank_w: config.RankWeights,
    plan_w: config.PlanWeights,
    options: planner_mod.PlanOptions,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Plan:
    """Solve a loaded snapshot and describe the result (no database needed: a GUI may run
    this on a worker thread with a snapshot loaded on the GUI thread)."""
    result = planner_mod.plan(snapshot, rank_w, plan_w, options, progress=progress,
                              cancel=cancel)
    plan = Plan(snapshot.start, snapshot.end, stats=result.stats)
    experts = snapshot.experts
    pinned = [v for v in snapshot.busy if v.pinned and v.need_id in
              {n.id for n in snapshot.needs}]
    by_id = {n.id: n for n in snapshot.needs}
    for v in sorted([*pinned, *result.visits], key=lambda v: (v.start, v.need_id)):
        need = by_id[v.need_id]
        expert = experts.get(v.expert_id)
        score, why = _visit_reason(snapshot, result, v, rank_w, need) if expert else (0.0, "")
        plan.visits.append(PlannedVisit(
            need.id, need.code, need.title, v.expert_id,
            expert.code if expert else "", expert.name if expert else "",
            v.start, v.end, need.township_name, round(score, 1), why, v.pinned,
            v.dispatch_code))
    why_not = explain.reasons(snapshot, result.cands, result.visits)
    for need in snapshot.needs:
        if need.id in why_not:
            plan.unplanned.append(Unplanned(need.id, need.code, need.title,
                                            why_not[need.id], need.priority))
    plan.changes = _changes(snapshot, result.visits)
    plan.based_on = sorted(snapshot.dispatch_versions.items())
    return plan


def plan_season(
    session: Session,
    start: date,
    end: date,
    *,
    need_codes: Iterable[str] | None = None,
    replan: bool = False,
    pinned: Iterable[Visit] = (),
    exclude_experts: Iterable[int] = (),
    time_limit: float | None = None,
    options: planner_mod.PlanOptions | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Plan:
    """Propose a plan for the period (nothing is written). See ``loading.load_snapshot`` for
    which needs take part; ``replan`` keeps the planned dispatches where it can and lists the
    changes."""
    _check_period(start, end)
    rules = config.rules(session)
    snapshot = loading.load_snapshot(session, start, end, rules, need_codes=need_codes,
                                     replan=replan, pinned=pinned,
                                     exclude_experts=exclude_experts)
    opts = options or planner_mod.PlanOptions()
    limit = time_limit if time_limit is not None else rules.time_limit
    opts = planner_mod.PlanOptions(**{**opts.__dict__, "time_limit": limit})
    return plan_from_snapshot(snapshot, config.rank_weights(session),
                              config.plan_weights(session), opts, progress=progress,
                              cancel=cancel)


# -- accepting ------------------------------------------------------------------------------


def accept_plan(session: Session, plan: Plan, actor: str,
                need_codes: Iterable[str] | None = None) -> list[Dispatch]:
    """Write the plan's new visits as dispatches (拟派) and move each need whose experts are
    then complete to ``matched``. With ``need_codes``, only those needs' visits. In a replan,
    planned dispatches the plan dropped or changed are cancelled first.

    The plan is checked again against the database as it is now (an expert may have taken
    leave since the plan was made) by the independent validator; any broken rule refuses the
    whole acceptance and nothing is written.
    """
    _check_basis(session, plan)
    chosen = {c.strip().upper() for c in need_codes} if need_codes is not None else None
    # A visit that stands for a dispatch already exists; every other one is written, pinned
    # or not: the user pins the visits they fixed or changed by hand, and those are exactly
    # the ones they mean to accept.
    visits = [v for v in plan.visits
              if not v.dispatch_code and (chosen is None or v.need_code in chosen)]
    # Planned dispatches this plan replaces: those of the changed needs.
    touched = {v.need_code for v in visits} | {c.need_code for c in plan.changes}
    if chosen is not None:
        touched &= chosen
    _recheck(session, plan, visits)
    for change in plan.changes:
        if change.dispatch_code and change.need_code in touched:
            d = dispatches.get_dispatch(session, change.dispatch_code)
            if d.status == DispatchStatus.PLANNED:
                dispatches.set_dispatch_status(session, d.id, DispatchStatus.CANCELLED,
                                               "重新排程调整")
    existing = {(d.need_id, d.expert_id, d.start_date) for d in session.scalars(
        select(Dispatch).where(Dispatch.status.in_(loading.ACTIVE),
                               Dispatch.need_id.in_({v.need_id for v in visits} or {-1})))}
    written = [
        dispatches.create_dispatch(session, {
            "need_id": v.need_id, "expert_id": v.expert_id, "start_date": v.start,
            "end_date": v.end, "tasks": v.need_title})
        for v in visits
        if (v.need_id, v.expert_id, v.start) not in existing  # kept as it was in a replan
    ]
    update_need_statuses(session, {v.need_id for v in visits} | _need_ids(session, touched),
                         actor)
    session.flush()
    return written


def _check_basis(session: Session, plan: Plan) -> None:
    """Refuse a plan whose dispatches changed since it was made (someone confirmed, moved,
    cancelled or deleted one meanwhile, possibly in another office): it was planned around
    them, so it must be planned again. The row locks of the UPDATEs that follow keep a
    change from slipping in between on PostgreSQL; SQLite has one writer at a time."""
    if not plan.based_on:
        return
    ids = [i for i, _ in plan.based_on]
    now = {row.id: row for row in session.execute(
        select(Dispatch.id, Dispatch.code, Dispatch.version, Dispatch.status)
        .where(Dispatch.id.in_(ids)))}
    changed = [(i, v, now.get(i)) for i, v in plan.based_on
               if i not in now or now[i].version != v]
    if not changed:
        return
    details = [FieldChange(
        f"dispatch:{i}", f"派遣 {row.code}" if row else f"派遣（编号 {i}）",
        f"第 {v} 版",
        f"第 {row.version} 版（{dispatches.STATUS_LABELS.get(row.status, row.status)}）"
        if row else "已删除") for i, v, row in changed]
    names = "、".join(c.label.removeprefix("派遣 ") for c in details[:5])
    raise ConflictError(
        f"排程方案所依据的派遣 {names}{' 等' if len(details) > 5 else ''}在方案生成后已被修改，"
        "方案未采纳，没有写入任何派遣。请重新排程后再采纳。",
        changes=details, entity="Plan")


def _recheck(session: Session, plan: Plan, visits: list[PlannedVisit]) -> None:
    """Validate the visits against a fresh snapshot of their needs (their planned dispatches
    are the earlier plan, not occupied days: the plan replaces them)."""
    if not visits:
        return
    snapshot = loading.load_snapshot(session, plan.start, plan.end, config.rules(session),
                                     need_codes={v.need_code for v in visits}, replan=True)
    known = {n.id for n in snapshot.needs}
    missing = sorted({v.need_code for v in visits if v.need_id not in known})
    if missing:
        raise ServiceError(f"需求 {'、'.join(missing[:5])} 已不在待安排状态（可能已撤回或已改动），"
                           "未写入任何派遣。请重新排程。")
    problems = validate.validate(snapshot, [Visit(v.need_id, v.expert_id, v.start, v.end)
                                            for v in visits])
    if problems:
        raise ServiceError("方案与数据库当前情况有冲突，未写入任何派遣（请重新排程）："
                           + "；".join(p.message for p in problems[:5])
                           + (" 等" if len(problems) > 5 else ""))


def _need_ids(session: Session, codes: Iterable[str]) -> set[int]:
    codes = list(codes)
    if not codes:
        return set()
    return set(session.scalars(select(Need.id).where(Need.code.in_(codes))))


# -- declines ---------------------------------------------------------------------------------


def decline_dispatch(session: Session, code: str, reason: str, actor: str, *,
                     time_limit: float = 5.0) -> Plan:
    """The expert declines a dispatch: it is marked 已婉拒 with the reason, the need goes back
    to ``reviewed`` (its other experts stay), and a replacement is proposed (not written):
    the same days when teammates are already going, any good days in the window otherwise.
    The declining expert is never proposed for this need again."""
    dispatch = dispatches.get_dispatch(session, code)
    if dispatch.status not in (DispatchStatus.PLANNED, DispatchStatus.CONFIRMED):
        raise ServiceError(f"派遣 {dispatch.code} 当前为“{dispatches.STATUS_LABELS[dispatch.status]}”，"
                           "不能婉拒。")
    dispatches.set_dispatch_status(session, dispatch.id, DispatchStatus.DECLINED, reason)
    need = session.get(Need, dispatch.need_id)
    assert need is not None
    if need.status == NeedStatus.MATCHED:
        needs.set_status(session, need.id, NeedStatus.REVIEWED, actor,
                         f"专家婉拒（{dispatch.code}）：{reason}")
    session.flush()
    start = need.window_start or dispatch.start_date
    end = need.window_end or dispatch.end_date
    start, end = min(start, dispatch.start_date), max(end, dispatch.end_date)
    return plan_season(session, start, end, need_codes=[need.code], time_limit=time_limit)


# -- saved proposals --------------------------------------------------------------------------


def save_proposal(session: Session, plan: Plan, actor: str) -> PlanProposal:
    proposal = PlanProposal(
        code=next_code(session, PlanProposal, f"JH-{plan.start.year}-"),
        period_start=plan.start, period_end=plan.end, created_by=actor,
        summary=plan.stats.summary(), data=plan.to_dict())
    session.add(proposal)
    session.flush()
    return proposal


def get_proposal(session: Session, code: str) -> PlanProposal:
    return get_record(session, PlanProposal, code, "排程方案")


def accept_proposal(session: Session, code: str, actor: str,
                    need_codes: Iterable[str] | None = None) -> list[Dispatch]:
    proposal = get_proposal(session, code)
    if proposal.status != ProposalStatus.PROPOSED:
        done = "采纳" if proposal.status == ProposalStatus.ACCEPTED else "放弃"
        raise ServiceError(f"排程方案 {proposal.code} 已{done}，不能再采纳。")
    written = accept_plan(session, Plan.from_dict(proposal.data), actor, need_codes)
    proposal.status = ProposalStatus.ACCEPTED
    proposal.accepted_at = datetime.now()
    session.flush()
    return written


def discard_proposal(session: Session, code: str) -> PlanProposal:
    proposal = get_proposal(session, code)
    if proposal.status != ProposalStatus.PROPOSED:
        raise NotFoundError(f"排程方案 {proposal.code} 不是待审定状态。")
    proposal.status = ProposalStatus.DISCARDED
    session.flush()
    return proposal
