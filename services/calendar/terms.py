"""The 24 solar terms (二十四节气), computed by lunar-python and cached per year.

lunar-python's ``LunarYear`` holds the moments (Julian days, Beijing time) of the terms from the
previous 大雪 to the following 惊蛰. We read them once per Gregorian year and keep the result:
the library itself caches only the last year it computed, so a month view that touches two years
would otherwise recompute the astronomy again and again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from lunar_python import LunarYear

from services.errors import CalendarError

MIN_YEAR = 1900
MAX_YEAR = 2100

#: The 24 terms in the order they fall in a Gregorian year (小寒 in early January first).
TERM_NAMES: tuple[str, ...] = (
    "小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨",
    "立夏", "小满", "芒种", "夏至", "小暑", "大暑", "立秋", "处暑",
    "白露", "秋分", "寒露", "霜降", "立冬", "小雪", "大雪", "冬至",
)  # fmt: skip
TERM_INDEX: dict[str, int] = {name: i for i, name in enumerate(TERM_NAMES)}

# In LunarYear.getJieQiJulianDays() index 0 is the previous year's 大雪, index 1 its 冬至, and
# index 2 this year's 小寒; indexes 2..25 are therefore this Gregorian year's 24 terms in order.
_FIRST_INDEX = 2

# Julian day of 2000-01-01 12:00; lunar-python's Julian days are in Beijing time (UTC+8).
_J2000 = 2451545.0
_J2000_MOMENT = dt.datetime(2000, 1, 1, 12, 0, 0)


@dataclass(frozen=True, slots=True)
class SolarTerm:
    """One solar term in one year.

    ``index`` is 0 for 小寒 … 23 for 冬至; ``moment`` is naive Beijing time to the second;
    ``date`` is the Beijing calendar date the term falls on.
    """

    name: str
    index: int
    moment: dt.datetime

    @property
    def date(self) -> dt.date:
        return self.moment.date()

    @property
    def year(self) -> int:
        return self.moment.year


def check_year(year: int) -> None:
    """Raise CalendarError unless ``year`` is inside the range the calendar answers for."""
    if not isinstance(year, int) or isinstance(year, bool):
        raise CalendarError(f"年份“{year}”不是整数。")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarError(
            f"{year}年超出日历的计算范围（{MIN_YEAR}—{MAX_YEAR}年），请换一个年份。"
        )


def check_term_name(name: str) -> None:
    if name not in TERM_INDEX:
        raise CalendarError(f"“{name}”不是二十四节气之一。")


def _moment_from_julian_day(jd: float) -> dt.datetime:
    moment = _J2000_MOMENT + dt.timedelta(days=jd - _J2000)
    # Round to the whole second (the library's own Solar.fromJulianDay rounds the same way).
    if moment.microsecond >= 500_000:
        moment += dt.timedelta(seconds=1)
    return moment.replace(microsecond=0)


@lru_cache(maxsize=512)
def _terms_unchecked(year: int) -> tuple[SolarTerm, ...]:
    # Internal: also used for the neighbouring years 1899 and 2101 (a month grid or a phase
    # window may reach a few days beyond the public range).
    julian_days = LunarYear.fromYear(year).getJieQiJulianDays()
    return tuple(
        SolarTerm(name, i, _moment_from_julian_day(julian_days[_FIRST_INDEX + i]))
        for i, name in enumerate(TERM_NAMES)
    )


@lru_cache(maxsize=512)
def _term_dates_unchecked(year: int) -> dict[str, dt.date]:
    return {t.name: t.date for t in _terms_unchecked(year)}


@lru_cache(maxsize=512)
def _terms_by_date_unchecked(year: int) -> dict[dt.date, str]:
    return {t.date: t.name for t in _terms_unchecked(year)}


def solar_terms(year: int) -> tuple[SolarTerm, ...]:
    """The 24 solar terms of Gregorian ``year`` in order, 小寒 first."""
    check_year(year)
    return _terms_unchecked(year)


def term_moment(year: int, name: str) -> dt.datetime:
    """The moment (Beijing time, to the second) term ``name`` falls in Gregorian ``year``."""
    check_year(year)
    check_term_name(name)
    return _terms_unchecked(year)[TERM_INDEX[name]].moment


def term_date(year: int, name: str) -> dt.date:
    """The Beijing date term ``name`` falls on in Gregorian ``year``."""
    check_year(year)
    check_term_name(name)
    return _term_dates_unchecked(year)[name]


def term_on(day: dt.date) -> str | None:
    """The name of the solar term falling on ``day``, or None."""
    check_year(day.year)
    return _terms_by_date_unchecked(day.year).get(day)


def current_term(day: dt.date) -> SolarTerm:
    """The most recent solar term on or before ``day`` (the 节气 period ``day`` lies in)."""
    check_year(day.year)
    candidates = [t for t in _terms_unchecked(day.year) if t.date <= day]
    if candidates:
        return candidates[-1]
    return _terms_unchecked(day.year - 1)[-1]  # early January, before 小寒: last year's 冬至
