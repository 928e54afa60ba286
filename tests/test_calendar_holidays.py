"""Statutory holidays, make-up working days, unannounced years and user rows."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from lunar_python.util.HolidayUtil import HolidayUtil

from services.calendar import HolidayCalendar, statutory_calendar, year_announced
from services.calendar.holidays import load_statutory, parse_statutory
from services.errors import CalendarError

D = dt.date


def test_2025_spring_festival_and_make_up_day() -> None:
    cal = statutory_calendar()
    assert cal.is_holiday(D(2025, 1, 28))  # 除夕 is a day off from 2025 on
    assert cal.holiday_name(D(2025, 2, 4)) == "春节"
    assert not cal.is_holiday(D(2025, 2, 5))
    assert cal.is_makeup_workday(D(2025, 1, 26))  # a Sunday worked
    assert cal.is_working_day(D(2025, 1, 26))
    assert cal.holiday_name(D(2025, 1, 26)) == ""
    status = cal.status(D(2025, 2, 8))
    assert status.kind == "workday" and status.name == "春节" and status.announced


def test_2026_known_days() -> None:
    cal = statutory_calendar()
    assert cal.holiday_name(D(2026, 2, 17)) == "春节"
    assert cal.is_makeup_workday(D(2026, 1, 4))
    assert cal.is_makeup_workday(D(2026, 2, 28))
    assert not cal.is_working_day(D(2026, 10, 7))
    assert cal.is_working_day(D(2026, 10, 10))  # a Saturday worked


def test_ordinary_days() -> None:
    cal = statutory_calendar()
    assert cal.status(D(2025, 3, 12)).kind == "weekday"
    assert cal.status(D(2025, 3, 15)).kind == "weekend"
    assert not cal.is_working_day(D(2025, 3, 15))


def test_announced_years() -> None:
    for year in range(2020, 2027):
        assert year_announced(year)
    assert not year_announced(2019)
    assert not year_announced(2027)


def test_unannounced_year_says_so() -> None:
    cal = statutory_calendar()
    note = cal.announcement_note(2027)
    assert note is not None and "2027" in note and "尚未公布" in note
    assert cal.announcement_note(2026) is None
    assert "未收录" in (cal.announcement_note(2019) or "")  # history, not "not yet announced"
    status = cal.status(D(2027, 10, 1))
    assert not status.announced and "尚未公布" in status.note
    assert status.kind == "weekday"  # never guessed as a holiday
    assert not cal.is_holiday(D(2027, 10, 1))
    with pytest.raises(CalendarError, match="尚未公布"):
        cal.is_working_day(D(2027, 10, 1), strict=True)


def test_user_rows_merge_and_win() -> None:
    rows = [
        SimpleNamespace(date=D(2027, 3, 3), name="县庆", kind="holiday", note="本县放假"),
        {"date": "2025-01-26", "name": "防汛值守", "kind": "holiday"},
        {"date": D(2025, 3, 15), "name": "春耕服务周", "kind": "workday"},
    ]
    cal = HolidayCalendar.default(rows)
    assert cal.is_holiday(D(2027, 3, 3)) and cal.holiday_name(D(2027, 3, 3)) == "县庆"
    assert cal.status(D(2027, 3, 3)).source == "user"
    assert cal.status(D(2027, 3, 3)).note == "本县放假"
    assert cal.is_working_day(D(2027, 3, 3), strict=True) is False  # decided by the user row
    assert cal.is_holiday(D(2025, 1, 26))  # user closure on a statutory make-up day
    assert cal.is_makeup_workday(D(2025, 3, 15))
    assert statutory_calendar().is_makeup_workday(D(2025, 1, 26))  # shared one unchanged
    assert cal.with_user_rows([]).is_makeup_workday(D(2025, 1, 26))


def test_bad_user_row() -> None:
    with pytest.raises(CalendarError, match="类型"):
        HolidayCalendar.default([{"date": D(2025, 1, 1), "name": "x", "kind": "party"}])


def test_bad_statutory_data() -> None:
    with pytest.raises(CalendarError, match="早于"):
        parse_statutory(
            {
                "years": {
                    "2030": {
                        "periods": [{"name": "元旦", "start": "2030-01-03", "end": "2030-01-01"}]
                    }
                }
            }
        )
    with pytest.raises(CalendarError, match="既放假又上班"):
        parse_statutory(
            {
                "years": {
                    "2030": {
                        "periods": [
                            {
                                "name": "元旦",
                                "start": "2030-01-01",
                                "end": "2030-01-01",
                                "workdays": ["2030-01-01"],
                            }
                        ]
                    }
                }
            }
        )


def test_working_days_between() -> None:
    cal = statutory_calendar()
    # 2025-09-28 (Sunday, worked) … 2025-10-11 (Saturday, worked): 8 days off in between.
    assert cal.working_days_between(D(2025, 9, 28), D(2025, 10, 11)) == 6
    assert [e.date for e in cal.entries_between(D(2025, 9, 27), D(2025, 9, 30))] == [D(2025, 9, 28)]


def test_agrees_with_lunar_python_holiday_table() -> None:
    """An independent transcription of the same State Council notices."""
    ours = load_statutory().entries
    day = D(2020, 1, 1)
    while day <= D(2026, 12, 31):
        theirs = HolidayUtil.getHoliday(day.year, day.month, day.day)
        entry = ours.get(day)
        if theirs is None:
            assert entry is None, day
        else:
            assert entry is not None, day
            assert (entry.kind == "workday") == bool(theirs.isWork()), day
        day += dt.timedelta(days=1)
