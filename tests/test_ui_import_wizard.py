"""The import wizard (ui/import_wizard.py) driven through its pages: a messy township workbook
through column check, places and units, the preview (errors only, duplicate policy) to an
all-or-nothing import; a corrected column and a mapped place or unit remembered for the next
file; 取消 during the import writes nothing; the blank template."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models import AuditEntry, Need, Township, Unit, Village
from services import places
from services.exchange import importer as importer_service
from services.exchange import mappings
from services.exchange.importer import ImportOptions, Outcome, preview_import
from tests.conftest import County, has_cjk
from tests.exchange_books import COOP, messy_needs
from tests.ui_support import ignore_offscreen, wait_idle, window  # noqa: F401
from ui.import_wizard import (
    COLUMNS_PAGE,
    FILE_PAGE,
    PLACES_PAGE,
    PREVIEW_PAGE,
    RUN_PAGE,
    ImportWizard,
)
from ui.main_window import MainWindow

pytestmark = ignore_offscreen
YEAR = 2026


def snapshot(db: Any) -> tuple[int, ...]:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                     for m in (Need, Unit, Township, Village, AuditEntry))


def open_wizard(qtbot: Any, window: MainWindow, page_key: str = "needs") -> ImportWizard:  # noqa: F811
    page = window.show_page(page_key)
    wait_idle(qtbot, window)
    page.import_action.trigger()  # 导入导出 › 从Excel导入…
    wizard = window.import_wizard
    assert isinstance(wizard, ImportWizard) and wizard.isVisible()
    assert wizard.currentId() == FILE_PAGE
    return wizard


def wait_page(qtbot: Any, wizard: ImportWizard, page_id: int) -> None:
    qtbot.waitUntil(lambda: wizard.currentId() == page_id and not wizard.busy, timeout=20_000)
    qtbot.wait(10)


def choose_file(qtbot: Any, wizard: ImportWizard, path: Path, kind: str = "needs") -> None:
    page = wizard.file_page
    page.path.setText(str(path))
    page.kind.setCurrentIndex(page.kind.findData(kind))
    page.year.setValue(YEAR)
    assert page.isComplete()
    wizard.next()
    wait_page(qtbot, wizard, COLUMNS_PAGE)


def test_wizard_imports_a_messy_workbook_all_or_nothing(qtbot, db, county: County, window,  # noqa: F811
                                                        uow, tmp_path: Path) -> None:
    with uow() as u:
        places.create_township(u.session, {"name": "白云镇"})
        u.commit()
    path, expected = messy_needs(tmp_path / "需求汇总.xlsx")
    before = snapshot(db)
    wizard = open_wizard(qtbot, window)
    choose_file(qtbot, wizard, path)

    # 核对列: the header under the title and note rows, synonyms recognised.
    columns = wizard.columns_page
    assert "第 3 行是表头" in columns.about.text()
    mapping = columns.mapping()
    assert mapping["需求名称"] == "title" and mapping["所在乡镇"] == "township"
    assert mapping["开始日期（如2026-05-03）"] == "window_start" and mapping["序号"] == ""
    assert columns.isComplete() and not columns.missing.isVisible()

    # 地名和单位: 白云乡 mapped to 白云镇 by its stem, a new village and a new unit.
    wizard.next()
    wait_page(qtbot, wizard, PLACES_PAGE)
    combos = wizard.places_page.combos
    assert combos["township:白云乡"].currentData() == "白云镇"
    assert combos["village:白云镇/龙潭村"].currentData() == mappings.NEW
    assert combos["unit:白云镇兴旺养殖场"].currentData() == mappings.NEW
    assert snapshot(db) == before, "nothing is written while looking"

    # 预览: every row, errors with row, column and a Chinese message; errors only.
    wizard.next()
    wait_page(qtbot, wizard, PREVIEW_PAGE)
    preview = wizard.preview_page
    model = preview.model
    rows = {model.line(r)[0] for r in range(model.rowCount())}
    assert rows == set(expected)
    preview.errors_only.setChecked(True)
    errors = [model.line(r) for r in range(model.rowCount())]
    wanted = {row: facts["error"] for row, facts in expected.items() if "error" in facts}
    assert {line[0] for line in errors} == set(wanted)
    columns_of: dict[int, set[str]] = {}
    for row, label, _code, column, message, is_error in errors:
        assert is_error and label == "错误" and has_cjk(message)
        columns_of.setdefault(row, set()).add(column)
    assert all(wanted[row] in found for row, found in columns_of.items()), columns_of
    assert "将导入" in preview.summary.text()
    assert snapshot(db) == before

    # 导入: one transaction; the report of the refused rows can be opened or saved.
    wizard.next()
    wait_page(qtbot, wizard, RUN_PAGE)
    run = wizard.run_page
    qtbot.waitUntil(run.isComplete, timeout=20_000)
    result = wizard.result
    assert result is not None and result.committed
    good = [row for row, facts in expected.items() if "error" not in facts]
    assert result.count(Outcome.NEW) == len(good)
    with db.session() as s:
        titles = set(s.scalars(select(Need.title)))
        assert titles == {expected[row]["title"] for row in good}
        assert s.scalar(select(Township).where(Township.name == "白云乡")) is None
        assert s.scalar(select(Unit).where(Unit.name == "白云镇兴旺养殖场")) is not None
    assert result.report_path is not None and result.report_path.exists()
    assert run.open_report_button.isVisible() and run.save_report_button.isVisible()
    assert "导入报告" in run.result_label.text()
    saved = run.save_report(tmp_path / "改正后再导入")
    assert saved == tmp_path / "改正后再导入.xlsx"
    sheet = load_workbook(saved)["导入结果"]
    assert [c.value for c in sheet[1]][-2:] == ["导入结果", "错误说明"]
    wizard.accept()


def test_cancelling_the_import_writes_nothing(qtbot, db, county: County, window, tmp_path: Path,  # noqa: F811
                                              monkeypatch) -> None:
    path, _ = messy_needs(tmp_path / "需求.xlsx")
    real = importer_service.import_file
    started = threading.Event()

    def slow_import(database, kind, source, options, progress=None, cancel=None):  # type: ignore[no-untyped-def]
        started.set()
        deadline = time.monotonic() + 15
        while not cancel() and time.monotonic() < deadline:
            time.sleep(0.02)
        return real(database, kind, source, options, progress, cancel)

    monkeypatch.setattr(importer_service, "import_file", slow_import)
    before = snapshot(db)
    wizard = open_wizard(qtbot, window)
    choose_file(qtbot, wizard, path)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() in (PLACES_PAGE, PREVIEW_PAGE)
                    and not wizard.busy, timeout=20_000)
    if wizard.currentId() == PLACES_PAGE:
        wizard.next()
        wait_page(qtbot, wizard, PREVIEW_PAGE)
    wizard.next()
    qtbot.waitUntil(started.is_set, timeout=10_000)
    run = wizard.run_page
    assert run.busy.cancel_button.isVisible()
    run.busy.cancel_button.click()
    qtbot.waitUntil(lambda: run.isComplete(), timeout=20_000)
    assert wizard.result is None
    assert "未作任何改动" in run.result_label.text()
    assert snapshot(db) == before, "all or nothing: a cancelled import leaves no trace"
    wizard.accept()


def header_only_workbook(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["事项", "申报单位", "产业", "乡镇"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_a_corrected_column_is_remembered(qtbot, db, county: County, window,  # noqa: F811
                                          tmp_path: Path) -> None:
    first = header_only_workbook(tmp_path / "一.xlsx", [["茶园修剪", COOP, "茶叶", "青山镇"]])
    wizard = open_wizard(qtbot, window)
    choose_file(qtbot, wizard, first)
    columns = wizard.columns_page
    assert columns.mapping()["事项"] == "", "事项 is nothing the program knows"
    assert not columns.isComplete() and columns.missing.isVisible()
    assert "需求标题" in columns.missing.text()
    columns.set_mapping("事项", "title")
    assert columns.isComplete() and not columns.missing.isVisible()
    wizard.next()
    wait_page(qtbot, wizard, PREVIEW_PAGE)  # no unknown place or unit: straight to the preview
    assert wizard.preview is not None and wizard.preview.count(Outcome.NEW) == 1
    wizard.next()
    wait_page(qtbot, wizard, RUN_PAGE)
    qtbot.waitUntil(wizard.run_page.isComplete, timeout=20_000)
    assert wizard.result is not None and wizard.result.all_accepted
    wizard.accept()
    with db.session() as s:
        assert mappings.column_map(s, "needs")["事项"] == "title"

    # The next file with the same header needs nothing.
    second = header_only_workbook(tmp_path / "二.xlsx", [["茶叶加工", COOP, "茶叶", "青山镇"]])
    wait_idle(qtbot, window)
    again = open_wizard(qtbot, window)
    choose_file(qtbot, again, second)
    assert again.columns_page.mapping()["事项"] == "title"
    assert again.columns_page.isComplete()
    again.reject()


def test_places_and_units_mapped_by_the_user_are_remembered(
    qtbot, db, county: County, window, tmp_path: Path  # noqa: F811
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["需求标题", "需求单位", "乡镇", "村", "专业领域"])
    ws.append(["茶园病虫害防治", "石门茶叶合作社", "青山镇", "新寨", "茶叶"])
    ws.append(["茶叶加工培训", "石门茶叶合作社", "青山镇", "新寨", "茶叶"])
    path = tmp_path / "报表.xlsx"
    wb.save(path)
    wizard = open_wizard(qtbot, window)
    choose_file(qtbot, wizard, path)
    wizard.next()
    wait_page(qtbot, wizard, PLACES_PAGE)
    page = wizard.places_page
    assert page.table.rowCount() == 2
    assert page.combos["village:青山镇/新寨"].currentData() == mappings.NEW
    page.choose("village:青山镇/新寨", county.poor_village)  # 新寨 is what 茶山村 was called
    page.choose("unit:石门茶叶合作社", county.coop)  # the cooperative, spelt shorter
    wizard.next()
    wait_page(qtbot, wizard, PREVIEW_PAGE)
    assert wizard.preview is not None
    assert [u.action for u in wizard.preview.units] == ["map"]
    wizard.next()
    wait_page(qtbot, wizard, RUN_PAGE)
    qtbot.waitUntil(wizard.run_page.isComplete, timeout=20_000)
    wizard.accept()
    with db.session() as s:
        needs = list(s.scalars(select(Need)))
        assert len(needs) == 2
        assert {n.unit.code for n in needs} == {county.coop}
        assert {n.village.name for n in needs} == {county.poor_village}
        assert s.scalar(select(Village).where(Village.name == "新寨")) is None
        assert mappings.unit_map(s)["石门茶叶合作社"] == county.coop
        assert mappings.place_map(s)["village:青山镇/新寨"] == county.poor_village
    # Remembered: the next preview of such a file maps both by itself.
    again = preview_import(db, "needs", path, ImportOptions(write_report="never"))
    assert [(u.action, u.target) for u in again.units] == [("map", county.coop)]
    assert [(p.action, p.target) for p in again.places] == [("map", county.poor_village)]


def test_templates_from_the_page_and_the_file_menu(qtbot, window, tmp_path: Path) -> None:  # noqa: F811
    target = tmp_path / "专家模板.xlsx"
    window.save_template("experts", str(target))
    wait_idle(qtbot, window)
    sheet = load_workbook(target).worksheets[0]
    assert "姓名" in [c.value for c in sheet[4]]
    page = window.show_page("units")
    wait_idle(qtbot, window)
    assert page.template_action.text() == "保存空白导入模板…"
    assert page.import_action.text() == "从Excel导入…"
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "从Excel导入(&I)…" in texts and "备份到(&B)…" in texts and "从备份恢复…" in texts


def test_the_file_menu_opens_the_wizard_for_the_list_shown(qtbot, window) -> None:  # noqa: F811
    window.show_page("experts")
    wait_idle(qtbot, window)
    wizard = window.open_import_wizard()
    assert isinstance(wizard, ImportWizard)
    assert wizard.file_page.kind.currentData() == "experts"
    wizard.reject()


@pytest.mark.parametrize("kind", ["experts", "units"])
def test_an_unreadable_file_is_said_plainly(qtbot, window, tmp_path: Path, kind: str) -> None:  # noqa: F811
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    wizard = open_wizard(qtbot, window, kind)
    choose_file(qtbot, wizard, bad, kind)
    page = wizard.columns_page
    assert page.error.isVisible() and has_cjk(page.error.text())
    assert not page.isComplete()
    wizard.reject()
