"""Hypothesis: bad cells of every kind never crash the importer (only ServiceErrors with a
Chinese message), and never leave a partial import: exactly the rows reported new are in the
database, nothing of a refused row is."""

from __future__ import annotations

import csv
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import select

from models import Need
from services.database import Database
from services.errors import ServiceError
from services.exchange import cells
from services.exchange.importer import ImportOptions, Outcome, import_file
from tests.conftest import County, has_cjk
from tests.exchange_books import CLINIC, COOP

HEADER = ["需求标题", "需求单位", "乡镇", "村", "专业领域", "开始日期", "结束日期", "专家人数",
          "服务天数", "职称要求", "预计受益人数", "申报日期", "状态"]

# Text a spreadsheet cell can hold (openpyxl refuses control characters in .xlsx).
safe_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
anything = st.one_of(
    st.none(), safe_text, st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.dates(date(1900, 1, 1), date(2200, 12, 31)),
    st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1)),
)
plausible = {
    "需求标题": st.one_of(st.sampled_from(["茶园修剪", "义诊", "  生猪防疫 "]), safe_text),
    "需求单位": st.one_of(st.sampled_from([COOP, CLINIC, "DW-0001", "DW-9999", "新合作社"]),
                      anything),
    "乡镇": st.one_of(st.sampled_from(["青山镇", "青山乡", "白云镇", ""]), anything),
    "村": st.one_of(st.sampled_from(["石门村", "茶山", "新村", None]), anything),
    "专业领域": st.one_of(st.sampled_from(["茶叶", "全科", "种植业 › 茶叶", "病虫害防治", "火箭"]),
                      anything),
    "开始日期": st.one_of(st.sampled_from(["2026-05-01", "5月3日", "2026年13月1日", 46145]),
                      anything),
    "结束日期": anything,
    "专家人数": st.one_of(st.sampled_from([1, "2人", "０", 51, "很多"]), anything),
    "服务天数": anything,
    "职称要求": st.one_of(st.sampled_from(["副高", "正高级", "特级", ""]), anything),
    "预计受益人数": anything,
    "申报日期": anything,
    "状态": st.one_of(st.sampled_from(["已申报", "reviewed", "已驳回", "完成了"]), anything),
}
rows_strategy = st.lists(st.fixed_dictionaries(plausible), min_size=1, max_size=12)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)  # a sheet cannot hold them; a text cell can
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value


def needs(db: Database) -> set[str]:
    with db.session() as s:
        return set(s.scalars(select(Need.code)))


def check(db: Database, path: Path) -> None:
    before = needs(db)
    try:
        result = import_file(db, "needs", path, ImportOptions(year=2026, write_report="never"))
    except ServiceError as exc:
        assert has_cjk(exc.message)
        assert needs(db) == before, "a refused import writes nothing"
        return
    after = needs(db)
    new = {r.code for r in result.rows if r.outcome == Outcome.NEW}
    assert after - before == new, "exactly the rows reported new were written"
    for row in result.rows:
        assert row.outcome in Outcome
        if row.outcome == Outcome.ERROR:
            assert row.messages and all(has_cjk(m) for _, m in row.messages)
            assert not row.code or row.code in before


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=rows_strategy)
def test_bad_cells_in_xlsx(db: Database, county: County, tmp_path: Path,
                           rows: list[dict[str, Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append([_xlsx_value(row[h]) for h in HEADER])
    path = tmp_path / "fuzz.xlsx"
    wb.save(path)
    check(db, path)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=rows_strategy, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
       raw=st.text(max_size=60))
def test_bad_cells_in_csv(db: Database, county: County, tmp_path: Path,
                          rows: list[dict[str, Any]], encoding: str, raw: str) -> None:
    path = tmp_path / "fuzz.csv"
    with path.open("w", encoding=encoding, newline="", errors="replace") as fh:
        writer = csv.writer(fh)
        writer.writerow([raw])  # anything at all above the header
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(["" if row[h] is None else str(row[h]) for h in HEADER])
    check(db, path)


@given(value=anything, year=st.integers(1900, 2200))
def test_cell_cleaners_never_crash(value: Any, year: int) -> None:
    cells.text(value)
    cells.to_date(value, year)
    cells.to_int(value)
    cells.to_year(value)
    cells.to_phone(value)
    for fn in (cells.to_id_number, lambda v: cells.to_bool(v, "是否退休")):
        try:
            fn(value)
        except cells.CellError as exc:
            assert has_cjk(str(exc))
