"""A strip calendar: one small cell per day of a window, coloured free / busy (another
dispatch) / unavailable (the expert's own leave) / off (holiday or weekend the settings do not
allow). The match panel draws one per expert, in a table column and larger under the table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QStyledItemDelegate, QStyleOptionViewItem, QWidget

FREE, BUSY, UNAVAILABLE, OFF = "free", "busy", "unavailable", "off"
COLORS = {FREE: QColor("#4caf50"), BUSY: QColor("#1f6fb2"), UNAVAILABLE: QColor("#c0392b"),
          OFF: QColor("#d5d5d5")}
NAMES = {FREE: "空闲", BUSY: "已有派遣", UNAVAILABLE: "不可服务", OFF: "节假日或周末"}

Day = tuple[date, str]  # (day, state)


def paint_strip(painter: QPainter, rect: QRect, days: Sequence[Day],
                selected: tuple[date, date] | None = None) -> None:
    """Paint ``days`` left to right inside ``rect``; ``selected`` outlines a visit's days."""
    if not days:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    n = len(days)
    width = rect.width() / n
    gap = 1 if width >= 4 else 0
    for i, (day, state) in enumerate(days):
        x = rect.left() + int(i * width)
        w = max(1, int((i + 1) * width) - int(i * width) - gap)
        cell = QRect(x, rect.top(), w, rect.height())
        painter.fillRect(cell, COLORS.get(state, COLORS[OFF]))
        if day.day == 1 and i:
            painter.fillRect(QRect(x, rect.top(), 1, rect.height()), QColor("#333333"))
    if selected is not None:
        first = (selected[0] - days[0][0]).days
        last = (selected[1] - days[0][0]).days
        if last >= 0 and first < n:
            first, last = max(first, 0), min(last, n - 1)
            x1 = rect.left() + int(first * width)
            x2 = rect.left() + int((last + 1) * width) - 1
            painter.setPen(QPen(QColor("#ff9800"), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRect(x1, rect.top(), x2 - x1, rect.height() - 1))
    painter.restore()


def strip_tooltip(days: Sequence[Day]) -> str:
    free = sum(1 for _d, s in days if s == FREE)
    if not days:
        return ""
    return (f"{days[0][0].month}月{days[0][0].day}日—{days[-1][0].month}月{days[-1][0].day}日："
            f"空闲 {free}/{len(days)} 天")


class StripCalendar(QWidget):
    """The strip as a widget. Signal ``dayClicked(date)``; ``set_days(days)``,
    ``set_selected((start, end))``."""

    dayClicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.days: list[Day] = []
        self.selected: tuple[date, date] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("中") * 30,
                     self.fontMetrics().height() * 2 + 8)

    def set_days(self, days: Sequence[Day]) -> None:
        self.days = list(days)
        self.setToolTip(strip_tooltip(self.days))
        self.update()

    def set_selected(self, selected: tuple[date, date] | None) -> None:
        self.selected = selected
        self.update()

    def _bar(self) -> QRect:
        line = self.fontMetrics().height()
        return QRect(0, 0, self.width(), self.height() - line - 2)

    def day_at(self, x: float) -> date | None:
        if not self.days or self.width() <= 0:
            return None
        i = int(x / (self.width() / len(self.days)))
        return self.days[i][0] if 0 <= i < len(self.days) else None

    def mousePressEvent(self, event: Any) -> None:
        day = self.day_at(event.position().x())
        if day is not None:
            self.dayClicked.emit(day)
        super().mousePressEvent(event)

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        bar = self._bar()
        paint_strip(painter, bar, self.days, self.selected)
        if self.days:
            line = self.fontMetrics().height()
            label = QRect(0, bar.bottom() + 2, self.width(), line)
            painter.setPen(self.palette().text().color())
            first, last = self.days[0][0], self.days[-1][0]
            painter.drawText(label, Qt.AlignmentFlag.AlignLeft, f"{first.month}月{first.day}日")
            painter.drawText(label, Qt.AlignmentFlag.AlignRight, f"{last.month}月{last.day}日")
            # The legend, centred: a square in each state's colour before its name.
            metrics = self.fontMetrics()
            items = [(COLORS[s], NAMES[s]) for s in (FREE, BUSY, UNAVAILABLE, OFF)]
            box = line - 6
            total = sum(box + 3 + metrics.horizontalAdvance(n) + 10 for _c, n in items)
            x = max(0, (self.width() - total) // 2)
            for colour, name in items:
                painter.fillRect(QRect(x, label.top() + 3, box, box), colour)
                x += box + 3
                painter.drawText(QRect(x, label.top(), metrics.horizontalAdvance(name) + 2,
                                       line), Qt.AlignmentFlag.AlignLeft, name)
                x += metrics.horizontalAdvance(name) + 10
        painter.end()


class StripDelegate(QStyledItemDelegate):
    """Paints the strip a model gives under ``role`` (a list of ``Day``)."""

    def __init__(self, role: int, parent: Any = None) -> None:
        super().__init__(parent)
        self.role = role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        super().paint(painter, option, index)
        days = index.data(self.role)
        if days:
            rect: QRect = option.rect  # type: ignore[attr-defined]
            paint_strip(painter, rect.adjusted(3, 4, -3, -4), days)
