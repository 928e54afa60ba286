"""The plan as a timeline per expert: one row per expert, one column per day, the crop-phase
windows of the needs shaded behind the visits, the visits as bars; day headers (month, day,
weekday), weekends and today marked. The day header and the names stay in place while the
days scroll (a ``QAbstractScrollArea`` painting its own viewport)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

WEEKDAYS = "一二三四五六日"
BAR_NEW = QColor("#3b7dd8")
BAR_PINNED = QColor("#d9822b")  # fixed by the user in this proposal
BAR_FIXED = QColor("#5d6d7e")  # a confirmed dispatch: never moves
WINDOW = QColor(120, 190, 120, 70)
WEEKEND = QColor(0, 0, 0, 16)
TODAY = QColor("#c0392b")


@dataclass(frozen=True)
class Bar:
    """One visit. ``key`` identifies it for the page: (need id, expert id, start)."""

    key: tuple[int, int, date]
    expert: str
    start: date
    end: date
    label: str
    tooltip: str
    kind: str = "new"  # new, pinned, fixed


@dataclass(frozen=True)
class Shade:
    """A need's window (its crop phase) behind an expert's visits."""

    expert: str
    start: date
    end: date
    tooltip: str


class TimelineView(QAbstractScrollArea):
    """Signals: ``barClicked(key)``, ``barActivated(key)`` (double click) with the visit's
    (need id, expert id, start)."""

    barClicked = Signal(object)
    barActivated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start = date.today()
        self.end = date.today()
        self.experts: list[str] = []
        self.bars: list[Bar] = []
        self.shades: list[Shade] = []
        self.selected: tuple[int, int, date] | None = None
        self.today = date.today()
        fm = self.fontMetrics()
        self.day_width = fm.horizontalAdvance("0000") + 8  # a bar of one day shows "0363"
        self.row_height = fm.height() + 12
        self.name_width = fm.horizontalAdvance("中") * 5 + fm.horizontalAdvance("（ZJ-0000）") + 12
        self.header_height = fm.height() * 3 + 6
        self.viewport().setMouseTracking(True)
        self.setMinimumHeight(self.header_height + self.row_height * 3)

    # -- content ----------------------------------------------------------------------------------

    def set_plan(self, start: date, end: date, experts: list[str], bars: list[Bar],
                 shades: list[Shade]) -> None:
        self.start, self.end = start, end
        self.experts = list(experts)
        self.bars = list(bars)
        self.shades = list(shades)
        self._update_scrollbars()
        self.viewport().update()

    def set_selected(self, key: tuple[int, int, date] | None) -> None:
        self.selected = key
        self.viewport().update()
        bar = next((b for b in self.bars if b.key == key), None)
        if bar is not None:
            self.ensure_visible(bar)

    @property
    def days(self) -> int:
        return max((self.end - self.start).days + 1, 0)

    def sizeHint(self) -> QSize:
        return QSize(self.name_width + self.day_width * min(self.days, 31) + 4,
                     self.header_height + self.row_height * min(len(self.experts), 12) + 4)

    # -- geometry -------------------------------------------------------------------------------

    def _update_scrollbars(self) -> None:
        view = self.viewport().size()
        content_w = self.day_width * self.days
        content_h = self.row_height * len(self.experts)
        h = self.horizontalScrollBar()
        h.setRange(0, max(0, content_w - (view.width() - self.name_width)))
        h.setPageStep(max(1, view.width() - self.name_width))
        h.setSingleStep(self.day_width)
        v = self.verticalScrollBar()
        v.setRange(0, max(0, content_h - (view.height() - self.header_height)))
        v.setPageStep(max(1, view.height() - self.header_height))
        v.setSingleStep(self.row_height)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._update_scrollbars()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    def _x(self, day: date) -> int:
        return (self.name_width + (day - self.start).days * self.day_width
                - self.horizontalScrollBar().value())

    def _y(self, row: int) -> int:
        return self.header_height + row * self.row_height - self.verticalScrollBar().value()

    def bar_rect(self, bar: Bar) -> QRect:
        row = self.experts.index(bar.expert) if bar.expert in self.experts else 0
        start, end = max(bar.start, self.start), min(bar.end, self.end)
        if end < start:
            return QRect()  # wholly outside the period (e.g. a confirmed visit just before)
        return QRect(self._x(start) + 2, self._y(row) + 4,
                     (end - start).days * self.day_width + self.day_width - 4,
                     self.row_height - 8)

    def ensure_visible(self, bar: Bar) -> None:
        rect = self.bar_rect(bar)
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        view = self.viewport().rect()
        if rect.left() < self.name_width or rect.right() > view.right():
            h.setValue(h.value() + rect.left() - self.name_width - 2 * self.day_width)
        if rect.top() < self.header_height or rect.bottom() > view.bottom():
            v.setValue(v.value() + rect.top() - self.header_height - self.row_height)

    def bar_at(self, pos: QPoint) -> Bar | None:
        if pos.x() < self.name_width or pos.y() < self.header_height:
            return None
        for bar in reversed(self.bars):
            if self.bar_rect(bar).contains(pos):
                return bar
        return None

    # -- painting -------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        palette = self.palette()
        view = self.viewport().rect()
        painter.fillRect(view, palette.base())
        days = self.days
        grid = QPen(palette.mid().color())
        grid.setWidthF(0.5)
        body = QRect(self.name_width, self.header_height, view.width() - self.name_width,
                     view.height() - self.header_height)

        painter.save()
        painter.setClipRect(body)
        for i in range(days):  # weekends
            day = self.start + timedelta(days=i)
            if day.weekday() >= 5:
                painter.fillRect(QRect(self._x(day), body.top(), self.day_width, body.height()),
                                 WEEKEND)
        for shade in self.shades:  # the needs' windows behind the visits
            if shade.expert not in self.experts:
                continue
            start, end = max(shade.start, self.start), min(shade.end, self.end)
            if start > end:
                continue
            row = self.experts.index(shade.expert)
            painter.fillRect(QRect(self._x(start), self._y(row) + 1,
                                   ((end - start).days + 1) * self.day_width,
                                   self.row_height - 2), WINDOW)
        painter.setPen(grid)
        for row in range(len(self.experts) + 1):
            y = self._y(row)
            painter.drawLine(body.left(), y, body.right(), y)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        painter.setFont(small)
        for bar in self.bars:
            rect = self.bar_rect(bar)
            if rect.isEmpty() or not rect.intersects(body):
                continue
            colour = {"pinned": BAR_PINNED, "fixed": BAR_FIXED}.get(bar.kind, BAR_NEW)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(rect, 3, 3)
            if bar.key == self.selected:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(QColor("#111"), 2))
                painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), 3, 3)
            painter.setPen(QColor("white"))
            label = bar.label
            if painter.fontMetrics().horizontalAdvance(label) > rect.width() - 5:
                label = label.split(" ")[0]  # a one-day bar: the need's number alone
            painter.drawText(rect.adjusted(2, 0, -1, 0),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight,
                                                              rect.width() - 3))
        if self.start <= self.today <= self.end:
            x = self._x(self.today) + self.day_width // 2
            painter.setPen(QPen(TODAY, 1.5))
            painter.drawLine(x, body.top(), x, body.bottom())
        painter.restore()

        # The day header (scrolls sideways only).
        painter.save()
        painter.setClipRect(QRect(self.name_width, 0, view.width() - self.name_width,
                                  self.header_height))
        painter.fillRect(QRect(0, 0, view.width(), self.header_height), palette.window())
        painter.setFont(small)
        third = self.header_height // 3
        for i in range(days):
            day = self.start + timedelta(days=i)
            x = self._x(day)
            if x + self.day_width < self.name_width or x > view.width():
                continue
            if day == self.today:
                painter.fillRect(QRect(x, third, self.day_width, self.header_height - third),
                                 QColor(192, 57, 43, 50))
            painter.setPen(TODAY if day == self.today else
                           palette.placeholderText().color() if day.weekday() >= 5
                           else palette.windowText().color())
            painter.drawText(QRect(x, third, self.day_width, third),
                             Qt.AlignmentFlag.AlignCenter, str(day.day))
            painter.drawText(QRect(x, 2 * third, self.day_width, self.header_height - 2 * third),
                             Qt.AlignmentFlag.AlignCenter,
                             self.tr("今") if day == self.today else WEEKDAYS[day.weekday()])
            if day.day == 1 or i == 0:
                painter.setPen(palette.windowText().color())
                painter.drawText(QRect(x + 3, 0, self.day_width * 8, third),
                                 Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                                 f"{day.year}年{day.month}月")
                painter.setPen(grid)
                painter.drawLine(x, 0, x, third)
            painter.setPen(grid)
            painter.drawLine(x, third, x, self.header_height)
        painter.restore()

        # The names (scroll up and down only).
        painter.save()
        painter.setClipRect(QRect(0, self.header_height, self.name_width,
                                  view.height() - self.header_height))
        painter.fillRect(QRect(0, 0, self.name_width, view.height()), palette.window())
        painter.setPen(palette.windowText().color())
        for row, name in enumerate(self.experts):
            rect = QRect(6, self._y(row), self.name_width - 10, self.row_height)
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight,
                                                              rect.width()))
        painter.restore()
        painter.setPen(grid)
        painter.drawLine(self.name_width, 0, self.name_width, view.height())
        painter.drawLine(0, self.header_height, view.width(), self.header_height)
        painter.setPen(palette.windowText().color())
        painter.drawText(QRect(6, 0, self.name_width - 8, self.header_height),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         self.tr("专家 \\ 日期"))
        if not self.experts:
            painter.setPen(palette.placeholderText().color())
            painter.drawText(body, Qt.AlignmentFlag.AlignCenter,
                             self.tr("还没有方案：选好计划期和需求后点“排程”。"))

    # -- mouse ----------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        bar = self.bar_at(event.position().toPoint())
        if bar is not None and event.button() == Qt.MouseButton.LeftButton:
            self.set_selected(bar.key)
            self.barClicked.emit(bar.key)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        bar = self.bar_at(event.position().toPoint())
        if bar is not None:
            self.barActivated.emit(bar.key)
        super().mouseDoubleClickEvent(event)

    def viewportEvent(self, event) -> bool:  # type: ignore[no-untyped-def]
        if event.type() == event.Type.ToolTip and isinstance(event, QHelpEvent):
            bar = self.bar_at(event.pos())
            if bar is not None:
                QToolTip.showText(event.globalPos(), bar.tooltip, self.viewport())
            else:
                shade = self._shade_at(event.pos())
                if shade is not None:
                    QToolTip.showText(event.globalPos(), shade.tooltip, self.viewport())
                else:
                    QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def _shade_at(self, pos: QPoint) -> Shade | None:
        if pos.x() < self.name_width or pos.y() < self.header_height:
            return None
        row = (pos.y() - self.header_height + self.verticalScrollBar().value()) // self.row_height
        if not 0 <= row < len(self.experts):
            return None
        day = self.start + timedelta(days=(pos.x() - self.name_width
                                           + self.horizontalScrollBar().value())
                                     // self.day_width)
        return next((s for s in self.shades if s.expert == self.experts[row]
                     and s.start <= day <= s.end), None)
