"""Lunar (农历) dates, 干支 years, zodiac and traditional festivals.

The month boundaries (new moons, leap months) come from lunar-python. We turn them into a table of
every day of a Gregorian year once and keep it, so looking up a day afterwards is a list index:
a month view needs 42 look-ups and must not redo astronomy for each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from lunar_python import Lunar, LunarYear, Solar

from services.calendar.terms import check_year
from services.errors import CalendarError

MONTH_NAMES: tuple[str, ...] = (
    "正月", "二月", "三月", "四月", "五月", "六月",
    "七月", "八月", "九月", "十月", "十一月", "十二月",
)  # fmt: skip
DAY_NAMES: tuple[str, ...] = tuple(
    ["初" + d for d in "一二三四五六七八九十"]
    + ["十" + d for d in "一二三四五六七八九"]
    + ["二十"]
    + ["廿" + d for d in "一二三四五六七八九"]
    + ["三十"]
)
_GAN = "甲乙丙丁戊己庚辛壬癸"
_ZHI = "子丑寅卯辰巳午未申酉戌亥"
_ZODIAC = "鼠牛虎兔龙蛇马羊猴鸡狗猪"

#: Traditional festivals on fixed lunar dates (never in a leap month). 除夕 is computed: the last
#: day of the year, which is 廿九 in years whose twelfth month is short.
FESTIVALS: dict[tuple[int, int], str] = {
    (1, 1): "春节",
    (1, 15): "元宵节",
    (2, 2): "龙抬头",
    (5, 5): "端午节",
    (7, 7): "七夕节",
    (7, 15): "中元节",
    (8, 15): "中秋节",
    (9, 9): "重阳节",
    (12, 8): "腊八节",
    (12, 23): "小年",
}
NEW_YEARS_EVE = "除夕"


@dataclass(frozen=True, slots=True)
class LunarDate:
    """The lunar date of one Gregorian day.

    ``year`` is the lunar year number (it changes at 正月初一, so late January can still be the
    previous lunar year); ``month`` is 1–12 and ``is_leap`` marks a leap month (闰月);
    ``ganzhi_year`` and ``zodiac`` follow the lunar year (from 春节, the popular convention).
    """

    solar: dt.date
    year: int
    month: int
    day: int
    is_leap: bool
    festivals: tuple[str, ...] = ()

    @property
    def month_name(self) -> str:
        """E.g. "正月", "闰十一月"."""
        return ("闰" if self.is_leap else "") + MONTH_NAMES[self.month - 1]

    @property
    def day_name(self) -> str:
        """E.g. "初一", "廿九", "三十"."""
        return DAY_NAMES[self.day - 1]

    @property
    def ganzhi_year(self) -> str:
        """E.g. "丙午" for lunar year 2026."""
        offset = self.year - 4
        return _GAN[offset % 10] + _ZHI[offset % 12]

    @property
    def zodiac(self) -> str:
        """E.g. "马" for lunar year 2026."""
        return _ZODIAC[(self.year - 4) % 12]

    @property
    def short_label(self) -> str:
        """What a calendar cell shows under the Gregorian day: the month on 初一, else the day."""
        return self.month_name if self.day == 1 else self.day_name

    def __str__(self) -> str:
        return f"{self.ganzhi_year}年{self.month_name}{self.day_name}"


def _to_date(solar: Solar) -> dt.date:
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=256)
def _year_table(year: int) -> tuple[LunarDate, ...]:
    """Every day of Gregorian ``year`` (Jan 1 first), built from lunar-python's month list."""
    # LunarYear(year) lists 15 months from the one holding the previous winter solstice, which
    # covers all of Gregorian ``year`` (the same list Lunar.fromSolar searches).
    months = [
        (_to_date(Solar.fromJulianDay(m.getFirstJulianDay())), m)
        for m in LunarYear.fromYear(year).getMonths()
    ]
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days: list[LunarDate] = []
    # We need the day after Dec 31 to know whether Dec 31 is 除夕; one extra day suffices.
    day = first
    index = 0
    raw: list[tuple[dt.date, int, int, int, bool]] = []
    while day <= last + dt.timedelta(days=1):
        while index + 1 < len(months) and months[index + 1][0] <= day:
            index += 1
        start, month = months[index]
        offset = (day - start).days
        if offset >= month.getDayCount():  # pragma: no cover - the table always covers the year
            raise CalendarError(f"无法计算{day.isoformat()}的农历日期。")
        signed = month.getMonth()
        raw.append((day, month.getYear(), abs(signed), offset + 1, signed < 0))
        day += dt.timedelta(days=1)
    for i, (solar, lyear, lmonth, lday, leap) in enumerate(raw[:-1]):
        festivals: list[str] = []
        if not leap and (lmonth, lday) in FESTIVALS:
            festivals.append(FESTIVALS[(lmonth, lday)])
        _, _, next_month, next_day, next_leap = raw[i + 1]
        if (next_month, next_day, next_leap) == (1, 1, False):
            festivals.append(NEW_YEARS_EVE)
        days.append(LunarDate(solar, lyear, lmonth, lday, leap, tuple(festivals)))
    return tuple(days)


def _lunar_unchecked(day: dt.date) -> LunarDate:
    return _year_table(day.year)[day.timetuple().tm_yday - 1]


def lunar_date(day: dt.date) -> LunarDate:
    """The lunar date of Gregorian ``day`` (years 1900–2100)."""
    check_year(day.year)
    return _lunar_unchecked(day)


def festivals_on(day: dt.date) -> tuple[str, ...]:
    """Traditional lunar festivals falling on ``day`` (春节, 端午节, 除夕 …)."""
    return lunar_date(day).festivals


def lunar_to_solar(lunar_year: int, month: int, day: int, *, leap: bool = False) -> dt.date:
    """The Gregorian date of lunar ``lunar_year``/``month``/``day`` (``leap`` for a 闰月)."""
    check_year(lunar_year)
    try:
        solar = Lunar.fromYmd(lunar_year, -month if leap else month, day).getSolar()
    except Exception as exc:  # lunar-python raises a bare Exception for impossible dates
        leap_text = "闰" if leap else ""
        raise CalendarError(f"农历{lunar_year}年没有{leap_text}{month}月{day}日这一天。") from exc
    result = _to_date(solar)
    check_year(result.year)
    return result


def spring_festival(year: int) -> dt.date:
    """The Gregorian date of 春节 (正月初一) in Gregorian ``year``."""
    return lunar_to_solar(year, 1, 1)


def leap_month(lunar_year: int) -> int:
    """The leap month (1–12) of ``lunar_year``, or 0 if it has none."""
    check_year(lunar_year)
    return int(LunarYear.fromYear(lunar_year).getLeapMonth())
