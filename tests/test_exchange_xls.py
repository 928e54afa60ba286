"""Importing the old binary ``.xls`` workbooks (Excel 97-2003, what many township offices still
save): written here with ``xlwt`` as messy as the ``.xlsx`` ones of tests/exchange_books.py —
a title row merged across, a township merged down, full-width digits, dates as real date
cells, as bare Excel serials and as text in every form, an ID number stored as a number,
phones typed as numbers — and imported through the service and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlwt
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import Expert, Need, Township, Unit
from services import cli, places
from services.database import Database, open_database
from services.exchange.importer import ImportOptions, Outcome, import_file, preview_import
from services.exchange.reading import open_book
from services.uow import UnitOfWork
from tests.conftest import County, has_cjk, make_id_number
from tests.exchange_books import COOP, messy_experts, messy_needs

UowFactory = Callable[..., UnitOfWork]
YEAR = 2026
DATE_STYLE = xlwt.easyxf(num_format_str="yyyy-mm-dd")
DATETIME_STYLE = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
TITLE_STYLE = xlwt.easyxf("font: bold on, height 320; align: horiz center")


def xlsx_to_xls(source: Path, target: Path) -> Path:
    """The same workbook as an ``.xls``: every cell, the merged ranges, dates as date cells."""
    wb = load_workbook(source)
    out = xlwt.Workbook(encoding="utf-8")
    for ws in wb.worksheets:
        sheet = out.add_sheet(ws.title)
        merged = {}
        for rng in ws.merged_cells.ranges:
            merged[(rng.min_row, rng.min_col)] = rng
        covered = {(r, c) for rng in ws.merged_cells.ranges
                   for r in range(rng.min_row, rng.max_row + 1)
                   for c in range(rng.min_col, rng.max_col + 1)}
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                key = (cell.row, cell.column)
                if key in covered and key not in merged:
                    continue
                style = (DATETIME_STYLE if isinstance(value, datetime)
                         else DATE_STYLE if isinstance(value, date) else xlwt.Style.default_style)
                if key in merged:
                    rng = merged[key]
                    sheet.write_merge(rng.min_row - 1, rng.max_row - 1, rng.min_col - 1,
                                      rng.max_col - 1, value, style)
                elif value is not None:
                    sheet.write(cell.row - 1, cell.column - 1, value, style)
    out.save(str(target))
    return target


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def add_baiyun(uow: UowFactory) -> None:
    with uow() as u:
        places.create_township(u.session, {"name": "白云镇"})
        u.commit()


def handmade_needs(path: Path) -> tuple[Path, dict[int, dict[str, Any]]]:
    """Written cell by cell with xlwt: what an old Excel or WPS saves as .xls."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    ws.write_merge(0, 0, 0, 8, "２０２６年青山镇专家服务需求表", TITLE_STYLE)
    ws.write(1, 0, "填表人：")
    header = ["序号", "需求简述", "申报单位", "乡（镇）", "村名", "产业", "计划开始日期",
              "完成时限", "所需专家人数", "手机"]
    for col, text in enumerate(header):
        ws.write(2, col, text)
    rows: list[list[Any]] = [
        # 4: a real date cell, township merged down over rows 4-6, phone typed as a number
        [1, "茶园施肥技术指导 ", COOP, "青山镇", "石门村", "茶叶", date(2026, 3, 20),
         datetime(2026, 4, 10, 0, 0), 2, 13908510001],
        # 5: a bare Excel serial (46145 = 2026-05-03) and the dotted form; full-width count
        [2, "茶叶加工工艺", COOP, None, None, "茶叶", 46145, "2026.5.31", "２人", None],
        # 6: 年月日 text and a month-day taking the chosen year
        [3, "村医慢病管理培训", "青山镇卫生院", None, None, "全科", "2026年6月1日", "6月20日",
         "1", "0851-85520001"],
        [None] * 10,  # 7: blank
        # 8: a township spelt the old way (白云乡 → 白云镇 by the stem), a new unit and village
        [4, "生猪养殖防疫", "白云镇兴旺养殖场", "白云乡", "龙潭村", "生猪", "2026-08-01",
         "2026-08-31", 1, "139 0851 0099"],
        # 9: a date that is none (2026-02-30)
        [5, "果树修剪", COOP, "青山镇", None, "柑橘", "2026-02-30", None, 1, None],
        # 10: the window backwards
        [6, "中药材种植", COOP, "青山镇", None, "中药材", "2026-09-30", "2026-09-01", 1, None],
        ["合计", None, None, None, None, None, None, None, 5, None],  # 11: total row
    ]
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if value is None or (r in (3, 4, 5) and c == 3):
                continue  # the merged township cells are written by write_merge below
            style = (DATETIME_STYLE if isinstance(value, datetime)
                     else DATE_STYLE if isinstance(value, date) else xlwt.Style.default_style)
            ws.write(r, c, value, style)
    # The township is fixed in the original (rows 4-6 share 青山镇, merged downwards).
    ws.write_merge(3, 5, 3, 3, "青山镇")
    wb.save(str(path))
    expected = {
        4: {"title": "茶园施肥技术指导", "window": (date(2026, 3, 20), date(2026, 4, 10)),
            "experts": 2, "township": "青山镇", "village": "石门村"},
        5: {"title": "茶叶加工工艺", "window": (date(2026, 5, 3), date(2026, 5, 31)),
            "experts": 2, "township": "青山镇", "village": None},
        6: {"title": "村医慢病管理培训", "window": (date(2026, 6, 1), date(2026, 6, 20)),
            "experts": 1, "township": "青山镇", "village": None},
        8: {"title": "生猪养殖防疫", "window": (date(2026, 8, 1), date(2026, 8, 31)),
            "experts": 1, "township": "白云镇", "village": "龙潭村"},
        9: {"error": "计划开始日期"},
        10: {"error": "完成时限"},
    }
    return path, expected


def handmade_experts(path: Path, county: County) -> tuple[Path, dict[int, dict[str, Any]]]:
    good = make_id_number("19760808", seq="315")
    woman = make_id_number("19880101", seq="428")
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in woman)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("专家")
    ws.write_merge(0, 0, 0, 7, "云岭县专家名册")
    for col, text in enumerate(["姓名", "性别", "公民身份号码", "联系电话", "现工作单位", "职称等级",
                                "专长", "出生年月"]):
        ws.write(1, col, text)
    rows = [
        ["周明 ", "男", good, 13885002001.0, "县农业农村局", "副高", "茶叶", "1976年8月"],
        ["吴丽", "女性", full_width, "１３８８５００２００２", "县中医院", "中级职称", "全科",
         date(1988, 1, 1)],
        # an ID number stored as a number: its last digits are gone
        ["郑强", "男", 520102197803151234, 13885002003, "县畜牧站", "中级", "生猪", 1978],
        # the county's tea expert again (same ID number): skipped by default
        ["张明远", "男", county.tea_expert_id_number, county.tea_expert_phone, "省茶叶研究所",
         "正高级", "茶叶", 1970],
    ]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            style = DATE_STYLE if isinstance(value, date) else xlwt.Style.default_style
            ws.write(r, c, value, style)
    wb.save(str(path))
    expected = {
        3: {"name": "周明", "id_number": good, "phone": "13885002001", "title": "副高级",
            "birth_year": 1976},
        4: {"name": "吴丽", "id_number": woman, "phone": "13885002002", "title": "中级",
            "birth_year": 1988},
        5: {"error": "公民身份号码"},
        6: {"duplicate_of": county.tea_expert},
    }
    return path, expected


def check_needs(db: Database, result: Any, expected: dict[int, dict[str, Any]]) -> None:
    by_row = {r.row: r for r in result.rows}
    assert set(by_row) == set(expected), "title, note, blank and total rows are skipped"
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
            assert (need.window_start, need.window_end) == facts["window"], row
            assert need.experts_wanted == facts["experts"]
            assert need.township.name == facts["township"]
            assert (need.village.name if need.village else None) == facts["village"]


# --- the reader ---------------------------------------------------------------------------------


def test_xls_cells_come_back_typed_with_merges_filled(tmp_path: Path, county: County) -> None:
    path, _ = handmade_needs(tmp_path / "需求.xls")
    sheet = open_book(path).sheet()
    assert sheet.name == "Sheet1"
    assert sheet.rows[0][0] == sheet.rows[0][8] == "２０２６年青山镇专家服务需求表"
    assert [r[3] for r in sheet.rows[3:6]] == ["青山镇"] * 3, "merged down"
    assert sheet.rows[3][6] == date(2026, 3, 20) or sheet.rows[3][6] == datetime(2026, 3, 20)
    assert sheet.rows[4][6] == 46145  # a bare serial stays a number; the importer reads it
    assert sheet.rows[3][9] == 13908510001
    # An .xls saved under the wrong extension is still read by its content.
    renamed = tmp_path / "其实是xls.xlsx"
    renamed.write_bytes(path.read_bytes())
    assert open_book(renamed).sheet().rows[2][1] == "需求简述"
    # … and the other way round: a modern workbook named .xls.
    from openpyxl import Workbook

    modern = Workbook()
    modern.active.append(["姓名", "联系电话"])
    modern.save(tmp_path / "其实是xlsx.xls")
    assert open_book(tmp_path / "其实是xlsx.xls").sheet().rows[0] == ["姓名", "联系电话"]


# --- through the service ----------------------------------------------------------------------


def test_messy_needs_xls_handmade(db: Database, county: County, uow: UowFactory,
                                  tmp_path: Path) -> None:
    add_baiyun(uow)
    path, expected = handmade_needs(tmp_path / "青山镇需求.xls")
    result = import_file(db, "needs", path, ImportOptions(year=YEAR))
    assert result.header_row == 3
    check_needs(db, result, expected)
    with db.session() as s:
        unit = s.scalar(select(Unit).where(Unit.name == "白云镇兴旺养殖场"))
        assert unit is not None and unit.township.name == "白云镇"
        first = s.scalar(select(Need).where(Need.title == "茶园施肥技术指导"))
        assert first is not None
    assert result.exit_code == 1 and result.report_path is not None
    assert result.report_path.suffix == ".xlsx", "the report is always a modern workbook"
    assert load_workbook(result.report_path)["导入结果"].max_row == len(expected) + 1


def test_the_xlsx_messy_set_imports_the_same_from_xls(db: Database, county: County,
                                                      uow: UowFactory, tmp_path: Path) -> None:
    add_baiyun(uow)
    source, expected = messy_needs(tmp_path / "需求汇总.xlsx")
    path = xlsx_to_xls(source, tmp_path / "需求汇总.xls")
    preview = preview_import(db, "needs", path, ImportOptions(year=YEAR, write_report="never"))
    assert count(db, Need) == 0, "a preview writes nothing"
    result = import_file(db, "needs", path, ImportOptions(year=YEAR))
    assert [(r.row, r.outcome) for r in preview.rows] == [(r.row, r.outcome) for r in result.rows]
    check_needs(db, result, expected)
    again = import_file(db, "needs", path, ImportOptions(year=YEAR))
    assert again.count(Outcome.NEW) == 0, "importing the same .xls twice adds nothing"


def test_messy_experts_xls(db: Database, county: County, tmp_path: Path) -> None:
    path, expected = handmade_experts(tmp_path / "专家.xls", county)
    result = import_file(db, "experts", path, ImportOptions(year=YEAR))
    by_row = {r.row: r for r in result.rows}
    assert set(by_row) == set(expected)
    with db.session() as s:
        for row, facts in expected.items():
            outcome = by_row[row]
            if "error" in facts:
                assert outcome.outcome == Outcome.ERROR
                assert facts["error"] in outcome.columns
                assert "文本" in outcome.message, "says how to fix a number-stored ID"
                continue
            if "duplicate_of" in facts:
                assert outcome.outcome == Outcome.SKIP
                assert outcome.duplicate_of == facts["duplicate_of"]
                continue
            expert = s.scalar(select(Expert).where(Expert.code == outcome.code))
            assert expert is not None, (row, outcome.messages)
            for key in ("name", "id_number", "phone", "title", "birth_year"):
                assert getattr(expert, key) == facts[key], (row, key)


def test_the_xlsx_messy_experts_from_xls(db: Database, county: County, tmp_path: Path) -> None:
    source, expected = messy_experts(tmp_path / "专家.xlsx", county)
    path = xlsx_to_xls(source, tmp_path / "专家.xls")
    result = import_file(db, "experts", path, ImportOptions(year=YEAR))
    by_row = {r.row: r for r in result.rows}
    assert set(by_row) == set(expected)
    for row, facts in expected.items():
        if "error" in facts:
            assert by_row[row].outcome == Outcome.ERROR and facts["error"] in by_row[row].columns
        elif "duplicate_of" in facts:
            assert by_row[row].duplicate_of == facts["duplicate_of"]
        else:
            assert by_row[row].outcome == Outcome.NEW, by_row[row].messages


def test_a_failing_xls_import_writes_nothing(db: Database, county: County,
                                            tmp_path: Path) -> None:
    path, _ = handmade_needs(tmp_path / "需求.xls")
    before = (count(db, Need), count(db, Unit), count(db, Township))
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 1  # cancelled after the rows were checked, before the write

    from services.exchange.importer import ImportCancelled

    with pytest.raises(ImportCancelled):
        import_file(db, "needs", path, ImportOptions(year=YEAR), cancel=cancel)
    assert (count(db, Need), count(db, Unit), count(db, Township)) == before


# --- through the CLI --------------------------------------------------------------------------


def test_cli_imports_xls(db: Database, county: County, db_path: Path, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    db.close()
    path, expected = handmade_needs(tmp_path / "需求.xls")
    code = cli.run(["import", "needs", str(path), "--db", str(db_path), "--year", str(YEAR),
                    "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "预览" in out and "这是预览" in out
    code = cli.run(["import", "needs", str(path), "--db", str(db_path), "--year", str(YEAR),
                    "--map-place", "白云乡=新建"])
    out, err = capsys.readouterr()
    assert code == 1, err  # two rows are refused: exit 1 with the report's path
    assert "导入报告：" in out and "第 9 行" in out and "第 10 行" in out
    good = sum(1 for f in expected.values() if "error" not in f)
    assert f"新增 {good}" in out
    database = open_database(str(db_path))
    try:
        with database.session() as s:
            assert s.scalar(select(func.count()).select_from(Need)) == good
            # 白云乡 confirmed as a new township (no 白云镇 in this database anyway)
            assert s.scalar(select(Township).where(Township.name == "白云乡")) is not None
    finally:
        database.close()


def test_cli_maps_a_unit_of_an_xls_and_remembers_it(db: Database, county: County,
                                                    db_path: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db.close()
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("需求")
    for col, text in enumerate(["需求标题", "需求单位", "乡镇", "专业领域"]):
        ws.write(0, col, text)
    ws.write(1, 0, "茶园修剪")
    ws.write(1, 1, "石门茶叶合作社")  # the county's cooperative, spelt shorter
    ws.write(1, 2, "青山镇")
    ws.write(1, 3, "茶叶")
    path = tmp_path / "需求.xls"
    wb.save(str(path))
    code = cli.run(["import", "needs", str(path), "--db", str(db_path),
                    "--map-unit", f"石门茶叶合作社={county.coop.lower()}"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "单位对应" in out and county.coop in out
    database = open_database(str(db_path))
    try:
        with database.session() as s:
            need = s.scalar(select(Need))
            assert need is not None and need.unit.code == county.coop
            assert s.scalar(select(func.count()).select_from(Unit)) == 2, "no unit created"
        # remembered: the same name maps by itself next time
        again = import_file(database, "needs", path, ImportOptions(write_report="never"))
        assert [(u.action, u.target) for u in again.units] == [("map", county.coop)]
    finally:
        database.close()
