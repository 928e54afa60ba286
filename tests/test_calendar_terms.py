"""Solar terms against the Hong Kong Observatory's published moments, and the year range."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from services.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    TERM_NAMES,
    current_term,
    solar_terms,
    term_date,
    term_moment,
    term_on,
)
from services.errors import CalendarError

HKO_FILE = Path(__file__).parent / "data" / "solar_terms_hko_2018_2022.csv"


def _hko_rows() -> list[dict[str, str]]:
    with open(HKO_FILE, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_hko_file_is_complete() -> None:
    rows = _hko_rows()
    assert len(rows) == 5 * 24
    assert {int(r["year"]) for r in rows} == {2018, 2019, 2020, 2021, 2022}


@pytest.mark.parametrize("row", _hko_rows(), ids=lambda r: f"{r['year']}-{r['term']}")
def test_every_hko_row_within_one_minute(row: dict[str, str]) -> None:
    year, index = int(row["year"]), int(row["idx_from_xiaohan"])
    expected = dt.datetime.strptime(row["beijing_time_utc8"], "%Y-%m-%d %H:%M")
    term = solar_terms(year)[index]
    assert term.name == row["term"]
    assert abs((term.moment - expected).total_seconds()) <= 60
    assert term_moment(year, row["term"]) == term.moment


def test_24_terms_in_order_xiaohan_first() -> None:
    for year in (MIN_YEAR, 1984, 2024, 2033, MAX_YEAR):
        terms = solar_terms(year)
        assert [t.name for t in terms] == list(TERM_NAMES)
        assert terms[0].name == "小寒" and terms[-1].name == "冬至"
        moments = [t.moment for t in terms]
        assert moments == sorted(moments)
        assert all(t.moment.year == year for t in terms)
        assert all(t.moment.microsecond == 0 for t in terms)


def test_known_dates() -> None:
    assert term_date(2026, "立春") == dt.date(2026, 2, 4)
    assert term_date(2025, "冬至") == dt.date(2025, 12, 21)
    assert term_on(dt.date(2025, 4, 4)) == "清明"
    assert term_on(dt.date(2025, 4, 5)) is None


def test_current_term() -> None:
    assert current_term(dt.date(2025, 4, 10)).name == "清明"
    early = current_term(dt.date(2025, 1, 2))  # before 小寒: still last year's 冬至
    assert early.name == "冬至" and early.year == 2024


def test_cached_per_year() -> None:
    assert solar_terms(2030) is solar_terms(2030)


@pytest.mark.parametrize("year", [MIN_YEAR - 1, MAX_YEAR + 1, 1800, 3000])
def test_years_outside_range_raise_chinese_error(year: int) -> None:
    with pytest.raises(CalendarError) as err:
        solar_terms(year)
    assert "1900" in err.value.message and "超出" in err.value.message


def test_unknown_term_name() -> None:
    with pytest.raises(CalendarError, match="不是二十四节气"):
        term_date(2025, "元旦")
