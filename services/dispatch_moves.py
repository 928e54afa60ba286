"""Moving a dispatch by hand (the calendar's drag and drop), and the data the calendar board
shows for a period.

A move keeps the number of days, changes the start (and optionally the expert) and runs the
same conflict check as a visit entered by hand (``services.matching.conflicts.check_visit``):
hard findings refuse the move unless the office overrides them with a reason (recorded on the
dispatch), soft findings come back as warnings. The change itself is audited by the normal
flush listener (``services/audit.py``), before/after values included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Dispatch, DispatchStatus, Expert, Need, NeedStatus, Township, Unit
from services import dispatches
from services import validation as v
from services.calendar.grid import DayCell, days_between
from services.calendar.store import county_region, holiday_calendar, list_phases
from services.errors import ServiceError, ValidationError
from services.experts import get_expert
from services.matching import loading
from services.matching.conflicts import ConflictCheckError, Finding, check_visit
from services.matching.explain import cn_range

#: Dispatches that may still move: a completed, declined or cancelled one is history.
MOVABLE = (DispatchStatus.PLANNED, DispatchStatus.CONFIRMED)
_OPEN_NEEDS = (NeedStatus.REVIEWED, NeedStatus.MATCHED)


@dataclass(frozen=True)
class MoveCheck:
    """What a move would do: the dispatch's new days and expert, and every finding."""

    dispatch_id: int
    dispatch_code: str
    start: date
    end: date
    expert_id: int
    expert_name: str
    findings: tuple[Finding, ...]

    @property
    def hard(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.hard)

    @property
    def soft(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.hard)

    @property
    def overridable(self) -> bool:
        """True when every hard finding may be accepted with a reason."""
        return all(f.overridable for f in self.hard)


@dataclass(frozen=True)
class MoveResult:
    dispatch_id: int
    dispatch_code: str
    start: date
    end: date
    expert_id: int
    status: DispatchStatus
    findings: tuple[Finding, ...]  # the soft ones, and the hard ones overridden
    message: str


def _dispatch_to_move(session: Session, dispatch_key: int | str) -> Dispatch:
    dispatch = dispatches.get_dispatch(session, dispatch_key)
    if dispatch.status not in MOVABLE:
        raise ServiceError(
            f"派遣 {dispatch.code} 已“{dispatches.STATUS_LABELS[dispatch.status]}”，不能再改日期或专家。"
        )
    return dispatch


def _start(value: Any) -> date:
    start = v.parse_date(value, "start_date", "开始日期")
    if start is None:
        raise ValidationError.single("start_date", "请填写开始日期。")
    return start


def check_move(session: Session, dispatch_key: int | str, new_start: Any,
               new_expert_key: int | str | None = None) -> MoveCheck:
    """The conflict check of moving a dispatch to ``new_start`` (same number of days), and to
    ``new_expert_key`` when given; nothing is written."""
    dispatch = _dispatch_to_move(session, dispatch_key)
    start = _start(new_start)
    end = start + timedelta(days=dispatch.days - 1)
    expert = (get_expert(session, new_expert_key) if new_expert_key is not None
              else dispatch.expert)
    findings = check_visit(session, dispatch.need_id, expert.id, start, end,
                           exclude_dispatch=dispatch.id)
    return MoveCheck(dispatch.id, dispatch.code, start, end, expert.id, expert.name,
                     tuple(findings))


def move_dispatch(session: Session, dispatch_key: int | str, new_start: Any,
                  new_expert_key: int | str | None = None, *,
                  override_reason: str = "") -> MoveResult:
    """Move a planned or confirmed dispatch to ``new_start`` (keeping its number of days) and
    optionally to another expert.

    Hard findings refuse the move (``ConflictCheckError`` listing every finding) unless
    ``override_reason`` is given and each hard finding is overridable; the reason is then
    recorded on the dispatch. A confirmed dispatch whose days or expert change goes back to
    拟派: the expert has not agreed to the new arrangement yet.
    """
    check = check_move(session, dispatch_key, new_start, new_expert_key)
    dispatch = dispatches.get_dispatch(session, check.dispatch_id)
    reason = v.normalize_text(override_reason)
    hard = check.hard
    if hard and (not reason or not check.overridable):
        raise ConflictCheckError(list(check.findings))
    old_range = cn_range(dispatch.start_date, dispatch.end_date)
    old_expert = dispatch.expert.name
    changed = (check.start != dispatch.start_date or check.expert_id != dispatch.expert_id)
    if not changed:
        return MoveResult(dispatch.id, dispatch.code, dispatch.start_date, dispatch.end_date,
                          dispatch.expert_id, dispatch.status, (),
                          f"派遣 {dispatch.code} 没有变化。")
    what = []
    if check.start != dispatch.start_date:
        what.append(f"{old_range} → {cn_range(check.start, check.end)}")
    if check.expert_id != dispatch.expert_id:
        what.append(f"{old_expert} → {check.expert_name}")
    note = "调整：" + "，".join(what)
    dispatch.start_date = check.start
    dispatch.end_date = check.end
    dispatch.expert_id = check.expert_id
    notes = [note]
    if hard:
        notes.append("已确认冲突：" + reason)
    if dispatch.status == DispatchStatus.CONFIRMED:
        dispatch.status = DispatchStatus.PLANNED
        notes.append("待专家重新确认")
    dispatch.status_reason = "；".join(notes)
    session.flush()
    message = f"派遣 {dispatch.code} 已{note}"
    if dispatch.status == DispatchStatus.PLANNED and "待专家重新确认" in notes:
        message += "（改回“拟派”，待专家重新确认）"
    return MoveResult(dispatch.id, dispatch.code, check.start, check.end, check.expert_id,
                      dispatch.status, tuple(f for f in check.findings
                                             if not f.hard or reason), message + "。")


# -- the calendar board -----------------------------------------------------------------------


@dataclass(frozen=True)
class BoardDispatch:
    """A dispatch as the calendar shows it (a chip). ``status`` is the stored value."""

    id: int
    code: str
    need_id: int
    need_code: str
    need_title: str
    expert_id: int
    expert_code: str
    expert: str
    unit: str
    township: str
    start: date
    end: date
    status: str
    status_label: str
    status_reason: str

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def in_progress(self, today: date) -> bool:
        """进行中: confirmed, and today lies within its days."""
        return self.status == DispatchStatus.CONFIRMED.value and self.covers(today)

    @property
    def movable(self) -> bool:
        return self.status in {s.value for s in MOVABLE}


@dataclass(frozen=True)
class BoardNeed:
    """An open need (reviewed or matched) and its effective service window."""

    id: int
    code: str
    title: str
    unit: str
    township: str
    status: str
    window_start: date
    window_end: date
    experts_wanted: int
    days: int

    def covers(self, day: date) -> bool:
        return self.window_start <= day <= self.window_end


@dataclass(frozen=True)
class Board:
    """Everything the calendar screen shows for ``start``–``end``: the days (lunar date,
    term, holiday, active crop phases of the county's region, filtered by ``crop``), the
    dispatches touching the period (every status), and the open needs whose window overlaps
    it. ``crops``: the crops with phases in the region (for the filter)."""

    start: date
    end: date
    region: str
    crop: str | None
    crops: tuple[str, ...]
    days: tuple[DayCell, ...]
    dispatches: tuple[BoardDispatch, ...]
    needs: tuple[BoardNeed, ...]

    def day(self, day: date) -> DayCell | None:
        index = (day - self.start).days
        return self.days[index] if 0 <= index < len(self.days) else None

    def dispatches_on(self, day: date) -> list[BoardDispatch]:
        return [d for d in self.dispatches if d.covers(day)]

    def needs_on(self, day: date) -> list[BoardNeed]:
        return [n for n in self.needs if n.covers(day)]


def board(session: Session, start: date, end: date, *, crop: str | None = None) -> Board:
    """The calendar board of a period (see ``Board``)."""
    region = county_region(session)
    phases = list_phases(session, region)
    crops = tuple(dict.fromkeys(p.crop for p in phases))
    days = days_between(start, end, region=region, crop=crop or None, phases=phases,
                        holidays=holiday_calendar(session))
    stmt = (
        select(Dispatch.id, Dispatch.code, Dispatch.need_id, Need.code, Need.title,
               Dispatch.expert_id, Expert.code, Expert.name, Unit.name, Township.name,
               Dispatch.start_date, Dispatch.end_date, Dispatch.status, Dispatch.status_reason)
        .join(Need, Dispatch.need_id == Need.id)
        .join(Expert, Dispatch.expert_id == Expert.id)
        .join(Unit, Need.unit_id == Unit.id)
        .join(Township, Need.township_id == Township.id)
        .where(Dispatch.start_date <= end, Dispatch.end_date >= start)
        .order_by(Dispatch.start_date, Expert.name, Dispatch.code)
    )
    rows = [BoardDispatch(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                          r[11], r[12].value, dispatches.STATUS_LABELS[r[12]], r[13] or "")
            for r in session.execute(stmt)]
    need_rows = list(loading.fetch(session, loading.need_query().where(
        Need.status.in_(_OPEN_NEEDS))))
    status_of = {r.id: r.status for r in need_rows}
    open_needs = []
    for n in loading.need_infos(session, need_rows):
        if n.window_start is None or n.window_end is None:
            continue
        if n.window_start <= end and n.window_end >= start:
            open_needs.append(BoardNeed(n.id, n.code, n.title, n.unit_name, n.township_name,
                                        status_of[n.id].value, n.window_start, n.window_end,
                                        n.experts_wanted, n.days))
    open_needs.sort(key=lambda n: (n.window_start, n.code))
    return Board(start, end, region, crop or None, crops, tuple(days), tuple(rows),
                 tuple(open_needs))
