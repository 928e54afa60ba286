"""A small typesetter on a reportlab canvas: styles, measured lines, paragraphs and tables.

Why not platypus ``Paragraph``: its CJK wrap breaks before closing punctuation, it has no
per-character font fallback (a rare surname would print as a gap), and parsing its markup for
every cell of 500 dispatch sheets costs more than the whole page budget. Here every string is
measured once with cached glyph widths, broken by ``text.break_lines`` and drawn as a few text
runs, so a page costs a few milliseconds.

Coordinates are reportlab's: points, origin bottom-left. ``top`` arguments are the top edge of
what is drawn; functions return the y below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from services.documents.fonts import FontSet
from services.documents.text import break_lines, chinese_punctuation

Align = Literal["left", "center", "right", "justify", "distribute"]

# 公文红: the red of 红头 and the rule under it (GB/T 9704 only says "红色"; this is the
# usual printer's red, close to CMYK 0/100/100/10).
RED = Color(0.86, 0.05, 0.08)
GREY = Color(0.45, 0.45, 0.45)

# Where the baseline sits in an em box: CJK fonts put about 0.88 em above it.
_ASCENT = 0.88


@dataclass(frozen=True, slots=True)
class Style:
    """How text looks. ``size`` in points; ``leading`` is the line pitch (0 → 1.5 × size);
    ``tracking`` is extra space after every character; ``indent`` is the first-line indent in
    characters (2 for Chinese body text); ``bold`` strokes the outline (fake bold)."""

    role: str = "fangsong"
    size: float = 16.0
    leading: float = 0.0
    color: Color = black
    tracking: float = 0.0
    align: Align = "justify"
    indent: float = 0.0
    bold: bool = False

    @property
    def pitch(self) -> float:
        return self.leading or self.size * 1.5

    def but(self, **changes: object) -> Style:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    natural: float  # width without the tracking after the last character
    first: bool
    last: bool  # last line of its paragraph: never justified


class Typesetter:
    """Measures and draws text on ``canvas`` with the fonts of ``fonts``.

    Text is written to the page as PDF operators directly (``BT … Tj ET`` with hex strings),
    not through reportlab's text object: that object formats every number and escapes every
    byte in Python and cost most of a page's time. Wrapped lines and encoded runs are cached,
    because 500 sheets repeat the same labels and notes thousands of times.
    """

    _CACHE_LIMIT = 20_000

    def __init__(self, canvas: Canvas, fonts: FontSet) -> None:
        self.canvas = canvas
        self.fonts = fonts
        self._doc = canvas._doc
        self._wrapped: dict[tuple[str, float, str, float, float, float], list[Line]] = {}
        self._encoded: dict[tuple[str, str, float], str] = {}
        self._paint: dict[tuple[Color, bool, float, str], str] = {}

    # -- measuring ----------------------------------------------------------------------------

    def shape(self, text: str) -> str:
        """The text as it enters the page: ASCII marks inside Chinese made full-width. (The
        benchmark's Latin shadow overrides this.)"""
        return chinese_punctuation(text)

    def width(self, text: str, style: Style) -> float:
        if not text:
            return 0.0
        text = self.shape(text)
        return (self.fonts.width(text, style.role) * style.size
                + len(text) * style.tracking - style.tracking)

    def wrap(self, text: str, width: float, style: Style) -> list[Line]:
        """``text`` (newlines start paragraphs) as lines at most ``width`` wide."""
        # Only what changes the breaks is in the key (hashing a whole Style, colour included,
        # costs more than the look-up saves).
        key = (text, width, style.role, style.size, style.tracking, style.indent)
        cached = self._wrapped.get(key)
        if cached is not None and not self.fonts.has_missing(text):
            return cached
        lines = self._wrap(self.shape(text), width, style)
        if len(self._wrapped) > self._CACHE_LIMIT:
            self._wrapped.clear()
        self._wrapped[key] = lines
        return lines

    def _wrap(self, text: str, width: float, style: Style) -> list[Line]:
        size, tracking, role = style.size, style.tracking, style.role
        fonts = self.fonts

        def measure(s: str) -> float:
            return fonts.width(s, role) * size + len(s) * tracking

        indent = style.indent * (size + tracking)
        lines: list[Line] = []
        for para in text.replace("\r\n", "\n").replace("\t", " ").split("\n"):
            parts = break_lines(para, width, measure, first_width=width - indent,
                                tracking=tracking)
            for i, part in enumerate(parts):
                natural = measure(part) - tracking if part else 0.0
                lines.append(Line(part, natural, i == 0, i == len(parts) - 1))
        return lines

    def height(self, lines: Sequence[Line], style: Style) -> float:
        return len(lines) * style.pitch

    # -- drawing ------------------------------------------------------------------------------

    def draw_line(self, x: float, baseline: float, width: float, line: Line, style: Style) -> None:
        """One measured line inside [x, x + width] at ``baseline``."""
        text = line.text
        if not text:
            return
        size, tracking = style.size, style.tracking
        offset = style.indent * (size + tracking) if line.first else 0.0
        room = width - offset
        spacing = tracking
        align = style.align
        n = len(text)
        if align in ("justify", "distribute") and n > 1 and (not line.last or align == "distribute"):
            extra = (room - line.natural) / (n - 1)
            # Chinese text is justified even when a long number pushed a word down (as Word and
            # WPS do); only a line nearly empty is left ragged rather than torn apart.
            if 0 < extra <= size * 1.2 or align == "distribute":
                spacing = tracking + extra
        elif align == "center":
            offset += (room - line.natural) / 2
        elif align == "right":
            offset += room - line.natural
        self._draw_runs(x + offset, baseline, text, style, spacing)

    def _encode(self, text: str, style: Style) -> str:
        """The Tf/Tj operators drawing ``text`` in ``style``'s fonts (subsets by reportlab)."""
        key = (text, style.role, style.size)
        ops = self._encoded.get(key)
        if ops is not None and not self.fonts.has_missing(text):
            return ops
        runs, _ = self.fonts.runs(text, style.role)
        doc = self._doc
        size = f"{style.size:g}"
        parts = []
        for font_name, run in runs:
            tt = pdfmetrics.getFont(font_name)
            for subset, data in tt.splitString(run, doc):
                parts.append(f"{tt.getSubsetInternalName(subset, doc)} {size} Tf "
                             f"<{data.hex()}> Tj")
        ops = " ".join(parts)
        if len(self._encoded) > self._CACHE_LIMIT:
            self._encoded.clear()
        self._encoded[key] = ops
        return ops

    def _draw_runs(self, x: float, baseline: float, text: str, style: Style, spacing: float) -> None:
        ops = self._encode(text, style)
        if not ops:
            return
        paint_key = (style.color, style.bold, style.size, style.role)
        paint = self._paint.get(paint_key)
        if paint is None:
            color = style.color
            rgb = f"{color.red:.3f} {color.green:.3f} {color.blue:.3f}"
            paint = "" if rgb == "0.000 0.000 0.000" else f"{rgb} rg "
            if style.bold or self.fonts.chains[style.role].fake_bold:
                # Fill and stroke the outline (text render mode 2): the usual stand-in for a
                # heavier face such as 小标宋 when only a regular 宋体 is installed.
                paint += f"{rgb} RG {style.size * 0.035:.3f} w 2 Tr "
            self._paint[paint_key] = paint
        # q/Q keep colour, character spacing and render mode from leaking into what follows.
        self.canvas.addLiteral(
            f"q {paint}BT 1 0 0 1 {x:.2f} {baseline:.2f} Tm {spacing:.3f} Tc {ops} ET Q"
        )

    def baseline(self, top: float, style: Style) -> float:
        """The baseline of a line whose line box starts at ``top`` (em box centred in it)."""
        return top - (style.pitch - style.size) / 2 - _ASCENT * style.size

    def lines(self, x: float, top: float, width: float, lines: Sequence[Line], style: Style) -> float:
        """Draw measured lines from ``top`` down; returns the y below the last line."""
        pitch = style.pitch
        for line in lines:
            self.draw_line(x, self.baseline(top, style), width, line, style)
            top -= pitch
        return top

    def paragraph(self, x: float, top: float, width: float, text: str, style: Style) -> float:
        return self.lines(x, top, width, self.wrap(text, width, style), style)

    def string(self, x: float, baseline: float, text: str, style: Style,
               anchor: Literal["left", "center", "right"] = "left") -> float:
        """One unbroken line; ``x`` is its left end, centre or right end. Returns its width."""
        text = self.shape(text)
        w = self.width(text, style)
        if anchor == "center":
            x -= w / 2
        elif anchor == "right":
            x -= w
        self._draw_runs(x, baseline, text, style, style.tracking)
        return w

    def fit_size(self, text: str, style: Style, width: float, minimum: float = 8.0) -> Style:
        """``style`` with its size reduced until ``text`` fits on one line of ``width``."""
        text = self.shape(text)
        size = style.size
        while size > minimum and self.width(text, style.but(size=size)) > width:
            size -= 0.5
        return style.but(size=size, leading=style.leading * size / style.size)

    # -- rules --------------------------------------------------------------------------------

    def rule(self, x1: float, y: float, x2: float, width: float = 0.5, color: Color = black,
             dash: Sequence[float] | None = None) -> None:
        stroke = "" if color == black else f"{color.red:.3f} {color.green:.3f} {color.blue:.3f} RG "
        pattern = f"[{' '.join(f'{d:g}' for d in dash)}] 0 d " if dash else ""
        self.canvas.addLiteral(
            f"q {stroke}{pattern}{width:.2f} w {x1:.2f} {y:.2f} m {x2:.2f} {y:.2f} l S Q"
        )


# -- tables -------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One table cell: ``text`` in ``style``, spanning ``span`` columns, then optional further
    paragraphs in their own styles (``more``: a need's title in 黑体, its description in 仿宋).
    ``min_lines`` reserves room for handwriting (a blank cell of a receipt)."""

    text: str
    style: Style
    span: int = 1
    min_lines: int = 1
    valign: Literal["top", "middle"] = "middle"
    more: tuple[tuple[str, Style], ...] = ()
    _lines: list[tuple[Line, Style]] = field(default_factory=list, repr=False)
    _x: float = 0.0
    _w: float = 0.0

    @property
    def text_height(self) -> float:
        return sum(style.pitch for _, style in self._lines)


@dataclass
class Row:
    cells: list[Cell]
    height: float = 0.0
    header: bool = False


PAD_X = 1.6 * mm
PAD_Y = 1.2 * mm


def layout_row(ts: Typesetter, cells: Sequence[Cell], widths: Sequence[float],
               *, pad_x: float = PAD_X, pad_y: float = PAD_Y, header: bool = False) -> Row:
    """Measure a row: each cell's lines and the row's height."""
    col = 0
    x = 0.0
    height = 0.0
    for cell in cells:
        w = sum(widths[col:col + cell.span])
        cell._x, cell._w = x, w
        cell._lines = []
        for text, style in ((cell.text, cell.style), *cell.more):
            if text:
                cell._lines += [(line, style) for line in ts.wrap(text, w - 2 * pad_x, style)]
        blank = max(cell.min_lines - len(cell._lines), 0) * cell.style.pitch
        height = max(height, cell.text_height + blank + 2 * pad_y)
        x += w
        col += cell.span
    return Row(list(cells), height, header)


def split_row(row: Row, room: float, pad_y: float = PAD_Y) -> tuple[Row, Row] | None:
    """Cut a row too tall for a page after the lines that fit in ``room``; None if not even
    one line fits."""
    head_cells, tail_cells = [], []
    fits_any = False
    for cell in row.cells:
        used, n = 2 * pad_y, 0
        for _, style in cell._lines:
            if used + style.pitch > room:
                break
            used += style.pitch
            n += 1
        if n and cell._lines:
            fits_any = True
        head_cells.append(Cell("", cell.style, cell.span, 1, "top", (), cell._lines[:n],
                               cell._x, cell._w))
        tail_cells.append(Cell("", cell.style, cell.span, 1, "top", (), cell._lines[n:],
                               cell._x, cell._w))
    if not fits_any:
        return None

    def h(cells: list[Cell]) -> float:
        return max(max(c.text_height, c.style.pitch) for c in cells) + 2 * pad_y

    return Row(head_cells, h(head_cells)), Row(tail_cells, h(tail_cells))


def draw_row(ts: Typesetter, row: Row, x: float, top: float, *, pad_x: float = PAD_X,
             pad_y: float = PAD_Y, border: float = 0.6, fill: Color | None = None) -> float:
    """Draw a measured row with its cell borders; returns the y below it."""
    c = ts.canvas
    bottom = top - row.height
    if fill is not None:
        c.addLiteral(f"q {fill.red:.3f} {fill.green:.3f} {fill.blue:.3f} rg {x:.2f} {bottom:.2f} "
                     f"{sum(cell._w for cell in row.cells):.2f} {row.height:.2f} re f Q")
    for cell in row.cells:
        if not cell._lines:
            continue
        y = (top - (row.height - cell.text_height) / 2 if cell.valign == "middle"
             else top - pad_y)
        left, width = x + cell._x + pad_x, cell._w - 2 * pad_x
        for line, style in cell._lines:
            ts.draw_line(left, ts.baseline(y, style), width, line, style)
            y -= style.pitch
    if border:
        # Written as operators: one row's frame is a handful of numbers, and reportlab's
        # rect/line format each of them the slow way.
        width = sum(cell._w for cell in row.cells)
        ops = [f"q {border:.2f} w 0 G {x:.2f} {bottom:.2f} {width:.2f} {row.height:.2f} re"]
        ops += [f"{x + cell._x:.2f} {top:.2f} m {x + cell._x:.2f} {bottom:.2f} l"
                for cell in row.cells[1:]]
        ops.append("S Q")
        c.addLiteral(" ".join(ops))
    return bottom
