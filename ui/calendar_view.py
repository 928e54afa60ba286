"""The farming calendar's widgets: a ``QAbstractTableModel`` of weeks × days (month view) or
experts × days (week view) over a ``services.dispatch_moves.Board``, a delegate that paints
each day (date, lunar date, solar term, holiday or make-up working day, crop-phase bands,
dispatch chips coloured by status), and a view from which a chip is dragged to another day or
expert. The view only reports what was dragged where (domain ids); the screen runs the
conflict check and the move through the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QDrag, QFont, QFontMetrics, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from services.dispatch_moves import Board, BoardDispatch

Index = QModelIndex | QPersistentModelIndex
MIME = "application/x-expert-dispatch-id"
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")

#: Chip colours by status; "in_progress" is a confirmed dispatch under way today.
STATUS_COLORS = {
    "planned": "#4f79b5",
    "confirmed": "#2e8b57",
    "in_progress": "#d9770b",
    "completed": "#7d7d7d",
    "declined": "#c0392b",
    "cancelled": "#b5b5b5",
}
STATUS_NAMES = {"planned": "拟派", "confirmed": "已确认", "in_progress": "进行中",
                "completed": "已完成", "declined": "已婉拒", "cancelled": "已取消"}
PHASE_COLORS = ("#7cb342", "#f4a742", "#4db6ac", "#ba68c8", "#e57373", "#64b5f6", "#a1887f",
                "#dce775", "#ff8a65", "#90a4ae")
HARD_COLOR = QColor("#d32f2f")
SOFT_COLOR = QColor("#f0a30a")
OK_COLOR = QColor("#2e8b57")
TERM_COLOR = QColor("#1b7f3b")
HOLIDAY_COLOR = QColor("#c0392b")
WORKDAY_COLOR = QColor("#1f6fb2")


def chip_status(d: BoardDispatch, today: date) -> str:
    return "in_progress" if d.in_progress(today) else d.status


def chip_text(d: BoardDispatch) -> str:
    return f"{d.expert} · {d.unit}"


def lunar_text(cell: Any) -> str:
    """初一 shows the month (五月, 闰四月); other days their day name."""
    lunar = cell.lunar
    return lunar.month_name if lunar.day == 1 else lunar.day_name


@dataclass
class CellData:
    """One cell: ``calendar`` cells show the day's facts (month view, the week view's top
    row); ``expert_id`` is the row's expert in the week view."""

    day: date
    info: Any  # services.calendar.grid.DayCell
    in_month: bool = True
    today: bool = False
    calendar: bool = True
    expert_id: int | None = None
    chips: list[BoardDispatch] = field(default_factory=list)
    phase_colors: list[str] = field(default_factory=list)


class CalendarModel(QAbstractTableModel):
    """Month: 6 rows of weeks × 7 days. Week: a top row with the days' facts, then one row per
    expert who has a dispatch that week (or was added). ``CellRole`` gives ``CellData``."""

    CellRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.board: Board | None = None
        self.mode = "month"
        self.month = 1
        self.today = date.today()
        self.experts: list[tuple[int, str]] = []  # week rows: (expert id, name)
        self.crop_colors: dict[str, str] = {}
        self.hover: tuple[int, int] | None = None
        self.hover_level = ""  # "hard", "soft", "ok", "checking"

    def set_board(self, board: Board, mode: str, month: int, today: date,
                  extra_experts: list[tuple[int, str]] = ()) -> None:  # type: ignore[assignment]
        self.beginResetModel()
        self.board = board
        self.mode = mode
        self.month = month
        self.today = today
        self.hover = None
        self.crop_colors = {c: PHASE_COLORS[i % len(PHASE_COLORS)]
                            for i, c in enumerate(board.crops)}
        experts: dict[int, str] = {}
        for d in board.dispatches:
            experts.setdefault(d.expert_id, d.expert)
        for expert_id, name in extra_experts:
            experts.setdefault(expert_id, name)
        self.experts = sorted(experts.items(), key=lambda e: e[1])
        self.endResetModel()

    # -- geometry of the grid ---------------------------------------------------------------

    def day_at(self, row: int, column: int) -> date | None:
        if self.board is None:
            return None
        if self.mode == "month":
            return self.board.start + timedelta(days=row * 7 + column)
        return self.board.start + timedelta(days=column)

    def target(self, index: Index) -> tuple[date, int | None] | None:
        """(day, expert id or None) a drop on ``index`` means."""
        if not index.isValid():
            return None
        day = self.day_at(index.row(), index.column())
        if day is None:
            return None
        expert = None
        if self.mode == "week" and index.row() > 0:
            expert = self.experts[index.row() - 1][0]
        return day, expert

    def index_of(self, day: date, expert_id: int | None = None) -> QModelIndex:
        if self.board is None or not self.board.start <= day <= self.board.end:
            return QModelIndex()
        offset = (day - self.board.start).days
        if self.mode == "month":
            return self.index(offset // 7, offset % 7)
        row = 0
        if expert_id is not None:
            ids = [e for e, _ in self.experts]
            if expert_id not in ids:
                return QModelIndex()
            row = ids.index(expert_id) + 1
        return self.index(row, offset)

    def set_hover(self, index: QModelIndex | None, level: str = "") -> None:
        old = self.hover
        self.hover = (index.row(), index.column()) if index is not None and index.isValid() \
            else None
        self.hover_level = level
        for cell in (old, self.hover):
            if cell is not None:
                i = self.index(*cell)
                self.dataChanged.emit(i, i)

    # -- the Qt model interface ------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.board is None:
            return 0
        return 6 if self.mode == "month" else 1 + len(self.experts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.board is None else 7

    def cell(self, index: Index) -> CellData | None:
        day = self.day_at(index.row(), index.column())
        if day is None or self.board is None:
            return None
        info = self.board.day(day)
        if self.mode == "month":
            chips = self.board.dispatches_on(day)
            data = CellData(day, info, day.month == self.month, day == self.today, True, None,
                            chips)
        elif index.row() == 0:
            data = CellData(day, info, True, day == self.today, True, None, [])
        else:
            expert_id = self.experts[index.row() - 1][0]
            chips = [d for d in self.board.dispatches_on(day) if d.expert_id == expert_id]
            data = CellData(day, info, True, day == self.today, False, expert_id, chips)
        if info is not None and data.calendar:
            data.phase_colors = [self.crop_colors.get(o.phase.crop, PHASE_COLORS[0])
                                 for o in info.phases]
        return data

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == self.CellRole:
            return self.cell(index)
        if role == Qt.ItemDataRole.ToolTipRole:
            cell = self.cell(index)
            return day_tooltip(cell) if cell is not None else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            cell = self.cell(index)
            return day_summary(cell) if cell is not None else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or self.board is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if self.mode == "month":
                return WEEKDAYS[section]
            day = self.board.start + timedelta(days=section)
            return f"{day.month}月{day.day}日 周{WEEKDAYS[day.weekday()]}"
        if self.mode == "week":
            return "农时" if section == 0 else self.experts[section - 1][1]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable \
            | Qt.ItemFlag.ItemIsDropEnabled


def day_summary(cell: CellData) -> str:
    """The day's facts as one line: "4月5日 农历二月十八 清明 清明节（休）"."""
    info = cell.info
    parts = [f"{cell.day.month}月{cell.day.day}日"]
    if info is not None:
        parts.append(f"农历{info.lunar.month_name}{info.lunar.day_name}")
        if info.solar_term:
            parts.append(info.solar_term)
        if info.festivals:
            parts.append("、".join(info.festivals))
        if info.status.is_holiday:
            parts.append(f"{info.status.name}（休）")
        elif info.status.is_makeup_workday:
            parts.append(f"{info.status.name}调休上班（班）")
    return " ".join(parts)


def day_tooltip(cell: CellData) -> str:
    lines = [day_summary(cell)]
    if cell.info is not None and cell.calendar:
        for o in cell.info.phases:
            lines.append(f"农时：{o.phase.crop}·{o.phase.name}（{o.start.month}月{o.start.day}日—"
                         f"{o.end.month}月{o.end.day}日）")
    for d in cell.chips:
        lines.append(f"{d.code} {chip_text(d)}（{d.status_label}）")
    return "\n".join(lines)


# -- painting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellLayout:
    """Where things go inside a cell: the chips' rectangles (the view hit-tests with the same
    layout the delegate paints) and how many chips did not fit."""

    chips: list[QRect]
    hidden: int
    more: QRect | None


def cell_layout(rect: QRect, metrics: QFontMetrics, chips: int, calendar: bool,
                phases: int) -> CellLayout:
    line = metrics.height()
    top = rect.top() + 2
    if calendar:
        top += line * 2 + 2 + min(phases, 3) * 5
    chip_h = line + 2
    room = max(0, (rect.bottom() - 2 - top + 1) // (chip_h + 2))
    shown = chips if chips <= room else max(0, room - 1)
    rects = [QRect(rect.left() + 3, top + i * (chip_h + 2), rect.width() - 6, chip_h)
             for i in range(shown)]
    more = None
    if shown < chips:
        more = QRect(rect.left() + 3, top + shown * (chip_h + 2), rect.width() - 6, chip_h)
    return CellLayout(rects, chips - shown, more)


class CalendarDelegate(QStyledItemDelegate):
    """Paints one ``CellData``: the day's facts at the top, phase bands, then the chips.

    The fonts, their metrics and the elided chip texts are kept between paints: a busy month
    has a few hundred chips and shaping their Chinese text again on every repaint (a dialog
    opened over the calendar repaints it all) made up most of a 60–90 ms freeze."""

    _CACHE_LIMIT = 20_000

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fonts: dict[tuple[str, str], tuple[QFont, QFontMetrics]] = {}
        self._elided: dict[tuple[str, str, int], str] = {}

    def _font(self, base: QFont, kind: str = "") -> tuple[QFont, QFontMetrics]:
        """``base`` as is (``""``), bold, struck out or not (``"plain"``), with its metrics
        (cached by font)."""
        key = (base.key(), kind)
        hit = self._fonts.get(key)
        if hit is None:
            font = QFont(base)
            if kind == "bold":
                font.setBold(True)
            elif kind in ("strike", "plain"):
                font.setStrikeOut(kind == "strike")
            hit = self._fonts[key] = (font, QFontMetrics(font))
        return hit

    def _elide(self, metrics: QFontMetrics, font_key: str, text: str, width: int) -> str:
        key = (font_key, text, width)
        elided = self._elided.get(key)
        if elided is None:
            if len(self._elided) > self._CACHE_LIMIT:
                self._elided.clear()
            elided = self._elided[key] = metrics.elidedText(text, Qt.TextElideMode.ElideRight,
                                                             width)
        return elided

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        cell: CellData | None = index.data(CalendarModel.CellRole)
        if cell is None:
            return
        model: CalendarModel = index.model()  # type: ignore[assignment]
        rect: QRect = option.rect  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        info = cell.info
        background = QColor("#ffffff")
        if info is not None and info.status.is_holiday:
            background = QColor("#fdeeee")
        elif info is not None and info.status.is_makeup_workday:
            background = QColor("#eef4fb")
        elif cell.day.weekday() >= 5:
            background = QColor("#f7f7f7")
        if not cell.in_month:
            background = QColor("#f0f0f0")
        painter.fillRect(rect, background)
        if option.state & option.state.State_Selected:  # type: ignore[attr-defined]
            painter.fillRect(rect, QColor(31, 111, 178, 28))
        base_font: QFont = option.font  # type: ignore[attr-defined]
        plain, metrics = self._font(base_font)
        line = metrics.height()
        text_colour = QColor("#222222") if cell.in_month else QColor("#9a9a9a")
        if cell.calendar and info is not None:
            painter.setFont(self._font(base_font, "bold")[0])
            painter.setPen(HOLIDAY_COLOR if info.status.is_holiday and cell.in_month
                           else text_colour)
            top = QRect(rect.left() + 4, rect.top() + 2, rect.width() - 8, line)
            number = str(cell.day.day) if model.mode == "month" or cell.day.day != 1 \
                else f"{cell.day.month}月{cell.day.day}日"
            painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             number)
            painter.setFont(option.font)  # type: ignore[attr-defined]
            painter.setPen(QColor("#777777") if cell.in_month else QColor("#aaaaaa"))
            painter.drawText(top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             lunar_text(info))
            second = QRect(rect.left() + 4, rect.top() + 2 + line, rect.width() - 8, line)
            left = []
            if info.solar_term:
                left.append((info.solar_term, TERM_COLOR))
            for festival in info.festivals[:1]:
                left.append((festival, QColor("#8e44ad")))
            x = second.left()
            for text, colour in left:
                painter.setPen(colour)
                painter.drawText(QRect(x, second.top(), second.right() - x, line),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 text)
                x += metrics.horizontalAdvance(text) + 4
            badge = ""
            if info.status.is_holiday:
                badge, colour = "休", HOLIDAY_COLOR
            elif info.status.is_makeup_workday:
                badge, colour = "班", WORKDAY_COLOR
            if badge:
                size = line
                box = QRect(second.right() - size + 1, second.top(), size, size)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawRoundedRect(box, 3, 3)
                painter.setPen(QColor("white"))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, badge)
                if info.status.is_holiday and info.status.name and x < box.left() - 4:
                    painter.setPen(colour)
                    painter.drawText(QRect(x, second.top(), box.left() - 4 - x, line),
                                     Qt.AlignmentFlag.AlignRight
                                     | Qt.AlignmentFlag.AlignVCenter,
                                     self._elide(metrics, plain.key(), info.status.name,
                                                 box.left() - 4 - x))
            y = rect.top() + 2 + line * 2 + 2
            painter.setPen(Qt.PenStyle.NoPen)
            for colour in cell.phase_colors[:3]:
                painter.setBrush(QColor(colour))
                painter.drawRoundedRect(QRect(rect.left() + 2, y, rect.width() - 4, 3), 1, 1)
                y += 5
        layout = cell_layout(rect, metrics, len(cell.chips), cell.calendar,
                             len(cell.phase_colors))
        for chip, box in zip(cell.chips, layout.chips, strict=False):
            status = chip_status(chip, model.today)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(STATUS_COLORS.get(status, "#4f79b5")))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor("white"))
            font = self._font(base_font, "strike" if status in ("cancelled", "declined")
                              else "plain")[0]
            painter.setFont(font)
            painter.drawText(box.adjusted(4, 0, -3, 0),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             self._elide(metrics, plain.key(), chip_text(chip),
                                         box.width() - 7))
            painter.setFont(option.font)  # type: ignore[attr-defined]
        if layout.more is not None:
            painter.setPen(QColor("#555555"))
            painter.drawText(layout.more, Qt.AlignmentFlag.AlignLeft
                             | Qt.AlignmentFlag.AlignVCenter, f"+{layout.hidden} 更多…")
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor("#d6d6d6"), 1))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        if cell.today:
            painter.setPen(QPen(QColor("#1f6fb2"), 2))
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        if model.hover == (index.row(), index.column()) and model.hover_level:
            colour = {"hard": HARD_COLOR, "soft": SOFT_COLOR, "ok": OK_COLOR}.get(
                model.hover_level, QColor("#888888"))
            fill = QColor(colour)
            fill.setAlpha(45)
            painter.fillRect(rect, fill)
            painter.setPen(QPen(colour, 3))
            painter.drawRect(rect.adjusted(2, 2, -3, -3))
        painter.restore()


# -- the view -------------------------------------------------------------------------------


class CalendarGrid(QTableView):
    """Signals (domain ids and dates): ``dayClicked(date, expert id or 0)``,
    ``chipClicked(dispatch id)``, ``dragHover(dispatch id, date, expert id or 0)`` while a chip
    is dragged over a day, ``dragLeft()``, ``chipDropped(dispatch id, date, expert id or 0)``."""

    dayClicked = Signal(object, int)
    chipClicked = Signal(int)
    dragHover = Signal(int, object, int)
    dragLeft = Signal()
    chipDropped = Signal(int, object, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.calendar = CalendarModel(self)
        self.setModel(self.calendar)
        self.setItemDelegate(CalendarDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDropIndicatorShown(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self._press: tuple[QPoint, int] | None = None
        self.clicked.connect(self._clicked)
        self._picture: QPixmap | None = None
        self._picture_key: tuple[Any, ...] | None = None
        self._stale: set[tuple[int, int]] | None = None  # None: all
        self._watch_for_repaint()

    # -- painting: one call to Python, from a kept picture -------------------------------------

    def _watch_for_repaint(self) -> None:
        """What makes the kept picture of the days stale (see ``paintEvent``)."""
        model = self.calendar
        model.dataChanged.connect(self._cells_changed)
        for signal in (model.modelReset, model.layoutChanged, model.headerDataChanged,
                       model.rowsInserted, model.rowsRemoved, model.columnsInserted,
                       model.columnsRemoved):
            signal.connect(self._all_changed)
        self.horizontalHeader().sectionResized.connect(self._all_changed)
        self.verticalHeader().sectionResized.connect(self._all_changed)
        selection = self.selectionModel()
        if selection is not None:
            selection.selectionChanged.connect(self._all_changed)

    def _all_changed(self, *_args: Any) -> None:
        self._stale = None

    def _cells_changed(self, top_left: QModelIndex, bottom_right: QModelIndex,
                       *_args: Any) -> None:
        if self._stale is None:
            return
        self._stale |= {(r, c) for r in range(top_left.row(), bottom_right.row() + 1)
                        for c in range(top_left.column(), bottom_right.column() + 1)}

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        self._stale = None  # a font or palette change

    def paintEvent(self, event: Any) -> None:
        """The days from a kept picture; only the days that changed are painted again, all in
        one call to Python.

        Why: each call from Qt into Python, and each Qt call from Python, waits for the GIL,
        up to the switch interval (5 ms) while a worker runs Python (a screen loading, the
        ranking of experts). Painted day by day, a month froze the window for 60–110 ms
        whenever the calendar was repainted, and a dialog opening over it repaints it all
        without anything in it having changed. While a chip is dragged from here, Qt paints
        as usual (its drag state)."""
        if self.state() != QAbstractItemView.State.NoState:
            self._stale = None
            super().paintEvent(event)
            return
        viewport = self.viewport()
        ratio = viewport.devicePixelRatioF()
        key = (viewport.width(), viewport.height(), self.horizontalOffset(),
               self.verticalOffset(), ratio)
        picture = self._picture
        if picture is None or self._picture_key != key or self._stale is None:
            picture = QPixmap(max(1, round(viewport.width() * ratio)),
                              max(1, round(viewport.height() * ratio)))
            picture.setDevicePixelRatio(ratio)
            with_painter = QPainter(picture)
            self._paint_days(with_painter, viewport.rect(), None)
            with_painter.end()
            self._picture, self._picture_key = picture, key
        elif self._stale:
            with_painter = QPainter(picture)
            self._paint_days(with_painter, viewport.rect(), self._stale)
            with_painter.end()
        self._stale = set()
        painter = QPainter(viewport)
        painter.setClipRect(event.rect())
        painter.drawPixmap(0, 0, picture)
        painter.end()

    def _paint_days(self, painter: QPainter, area: QRect,
                    only: set[tuple[int, int]] | None) -> None:
        """Paints the days inside ``area`` (``only`` those cells, if given) with the delegate,
        as QTableView would: the background, then each cell with its selection state."""
        model = self.calendar
        rows, columns = model.rowCount(), model.columnCount()
        background = self.palette().base()
        if only is None:
            painter.fillRect(area, background)
        if not rows or not columns:
            return
        header_v, header_h = self.verticalHeader(), self.horizontalHeader()
        first_row = max(0, header_v.visualIndexAt(area.top()))
        last_row = header_v.visualIndexAt(area.bottom())
        last_row = rows - 1 if last_row < 0 else last_row
        first_column = max(0, header_h.visualIndexAt(area.left()))
        last_column = header_h.visualIndexAt(area.right())
        last_column = columns - 1 if last_column < 0 else last_column
        delegate = self.itemDelegate()
        selection = self.selectionModel()
        for row in range(first_row, last_row + 1):
            for column in range(first_column, last_column + 1):
                if only is not None and (row, column) not in only:
                    continue
                index = model.index(row, column)
                rect = self.visualRect(index)
                if not rect.isValid() or not rect.intersects(area):
                    continue
                if only is not None:
                    painter.fillRect(rect, background)
                option = QStyleOptionViewItem()
                self.initViewItemOption(option)
                option.rect = rect  # type: ignore[attr-defined]
                if selection is not None and selection.isSelected(index):
                    option.state |= QStyle.StateFlag.State_Selected  # type: ignore[attr-defined]
                delegate.paint(painter, option, index)

    def set_mode(self, mode: str) -> None:
        header = self.verticalHeader()
        header.setVisible(mode == "week")
        line = self.fontMetrics().height()
        if mode == "week":
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultSectionSize(line * 3 + 6)
        else:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(line * 6 * 4)

    def apply_row_heights(self) -> None:
        if self.calendar.mode == "week" and self.calendar.rowCount() > 0:
            line = self.fontMetrics().height()
            self.setRowHeight(0, line * 3 + 12)

    def chip_at(self, pos: QPoint) -> BoardDispatch | None:
        index = self.indexAt(pos)
        cell: CellData | None = index.data(CalendarModel.CellRole) if index.isValid() else None
        if cell is None:
            return None
        layout = cell_layout(self.visualRect(index), self.fontMetrics(), len(cell.chips),
                             cell.calendar, len(cell.phase_colors))
        for chip, rect in zip(cell.chips, layout.chips, strict=False):
            if rect.contains(pos):
                return chip
        return None

    def chip_rect(self, dispatch_id: int, day: date, expert_id: int | None = None) -> QRect:
        """Where a chip is drawn on ``day`` (for tests and accessibility), or an empty rect."""
        index = self.calendar.index_of(day, expert_id)
        cell: CellData | None = index.data(CalendarModel.CellRole) if index.isValid() else None
        if cell is None:
            return QRect()
        layout = cell_layout(self.visualRect(index), self.fontMetrics(), len(cell.chips),
                             cell.calendar, len(cell.phase_colors))
        for chip, rect in zip(cell.chips, layout.chips, strict=False):
            if chip.id == dispatch_id:
                return rect
        return QRect()

    def _clicked(self, index: QModelIndex) -> None:
        target = self.calendar.target(index)
        if target is not None:
            self.dayClicked.emit(target[0], target[1] or 0)

    def mousePressEvent(self, event: Any) -> None:
        pos = event.position().toPoint()
        chip = self.chip_at(pos)
        self._press = (pos, chip.id) if chip is not None else None
        super().mousePressEvent(event)
        if chip is not None:
            self.chipClicked.emit(chip.id)

    def mouseMoveEvent(self, event: Any) -> None:
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            pos, dispatch_id = self._press
            distance = (event.position().toPoint() - pos).manhattanLength()
            if distance >= QApplication.startDragDistance():
                self._press = None
                self.start_chip_drag(dispatch_id)
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def start_chip_drag(self, dispatch_id: int) -> None:
        board = self.calendar.board
        chip = next((d for d in board.dispatches if d.id == dispatch_id), None) if board else None
        if chip is None or not chip.movable:
            return
        mime = QMimeData()
        mime.setData(MIME, str(dispatch_id).encode())
        mime.setText(chip_text(chip))
        drag = QDrag(self)
        drag.setMimeData(mime)
        metrics = self.fontMetrics()
        text = chip_text(chip)
        pixmap = QPixmap(metrics.horizontalAdvance(text) + 12, metrics.height() + 4)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(STATUS_COLORS.get(chip_status(chip, self.calendar.today))))
        p.drawRoundedRect(pixmap.rect(), 4, 4)
        p.setPen(QColor("white"))
        p.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
        p.end()
        drag.setPixmap(pixmap)
        drag.exec(Qt.DropAction.MoveAction)
        self.calendar.set_hover(None)

    # -- dropping ----------------------------------------------------------------------------

    @staticmethod
    def dragged_id(mime: QMimeData) -> int | None:
        if not mime.hasFormat(MIME):
            return None
        try:
            return int(bytes(mime.data(MIME).data()).decode())
        except ValueError:
            return None

    def dragEnterEvent(self, event: Any) -> None:
        if self.dragged_id(event.mimeData()) is not None:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        dispatch_id = self.dragged_id(event.mimeData())
        index = self.indexAt(event.position().toPoint())
        target = self.calendar.target(index)
        if dispatch_id is None or target is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        hovered = self.calendar.hover
        if hovered != (index.row(), index.column()):
            self.calendar.set_hover(index, "checking")
            self.dragHover.emit(dispatch_id, target[0], target[1] or 0)

    def dragLeaveEvent(self, event: Any) -> None:
        self.calendar.set_hover(None)
        self.dragLeft.emit()
        event.accept()

    def dropEvent(self, event: Any) -> None:
        dispatch_id = self.dragged_id(event.mimeData())
        target = self.calendar.target(self.indexAt(event.position().toPoint()))
        if dispatch_id is None or target is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        self.chipDropped.emit(dispatch_id, target[0], target[1] or 0)


class ExpertDropTable(QTableView):
    """The side list of experts: a chip dropped on a row goes to that expert (same days).
    Signals: ``dragHover(dispatch id, expert id)``, ``chipDropped(dispatch id, expert id)``."""

    dragHover = Signal(int, int)
    chipDropped = Signal(int, int)

    def __init__(self, id_role: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.id_role = id_role
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self._hover_row = -1

    def _expert(self, event: Any) -> tuple[int | None, int | None]:
        dispatch_id = CalendarGrid.dragged_id(event.mimeData())
        index = self.indexAt(event.position().toPoint())
        expert_id = index.data(self.id_role) if index.isValid() else None
        return dispatch_id, expert_id

    def dragEnterEvent(self, event: Any) -> None:
        if CalendarGrid.dragged_id(event.mimeData()) is not None:
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        dispatch_id, expert_id = self._expert(event)
        if dispatch_id is None or expert_id is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        row = self.indexAt(event.position().toPoint()).row()
        if row != self._hover_row:
            self._hover_row = row
            self.selectRow(row)
            self.dragHover.emit(dispatch_id, int(expert_id))

    def dragLeaveEvent(self, event: Any) -> None:
        self._hover_row = -1
        event.accept()

    def dropEvent(self, event: Any) -> None:
        dispatch_id, expert_id = self._expert(event)
        self._hover_row = -1
        if dispatch_id is None or expert_id is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        self.chipDropped.emit(dispatch_id, int(expert_id))


# -- the conflict dialog --------------------------------------------------------------------


def findings_html(findings: Any) -> str:
    """Hard findings in red, soft ones in amber, as an HTML list."""
    items = []
    for f in findings:
        colour = HARD_COLOR.name() if f.hard else "#a86b00"
        label = "冲突" if f.hard else "提醒"
        items.append(f"<li><span style='color:{colour}'><b>{label}</b>：{f.message}</span></li>")
    return "<ul style='margin-left:-20px'>" + "".join(items) + "</ul>"


class ConflictDialog(QDialog):
    """Shown when a move or an assignment has hard conflicts: the reasons, and — when every
    hard conflict may be overridden — the explicit override "仍然安排（记录原因）" with a
    reason. ``reason()`` is the text typed; the dialog accepts only with the box ticked and a
    reason given."""

    def __init__(self, title: str, intro: str, findings: Any, overridable: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        text = QLabel(f"<p>{intro}</p>" + findings_html(findings), self)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(text)
        self.override = QCheckBox(self.tr("仍然安排（记录原因）"), self)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText(self.tr("原因，例如：同一乡镇上午、下午两项服务"))
        self.reason_edit.setEnabled(False)
        layout.addWidget(self.override)
        layout.addWidget(self.reason_edit)
        if not overridable:
            self.override.setVisible(False)
            self.reason_edit.setVisible(False)
            note = QLabel(self.tr("其中有不能越过的冲突（如利益冲突、需求未开放），不能安排。"), self)
            note.setWordWrap(True)
            layout.addWidget(note)
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton(self.tr("仍然安排"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setVisible(overridable)
        self.ok.setEnabled(False)
        buttons.addButton(self.tr("不安排") if overridable else self.tr("确定"),
                          QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.override.toggled.connect(self._update)
        self.reason_edit.textChanged.connect(self._update)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 36, self.sizeHint().height())

    def _update(self) -> None:
        self.reason_edit.setEnabled(self.override.isChecked())
        self.ok.setEnabled(self.override.isChecked() and bool(self.reason().strip()))

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def accept(self) -> None:
        if not (self.override.isChecked() and self.reason()):
            return
        super().accept()
