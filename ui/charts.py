"""Small charts drawn with QPainter (QtCharts would drag in the 100 MiB Addons package):
horizontal bars with labels, clickable; a line over months. Data are plain (label, value)
pairs with an optional key that ``clicked`` carries (a domain id or a status)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

COLOURS = ("#1f6fb2", "#e07b39", "#3a9d5d", "#c44e52", "#8172b2", "#937860", "#da8bc3",
           "#8c8c8c", "#ccb974", "#64b5cd")


class BarChart(QWidget):
    """Horizontal bars, one per item, the value at the bar's end. Signal ``clicked(key)``."""

    clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None, colour: str = COLOURS[0]) -> None:
        super().__init__(parent)
        self.items: list[tuple[str, float, Any]] = []
        self.colour = QColor(colour)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_items(self, items: Sequence[tuple[str, float, Any]]) -> None:
        self.items = list(items)
        self.updateGeometry()
        self.update()

    def _row_h(self) -> int:
        return self.fontMetrics().height() + 6

    def sizeHint(self) -> QSize:
        return QSize(320, max(3, len(self.items)) * self._row_h() + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, max(3, len(self.items)) * self._row_h() + 8)

    def _label_w(self) -> int:
        fm = self.fontMetrics()
        return min(max((fm.horizontalAdvance(t) for t, _, _ in self.items), default=40) + 8,
                   self.width() // 3)

    def _row_at(self, y: float) -> int | None:
        i = int((y - 4) // self._row_h())
        return i if 0 <= i < len(self.items) else None

    def paintEvent(self, _event) -> None:  # type: ignore[no-untyped-def]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        label_w = self._label_w()
        value_w = fm.horizontalAdvance("0000000") + 6
        room = max(self.width() - label_w - value_w - 8, 10)
        top = max((v for _, v, _ in self.items), default=0) or 1
        text = self.palette().color(QPalette.ColorRole.WindowText)
        h = self._row_h()
        for i, (label, value, _key) in enumerate(self.items):
            y = 4 + i * h
            p.setPen(text)
            elided = fm.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 6)
            p.drawText(QRectF(0, y, label_w - 6, h), Qt.AlignmentFlag.AlignRight
                       | Qt.AlignmentFlag.AlignVCenter, elided)
            w = room * value / top
            p.fillRect(QRectF(label_w, y + 3, max(w, 1 if value else 0), h - 6), self.colour)
            p.drawText(QRectF(label_w + w + 4, y, value_w, h), Qt.AlignmentFlag.AlignVCenter,
                       f"{value:,.0f}")
        p.end()

    def mouseMoveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        i = self._row_at(event.position().y())
        self.setCursor(Qt.CursorShape.PointingHandCursor if i is not None
                       else Qt.CursorShape.ArrowCursor)
        if i is not None:
            label, value, _ = self.items[i]
            QToolTip.showText(event.globalPosition().toPoint(), f"{label}：{value:,.0f}", self)

    def mouseReleaseEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        i = self._row_at(event.position().y())
        if i is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.items[i][2])


class LineChart(QWidget):
    """One series over categories (months), with dots and the axis labels under them."""

    def __init__(self, parent: QWidget | None = None, colour: str = COLOURS[0]) -> None:
        super().__init__(parent)
        self.points: list[tuple[str, float]] = []
        self.colour = QColor(colour)
        self.setMinimumHeight(self.fontMetrics().height() * 7)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_points(self, points: Sequence[tuple[str, float]]) -> None:
        self.points = list(points)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(360, self.fontMetrics().height() * 9)

    def paintEvent(self, _event) -> None:  # type: ignore[no-untyped-def]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        left, bottom = fm.horizontalAdvance("0000") + 6, fm.height() + 6
        area = QRectF(left, 6, max(self.width() - left - 8, 10),
                      max(self.height() - bottom - 10, 10))
        text = self.palette().color(QPalette.ColorRole.WindowText)
        grid = QColor(text)
        grid.setAlpha(50)
        p.setPen(QPen(grid, 1))
        p.drawLine(area.bottomLeft(), area.bottomRight())
        p.drawLine(area.topLeft(), area.bottomLeft())
        top = max((v for _, v in self.points), default=0) or 1
        p.setPen(text)
        p.drawText(QRectF(0, area.top() - 4, left - 4, fm.height()), Qt.AlignmentFlag.AlignRight,
                   f"{top:,.0f}")
        p.drawText(QRectF(0, area.bottom() - fm.height() + 2, left - 4, fm.height()),
                   Qt.AlignmentFlag.AlignRight, "0")
        n = len(self.points)
        if n:
            step = area.width() / max(n - 1, 1)
            path = QPainterPath()
            dots = []
            for i, (label, value) in enumerate(self.points):
                pt = QPointF(area.left() + i * step, area.bottom() - area.height() * value / top)
                dots.append(pt)
                path.moveTo(pt) if i == 0 else path.lineTo(pt)
                if n <= 12 or i % 2 == 0:
                    p.setPen(text)
                    p.drawText(QRectF(pt.x() - 24, area.bottom() + 3, 48, fm.height()),
                               Qt.AlignmentFlag.AlignHCenter, label)
            p.setPen(QPen(self.colour, 2))
            p.drawPath(path)
            p.setBrush(self.colour)
            for pt in dots:
                p.drawEllipse(pt, 2.5, 2.5)
        p.end()
