"""农时日历: the month shows lunar dates, terms and holidays; chips dragged onto days and
experts run the conflict check live, refuse hard conflicts with the reason, ask for soft ones,
accept an explicit override, and reassign in the week view; the month prints."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from services import dispatches, experts, needs
from services.database import Database
from tests.conftest import ACTOR, County
from tests.ui_support import ignore_offscreen, open_window, wait_idle
from ui.calendar_view import MIME, CalendarModel
from ui.main_window import MainWindow
from ui.pages.calendar import CalendarPage, today_line

pytestmark = ignore_offscreen


@pytest.fixture
def plan(db: Database, county: County) -> dict[str, str]:
    """Two tea needs in April 2026 and three dispatches of 张明远 / 李春茶."""
    with db.unit_of_work(ACTOR) as u:
        s = u.session
        second = experts.create_expert(s, {"name": "李春茶", "gender": "女", "title": "中级",
                                           "specialties": ["茶叶"]}).code
        codes = {}
        for key, title in (("n1", "春茶采摘技术指导"), ("n2", "茶园病虫害防治")):
            n = needs.create_need(s, {"title": title, "unit": county.coop, "field": "茶园管理",
                                      "window_start": "2026-04-01", "window_end": "2026-04-30",
                                      "experts_wanted": 2}, ACTOR)
            needs.set_status(s, n.id, "reviewed", ACTOR)
            codes[key] = n.code
        a = dispatches.create_dispatch(s, {"need": codes["n1"], "expert": county.tea_expert,
                                           "start_date": "2026-04-13",
                                           "end_date": "2026-04-14"})
        b = dispatches.create_dispatch(s, {"need": codes["n2"], "expert": county.tea_expert,
                                           "start_date": "2026-04-20"})
        c = dispatches.create_dispatch(s, {"need": codes["n2"], "expert": second,
                                           "start_date": "2026-04-15"})
        u.commit()
        return codes | {"a": a.code, "b": b.code, "c": c.code, "second": second}


@pytest.fixture
def page(qtbot: QtBot, db: Database, plan: dict[str, str], tmp_path: Path
         ) -> Iterator[CalendarPage]:
    window = open_window(qtbot, db, tmp_path / "ui-state.json", "calendar")
    calendar = window.pages["calendar"]
    assert isinstance(calendar, CalendarPage)
    calendar.go_to(date(2026, 4, 13))
    wait_idle(qtbot, window)
    yield calendar
    window.close()


def main(page: CalendarPage) -> MainWindow:
    window = page.window()
    assert isinstance(window, MainWindow)
    return window


def dispatch_state(db: Database, code: str) -> tuple[date, date, str, str]:
    with db.session() as s:
        d = dispatches.get_dispatch(s, code)
        return d.start_date, d.end_date, d.expert.name, d.status_reason


def chip_id(page: CalendarPage, code: str) -> int:
    assert page.board is not None
    return next(d.id for d in page.board.dispatches if d.code == code)


def drag_to(qtbot: QtBot, page: CalendarPage, dispatch_id: int, day: date,
            expert_id: int | None = None, *, drop: bool = True) -> None:
    """Drag a chip over a cell and drop it, through the view's real drag-and-drop events."""
    grid = page.grid
    index = grid.calendar.index_of(day, expert_id)
    assert index.isValid()
    point = grid.visualRect(index).center()
    mime = QMimeData()
    mime.setData(MIME, str(dispatch_id).encode())
    actions = Qt.DropAction.MoveAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    viewport = grid.viewport()
    QApplication.sendEvent(viewport, QDragEnterEvent(point, actions, mime, buttons, mods))
    QApplication.sendEvent(viewport, QDragMoveEvent(point, actions, mime, buttons, mods))
    wait_idle(qtbot, main(page))
    if drop:
        QApplication.sendEvent(viewport, QDropEvent(QPointF(point), actions, mime, buttons,
                                                    mods))
        wait_idle(qtbot, main(page))


def test_month_shows_lunar_term_and_holidays(page: CalendarPage) -> None:
    model = page.grid.calendar
    assert page.period_label.text() == "2026年4月"
    assert page.today_label.text().startswith("今天 ") and "农历" in page.today_label.text()
    qingming = model.index_of(date(2026, 4, 5))
    tip = qingming.data(Qt.ItemDataRole.ToolTipRole)
    assert "清明" in tip and "（休）" in tip and "农历二月十八" in tip
    # 初一 shows the lunar month's name: 2026-04-17 is 三月初一.
    cell = model.index_of(date(2026, 4, 17)).data(CalendarModel.CellRole)
    from ui.calendar_view import lunar_text

    assert lunar_text(cell.info) == "三月"
    # A make-up working day of the 劳动节 arrangement (2026-05-09, Saturday).
    workday = model.index_of(date(2026, 5, 9)).data(Qt.ItemDataRole.ToolTipRole)
    assert "（班）" in workday
    # Chips "专家 · 单位" on their days.
    chips = model.index_of(date(2026, 4, 14)).data(CalendarModel.CellRole).chips
    assert [c.expert for c in chips] == ["张明远"]
    assert not page.grid.chip_rect(chips[0].id, date(2026, 4, 14)).isEmpty()
    # Crop phases of the region are banded, and the filter keeps one crop.
    assert page.crop_combo.count() > 1
    assert "农时：" in tip


def test_today_line_counts_days_after_the_term() -> None:
    assert today_line(date(2026, 11, 29)).endswith("小雪后第7天")
    assert today_line(date(2026, 11, 22)).endswith("今日小雪")


def test_click_a_day_lists_its_dispatches_and_needs(qtbot: QtBot, page: CalendarPage,
                                                    plan: dict[str, str]) -> None:
    grid = page.grid
    index = grid.calendar.index_of(date(2026, 4, 13))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton,
                     pos=grid.visualRect(index).topLeft() + QPoint(3, 3))
    assert page.selected_day == date(2026, 4, 13)
    assert page.day_dispatches.rowCount() == 1
    assert page.day_dispatches.index(0, 0).data() == plan["a"]
    titles = {page.day_needs.index(r, 1).data() for r in range(page.day_needs.rowCount())}
    assert titles == {"春茶采摘技术指导", "茶园病虫害防治"}
    assert "4月13日" in page.day_label.text()


def test_hard_conflict_is_refused_with_the_reason(qtbot: QtBot, db: Database,
                                                  page: CalendarPage,
                                                  plan: dict[str, str]) -> None:
    a = chip_id(page, plan["a"])
    drag_to(qtbot, page, a, date(2026, 4, 20), drop=False)
    assert page.grid.calendar.hover_level == "hard"
    assert "同一天不能去两个地方" in page.status_line.text()
    drag_to(qtbot, page, a, date(2026, 4, 20))
    dialog = page.conflict_dialog
    assert dialog is not None and dialog.isVisible()
    assert plan["b"] in page.status_line.text() and "未移动" in page.status_line.text()
    assert not dialog.ok.isEnabled()
    dialog.reject()
    wait_idle(qtbot, main(page))
    assert dispatch_state(db, plan["a"])[:2] == (date(2026, 4, 13), date(2026, 4, 14))


def test_override_with_a_reason_moves(qtbot: QtBot, db: Database, page: CalendarPage,
                                      plan: dict[str, str]) -> None:
    drag_to(qtbot, page, chip_id(page, plan["a"]), date(2026, 4, 20))
    dialog = page.conflict_dialog
    assert dialog is not None
    dialog.override.setChecked(True)
    assert not dialog.ok.isEnabled()  # a reason is required
    dialog.reason_edit.setText("同一乡镇上午、下午两项服务")
    assert dialog.ok.isEnabled()
    dialog.ok.click()
    wait_idle(qtbot, main(page))
    start, end, _expert, reason = dispatch_state(db, plan["a"])
    assert (start, end) == (date(2026, 4, 20), date(2026, 4, 21))
    assert "已确认冲突：同一乡镇上午、下午两项服务" in reason
    # The calendar reloaded: the chip is on its new days.
    chips = page.grid.calendar.index_of(date(2026, 4, 21)).data(CalendarModel.CellRole).chips
    assert plan["a"] in [c.code for c in chips]


def test_soft_conflict_asks_and_moves_on_yes(qtbot: QtBot, db: Database, page: CalendarPage,
                                             plan: dict[str, str]) -> None:
    a = chip_id(page, plan["a"])
    drag_to(qtbot, page, a, date(2026, 4, 5), drop=False)  # 清明节
    assert page.grid.calendar.hover_level == "soft"
    drag_to(qtbot, page, a, date(2026, 4, 5))
    box = page.confirm_box
    assert box is not None and "节假日" in box.informativeText()
    no = next(b for b in box.buttons() if b.text() == "取消")
    no.click()
    wait_idle(qtbot, main(page))
    assert dispatch_state(db, plan["a"])[0] == date(2026, 4, 13)

    drag_to(qtbot, page, a, date(2026, 4, 5))
    box = page.confirm_box
    assert box is not None
    yes = next(b for b in box.buttons()
               if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    yes.click()
    wait_idle(qtbot, main(page))
    assert dispatch_state(db, plan["a"])[:2] == (date(2026, 4, 5), date(2026, 4, 6))


def test_week_view_drop_onto_another_expert_reassigns(qtbot: QtBot, db: Database,
                                                      page: CalendarPage,
                                                      plan: dict[str, str]) -> None:
    page.set_mode("week")
    wait_idle(qtbot, main(page))
    model = page.grid.calendar
    assert model.rowCount() == 3  # the 农时 row, 张明远, 李春茶
    assert model.headerData(0, Qt.Orientation.Horizontal) == "4月13日 周一"
    second_id = next(e for e, name in model.experts if name == "李春茶")
    a = chip_id(page, plan["a"])
    drag_to(qtbot, page, a, date(2026, 4, 13), second_id, drop=False)
    assert model.hover_level in ("ok", "soft")
    drag_to(qtbot, page, a, date(2026, 4, 13), second_id)
    if page.confirm_box is not None and page.confirm_box.isVisible():
        page.confirm_box.buttons()[0].click()
        wait_idle(qtbot, main(page))
    start, _end, expert, _reason = dispatch_state(db, plan["a"])
    assert (start, expert) == (date(2026, 4, 13), "李春茶")
    chips = model.index_of(date(2026, 4, 13), second_id).data(CalendarModel.CellRole).chips
    assert [c.code for c in chips] == [plan["a"]]


def test_side_list_drop_reassigns_and_refuses_the_wrong_specialty(
        qtbot: QtBot, db: Database, page: CalendarPage, plan: dict[str, str],
        county: County) -> None:
    c = chip_id(page, plan["c"])
    page.experts.set_query("杨志强")  # the vet: no tea specialty
    row = next(r for r in range(page.experts.rowCount())
               if page.experts.index(r, 0).data() == "杨志强")
    vet_id = page.experts.index(row, 0).data(page.experts.IdRole)
    page.expert_table.chipDropped.emit(c, vet_id)
    wait_idle(qtbot, main(page))
    assert page.conflict_dialog is not None and "不对口" in page.status_line.text()
    page.conflict_dialog.reject()
    assert dispatch_state(db, plan["c"])[2] == "李春茶"


def test_completed_dispatch_does_not_move(qtbot: QtBot, db: Database, page: CalendarPage,
                                          plan: dict[str, str]) -> None:
    from models import DispatchStatus

    with db.unit_of_work(ACTOR) as u:
        dispatches.set_dispatch_status(u.session, plan["b"], DispatchStatus.CONFIRMED)
        dispatches.set_dispatch_status(u.session, plan["b"], DispatchStatus.COMPLETED)
        u.commit()
    page.refresh()
    wait_idle(qtbot, main(page))
    page.drop(chip_id(page, plan["b"]), date(2026, 4, 22))
    wait_idle(qtbot, main(page))
    assert "不能再移动" in page.status_line.text()
    assert dispatch_state(db, plan["b"])[0] == date(2026, 4, 20)


def test_print_month_to_pdf_and_through_a_printer(qtbot: QtBot, page: CalendarPage,
                                                  tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    target = tmp_path / "月历.pdf"
    written: list[str] = []
    page.print_pdf(str(target), written.append)
    wait_idle(qtbot, main(page))
    assert written == [str(target)]
    assert target.read_bytes().startswith(b"%PDF") and target.stat().st_size > 5000

    printed = tmp_path / "打印.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    page.print_to(printer)
    assert printed.read_bytes().startswith(b"%PDF") and printed.stat().st_size > 5000
