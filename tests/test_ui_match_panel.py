"""推荐专家: the ranked experts in the service's order with reasons and strip calendars,
opened from a need's detail; 指派 creates a dispatch after the conflict check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from services import dispatches, experts, needs
from services.database import Database
from services.matching import rank_experts
from tests.conftest import ACTOR, County
from tests.ui_support import ignore_offscreen, open_window, wait_idle
from ui.main_window import MainWindow
from ui.match_panel import MatchDialog, RankingModel, first_free_run
from ui.need_detail import NeedDetail
from ui.strip_calendar import BUSY, FREE, OFF
from ui.widgets import to_qdate

pytestmark = ignore_offscreen
TODAY = date(2026, 4, 1)  # before the needs' windows


@pytest.fixture
def win(qtbot: QtBot, db: Database, county: County, tmp_path: Path) -> Iterator[MainWindow]:
    """The main window over the small county of tests/conftest.py."""
    main = open_window(qtbot, db, tmp_path / "ui-state.json")
    yield main
    main.close()


@pytest.fixture
def need_code(db: Database, county: County) -> str:
    with db.unit_of_work(ACTOR) as u:
        s = u.session
        experts.create_expert(s, {"name": "李春茶", "gender": "女", "title": "中级",
                                  "specialties": ["茶叶"]})
        n = needs.create_need(s, {"title": "春茶采摘技术指导", "unit": county.coop,
                                  "field": "茶园管理", "window_start": "2026-04-13",
                                  "window_end": "2026-04-24", "days_wanted": 2}, ACTOR)
        needs.set_status(s, n.id, "reviewed", ACTOR)
        other = needs.create_need(s, {"title": "茶园施肥", "unit": county.coop,
                                      "field": "茶叶", "window_start": "2026-04-01",
                                      "window_end": "2026-04-30"}, ACTOR)
        needs.set_status(s, other.id, "reviewed", ACTOR)
        dispatches.create_dispatch(s, {"need": other.code, "expert": county.tea_expert,
                                       "start_date": "2026-04-13", "end_date": "2026-04-15"})
        u.commit()
        return n.code


def open_panel(qtbot: QtBot, win: MainWindow, db: Database, code: str) -> MatchDialog:
    with db.session() as s:
        need_id = needs.get_need(s, code).id
    assert win.ctx is not None
    dialog = MatchDialog(win.ctx, need_id, win, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, win)
    return dialog


def test_lists_experts_in_the_services_order(qtbot: QtBot, win: MainWindow, db: Database,
                                             need_code: str) -> None:
    dialog = open_panel(qtbot, win, db, need_code)
    panel = dialog.panel
    with db.session() as s:
        expected = [(r.name, r.role) for r in rank_experts(s, need_code, today=TODAY).experts]
    model = panel.model
    shown = [(model.index(r, 2).data(), model.index(r, 1).data())
             for r in range(model.rowCount())]
    assert shown == expected and len(shown) >= 2
    assert "春茶采摘技术指导" in panel.title.text()
    tip = model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert "专业" in tip and "窗口内可用" in tip
    # 张明远 has a dispatch on 4月13–15日: busy on the strip, the first free run after it.
    row = next(r for r in range(model.rowCount()) if model.index(r, 2).data() == "张明远")
    strip = model.index(row, 6).data(RankingModel.StripRole)
    states = dict(strip)
    assert states[date(2026, 4, 13)] == BUSY and states[date(2026, 4, 16)] == FREE
    assert states[date(2026, 4, 18)] == FREE  # weekends allowed by default
    assert model.index(row, 5).data() == f"{sum(s == FREE for _d, s in strip)}/12"
    panel.table.selectRow(row)
    assert panel.start_edit.value() == date(2026, 4, 16)
    assert panel.strip.days == strip and "张明远" in panel.reasons.text()


def test_first_free_run() -> None:
    days = [(date(2026, 4, d), s) for d, s in ((1, FREE), (2, BUSY), (3, FREE), (4, OFF),
                                               (5, FREE), (6, FREE))]
    assert first_free_run(days, 1) == date(2026, 4, 1)
    assert first_free_run(days, 2) == date(2026, 4, 5)
    assert first_free_run(days, 3) is None


def test_assign_creates_a_dispatch(qtbot: QtBot, win: MainWindow, db: Database,
                                   need_code: str) -> None:
    panel = open_panel(qtbot, win, db, need_code).panel
    row = next(r for r in range(panel.model.rowCount())
               if panel.model.index(r, 2).data() == "李春茶")
    panel.table.selectRow(row)
    codes: list[str] = []
    panel.assigned.connect(codes.append)
    qtbot.mouseClick(panel.assign_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, win)
    assert len(codes) == 1
    with db.session() as s:
        d = dispatches.get_dispatch(s, codes[0])
        assert (d.expert.name, d.need.code, d.start_date, d.end_date) == (
            "李春茶", need_code, date(2026, 4, 13), date(2026, 4, 14))


def test_assign_with_a_hard_conflict_is_refused_then_overridden(
        qtbot: QtBot, win: MainWindow, db: Database, need_code: str) -> None:
    panel = open_panel(qtbot, win, db, need_code).panel
    row = next(r for r in range(panel.model.rowCount())
               if panel.model.index(r, 2).data() == "张明远")
    panel.table.selectRow(row)
    panel.start_edit.setDate(to_qdate(date(2026, 4, 14)))  # on his other dispatch
    panel.assign_button.click()
    wait_idle(qtbot, win)
    dialog = panel.conflict_dialog
    assert dialog is not None and dialog.isVisible()
    with db.session() as s:
        assert len(dispatches.list_dispatches(s, needs.get_need(s, need_code).id)) == 0
    dialog.override.setChecked(True)
    dialog.reason_edit.setText("上午、下午各一项")
    dialog.ok.click()
    wait_idle(qtbot, win)
    with db.session() as s:
        rows = dispatches.list_dispatches(s, needs.get_need(s, need_code).id)
        assert [(r["expert"], r["start_date"]) for r in rows] == [("张明远", date(2026, 4, 14))]


def test_need_detail_opens_the_panel(qtbot: QtBot, win: MainWindow, db: Database,
                                     need_code: str) -> None:
    assert win.ctx is not None
    detail = NeedDetail(win.ctx)
    qtbot.addWidget(detail)
    detail.show()
    with db.session() as s:
        need_id = needs.get_need(s, need_code).id
    detail.show_need(need_id)
    wait_idle(qtbot, win)
    assert detail.match_button.isVisible() and detail.match_button.isEnabled()
    qtbot.mouseClick(detail.match_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, win)
    dialog = detail.match_dialog
    assert isinstance(dialog, MatchDialog) and dialog.isVisible()
    assert dialog.panel.model.rowCount() >= 2
    dialog.close()
