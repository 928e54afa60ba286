"""Draws the program icon, resources/icons/app.ico (and app.png), with Qt only.

Run once after changing the design: ``QT_QPA_PLATFORM=offscreen uv run python
packaging/make_icon.py``; the result is committed, the build only copies it. The .ico holds
PNG-compressed images (Windows Vista and later read them) at the sizes Explorer asks for.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)
# The shipped font, so the icon looks the same whichever machine draws it.
FONT = ROOT / "resources" / "fonts" / "wqy-microhei.ttc"


def draw(size: int, family: str) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    margin = size / 16
    rect = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#2e7d32"))  # the green of fields in season
    p.drawRoundedRect(rect, size / 5, size / 5)
    p.setPen(QColor("white"))
    font = QFont(family)
    font.setPixelSize(round(size * 0.62))
    font.setBold(True)
    p.setFont(font)
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "派")  # 派遣: dispatch
    p.end()
    return img


def png_bytes(img: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def write_ico(images: list[bytes], sizes: tuple[int, ...], target: Path) -> None:
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, blob in zip(sizes, images, strict=True):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    target.write_bytes(header + entries + blobs)


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    families = QFontDatabase.applicationFontFamilies(
        QFontDatabase.addApplicationFont(str(FONT)))
    family = families[0] if families else "sans-serif"
    OUT.mkdir(parents=True, exist_ok=True)
    images = [draw(s, family) for s in SIZES]
    write_ico([png_bytes(i) for i in images], SIZES, OUT / "app.ico")
    images[-1].save(str(OUT / "app.png"))
    del app
    print(f"wrote {OUT / 'app.ico'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
