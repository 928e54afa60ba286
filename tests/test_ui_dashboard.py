"""工作台: this year's figures equal the statistics service's, each opens exactly its
records; the charts and the season list are filled; the step cards still open the list."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from services import statistics as st
from tests.stats_support import build_outcomes
from tests.ui_support import ignore_offscreen, open_window, wait_idle

pytestmark = ignore_offscreen


@pytest.fixture
def board(qtbot, db, county, tmp_path):
    build_outcomes(db, county)
    window = open_window(qtbot, db, tmp_path / "ui-state.json")
    page = window.show_page("dashboard")
    wait_idle(qtbot, window)
    yield window, page
    window.close()


def test_figures_equal_the_service_statistics(qtbot, db, board) -> None:
    _window, page = board
    with db.session() as s:
        expected = st.compute_all(s, st.Period.of_year(date.today().year), st.ALL,
                                  st.DASHBOARD_KEYS)
    for key, card in page.year_cards.items():
        assert card.number.text() == f"{int(expected.number(key)):,}", key
    assert page.year_cards["experts"].number.text() == "3"
    assert page.year_cards["beneficiaries"].number.text() == "25,850"
    assert [label for label, _, _ in page.township_chart.items] == ["青山镇", "白岩乡"]
    assert sum(v for _, v, _ in page.status_chart.items) == 7
    assert page.workload_chart.items[0][1] == 12  # 张明远's ledger days
    assert len(page.month_chart.points) == 12


def test_a_figure_opens_exactly_its_records(qtbot, db, board) -> None:
    window, page = board
    qtbot.mouseClick(page.year_cards["problems_solved"], Qt.MouseButton.LeftButton)
    dialog = page.last_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    with db.session() as s:
        rows = st.drill_down(s, "problems_solved", st.Period.of_year(date.today().year))
    assert [r["code"] for r in dialog.model.rows] == [r.code for r in rows]
    assert sum(r["value"] for r in dialog.model.rows) == 13
    # Double-click opens the dispatch in its own screen.
    dialog._open(dialog.model.index(0, 0))
    wait_idle(qtbot, window)
    assert window.current_key == "dispatches"


def test_status_bar_opens_the_needs_list(qtbot, board) -> None:
    window, page = board
    page.status_chart.clicked.emit("served")
    wait_idle(qtbot, window)
    assert window.current_key == "needs"
    assert window.pages["needs"].filter_bar.combos["status"].currentText() == "已服务"
