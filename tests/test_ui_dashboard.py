"""工作台: this year's figures equal the statistics service's, each opens exactly its
records; the charts and the season list are filled; the step cards still open the list."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from services import statistics as st
from tests import stats_support
from tests.stats_support import build_outcomes
from tests.ui_support import ignore_offscreen, open_window, wait_idle

pytestmark = ignore_offscreen

demo_county = stats_support.demo_county  # the demo county, built once per test process


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


def test_demo_county_figures_equal_the_service_statistics(qtbot, demo_county, tmp_path) -> None:
    """The demo county's year (tests/stats_support.py builds it once): every card shows the
    statistics service's figure, non-zero, and opens exactly the records behind it."""
    from services.database import open_database

    database = open_database(str(demo_county.path))
    try:
        window = open_window(qtbot, database, tmp_path / "ui-state.json")
        page = window.show_page("dashboard")
        page.today = date(demo_county.year, 12, 31)
        page.refresh()
        wait_idle(qtbot, window, timeout=60_000)
        period = st.Period.of_year(demo_county.year)
        with database.session() as s:
            expected = st.compute_all(s, period, st.ALL, st.DASHBOARD_KEYS)
            served = st.drill_down(s, "needs_served", period)
            dispatches = st.compute(s, "dispatches", period).number
        for key, card in page.year_cards.items():
            assert expected.number(key) > 0, key
            assert card.number.text() == f"{int(expected.number(key)):,}", key
        assert sum(v for _, v in page.month_chart.points) == dispatches > 0
        assert len(page.township_chart.items) == 18 and page.workload_chart.items
        qtbot.mouseClick(page.year_cards["needs_served"], Qt.MouseButton.LeftButton)
        dialog = page.last_dialog
        qtbot.waitUntil(lambda: dialog.loaded, timeout=30_000)
        assert [r["id"] for r in dialog.model.rows] == [r.id for r in served]
        dialog.reject()
        window.close()
    finally:
        database.close()
