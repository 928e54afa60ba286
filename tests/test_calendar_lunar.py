"""Lunar dates: the hard cases, festivals, and agreement with lunar-python's own conversion."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from lunar_python import Lunar, Solar

from services.calendar import (
    festivals_on,
    leap_month,
    lunar_date,
    lunar_to_solar,
    spring_festival,
)
from services.errors import CalendarError


def test_2026_02_17_is_first_day_of_first_month() -> None:
    d = lunar_date(dt.date(2026, 2, 17))
    assert (d.year, d.month, d.day, d.is_leap) == (2026, 1, 1, False)
    assert d.month_name == "正月" and d.day_name == "初一"
    assert d.ganzhi_year == "丙午" and d.zodiac == "马"
    assert "春节" in d.festivals
    assert spring_festival(2026) == dt.date(2026, 2, 17)


def test_2033_has_a_leap_eleventh_month() -> None:
    assert leap_month(2033) == 11
    first = lunar_to_solar(2033, 11, 1, leap=True)
    d = lunar_date(first)
    assert (d.month, d.day, d.is_leap) == (11, 1, True)
    assert d.month_name == "闰十一月"
    assert lunar_date(first - dt.timedelta(days=1)).month == 11  # the ordinary 11th month
    assert not lunar_date(first - dt.timedelta(days=1)).is_leap


def test_other_leap_months() -> None:
    assert leap_month(2023) == 2
    assert leap_month(2025) == 6
    assert leap_month(2024) == 0


def test_late_january_is_still_previous_lunar_year() -> None:
    d = lunar_date(dt.date(2026, 2, 16))
    assert d.year == 2025 and d.ganzhi_year == "乙巳" and d.zodiac == "蛇"
    assert (d.month, d.day) == (12, 29)
    assert d.festivals == ("除夕",)  # a short 12th month: 除夕 is 廿九


@pytest.mark.parametrize(
    ("day", "festival"),
    [
        (dt.date(2025, 1, 29), "春节"),
        (dt.date(2025, 2, 12), "元宵节"),
        (dt.date(2025, 5, 31), "端午节"),
        (dt.date(2025, 8, 29), "七夕节"),
        (dt.date(2025, 10, 6), "中秋节"),
        (dt.date(2025, 10, 29), "重阳节"),
        (dt.date(2026, 1, 26), "腊八节"),
        (dt.date(2025, 1, 28), "除夕"),
        (dt.date(2024, 2, 9), "除夕"),
    ],
)
def test_traditional_festivals(day: dt.date, festival: str) -> None:
    assert festival in festivals_on(day)


def test_leap_month_days_are_not_festivals() -> None:
    # 2025 has a leap 6th month; 2020 a leap 4th; 2009 a leap 5th: 闰五月初五 is not 端午.
    day = lunar_to_solar(2009, 5, 5, leap=True)
    assert festivals_on(day) == ()


def test_labels() -> None:
    d = lunar_date(dt.date(2025, 3, 29))  # 三月初一
    assert d.short_label == "三月"
    assert lunar_date(dt.date(2025, 3, 30)).short_label == "初二"
    assert str(lunar_date(dt.date(2026, 2, 17))) == "丙午年正月初一"


def _reference(day: dt.date) -> tuple[int, int, int, bool]:
    lunar = Lunar.fromSolar(Solar.fromYmd(day.year, day.month, day.day))
    return lunar.getYear(), abs(lunar.getMonth()), lunar.getDay(), lunar.getMonth() < 0


def _ours(day: dt.date) -> tuple[int, int, int, bool]:
    d = lunar_date(day)
    return d.year, d.month, d.day, d.is_leap


def test_every_day_of_leap_years_matches_lunar_python() -> None:
    for year in (2023, 2033):
        day = dt.date(year, 1, 1)
        while day.year == year:
            assert _ours(day) == _reference(day), day
            day += dt.timedelta(days=1)


def test_random_days_match_lunar_python() -> None:
    rng = random.Random(20260217)
    start, span = dt.date(1900, 1, 1), (dt.date(2100, 12, 31) - dt.date(1900, 1, 1)).days
    # Sorted, so lunar-python's one-year cache is reused between neighbouring days.
    days = sorted(start + dt.timedelta(days=rng.randrange(span + 1)) for _ in range(60))
    for day in days:
        assert _ours(day) == _reference(day), day


def test_range_and_bad_dates() -> None:
    with pytest.raises(CalendarError):
        lunar_date(dt.date(1899, 12, 31))
    with pytest.raises(CalendarError):
        lunar_date(dt.date(2101, 1, 1))
    with pytest.raises(CalendarError, match="没有"):
        lunar_to_solar(2024, 3, 1, leap=True)  # 2024 has no leap month
