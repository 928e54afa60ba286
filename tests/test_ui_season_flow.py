"""The season, end to end through the GUI on the demo county (issue 9's "done when"): plan
next month's visits on 调度计划, change one visit by hand and fix another, run again (the fixed visits stay), accept all, print every new dispatch sheet from 派遣单 through the print path (QPrinter to a PDF,
offscreen) and see the accepted dispatches as chips on 农时日历.

The demo county (services/demo.py, year 2025) is seen from 31 December 2025, so "next month"
is January 2026: the needs reviewed for the coming season wait there. The shared build of
tests/stats_support.py is copied, never changed (other modules read its figures)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pypdfium2
import pytest
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models import Dispatch, DispatchStatus
from services import dispatches
from services.database import Database, open_database
from services.matching import rank_experts
from tests import stats_support
from tests.ui_support import ignore_offscreen, open_window, wait_idle
from ui.calendar_view import CalendarModel
from ui.main_window import MainWindow
from ui.pages.calendar import CalendarPage
from ui.pages.dispatches import DispatchesPage, a4_printer
from ui.pages.planning import PlanningPage

pytestmark = [ignore_offscreen, pytest.mark.slow]
demo_county = stats_support.demo_county  # built once per test process

MONTH = (date(2026, 1, 1), date(2026, 1, 31))  # the month after the demo's "today"
SOLVE_MS = 180_000
# Re-running the plan with the fixed visits crashes CP-SAT natively (a segmentation fault in
# CpSolver.solve on the task worker, services/matching/solver.py:345) on this county, every
# time so far, while the same re-run in a plain thread does not: the step is left out of the
# flow until that is found, so that the rest of the flow keeps its check.


@pytest.fixture
def demo_db(demo_county: stats_support.DemoCounty, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A private copy of the shared demo county (the online backup: a consistent copy)."""
    monkeypatch.setenv("EXPERT_DISPATCH_DATA_DIR", str(demo_county.data_dir))
    target = tmp_path / "云岭县.db"
    source = sqlite3.connect(demo_county.path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    database = open_database(str(target))
    try:
        yield database
    finally:
        database.close()


def _run(qtbot: QtBot, window: MainWindow, page: PlanningPage) -> None:
    page.run_button.click()
    assert page.running  # on a worker: the window keeps painting meanwhile
    wait_idle(qtbot, window, SOLVE_MS)
    assert not page.running and page.plan is not None


def _a_change(db: Database, page: PlanningPage) -> tuple[int, int, date]:
    """A visit of the proposal and another (expert, first day) for it that the conflict
    check accepts — another expert if one fits, as an office would try first."""
    plan = page.plan
    assert plan is not None
    with db.session() as session:
        for row, visit in enumerate(plan.visits):
            if visit.dispatch_code:
                continue
            window = page.windows.get(visit.need_id, (None, None, ""))
            lo = max(window[0] or plan.start, plan.start)
            hi = min(window[1] or plan.end, plan.end) - timedelta(days=visit.days - 1)
            days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
            ranked = [r.expert_id for r in rank_experts(session, visit.need_id).experts]
            for expert_id in [e for e in ranked if e != visit.expert_id] + [visit.expert_id]:
                for day in days:
                    if (expert_id, day) == (visit.expert_id, visit.start):
                        continue
                    findings = dispatches.check_plan_visit(session, plan, row, expert_id, day)
                    if not any(f.hard for f in findings):
                        return row, expert_id, day
    raise AssertionError("no visit of the demo's plan can be changed")


def test_plan_adjust_accept_print_and_see_next_month(qtbot: QtBot, demo_db: Database,
                                                      tmp_path: Path) -> None:
    window = open_window(qtbot, demo_db, tmp_path / "ui-state.json", "planning")
    page = window.page("planning")
    assert isinstance(page, PlanningPage)
    page.date_from.set_value(MONTH[0])
    page.date_to.set_value(MONTH[1])
    page.time_limit.setValue(10)
    wait_idle(qtbot, window)
    assert "符合条件的需求" in page.needs_label.text()

    # 1. Plan the month.
    _run(qtbot, window, page)
    first = page.plan
    assert first is not None and first.stats.needs_served > 0
    assert page.visits_model.rowCount() == len(first.visits)
    assert len(page.timeline.bars) == len([v for v in first.visits
                                           if v.end >= first.start and v.start <= first.end])

    # 2. Change one visit (expert and/or day) through the page's change path: it is fixed.
    row, expert_id, day = _a_change(demo_db, page)
    changed_need = first.visits[row].need_id
    errors: list[str] = []
    page.change_visit(row, expert_id, day, on_error=errors.append)
    wait_idle(qtbot, window)
    assert errors == []
    changed = (changed_need, expert_id, day)
    assert changed in page.pins and page.visit_index(changed) is not None
    # … and fix another one as it is.
    other = next(i for i, v in enumerate(page.plan.visits)  # type: ignore[union-attr]
                 if not v.dispatch_code and v.need_id != changed_need)
    pinned = page.visit_key(other)
    page.select_rows([other])
    page.pin_button.click()
    assert pinned in page.pins

    # 3. Run again: the fixed visits stay.
    _run(qtbot, window, page)
    plan = page.plan
    assert plan is not None
    for key in (changed, pinned):
        assert page.visit_index(key) is not None and key in page.pins
        assert page.visits_model.rows[page.visit_index(key)][0] == "📌"  # type: ignore[index]

    # 4. Accept all: every new visit becomes a dispatch, the fixed ones included.
    new_visits = {(v.need_id, v.expert_id, v.start) for v in plan.visits if not v.dispatch_code}
    page.accept_all_button.click()
    wait_idle(qtbot, window, SOLVE_MS)
    written = page.last_written
    assert len(written) == len(new_visits)
    with demo_db.session() as s:
        rows = list(s.execute(select(Dispatch.id, Dispatch.need_id, Dispatch.expert_id,
                                     Dispatch.start_date, Dispatch.status)
                              .where(Dispatch.code.in_(written))))
    assert {(r.need_id, r.expert_id, r.start_date) for r in rows} == new_visits
    assert changed in new_visits and pinned in new_visits
    assert {r.status for r in rows} == {DispatchStatus.PLANNED}
    new_ids = {r.id for r in rows}

    # 5. 派遣单: select the new dispatches and print every sheet to a PDF file.
    window.show_page("dispatches")
    wait_idle(qtbot, window)
    sheets = window.page("dispatches")
    assert isinstance(sheets, DispatchesPage)
    qtbot.waitUntil(lambda: all(sheets.model.has_id(i) for i in new_ids), timeout=30_000)
    sheets.select_ids(sorted(new_ids))
    assert set(sheets.selected_ids()) == new_ids
    out = tmp_path / "派遣单.pdf"
    printer = a4_printer(QPrinter(QPrinter.PrinterMode.ScreenResolution))
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    sheets.print_selected(printer)
    wait_idle(qtbot, window, SOLVE_MS)
    doc = pypdfium2.PdfDocument(str(out))
    try:
        assert len(doc) == len(written)  # one sheet, one page, per accepted dispatch
    finally:
        doc.close()

    # 6. 农时日历 on that month: the accepted dispatches are there as chips.
    window.show_page("calendar")
    calendar = window.page("calendar")
    assert isinstance(calendar, CalendarPage)
    calendar.go_to(MONTH[0])
    wait_idle(qtbot, window)
    assert calendar.board is not None
    on_board = {d.id: d for d in calendar.board.dispatches}
    in_month = {r.id for r in rows if MONTH[0] <= r.start_date <= MONTH[1]}
    assert in_month and in_month <= set(on_board)
    model = calendar.grid.calendar
    for r in rows:
        if r.id in in_month:
            cell = model.index_of(r.start_date).data(CalendarModel.CellRole)
            assert r.id in {c.id for c in cell.chips}
    # The first chip of a day is drawn in its cell (later ones may fold into "+n").
    first_chips = [(r.id, r.start_date) for r in rows if r.id in in_month and model.index_of(
        r.start_date).data(CalendarModel.CellRole).chips[0].id == r.id]
    assert first_chips
    for dispatch_id, day in first_chips:
        assert not calendar.grid.chip_rect(dispatch_id, day).isEmpty()
    window.close()
