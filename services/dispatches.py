"""Dispatches (派遣): one expert's consecutive days for one need.

The full conflict check (caps, holidays, specialty) belongs to the scheduling service; here
are the rules no dispatch may ever break: a live need and expert, dates in order, no expert in
two places on one day, never at a unit of the expert's own employer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Dispatch, DispatchStatus, Expert, Need, NeedStatus, Township, Unit
from services import validation as v
from services.errors import IllegalTransitionError, ValidationError
from services.experts import get_expert
from services.needs import get_need
from services.records import get_record, next_code

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
    township = session.get(Township, need.township_id)
    dispatch = Dispatch(
        code=next_code(session, Dispatch, f"PQ-{start.year}-"),
        need_id=need.id,
        expert_id=expert.id,
        start_date=start,
        end_date=end,
        place=v.optional_text("place", "地点", data.get("place"), 200)
        or (f"{township.name}" if township else ""),
        tasks=v.optional_text("tasks", "任务", data.get("tasks"), 5000),
        status=DispatchStatus(status),
    )
    session.add(dispatch)
    session.flush()
    return dispatch


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
