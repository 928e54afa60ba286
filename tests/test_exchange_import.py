"""Importing messy spreadsheets: header detection, every date form, places and units created or
mapped, duplicates, preview, all-or-nothing, the report, remembered mappings, idempotency."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models import AuditEntry, Expert, Need, NeedStatus, Township, Unit, Village
from services import places
from services.database import Database
from services.errors import ServiceError
from services.exchange import cells, mappings
from services.exchange.headers import HeaderError
from services.exchange.importer import (
    ImportCancelled,
    ImportOptions,
    Outcome,
    import_file,
    preview_import,
)
from services.exchange.reading import ReadError, open_book
from services.exchange.schema import MESSAGE_HEADER, RESULT_HEADER
from services.fields import field_path
from services.uow import UnitOfWork
from tests.conftest import County, has_cjk, make_id_number
from tests.exchange_books import (
    COOP,
    UNIT_ROWS,
    messy_experts,
    messy_needs,
    units_csv,
)

UowFactory = Callable[..., UnitOfWork]
YEAR = 2026


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def snapshot(db: Database) -> tuple[int, ...]:
    return tuple(count(db, m) for m in (Need, Expert, Unit, Township, Village, AuditEntry))


def add_baiyun(uow: UowFactory) -> None:
    with uow() as u:
        places.create_township(u.session, {"name": "白云镇"})
        u.commit()


def options(**extra: Any) -> ImportOptions:
    return ImportOptions(year=YEAR, **extra)


# --- the messy needs workbook -----------------------------------------------------------------


def test_messy_needs_workbook(db: Database, county: County, uow: UowFactory,
                              tmp_path: Path) -> None:
    add_baiyun(uow)
    path, expected = messy_needs(tmp_path / "需求汇总.xlsx")
    result = import_file(db, "needs", path, options())

    assert result.header_row == 3 and result.sheet == "需求汇总"
    by_row = {r.row: r for r in result.rows}
    assert set(by_row) == set(expected), "blank rows, the note row and the total row are skipped"
    with db.session() as s:
        for row, facts in expected.items():
            outcome = by_row[row]
            if "error" in facts:
                assert outcome.outcome == Outcome.ERROR, (row, outcome)
                assert facts["error"] in outcome.columns, (row, outcome.messages)
                assert all(has_cjk(m) for _, m in outcome.messages)
                continue
            assert outcome.outcome == Outcome.NEW, (row, outcome.messages)
            need = s.scalar(select(Need).where(Need.code == outcome.code))
            assert need is not None
            assert need.title == facts["title"]
            assert (need.window_start, need.window_end) == facts["window"]
            assert need.experts_wanted == facts["experts"]
            assert need.township.name == facts["township"]
            assert (need.village.name if need.village else None) == facts["village"]
            assert need.source == "Excel导入" and need.status == NeedStatus.SUBMITTED
            assert need.events[0].reason.startswith("Excel导入：需求汇总.xlsx 第")
            if "field" in facts:
                assert field_path(need.field).endswith(facts["field"])
        new_unit = s.scalar(select(Unit).where(Unit.name == "白云镇兴旺养殖场"))
        assert new_unit is not None and new_unit.phone == "13908510099"
        assert new_unit.township.name == "白云镇" and new_unit.village.name == "龙潭村"
        assert s.scalar(select(Township).where(Township.name == "白云乡")) is None
    mapped = {p.name: p for p in result.places}
    assert mapped["白云乡"].action == "map" and mapped["白云乡"].target == "白云镇"
    assert mapped["龙潭村"].action == "create"
    assert result.new_units == ["白云镇兴旺养殖场"]
    assert result.exit_code == 1 and result.report_path is not None
    assert "新建需求单位 1 家" in result.summary()


def test_preview_changes_nothing_and_predicts_the_import(
    db: Database, county: County, uow: UowFactory, tmp_path: Path
) -> None:
    add_baiyun(uow)
    path, _ = messy_needs(tmp_path / "n.xlsx")
    before = snapshot(db)
    preview = preview_import(db, "needs", path, options(write_report="never"))
    assert snapshot(db) == before
    assert preview.dry_run and not preview.committed
    done = import_file(db, "needs", path, options(write_report="never"))
    assert [(r.row, r.outcome, r.code) for r in preview.rows] == [
        (r.row, r.outcome, r.code) for r in done.rows]


@pytest.mark.parametrize("policy", ["update", "skip", "keep"])
def test_importing_the_same_file_twice_changes_nothing(
    db: Database, county: County, uow: UowFactory, tmp_path: Path, policy: str
) -> None:
    add_baiyun(uow)
    path, _ = messy_needs(tmp_path / "n.xlsx")
    import_file(db, "needs", path, options(on_duplicate=policy))
    after_first = snapshot(db)
    second = import_file(db, "needs", path, options(on_duplicate=policy))
    assert snapshot(db) == after_first, "no record and no audit entry was added"
    assert second.count(Outcome.NEW) == second.count(Outcome.UPDATE) == 0
    expected = Outcome.SKIP if policy == "skip" else Outcome.UNCHANGED
    assert {r.outcome for r in second.rows} == {expected, Outcome.ERROR}


def test_the_report_marks_errors_and_imports_again_once_fixed(
    db: Database, county: County, uow: UowFactory, tmp_path: Path
) -> None:
    add_baiyun(uow)
    path, expected = messy_needs(tmp_path / "n.xlsx")
    first = import_file(db, "needs", path, options(report=tmp_path / "报告.xlsx"))
    assert first.report_path == tmp_path / "报告.xlsx"
    wb = load_workbook(first.report_path)
    ws = wb["导入结果"]
    header = [c.value for c in ws[1]]
    assert header[-2:] == [RESULT_HEADER, MESSAGE_HEADER]
    results = {ws.cell(row=i, column=len(header) - 1).value for i in range(2, ws.max_row + 1)}
    assert results == {"新增", "错误"}
    bad = [i for i in range(2, ws.max_row + 1)
           if ws.cell(row=i, column=len(header) - 1).value == "错误"]
    assert len(bad) == sum(1 for f in expected.values() if "error" in f)
    # The clerk fixes the bad rows in the report itself …
    start_col = header.index("开始日期（如2026-05-03）") + 1
    for i in bad:
        values = {h: ws.cell(row=i, column=n + 1).value for n, h in enumerate(header)}
        if values["需求单位"] is None:
            ws.cell(row=i, column=header.index("需求单位") + 1, value=COOP)
        if values["所属领域"] == "航天育种":
            ws.cell(row=i, column=header.index("所属领域") + 1, value="水稻")
        ws.cell(row=i, column=start_col, value="2026-09-01")
        ws.cell(row=i, column=header.index("结束日期") + 1, value="2026-09-30")
    wb.save(first.report_path)
    # … and imports it: the fixed rows are new, the others unchanged, nothing doubles.
    second = import_file(db, "needs", first.report_path, options(on_duplicate="update"))
    assert second.all_accepted, [r.message for r in second.refused]
    assert second.count(Outcome.NEW) == len(bad)
    assert second.count(Outcome.UNCHANGED) == first.count(Outcome.NEW)
    assert count(db, Need) == first.count(Outcome.NEW) + len(bad)


def test_update_policy_changes_only_what_the_file_gives(
    db: Database, county: County, tmp_path: Path
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["需求标题", "需求单位", "专业领域", "专家人数", "需求描述"])
    ws.append(["茶园修剪", COOP, "茶叶", 1, "第一次"])
    wb.save(tmp_path / "a.xlsx")
    first = import_file(db, "needs", tmp_path / "a.xlsx", options())
    code = first.rows[0].code
    ws["D2"], ws["E2"] = 3, None  # a blank cell keeps the stored value
    wb.save(tmp_path / "b.xlsx")
    skipped = import_file(db, "needs", tmp_path / "b.xlsx", options(on_duplicate="skip"))
    assert skipped.rows[0].outcome == Outcome.SKIP and skipped.rows[0].duplicate_of == code
    updated = import_file(db, "needs", tmp_path / "b.xlsx", options(on_duplicate="update"))
    assert updated.rows[0].outcome == Outcome.UPDATE and updated.rows[0].code == code
    with db.session() as s:
        need = s.scalar(select(Need).where(Need.code == code))
        assert need is not None
        assert (need.experts_wanted, need.description, need.version) == (3, "第一次", 2)
    kept = import_file(db, "needs", tmp_path / "a.xlsx", options(on_duplicate="keep"))
    assert kept.rows[0].outcome == Outcome.NEW and kept.rows[0].code != code
    assert count(db, Need) == 2


# --- experts ----------------------------------------------------------------------------------


def test_messy_experts(db: Database, county: County, tmp_path: Path) -> None:
    path, expected = messy_experts(tmp_path / "专家.xlsx", county)
    result = import_file(db, "experts", path, options(on_duplicate="skip"))
    by_row = {r.row: r for r in result.rows}
    with db.session() as s:
        for row, facts in expected.items():
            outcome = by_row[row]
            if "error" in facts:
                assert outcome.outcome == Outcome.ERROR and facts["error"] in outcome.columns, (
                    row, outcome.messages)
                continue
            if "duplicate_of" in facts:
                assert outcome.outcome == Outcome.SKIP
                assert outcome.duplicate_of == facts["duplicate_of"]
                continue
            assert outcome.outcome == Outcome.NEW, (row, outcome.messages)
            expert = s.scalar(select(Expert).where(Expert.code == outcome.code))
            assert expert is not None
            for key in ("name", "id_number", "phone", "title", "gender", "birth_year"):
                assert getattr(expert, key) == facts[key], (row, key)
    lost = by_row[5].message
    assert "数字" in lost and "文本" in lost, "the rounded ID number is explained"


def test_expert_duplicate_policies(db: Database, county: County, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "联系电话", "职称级别", "职称", "专业领域"])
    ws.append(["张明远", county.tea_expert_id_number, "", "正高级", "二级研究员", "茶叶"])
    wb.save(tmp_path / "e.xlsx")
    kept = import_file(db, "experts", tmp_path / "e.xlsx", options(on_duplicate="keep"))
    assert kept.rows[0].outcome == Outcome.ERROR, "the same ID number cannot be kept twice"
    assert "身份证号" in kept.rows[0].message
    updated = import_file(db, "experts", tmp_path / "e.xlsx", options(on_duplicate="update"))
    assert updated.rows[0].outcome == Outcome.UPDATE
    assert updated.rows[0].code == county.tea_expert
    with db.session() as s:
        expert = s.scalar(select(Expert).where(Expert.code == county.tea_expert))
        assert expert is not None and expert.title_name == "二级研究员"
        assert expert.phone == county.tea_expert_phone, "a blank cell keeps the phone"
    again = import_file(db, "experts", tmp_path / "e.xlsx", options(on_duplicate="update"))
    assert again.rows[0].outcome == Outcome.UNCHANGED


def test_two_rows_with_one_id_number_are_refused(db: Database, county: County,
                                                 tmp_path: Path) -> None:
    number = make_id_number("19900202", seq="333")
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号"])
    ws.append(["甲", number])
    ws.append(["乙", number])
    wb.save(tmp_path / "e.xlsx")
    result = import_file(db, "experts", tmp_path / "e.xlsx", options())
    assert [r.outcome for r in result.rows] == [Outcome.NEW, Outcome.ERROR]
    assert "第 2 行" in result.rows[1].message
    assert count(db, Expert) == 4


# --- units, CSV encodings ---------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "delimiter"), [
    ("gbk", ","), ("gb18030", ","), ("utf-8-sig", ","), ("utf-8", ";"), ("utf-16", "\t"),
])
def test_units_from_csv(db: Database, county: County, tmp_path: Path, encoding: str,
                        delimiter: str) -> None:
    path = units_csv(tmp_path / "单位.csv", encoding, delimiter)
    result = import_file(db, "units", path, options())
    assert [r.outcome for r in result.rows] == [Outcome.NEW] * 3 + [Outcome.ERROR]
    assert "乡镇" in result.rows[3].columns
    with db.session() as s:
        unit = s.scalar(select(Unit).where(Unit.name == UNIT_ROWS[2][0]))
        assert unit is not None and unit.phone == "0851-85520303"
        assert unit.contact_person == "周总" and unit.address == "工业园区"
    assert import_file(db, "units", path, options()).count(Outcome.NEW) == 0


def test_gbk_bytes_are_decoded() -> None:
    from services.exchange.reading import decode_text

    assert decode_text("乡镇,村\r\n青山镇,石门村".encode("gbk")).startswith("乡镇,村")
    with pytest.raises(ReadError):
        decode_text(b"abc\x80\xff")


# --- mappings ---------------------------------------------------------------------------------


def test_a_column_mapping_is_remembered(db: Database, county: County, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["问题简述", "申报主体名称", "产业方向"])
    ws.append(["茶园修剪", COOP, "茶叶"])
    wb.save(tmp_path / "a.xlsx")
    with pytest.raises(HeaderError):
        import_file(db, "needs", tmp_path / "a.xlsx", options())
    chosen = {"问题简述": "title", "申报主体名称": "unit", "产业方向": "field"}
    first = import_file(db, "needs", tmp_path / "a.xlsx", options(columns=chosen))
    assert first.all_accepted
    ws["A2"] = "茶园施肥"
    wb.save(tmp_path / "b.xlsx")
    second = import_file(db, "needs", tmp_path / "b.xlsx", options())
    assert second.all_accepted and second.count(Outcome.NEW) == 1
    with db.session() as s:
        assert mappings.column_map(s, "needs")["问题简述"] == "title"


def test_a_place_mapping_is_remembered(db: Database, county: County, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "乡镇", "村"])
    ws.append(["老街村委会", "老街乡", "老街村"])
    wb.save(tmp_path / "u.xlsx")
    choice = {mappings.township_key("老街乡"): county.township,
              mappings.village_key(county.township, "老街村"): county.village}
    result = import_file(db, "units", tmp_path / "u.xlsx", options(places=choice))
    assert result.all_accepted
    assert {p.action for p in result.places} == {"map"}
    ws["A2"] = "老街村茶叶合作社"
    wb.save(tmp_path / "u2.xlsx")
    again = import_file(db, "units", tmp_path / "u2.xlsx", options())
    assert again.all_accepted
    with db.session() as s:
        unit = s.scalar(select(Unit).where(Unit.name == "老街村茶叶合作社"))
        assert unit is not None and unit.village is not None
        assert (unit.township.name, unit.village.name) == (county.township, county.village)
        assert s.scalar(select(Township).where(Township.name == "老街乡")) is None


def test_unknown_places_can_be_refused(db: Database, county: County, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "乡镇"])
    ws.append(["某公司", "远方镇"])
    wb.save(tmp_path / "u.xlsx")
    before = snapshot(db)
    result = import_file(db, "units", tmp_path / "u.xlsx", options(create_places=False))
    assert result.rows[0].outcome == Outcome.ERROR and "远方镇" in result.rows[0].message
    assert snapshot(db) == before


# --- all or nothing ---------------------------------------------------------------------------


def test_cancel_leaves_the_database_as_it_was(db: Database, county: County, uow: UowFactory,
                                              tmp_path: Path) -> None:
    add_baiyun(uow)
    path, _ = messy_needs(tmp_path / "n.xlsx")
    before = snapshot(db)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 1  # after validation, at the first write batch

    with pytest.raises(ImportCancelled) as info:
        import_file(db, "needs", path, options(), cancel=cancel)
    assert has_cjk(info.value.message)
    assert snapshot(db) == before


def test_a_failure_while_writing_writes_nothing(
    db: Database, county: County, uow: UowFactory, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_baiyun(uow)
    path, _ = messy_needs(tmp_path / "n.xlsx")
    before = snapshot(db)
    from services.exchange import importer

    def broken_write(self: Any, progress: Any, cancel: Any) -> None:
        self.session.add_all(obj for obj, _ in self.pending)
        self.session.flush()  # rows really reached the database …
        raise ServiceError("磁盘已满")  # … then the disk filled up

    monkeypatch.setattr(importer._Importer, "write", broken_write)
    with pytest.raises(ServiceError):
        import_file(db, "needs", path, options())
    assert snapshot(db) == before, "the new places and units went with the needs"


def test_progress_is_reported(db: Database, county: County, tmp_path: Path) -> None:
    path, _ = messy_needs(tmp_path / "n.xlsx")
    seen: list[tuple[int, int, str]] = []
    import_file(db, "needs", path, options(write_report="never"),
                progress=lambda d, t, text: seen.append((d, t, text)))
    assert seen and all(0 <= d <= t for d, t, _ in seen) and all(has_cjk(x) for *_, x in seen)


# --- reading and headers ----------------------------------------------------------------------


def test_files_that_are_not_spreadsheets_are_refused(db: Database, tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "b.xlsx").write_text("hello", encoding="utf-8")
    (tmp_path / "c.csv").write_bytes(b"")
    for name in ("a.xlsx", "b.xlsx", "c.csv", "missing.xlsx"):
        with pytest.raises(ReadError) as info:
            preview_import(db, "needs", tmp_path / name)
        assert has_cjk(info.value.message)


def test_no_header_is_explained(db: Database, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["甲", "乙", "丙"])
    wb.active.append([1, 2, 3])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(HeaderError) as info:
        preview_import(db, "experts", tmp_path / "x.xlsx")
    assert "表头" in info.value.message


def test_the_sheet_with_a_header_is_chosen(db: Database, county: County, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "封面"
    wb.active.append(["2026 年专家名册"])
    ws = wb.create_sheet("名册")
    ws.append(["姓名", "性别", "出生年月"])
    ws.append(["孙丽", "女", "1979.05"])
    wb.save(tmp_path / "x.xlsx")
    result = import_file(db, "experts", tmp_path / "x.xlsx", options())
    assert result.sheet == "名册" and result.all_accepted
    with db.session() as s:
        assert s.scalar(select(Expert.birth_year).where(Expert.name == "孙丽")) == 1979


def test_merged_cells_are_filled(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["标题"])
    ws.merge_cells("A1:C1")
    ws.append(["乡镇", "村", "单位名称"])
    ws.append(["青山镇", "石门村", "甲"])
    ws.append([None, None, "乙"])
    ws.merge_cells("A3:A4")
    wb.save(tmp_path / "m.xlsx")
    for engine in ("calamine", "openpyxl"):
        rows = open_book(tmp_path / "m.xlsx", engine).sheet().rows  # type: ignore[arg-type]
        assert rows[0] == ["标题"] * 3
        assert [r[0] for r in rows[2:4]] == ["青山镇", "青山镇"]
        assert rows[3][1] in (None, "")


# --- cells ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (date(2026, 5, 3), date(2026, 5, 3)),
    (46145, date(2026, 5, 3)),
    (46145.0, date(2026, 5, 3)),
    ("46145", date(2026, 5, 3)),
    ("2026/5/3", date(2026, 5, 3)),
    ("2026.5.3", date(2026, 5, 3)),
    ("2026-05-03", date(2026, 5, 3)),
    ("2026年5月3日", date(2026, 5, 3)),
    ("２０２６年５月３日", date(2026, 5, 3)),
    (" 2026 年 5 月 3 日 ", date(2026, 5, 3)),
    ("5月3日", date(2026, 5, 3)),
    ("5月3号", date(2026, 5, 3)),
    ("20260503", date(2026, 5, 3)),
    (20260503, date(2026, 5, 3)),
    ("2026-02-30", "2026-02-30"),
    ("下个月", "下个月"),
])
def test_dates_in_every_form(value: Any, expected: Any) -> None:
    assert cells.to_date(value, YEAR) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (3, 3), (3.0, 3), ("3", 3), ("３", 3), ("3人", 3), ("5 天", 5), ("1,200", 1200), ("三", "三"),
])
def test_counts(value: Any, expected: Any) -> None:
    assert cells.to_int(value) == expected


def test_id_numbers_and_phones() -> None:
    with pytest.raises(cells.CellError):
        cells.to_id_number(5.201021978031512e17)
    assert cells.to_id_number("'520102197803151234") == "520102197803151234"
    assert cells.to_phone(13885001001.0) == "13885001001"
    assert cells.is_masked("138****5678") and not cells.is_masked("138-5678")
    assert cells.to_year("1978年3月") == 1978 and cells.to_year(1978.03) == 1978
    assert cells.to_bool("√", "是否退休") is True
    with pytest.raises(cells.CellError):
        cells.to_bool("也许", "是否退休")
