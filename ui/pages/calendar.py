"""农时日历: the month (or week) around the farming calendar, with the dispatches on it.

Each day shows its Gregorian and lunar date, the solar term, holidays and make-up working days,
bands for the crop phases of the county's region (filtered by crop) and the dispatches as
chips coloured by status. A click on a day lists its dispatches and the open needs whose
window covers it. A chip dragged to another day, onto another expert's row (week view) or onto
an expert in the side list is checked live (``services.dispatch_moves.check_move``): the
target turns red for a hard conflict (the reason in the status line), amber for a soft one;
the drop refuses hard conflicts with the reason unless the office overrides them with a
reason, and asks before accepting soft ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QMarginsF, QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QFont, QPageLayout, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from services import dispatch_moves
from services.dispatch_moves import Board, BoardDispatch, MoveCheck
from services.records import RowSet
from ui import messages
from ui.calendar_view import (
    HARD_COLOR,
    WEEKDAYS,
    CalendarGrid,
    ConflictDialog,
    ExpertDropTable,
    day_summary,
    findings_html,
)
from ui.context import NEED, AppContext, Changes
from ui.pages import Page, PageSpec
from ui.table_model import Column, RecordTableModel
from ui.tasks import TaskControl
from ui.widgets import SearchBox, heading, muted

DISPATCH = "dispatch"  # the kind of change a move notifies
DISPATCH_COLUMNS = ("id", "code", "expert", "unit", "dates", "status_label", "need_code")
NEED_COLUMNS = ("id", "code", "title", "unit", "window", "status")


@dataclass(frozen=True)
class Loaded:
    board: Board
    today_line: str
    experts: RowSet | None


def today_line(today: date) -> str:
    """"今天 2026年11月29日 · 农历十月廿一 · 小雪后第7天" (今日小雪 on the term's day)."""
    from services.calendar import current_term, lunar_date

    term = current_term(today)
    days = (today - term.date).days
    lunar = lunar_date(today)
    return (f"今天 {today.year}年{today.month}月{today.day}日 · 农历{lunar.month_name}"
            f"{lunar.day_name} · " + (f"今日{term.name}" if days == 0
                                      else f"{term.name}后第{days}天"))


def _dates(a: date, b: date) -> str:
    return f"{a.month}月{a.day}日" + ("" if a == b else f"—{b.month}月{b.day}日")


class CalendarPage(Page):
    """Attributes for tests and other screens: ``grid`` (CalendarGrid), ``mode`` ("month" or
    "week"), ``anchor`` (a day of the period shown), ``board`` (the loaded Board),
    ``selected_day``, ``day_dispatches`` / ``day_needs`` / ``experts`` (side-panel models),
    ``status_line``, ``conflict_dialog`` / ``confirm_box`` (the last asked), ``checks``
    (move checks by (dispatch id, day, expert id))."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.today = date.today()
        self.anchor = self.today
        self.mode = "month"
        self.crop: str | None = None
        self.board: Board | None = None
        self.selected_day: date | None = None
        self.checks: dict[tuple[int, date, int | None], MoveCheck] = {}
        self._hover_key: tuple[int, date, int | None] | None = None
        self._generation = 0
        self._experts_loaded = False
        self.loaded = False
        self.conflict_dialog: ConflictDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.moves_done = 0

        self.today_label = heading("", self, scale=1.1)
        self.period_label = heading("", self, scale=1.25)
        self.region_label = muted("", self)
        self.prev_button = QToolButton(self)
        self.prev_button.setText("◀")
        self.prev_button.setToolTip(self.tr("上一月/上一周"))
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.today_button = QPushButton(self.tr("今天"), self)
        self.today_button.clicked.connect(lambda: self.go_to(date.today()))
        self.next_button = QToolButton(self)
        self.next_button.setText("▶")
        self.next_button.setToolTip(self.tr("下一月/下一周"))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.mode_combo = QComboBox(self)
        self.mode_combo.addItem(self.tr("月视图"), "month")
        self.mode_combo.addItem(self.tr("周视图（按专家）"), "week")
        self.mode_combo.currentIndexChanged.connect(
            lambda _i: self.set_mode(self.mode_combo.currentData()))
        self.crop_combo = QComboBox(self)
        self.crop_combo.addItem(self.tr("全部作物"), None)
        self.crop_combo.setToolTip(self.tr("只显示这一作物的农时"))
        self.crop_combo.currentIndexChanged.connect(self._crop_changed)
        self.print_button = QToolButton(self)
        self.print_button.setText(self.tr("打印本月"))
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.print_button)
        menu.addAction(self.tr("保存农时月历为 PDF…"), self.save_pdf_dialog)
        menu.addAction(self.tr("打印…"), self.print_dialog)
        self.print_button.setMenu(menu)
        bar = QHBoxLayout()
        for w in (self.prev_button, self.today_button, self.next_button, self.period_label):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("作物："), self))
        bar.addWidget(self.crop_combo)
        bar.addWidget(self.mode_combo)
        bar.addWidget(self.print_button)

        self.grid = CalendarGrid(self)
        self.grid.dayClicked.connect(lambda day, _e: self.show_day(day))
        self.grid.dragHover.connect(
            lambda d, day, e: self.hover(d, day, e or None))
        self.grid.dragLeft.connect(lambda: self._set_status(""))
        self.grid.chipDropped.connect(lambda d, day, e: self.drop(d, day, e or None))
        self.grid.chipClicked.connect(self._chip_clicked)
        self.legend = muted(self._legend(), self)
        self.status_line = QLabel(self)
        self.status_line.setWordWrap(True)
        self.status_line.setTextFormat(Qt.TextFormat.RichText)

        side = QWidget(self)
        self.day_label = heading(self.tr("点一天查看当天的派遣和需求"), side, scale=1.05)
        self.day_label.setWordWrap(True)
        self.day_dispatches = RecordTableModel((
            Column("code", "派遣", 6), Column("expert", "专家", 4),
            Column("unit", "单位", 8, tooltip=True), Column("dates", "日期", 6),
            Column("status_label", "状态", 3)), self)
        self.dispatch_table = self._table(self.day_dispatches, side)
        self.day_needs = RecordTableModel((
            Column("code", "需求", 7), Column("title", "标题", 10, tooltip=True),
            Column("unit", "单位", 8, tooltip=True), Column("window", "服务窗口", 7),
            Column("status", "状态", 3)), self)
        self.needs_table = self._table(self.day_needs, side)
        self.needs_table.setToolTip(self.tr("双击一条需求，打开“推荐专家”"))
        self.needs_table.doubleClicked.connect(self._need_double_clicked)
        self.experts = RecordTableModel((
            Column("name", "专家", 4, sort="pinyin"), Column("title", "职称", 3),
            Column("specialties", "专长", 10, tooltip=True)), self)
        self.expert_search = SearchBox(self.tr("查找专家：姓名、拼音、专长"), side)
        self.expert_search.textChanged.connect(self.experts.set_query)
        self.expert_table = ExpertDropTable(int(RecordTableModel.IdRole), side)
        self._setup_table(self.expert_table, self.experts)
        self.expert_table.setToolTip(self.tr("把日历上的派遣拖到一位专家上，改派给他（日期不变）"))
        self.expert_table.dragHover.connect(self._expert_hover)
        self.expert_table.chipDropped.connect(self._expert_drop)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.day_label)
        side_layout.addWidget(QLabel(self.tr("当天的派遣"), side))
        side_layout.addWidget(self.dispatch_table, 2)
        side_layout.addWidget(QLabel(self.tr("服务窗口覆盖当天的需求"), side))
        side_layout.addWidget(self.needs_table, 3)
        side_layout.addWidget(QLabel(self.tr("改派给专家（拖到这里）"), side))
        side_layout.addWidget(self.expert_search)
        side_layout.addWidget(self.expert_table, 3)

        self.splitter = QSplitter(self)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        em = self.fontMetrics().horizontalAdvance("中")
        self.splitter.setSizes([em * 70, em * 26])

        top = QHBoxLayout()
        top.addWidget(self.today_label)
        top.addStretch(1)
        top.addWidget(self.region_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.status_line)
        ctx.changed.connect(self._on_changes)

    # -- building -----------------------------------------------------------------------------

    def _setup_table(self, table: QTableView, model: RecordTableModel) -> None:
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        em = table.fontMetrics().horizontalAdvance("中")
        for i, column in enumerate(model.columns):
            table.setColumnWidth(i, column.width * em)

    def _table(self, model: RecordTableModel, parent: QWidget) -> QTableView:
        table = QTableView(parent)
        self._setup_table(table, model)
        return table

    def _legend(self, crop_colors: dict[str, str] | None = None) -> str:
        from ui.calendar_view import STATUS_COLORS, STATUS_NAMES

        chips = " ".join(f"<span style='background:{STATUS_COLORS[k]};color:white'>&nbsp;"
                         f"{STATUS_NAMES[k]}&nbsp;</span>" for k in STATUS_COLORS)
        bands = " ".join(f"<span style='color:{colour}'>■</span>{crop}"
                         for crop, colour in (crop_colors or {}).items())
        text = self.tr("派遣：{0}　休：节假日　班：调休上班　拖动派遣到别的日子或专家可调整"
                       ).format(chips)
        if bands:
            text += "<br>" + self.tr("农时色条：{0}").format(bands)
        return text

    # -- periods ------------------------------------------------------------------------------

    def period(self) -> tuple[date, date]:
        if self.mode == "month":
            from services.calendar.grid import month_grid_dates

            return month_grid_dates(self.anchor.year, self.anchor.month)
        monday = self.anchor - timedelta(days=self.anchor.weekday())
        return monday, monday + timedelta(days=6)

    def period_title(self) -> str:
        if self.mode == "month":
            return self.tr("{0}年{1}月").format(self.anchor.year, self.anchor.month)
        start, end = self.period()
        return self.tr("{0}年{1}").format(start.year, _dates(start, end))

    def step(self, delta: int) -> None:
        if self.mode == "month":
            month = self.anchor.month - 1 + delta
            self.anchor = date(self.anchor.year + month // 12, month % 12 + 1, 1)
        else:
            self.anchor += timedelta(days=7 * delta)
        self.reload()

    def go_to(self, day: date) -> None:
        self.anchor = day
        self.selected_day = day
        self.reload()

    def set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))
        self.mode_combo.blockSignals(False)
        if self.selected_day is not None:
            self.anchor = self.selected_day
        self.grid.set_mode(mode)
        self.reload()

    def _crop_changed(self, _index: int) -> None:
        crop = self.crop_combo.currentData()
        if crop != self.crop:
            self.crop = crop
            self.reload()

    # -- Page hooks ---------------------------------------------------------------------------

    def activate(self, argument: Any = None) -> None:
        if isinstance(argument, date):
            self.go_to(argument)
        elif not self.loaded:
            self.reload()

    def refresh(self) -> None:
        self.reload()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches("expert"):
            self._experts_loaded = False  # the side list of experts is read again
        if self.loaded and changes.touches(DISPATCH, NEED, "expert", "setting"):
            self.reload()

    # -- loading ------------------------------------------------------------------------------

    def reload(self, then: Callable[[], None] | None = None) -> None:
        """Load the period's board on a worker (the experts list once)."""
        self._generation += 1
        generation = self._generation
        database = self.ctx.database
        start, end = self.period()
        crop = self.crop
        want_experts = not self._experts_loaded
        today = date.today()

        def work(_control: TaskControl) -> Loaded:
            from services import experts

            with database.session() as session:
                board = dispatch_moves.board(session, start, end, crop=crop)
                rows = experts.list_rows(session) if want_experts else None
            return Loaded(board, today_line(today), rows)

        def done(loaded: Loaded) -> None:
            if generation != self._generation:
                return
            self._fill(loaded, today)
            if then is not None:
                then()

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在读取日历…"))

    def _fill(self, loaded: Loaded, today: date) -> None:
        board = loaded.board
        self.today = today
        self.board = board
        self.loaded = True
        self.checks.clear()
        self.today_label.setText(loaded.today_line)
        self.period_label.setText(self.period_title())
        self.region_label.setText(self.tr("农业区：{0}").format(board.region))
        if loaded.experts is not None:
            self._experts_loaded = True
            self.experts.set_rowset(loaded.experts, fallback_search=("name", "code",
                                                                     "specialties"))
        if self.crop_combo.count() != len(board.crops) + 1:
            self.crop_combo.blockSignals(True)
            current = self.crop
            self.crop_combo.clear()
            self.crop_combo.addItem(self.tr("全部作物"), None)
            for crop in board.crops:
                self.crop_combo.addItem(crop, crop)
            index = self.crop_combo.findData(current)
            self.crop_combo.setCurrentIndex(max(index, 0))
            self.crop_combo.blockSignals(False)
        self.grid.calendar.set_board(board, self.mode, self.anchor.month, today)
        shown = {o.phase.crop for d in board.days for o in d.phases}
        self.legend.setText(self._legend({c: k for c, k in self.grid.calendar.crop_colors.items()
                                          if c in shown}))
        self.grid.apply_row_heights()
        day = self.selected_day
        if day is None or not board.start <= day <= board.end:
            day = today if board.start <= today <= board.end else (
                date(self.anchor.year, self.anchor.month, 1) if self.mode == "month"
                else board.start)
        self.show_day(day)

    # -- the side panel -----------------------------------------------------------------------

    def show_day(self, day: date) -> None:
        """List the day's dispatches and the open needs whose window covers it."""
        board = self.board
        if board is None:
            return
        self.selected_day = day
        cell = board.day(day)
        if cell is not None:
            from ui.calendar_view import CellData

            summary = day_summary(CellData(day, cell))
            self.day_label.setText(f"{summary} 星期{WEEKDAYS[day.weekday()]}")
            self.day_label.setToolTip("\n".join(
                f"{o.phase.crop}·{o.phase.name}" for o in cell.phases))
        index = self.grid.calendar.index_of(day)
        if index.isValid() and index != self.grid.currentIndex():
            self.grid.setCurrentIndex(index)
        self.day_dispatches.set_rowset(RowSet(DISPATCH_COLUMNS, [
            (d.id, d.code, d.expert, d.unit, _dates(d.start, d.end),
             "进行中" if d.in_progress(self.today) else d.status_label, d.need_code)
            for d in board.dispatches_on(day)]))
        self.day_needs.set_rowset(RowSet(NEED_COLUMNS, [
            (n.id, n.code, n.title, n.unit, _dates(n.window_start, n.window_end),
             "已匹配" if n.status == "matched" else "已论证")
            for n in board.needs_on(day)]))

    def _chip_clicked(self, dispatch_id: int) -> None:
        chip = self.chip(dispatch_id)
        if chip is not None:
            self._set_status(self.tr("{0}：{1} · {2}，{3}（{4}）。拖动可改日期或专家。").format(
                chip.code, chip.expert, chip.unit, _dates(chip.start, chip.end),
                chip.status_label))

    def _need_double_clicked(self, index: QModelIndex) -> None:
        need_id = index.data(RecordTableModel.IdRole)
        if need_id:
            self.open_match(int(need_id))

    def open_match(self, need_id: int) -> QWidget | None:
        try:
            from ui.match_panel import MatchDialog
        except ImportError:  # pragma: no cover - the panel ships with the calendar
            return None
        dialog = MatchDialog(self.ctx, need_id, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.match_dialog = dialog
        dialog.show()
        return dialog

    # -- dragging and dropping ----------------------------------------------------------------

    def chip(self, dispatch_id: int) -> BoardDispatch | None:
        if self.board is None:
            return None
        return next((d for d in self.board.dispatches if d.id == dispatch_id), None)

    def _set_status(self, html: str) -> None:
        self.status_line.setText(html)

    def _target_expert(self, chip: BoardDispatch, expert_id: int | None) -> int | None:
        return None if expert_id is None or expert_id == chip.expert_id else expert_id

    def check(self, dispatch_id: int, day: date, expert_id: int | None,
              then: Callable[[MoveCheck], None]) -> None:
        """The conflict check of moving a chip (cached per target; on a worker)."""
        key = (dispatch_id, day, expert_id)
        found = self.checks.get(key)
        if found is not None:
            then(found)
            return
        database = self.ctx.database
        generation = self._generation

        def work(_control: TaskControl) -> MoveCheck:
            with database.session() as session:
                return dispatch_moves.check_move(session, dispatch_id, day, expert_id)

        def done(result: MoveCheck) -> None:
            if generation == self._generation:
                self.checks[key] = result
            then(result)

        def failed(exc: Exception) -> bool:
            from services.errors import ServiceError

            if isinstance(exc, ServiceError):
                self._set_status(f"<span style='color:{HARD_COLOR.name()}'>{exc.message}</span>")
                return True
            return False

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self)

    def hover(self, dispatch_id: int, day: date, expert_id: int | None) -> None:
        """A chip is dragged over a day (and expert): check, then colour the target."""
        chip = self.chip(dispatch_id)
        if chip is None:
            return
        expert_id = self._target_expert(chip, expert_id)
        key = (dispatch_id, day, expert_id)
        self._hover_key = key
        if day == chip.start and expert_id is None:
            self.grid.calendar.set_hover(self._hover_index(day, key), "")
            self._set_status(self.tr("原来的日期。"))
            return
        self.check(dispatch_id, day, expert_id, lambda c: self._show_hover(key, c))

    def _hover_index(self, day: date, key: tuple[int, date, int | None]) -> QModelIndex:
        model = self.grid.calendar
        if model.mode == "week":
            chip = self.chip(key[0])
            expert = key[2] if key[2] is not None else (chip.expert_id if chip else None)
            return model.index_of(day, expert)
        return model.index_of(day)

    def _show_hover(self, key: tuple[int, date, int | None], check: MoveCheck) -> None:
        if self._hover_key != key:
            return
        level = "hard" if check.hard else "soft" if check.soft else "ok"
        self.grid.calendar.set_hover(self._hover_index(key[1], key), level)
        self.hover_level = level
        target = _dates(check.start, check.end) + f" {check.expert_name}"
        if check.findings:
            self._set_status(self.tr("移到 {0}：").format(target) + findings_html(check.findings))
        else:
            self._set_status(self.tr("移到 {0}：没有冲突。").format(target))

    def _expert_hover(self, dispatch_id: int, expert_id: int) -> None:
        chip = self.chip(dispatch_id)
        if chip is not None:
            self.hover(dispatch_id, chip.start, expert_id)

    def _expert_drop(self, dispatch_id: int, expert_id: int) -> None:
        chip = self.chip(dispatch_id)
        if chip is not None:
            self.drop(dispatch_id, chip.start, expert_id)

    def drop(self, dispatch_id: int, day: date, expert_id: int | None = None) -> None:
        """A chip dropped on ``day`` (and ``expert_id``): check, then refuse, ask or move."""
        self.grid.calendar.set_hover(None)
        self._hover_key = None
        chip = self.chip(dispatch_id)
        if chip is None:
            return
        expert_id = self._target_expert(chip, expert_id)
        if day == chip.start and expert_id is None:
            return
        if not chip.movable:
            self._set_status(self.tr("派遣 {0} 已“{1}”，不能再移动。").format(chip.code,
                                                                        chip.status_label))
            return
        self.check(dispatch_id, day, expert_id, lambda c: self._decide(chip, c))

    def _decide(self, chip: BoardDispatch, check: MoveCheck) -> None:
        expert = check.expert_id if check.expert_id != chip.expert_id else None
        where = _dates(check.start, check.end) + f"（{check.expert_name}）"
        if check.hard:
            reasons = "；".join(f.message for f in check.hard)
            self._set_status(f"<span style='color:{HARD_COLOR.name()}'>"
                             + self.tr("未移动：{0}").format(reasons) + "</span>")
            dialog = ConflictDialog(self.tr("不能移动派遣 {0}").format(chip.code),
                                    self.tr("把 {0} 移到 {1} 有冲突：").format(chip.code, where),
                                    check.findings, check.overridable, self.window())
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(lambda: self.move(chip.id, check.start, expert,
                                                      dialog.reason()))
            self.conflict_dialog = dialog
            dialog.open()
            return
        if check.soft:
            def answer(i: int) -> None:
                if i == 0:
                    self.move(chip.id, check.start, expert)
                else:
                    self._set_status(self.tr("未移动。"))

            self.confirm_box = messages.ask(
                self.window(), self.tr("把 {0} 移到 {1}？").format(chip.code, where),
                [(self.tr("仍然移动"), QMessageBox.ButtonRole.AcceptRole),
                 (self.tr("取消"), QMessageBox.ButtonRole.RejectRole)],
                answer, informative="\n".join(f.message for f in check.soft))
            return
        self.move(chip.id, check.start, expert)

    def move(self, dispatch_id: int, start: date, expert_id: int | None,
             override_reason: str = "") -> None:
        database = self.ctx.database

        def work(_control: TaskControl) -> dispatch_moves.MoveResult:
            with database.unit_of_work() as uow:
                result = dispatch_moves.move_dispatch(uow.session, dispatch_id, start,
                                                      expert_id,
                                                      override_reason=override_reason)
                uow.commit()
                return result

        def done(result: dispatch_moves.MoveResult) -> None:
            self.moves_done += 1
            self.selected_day = result.start
            self._set_status(result.message)
            self.ctx.window.statusBar().showMessage(result.message, 8000)
            self.ctx.notify(Changes.of(DISPATCH, [result.dispatch_id]) | Changes.of(NEED))

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在调整派遣…"))

    # -- printing -----------------------------------------------------------------------------

    def save_pdf_dialog(self) -> None:
        year, month = self.anchor.year, self.anchor.month
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("保存农时月历"), f"农时月历-{year}年{month}月.pdf",
            self.tr("PDF 文件 (*.pdf)"))
        if path:
            self.print_pdf(path)

    def print_pdf(self, path: str, then: Callable[[str], None] | None = None) -> None:
        """The month's calendar document (services/documents) written to ``path``."""
        database = self.ctx.database
        year, month, crop = self.anchor.year, self.anchor.month, self.crop

        def work(control: TaskControl) -> str:
            from services.documents import printing

            with database.session() as session:
                printing.print_month_calendar(session, year, [month], path, crop=crop,
                                              progress=control.progress,
                                              cancelled=control.cancelled)
            return path

        def done(written: str) -> None:
            self.ctx.window.statusBar().showMessage(self.tr("已保存：{0}").format(written),
                                                    8000)
            if then is not None:
                then(written)

        self.ctx.tasks.run(work, on_done=done, owner=self, progress=True,
                           label=self.tr("正在生成农时月历…"))

    def print_dialog(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo

        if not QPrinterInfo.availablePrinters():
            messages.inform(self.window(), self.tr(
                "没有找到打印机。请用“保存农时月历为 PDF”，再用其他电脑打印。"))
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        dialog = QPrintDialog(printer, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.print_to(printer))
        self.print_dialog_widget = dialog
        dialog.open()

    def print_to(self, printer: Any) -> None:
        """The month as shown, on one landscape page of ``printer`` (a real printer or a
        QPrinter in PDF mode)."""
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        printer.setPageMargins(QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter)
        painter = QPainter()
        if not painter.begin(printer):
            messages.warn(self.window(), self.tr("无法开始打印，请检查打印机。"))
            return
        try:
            page = printer.pageLayout().paintRectPixels(printer.resolution())
            title_font = QFont(self.font())
            title_font.setPointSizeF(self.font().pointSizeF() * 1.6)
            title_font.setBold(True)
            painter.setFont(title_font)
            title_h = painter.fontMetrics().height() * 2
            painter.drawText(QRect(0, 0, page.width(), title_h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             f"{self.period_title()} 农时日历 · {self.today_label.text()}")
            grid = self.grid
            source = grid.size()
            scale = min(page.width() / max(1, source.width()),
                        (page.height() - title_h) / max(1, source.height()))
            painter.translate(0, title_h)
            painter.scale(scale, scale)
            grid.render(painter, QPoint(0, 0))
        finally:
            painter.end()


PAGE = PageSpec("calendar", "农时日历", 60, CalendarPage,
                QStyle.StandardPixmap.SP_FileDialogDetailedView, "Ctrl+6")
