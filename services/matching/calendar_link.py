"""What matching needs from the farming calendar, behind small functions so the matcher does
not depend on how the calendar stores things: days off, make-up working days, and a need's
effective window with the ideal day of its crop phase."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class DayRules:
    """``off``: holidays (statutory and the office's own); ``workdays``: weekend days the
    office works (调休上班), which a "no weekends" rule still allows."""

    off: frozenset[date]
    workdays: frozenset[date]
    names: dict[date, str]


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _holidays(session: Session | None, start: date, end: date) -> DayRules:
    """Days off between ``start`` and ``end`` from the calendar (the office's own rows when a
    session is given, the statutory data otherwise)."""
    if session is not None:
        from services.calendar.store import holiday_calendar

        calendar = holiday_calendar(session)
    else:
        from services.calendar import statutory_calendar

        calendar = statutory_calendar()
    off, work, names = set(), set(), {}
    for day in _days(start, end):
        if calendar.is_holiday(day):
            off.add(day)
            names[day] = calendar.holiday_name(day)
        elif calendar.is_makeup_workday(day):
            work.add(day)
    return DayRules(frozenset(off), frozenset(work), names)


def day_rules(session: Session | None, start: date, end: date) -> DayRules:
    return _holidays(session, start, end)


@dataclass(frozen=True)
class NeedDates:
    start: date | None
    end: date | None
    ideal: date | None
    phase_name: str = ""


def need_dates(session: Session, rows: Iterable[Any], today: date | None = None
               ) -> dict[int, NeedDates]:
    """Effective windows of needs (rows with id, window_start, window_end, crop_phase_id):
    their own dates, completed from the crop phase; the ideal day is the phase's ideal point
    when it lies in the window, else the window's middle."""
    from services.calendar import occurrence
    from services.calendar.store import effective_window, get_phase, phase_from_row

    phases: dict[int, Any] = {}
    out: dict[int, NeedDates] = {}
    for row in rows:
        phase = None
        if row.crop_phase_id:
            phase = phases.get(row.crop_phase_id)
            if phase is None:
                phase = phases[row.crop_phase_id] = phase_from_row(
                    get_phase(session, row.crop_phase_id))
        win = effective_window(row.window_start, row.window_end, phase, today=today)
        ideal = None
        if phase is not None and win.phase_start is not None:
            ideal = occurrence(phase, win.phase_start.year).ideal
        if win.start and win.end and (ideal is None or not win.start <= ideal <= win.end):
            ideal = win.start + (win.end - win.start) / 2
        out[row.id] = NeedDates(win.start, win.end, ideal, getattr(phase, "name", "") or "")
    return out
