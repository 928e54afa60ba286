"""统计报表: the figures table equals the service; double-clicking a figure lists exactly its
records; the paragraph copies; a slice changes the figures; export runs off the GUI thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from services import statistics as st
from tests.stats_support import build_outcomes
from tests.ui_support import ignore_offscreen, open_window, wait_idle

pytestmark = ignore_offscreen


@pytest.fixture
def reports(qtbot, db, county, tmp_path):
    build_outcomes(db, county)
    window = open_window(qtbot, db, tmp_path / "ui-state.json")
    page = window.show_page("reports")
    page.year.setValue(2026)
    page.refresh()
    wait_idle(qtbot, window)
    yield window, page
    window.close()


def test_figures_drill_down_and_paragraph(qtbot, db, reports) -> None:
    window, page = reports
    rows = {r["key"]: r for r in page.figures_model.rows}
    assert rows["experts"]["text"] == "3" and rows["dispatches"]["records"] == 5
    assert page.paragraph.toPlainText().startswith("今年以来，共开展专家服务活动 1 场")
    page.copy_button.click()
    assert QGuiApplication.clipboard().text() == page.paragraph.toPlainText()
    row = [r["key"] for r in page.figures_model.rows].index("needs_served")
    page.figures_view.doubleClicked.emit(page.figures_model.index(row, 0))
    dialog = page.last_dialog
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    with db.session() as s:
        expected = st.drill_down(s, "needs_served", st.Period.of_year(2026))
    assert [r["id"] for r in dialog.model.rows] == [r.id for r in expected]
    assert len(expected) == 3
    dialog._open(dialog.model.index(0, 0))
    wait_idle(qtbot, window)
    assert window.current_key == "needs"


def test_slice_and_export(qtbot, reports, tmp_path: Path) -> None:
    window, page = reports
    page.slice_kind.setCurrentIndex(page.slice_kind.findData("township"))
    page.slice_key.setCurrentIndex(page.slice_key.findText("白岩乡"))
    page.refresh()
    wait_idle(qtbot, window)
    rows = {r["key"]: r for r in page.figures_model.rows}
    assert rows["dispatches"]["text"] == "1"
    assert "白岩乡" in page.paragraph.toPlainText()
    page.export("xlsx", str(tmp_path / "r.xlsx"))
    page.export("pdf", str(tmp_path / "r.pdf"))
    wait_idle(qtbot, window, timeout=120_000)  # the fonts load on the first PDF
    assert (tmp_path / "r.xlsx").exists() and (tmp_path / "r.pdf").exists()


def test_ledger_and_cards_tabs(qtbot, reports) -> None:
    window, page = reports
    assert [r["name"] for r in page.qualify_model.rows] == ["张明远"]
    page.expert_edit.setText("张明远")
    page.show_ledger()
    wait_idle(qtbot, window)
    assert "合计 12 天" in page.ledger_total.text() and len(page.ledger_model.rows) == 4
