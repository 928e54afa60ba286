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


def test_issue_renew_and_cancel_a_talent_card(qtbot, db, reports) -> None:
    from services.outcomes import cards

    window, page = reports
    seen: list = []
    page.ctx.changed.connect(seen.append)
    page.issue_card()  # nobody chosen
    assert "选择一位专家" in page.card_status.text()
    page.qualify_view.selectRow(0)
    page.issue_card()
    wait_idle(qtbot, window)
    assert seen[-1].touches("card") and "已给 张明远 发卡" in page.card_status.text()
    assert page.qualify_model.rows == []  # holds a valid card now
    assert [r["expert_name"] for r in page.cards_model.rows] == ["张明远"]
    card = page.cards_model.rows[0]
    assert card["number"].endswith("-0001") and card["state"] == "有效"

    page.cards_view.selectRow(0)
    page.renew_until.setText(card["valid_until"].replace(year=card["valid_until"].year - 1)
                             .isoformat())
    page.renew_card()
    wait_idle(qtbot, window)
    assert "应晚于原有效期" in page.card_status.text()
    later = card["valid_until"].replace(year=card["valid_until"].year + 2)
    page.renew_until.setText(later.isoformat())
    page.renew_card()
    wait_idle(qtbot, window)
    assert page.cards_model.rows[0]["valid_until"] == later and page.renew_until.text() == ""
    with db.session() as s:
        assert cards.get_card(s, card["id"]).valid_until == later

    page.cards_view.selectRow(0)
    page.cancel_card()  # no reason
    wait_idle(qtbot, window)
    assert "原因" in page.card_status.text()
    page.cancel_reason.setText("调离本县")
    page.cancel_card()
    wait_idle(qtbot, window)
    assert page.cards_model.rows[0]["state"] == "已注销"
    assert [r["name"] for r in page.qualify_model.rows] == ["张明远"]  # qualifies again

    page.qualify_view.selectRow(0)
    page.card_number.setText("YL-2026-0099")
    page.issue_card()
    wait_idle(qtbot, window)
    assert {r["number"]: r["state"] for r in page.cards_model.rows}["YL-2026-0099"] == "有效"
    assert page.qualify_model.rows == []
