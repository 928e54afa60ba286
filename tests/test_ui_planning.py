"""调度计划 through the page: a plan runs on a worker, a visit changed by hand is fixed and kept
by the next run, a selection is accepted into dispatches, and an expert who drops out is
re-planned with the changes shown before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models import Dispatch, DispatchStatus
from services.database import Database
from services.uow import UnitOfWork
from tests.matching_support import SmallCounty, add_need, build_county
from tests.ui_support import ignore_offscreen, open_window, wait_idle
from ui.pages.planning import ChangesDialog, PlanningPage

pytestmark = ignore_offscreen
Uow = Callable[..., UnitOfWork]


@pytest.fixture
def small(uow: Uow) -> SmallCounty:
    with uow() as u:
        county = build_county(u.session)
        u.commit()
    return county


def _needs(uow: Uow, small: SmallCounty) -> tuple[str, str, str]:
    with uow() as u:
        s = u.session
        tea = add_need(s, small.coop, "茶园管理", "2026-05-11", "2026-05-15")
        oil = add_need(s, small.forest_firm, "夏梢管理", "2026-05-11", "2026-05-22", days_wanted=2)
        clinic = add_need(s, small.clinic, "全科", "2026-05-06", "2026-05-20")
        u.commit()
    return tea, oil, clinic


def _page(qtbot: QtBot, db: Database, tmp_path: Path) -> tuple[object, PlanningPage]:
    window = open_window(qtbot, db, tmp_path / "ui-state.json", "planning")
    page = window.page("planning")
    assert isinstance(page, PlanningPage)
    page.date_from.set_value(date(2026, 5, 1))
    page.date_to.set_value(date(2026, 5, 31))
    page.time_limit.setValue(5)
    wait_idle(qtbot, window)
    return window, page


def _run(qtbot: QtBot, window: object, page: PlanningPage) -> None:
    page.run_button.click()
    assert page.running  # the solver runs on a worker: the window keeps painting
    wait_idle(qtbot, window, 60_000)  # type: ignore[arg-type]
    assert not page.running


def _dispatches(uow: Uow) -> list[tuple[str, int, date, DispatchStatus]]:
    with uow() as u:
        return [(d.need.code, d.expert_id, d.start_date, d.status)
                for d in u.session.scalars(select(Dispatch))]


def test_plan_pin_rerun_accept_selection(qtbot: QtBot, db: Database, uow: Uow,
                                         small: SmallCounty, tmp_path: Path) -> None:
    tea, oil, clinic = _needs(uow, small)
    window, page = _page(qtbot, db, tmp_path)
    assert "3 条" in page.needs_label.text()
    _run(qtbot, window, page)
    plan = page.plan
    assert {v.need_code for v in plan.visits} == {tea, oil}
    assert page.visits_model.rowCount() == 2
    assert "最好" in page.summary.text() or "差" in page.summary.text()
    assert page.unplanned_model.rowCount() == 1
    assert page.unplanned_model.rows[0][0] == clinic
    assert "利益冲突" in page.unplanned_model.rows[0][3]
    assert len(page.timeline.bars) == 2 and len(page.timeline.shades) == 2

    # Change the tea visit to another day (conflict-checked) — it becomes fixed …
    row = next(i for i, v in enumerate(plan.visits) if v.need_code == tea)
    visit = plan.visits[row]
    day = date(2026, 5, 14) if visit.start != date(2026, 5, 14) else date(2026, 5, 13)
    page.change_visit(row, visit.expert_id, day)
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    key = (visit.need_id, visit.expert_id, day)
    assert key in page.pins and page.visit_index(key) is not None
    # … and a date outside the window is refused with the reason.
    errors: list[str] = []
    page.change_visit(page.visit_index(key), visit.expert_id, date(2026, 5, 25),  # type: ignore[arg-type]
                      on_error=errors.append)
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    assert errors and "窗口" in errors[0]

    # Re-run: the fixed visit is kept as it is.
    _run(qtbot, window, page)
    assert page.visit_index(key) is not None and key in page.pins
    assert page.visits_model.rows[page.visit_index(key)][0] == "📌"  # type: ignore[index]

    # Accept only the tea need's visit: one dispatch written, the oil need left as proposed.
    page.select_rows([page.visit_index(key)])  # type: ignore[list-item]
    page.accept_selected_button.click()
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    written = _dispatches(uow)
    assert written == [(tea, visit.expert_id, day, DispatchStatus.PLANNED)]
    assert tea in page.accepted_needs
    assert "已采纳" in page.visits_model.rows[page.visit_index(key)]  # type: ignore[index]
    window.close()  # type: ignore[attr-defined]


def test_expert_drop_out_replans_and_shows_the_changes(qtbot: QtBot, db: Database, uow: Uow,
                                                       small: SmallCounty,
                                                       tmp_path: Path) -> None:
    tea, _oil, _clinic = _needs(uow, small)
    window, page = _page(qtbot, db, tmp_path)
    _run(qtbot, window, page)
    page.accept_all_button.click()
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    before = {(c, e, d) for c, e, d, _s in _dispatches(uow)}
    assert len(before) == 2
    visit = next(v for v in page.plan.visits if v.need_code == tea)

    page.expert_drop_out(visit.expert_id, date(2026, 5, 11), date(2026, 5, 15), "住院")
    wait_idle(qtbot, window, 60_000)  # type: ignore[arg-type]
    dialog = page.dialog
    assert isinstance(dialog, ChangesDialog) and dialog.isVisible()
    kinds = {(r[0], r[1]) for r in dialog.model.rows}
    assert ("改派", tea) in kinds  # the other need is untouched
    assert all(code == tea for _kind, code in kinds)
    new = next(v for v in page.plan.visits if v.need_code == tea)
    assert new.expert_id != visit.expert_id
    assert _dispatches(uow).count((tea, visit.expert_id, visit.start,
                                   DispatchStatus.PLANNED)) == 1  # nothing written yet

    dialog.accept_button.click()
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    after = _dispatches(uow)
    assert (tea, visit.expert_id, visit.start, DispatchStatus.CANCELLED) in after
    assert (tea, new.expert_id, new.start, DispatchStatus.PLANNED) in after
    window.close()  # type: ignore[attr-defined]


def test_saved_proposal_reopens(qtbot: QtBot, db: Database, uow: Uow, small: SmallCounty,
                                tmp_path: Path) -> None:
    _needs(uow, small)
    window, page = _page(qtbot, db, tmp_path)
    _run(qtbot, window, page)
    shown = list(page.visits_model.rows)
    page.save_button.click()
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    code = page.proposal_code
    assert code and page.proposals.findData(code) >= 0
    page.plan = None
    page.set_plan(page.plan) if page.plan else page._show_plan()
    assert page.visits_model.rowCount() == 0
    page.open_proposal(code)
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    assert page.visits_model.rows == shown and code in page.summary.text()
    window.close()  # type: ignore[attr-defined]
