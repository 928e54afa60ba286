"""PDF pages to the screen and to a printer, through pypdfium2 (PySide6's QtPdf is a separate
package not available for the pinned PySide6).

The documents themselves are PDFs made by ``services/documents`` (reportlab, no Qt); this
module only turns their pages into ``QImage``s: small ones for the preview, and ones at the
printer's resolution drawn page by page onto a ``QPrinter``'s painter. Both may run on a worker
thread (QPainter on a QImage or a QPrinter is allowed off the GUI thread); pdfium itself is not
thread-safe, so every call into it holds one lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from services.errors import ServiceError

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]

_PDFIUM = threading.Lock()
PREVIEW_SCALE = 2.0  # 144 dpi: sharp up to 200 % zoom on an ordinary screen
PRINT_DPI_CAP = 300  # more only makes the print job bigger: the sheets are text and rules


class PrintError(ServiceError):
    """A printer that cannot be opened (offline, no paper …), in Chinese."""


def _document(pdf: bytes):  # type: ignore[no-untyped-def]
    import pypdfium2  # here: the first paint of the window does not wait for it

    try:
        return pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as exc:
        raise PrintError(f"无法读取要打印的文件（{exc}）。") from exc


def _image(page, scale: float) -> QImage:  # type: ignore[no-untyped-def]
    bitmap = page.render(scale=scale, prefer_bgrx=True)
    try:
        # BGRx in memory is QImage's RGB32 on a little-endian machine (x86, ARM Windows).
        return QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                      QImage.Format.Format_RGB32).copy()
    finally:
        bitmap.close()


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) of each page in points."""
    with _PDFIUM:
        doc = _document(pdf)
        try:
            return [tuple(doc[i].get_size()) for i in range(len(doc))]  # type: ignore[misc]
        finally:
            doc.close()


def render_pages(pdf: bytes, scale: float = PREVIEW_SCALE, *, progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> list[QImage]:
    """Every page as an image, ``scale`` pixels per point."""
    images: list[QImage] = []
    with _PDFIUM:
        doc = _document(pdf)
        try:
            total = len(doc)
            for i in range(total):
                if cancelled is not None and cancelled():
                    break
                page = doc[i]
                try:
                    images.append(_image(page, scale))
                finally:
                    page.close()
                if progress is not None:
                    progress(i + 1, total, f"正在显示第 {i + 1}/{total} 页")
        finally:
            doc.close()
    return images


def prepare_printer(printer: QPrinter, pdf: bytes) -> None:
    """Paper of the document's first page (A4 for every document here), portrait or
    landscape as the page is; the PDF carries its own margins, so the whole sheet is used."""
    sizes = page_sizes(pdf)
    if not sizes:
        return
    w, h = sizes[0]
    size = QPageSize(QSizeF(min(w, h), max(w, h)), QPageSize.Unit.Point, "",
                     QPageSize.SizeMatchPolicy.FuzzyMatch)
    printer.setPageSize(size)
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if w > h
                               else QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)


def print_pdf(pdf: bytes, printer: QPrinter, *, progress: Progress | None = None,
              cancelled: Cancelled | None = None) -> int:
    """Draw every page of ``pdf`` onto ``printer`` at its resolution (at most
    ``PRINT_DPI_CAP``), fitted to the paper; returns the pages printed. A cancel stops after the
    current page (the printer gets what was sent, as with any print job)."""
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError("无法打开打印机。请检查打印机是否已连接、已开机，或换一台打印机再试。")
    printed = 0
    try:
        dpi = min(printer.resolution(), PRINT_DPI_CAP)
        paper = QRectF(printer.pageLayout().fullRectPixels(printer.resolution()))
        with _PDFIUM:
            doc = _document(pdf)
            try:
                total = len(doc)
                for i in range(total):
                    if cancelled is not None and cancelled():
                        break
                    if i:
                        printer.newPage()
                    page = doc[i]
                    try:
                        image = _image(page, dpi / 72)
                    finally:
                        page.close()
                    target = _fit(QSizeF(image.size()), paper)
                    painter.drawImage(target, image)
                    printed += 1
                    if progress is not None:
                        progress(i + 1, total, f"正在打印第 {i + 1}/{total} 页")
            finally:
                doc.close()
    finally:
        painter.end()
    return printed


def _fit(size: QSizeF, box: QRectF) -> QRectF:
    """``size`` scaled into ``box`` keeping its proportions, centred (paper of another size
    than the document's gets the whole page, smaller, never cut off)."""
    if size.isEmpty():
        return box
    factor = min(box.width() / size.width(), box.height() / size.height())
    w, h = size.width() * factor, size.height() * factor
    return QRectF(box.x() + (box.width() - w) / 2, box.y() + (box.height() - h) / 2, w, h)
