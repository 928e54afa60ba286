"""The in-app preview of a printed document: its pages (rendered by ``ui.printing`` on a
worker) one under the other in a scrollable view, with zoom and 第 n / N 页."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QWheelEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.printing import PREVIEW_SCALE

ZOOMS = (0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1.0, 1.25, 1.5, 2.0)
GAP = 12


class _Pages(QWidget):
    """The pages drawn at the zoom; the zoom is relative to the page's size in points
    (100 % = a printed page's size at 96 dpi would be 1.33; points keep it simple)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: list[QImage] = []
        self.zoom = 0.75
        self.message = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def page_size(self, image: QImage) -> QSize:
        factor = self.zoom * self.logicalDpiX() / 72 / PREVIEW_SCALE
        return QSize(max(1, round(image.width() * factor)), max(1, round(image.height() * factor)))

    def page_rects(self) -> list[QRect]:
        rects = []
        y = GAP
        width = self.width()
        for image in self.images:
            size = self.page_size(image)
            rects.append(QRect(max(GAP, (width - size.width()) // 2), y, size.width(),
                               size.height()))
            y += size.height() + GAP
        return rects

    def sizeHint(self) -> QSize:
        if not self.images:
            return QSize(200, 200)
        sizes = [self.page_size(i) for i in self.images]
        return QSize(max(s.width() for s in sizes) + 2 * GAP,
                     sum(s.height() + GAP for s in sizes) + GAP)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor("#8a8f96"))
        if not self.images:
            painter.setPen(QColor("white"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.message)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for image, rect in zip(self.images, self.page_rects(), strict=True):
            if not rect.intersects(event.rect()):
                continue
            painter.fillRect(rect.translated(3, 3), QColor(0, 0, 0, 60))
            painter.drawImage(rect, image)


class PdfPreview(QWidget):
    """Signals: ``pageChanged(n, total)`` as the view scrolls (1-based)."""

    pageChanged = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages = _Pages(self)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.pages)
        self.scroll.setWidgetResizable(False)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.verticalScrollBar().valueChanged.connect(self._update_page)

        self.zoom_out = self._button("－", self.tr("缩小"), lambda: self.step_zoom(-1))
        self.zoom_in = self._button("＋", self.tr("放大"), lambda: self.step_zoom(1))
        self.fit_button = self._button(self.tr("适合宽度"), self.tr("按窗口宽度显示整页"),
                                       self.fit_width)
        self.zoom_label = QLabel(self)
        self.prev_button = self._button("▲", self.tr("上一页"), lambda: self.go_to(self.page - 1))
        self.next_button = self._button("▼", self.tr("下一页"), lambda: self.go_to(self.page + 1))
        self.page_label = QLabel(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for w in (self.zoom_out, self.zoom_label, self.zoom_in, self.fit_button):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.prev_button, self.page_label, self.next_button):
            bar.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.scroll, 1)
        self.page = 0
        self._fit_pending = True
        self._relayout()

    def _button(self, text: str, tip: str, slot) -> QToolButton:  # type: ignore[no-untyped-def]
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.clicked.connect(slot)
        return button

    # -- content ----------------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return len(self.pages.images)

    def set_images(self, images: list[QImage]) -> None:
        self.pages.images = list(images)
        self.pages.message = ""
        if self._fit_pending and images:
            self._fit_pending = False
            self.fit_width()
        else:
            self._relayout()
        self.scroll.verticalScrollBar().setValue(0)
        self._update_page()

    def show_message(self, text: str) -> None:
        """No pages, a line instead (正在生成… / 选择一份派遣单 / an error)."""
        self.pages.images = []
        self.pages.message = text
        self._relayout()
        self._update_page()

    # -- zoom and pages ----------------------------------------------------------------------------

    def set_zoom(self, zoom: float) -> None:
        self.pages.zoom = max(ZOOMS[0], min(ZOOMS[-1], zoom))
        self._relayout()

    def step_zoom(self, direction: int) -> None:
        current = self.pages.zoom
        if direction > 0:
            bigger = [z for z in ZOOMS if z > current + 1e-6]
            self.set_zoom(bigger[0] if bigger else ZOOMS[-1])
        else:
            smaller = [z for z in ZOOMS if z < current - 1e-6]
            self.set_zoom(smaller[-1] if smaller else ZOOMS[0])

    def fit_width(self) -> None:
        if not self.pages.images:
            return
        image = self.pages.images[0]
        available = self.scroll.viewport().width() - 2 * GAP
        points = image.width() / PREVIEW_SCALE
        self.set_zoom(available / (points * self.logicalDpiX() / 72))

    def go_to(self, page: int) -> None:
        rects = self.pages.page_rects()
        if not rects:
            return
        page = max(1, min(len(rects), page))
        self.scroll.verticalScrollBar().setValue(rects[page - 1].top() - GAP)
        self._update_page()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.step_zoom(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        hint = self.pages.sizeHint()
        viewport = self.scroll.viewport().size()
        self.pages.resize(max(hint.width(), viewport.width()),
                          max(hint.height(), viewport.height()))
        self.pages.update()
        self.zoom_label.setText(f"{self.pages.zoom * 100:.0f}%")
        self._update_page()

    def _update_page(self, *_args: object) -> None:
        rects = self.pages.page_rects()
        total = len(rects)
        if not total:
            self.page = 0
            self.page_label.setText(self.tr("无页面"))
        else:
            middle = self.scroll.verticalScrollBar().value() + self.scroll.viewport().height() // 3
            self.page = next((i + 1 for i, r in enumerate(rects) if r.bottom() + GAP >= middle),
                             total)
            self.page_label.setText(self.tr("第 {0} / {1} 页").format(self.page, total))
        self.prev_button.setEnabled(self.page > 1)
        self.next_button.setEnabled(0 < self.page < total)
        for w in (self.zoom_out, self.zoom_in, self.fit_button):
            w.setEnabled(bool(total))
        self.pageChanged.emit(self.page, total)
