"""Day-by-day calendar data: what the GUI's month grid, the CLI and the benchmark show.

For each day: the Gregorian date, the lunar date, the solar term falling on it, whether it is a
holiday or make-up working day, and the crop phases active on it. Everything below comes from
per-year caches, so after the first view of a year a month costs only look-ups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.calendar.crop_phases import PhaseOccurrence, load_catalogue, occurrences_between
from services.calendar.holidays import DayStatus, HolidayCalendar, statutory_calendar
from services.calendar.lunar import LunarDate, _lunar_unchecked
from services.calendar.terms import _terms_by_date_unchecked, check_year
from services.errors import CalendarError

GRID_DAYS = 42  # 6 weeks × 7 days, weeks starting on Monday


@dataclass(frozen=True, slots=True)
class DayCell:
    """One day of a calendar view.

    ``in_month`` is False for the leading/trailing days of neighbouring months in a month grid;
    ``phases`` are the crop-phase occurrences containing the day, sorted by start.
    """

    date: dt.date
    in_month: bool
    lunar: LunarDate
    solar_term: str | None
    status: DayStatus
    phases: tuple[PhaseOccurrence, ...] = ()

    @property
    def holiday_name(self) -> str:
        """The holiday the day is off for, or "" (also "" on make-up working days)."""
        return self.status.name if self.status.is_holiday else ""

    @property
    def festivals(self) -> tuple[str, ...]:
        return self.lunar.festivals

    @property
    def is_working_day(self) -> bool:
        return self.status.is_working_day


@dataclass(frozen=True, slots=True)
class MonthView:
    """The 42 days of a month grid (Monday first), with the region/crop it was built for."""

    year: int
    month: int
    days: tuple[DayCell, ...]
    region: str | None = None
    crop: str | None = None

    @property
    def weeks(self) -> list[tuple[DayCell, ...]]:
        return [self.days[i : i + 7] for i in range(0, GRID_DAYS, 7)]

    @property
    def first(self) -> dt.date:
        return self.days[0].date

    @property
    def last(self) -> dt.date:
        return self.days[-1].date


def _candidate_phases(
    region: str | None, crop: str | None, phases: Iterable[Any] | None
) -> list[Any]:
    if phases is None:
        if region is None:
            return []  # without a region there is no farming calendar to show
        return list(load_catalogue().phases_for(region, crop))
    if region is not None and phases is not None:
        load_catalogue().check_region(region)
    return [
        p
        for p in phases
        if (region is None or getattr(p, "region", region) == region)
        and (crop is None or getattr(p, "crop", crop) == crop)
    ]


def _cells(
    first: dt.date,
    last: dt.date,
    in_month: int | None,
    region: str | None,
    crop: str | None,
    phases: Iterable[Any] | None,
    holidays: HolidayCalendar | None,
) -> list[DayCell]:
    calendar = holidays if holidays is not None else statutory_calendar()
    occurrences = occurrences_between(_candidate_phases(region, crop, phases), first, last)
    cells = []
    day = first
    one = dt.timedelta(days=1)
    while day <= last:
        active = tuple(o for o in occurrences if o.start <= day <= o.end)
        cells.append(
            DayCell(
                date=day,
                in_month=in_month is None or day.month == in_month,
                lunar=_lunar_unchecked(day),
                solar_term=_terms_by_date_unchecked(day.year).get(day),
                status=calendar.status(day),
                phases=active,
            )
        )
        day += one
    return cells


def month_grid_dates(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last date of the 6-week grid of ``year``-``month`` (weeks start on Monday)."""
    first_of_month = dt.date(year, month, 1)
    first = first_of_month - dt.timedelta(days=first_of_month.weekday())
    return first, first + dt.timedelta(days=GRID_DAYS - 1)


def month_view(
    year: int,
    month: int,
    *,
    region: str | None = None,
    crop: str | None = None,
    phases: Iterable[Any] | None = None,
    holidays: HolidayCalendar | None = None,
) -> MonthView:
    """The 42-day grid of a month with lunar dates, terms, holidays and active crop phases.

    ``region`` (and optionally ``crop``) selects the phases shown; ``phases`` replaces the
    bundled catalogue (pass the database's rows to honour the user's edits); ``holidays``
    defaults to statutory data only (pass a ``HolidayCalendar`` with the user's rows).
    """
    check_year(year)
    if not 1 <= month <= 12:
        raise CalendarError(f"月份“{month}”无效，应为1—12。")
    first, last = month_grid_dates(year, month)
    cells = _cells(first, last, month, region, crop, phases, holidays)
    return MonthView(year, month, tuple(cells), region, crop)


def days_between(
    start: dt.date,
    end: dt.date,
    *,
    region: str | None = None,
    crop: str | None = None,
    phases: Iterable[Any] | None = None,
    holidays: HolidayCalendar | None = None,
) -> list[DayCell]:
    """Calendar data for every day from ``start`` to ``end`` inclusive (years 1900–2100)."""
    check_year(start.year)
    check_year(end.year)
    if end < start:
        raise CalendarError(
            f"结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}，请检查。"
        )
    return _cells(start, end, None, region, crop, phases, holidays)


def day_info(
    day: dt.date,
    *,
    region: str | None = None,
    crop: str | None = None,
    phases: Iterable[Any] | None = None,
    holidays: HolidayCalendar | None = None,
) -> DayCell:
    """Calendar data for one day."""
    return days_between(day, day, region=region, crop=crop, phases=phases, holidays=holidays)[0]
