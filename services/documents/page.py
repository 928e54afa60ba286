"""The page: A4 after GB/T 9704-2012 (党政机关公文格式), the office's particulars, the PDF file
being written, and the parts every bureau paper shares (红头, red rules, 发文字号, title,
signature and date, page numbers).

GB/T 9704-2012 figures used here: 天头 (top margin) 37 mm, 订口 (left margin) 28 mm, 版心
(text block) 156 mm × 225 mm; body 三号仿宋 in 22 lines of 28 characters filling the block;
title 二号小标宋 centred; in the letter format (信函格式, 10.1) the issuing body's name 30 mm
below the top edge, a red double rule (thick over thin) 4 mm under it and another (thin over
thick) 20 mm above the bottom edge, both 170 mm long; the date right-aligned four characters in
from the right edge, with the signature centred above it (7.3.5.1); page numbers "— 1 —" in
四号 7 mm below the text block.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from services import settings
from services.about import APP_NAME
from services.documents.errors import DocumentError, PrintCancelled
from services.documents.fonts import FontSet
from services.documents.text import chinese_date
from services.documents.typeset import RED, Style, Typesetter
from services.errors import ValidationError
from services.settings import text_setting
from services.validation import normalize_text

# Streams are zlib-compressed binary, not also ASCII85-encoded (reportlab's default): A85 makes
# every page 25 % larger and its pure-Python encoder took a third of the time of a page. Only
# this package uses reportlab, so the global switch affects nothing else.
rl_config.useA85 = 0

PAGE_W, PAGE_H = A4
MARGIN_TOP = 37 * mm
MARGIN_LEFT = 28 * mm
TEXT_W = 156 * mm
TEXT_H = 225 * mm
TEXT_LEFT = MARGIN_LEFT
TEXT_RIGHT = MARGIN_LEFT + TEXT_W
TEXT_TOP = PAGE_H - MARGIN_TOP
TEXT_BOTTOM = TEXT_TOP - TEXT_H

# Chinese type sizes (号) in points.
SIZE_2 = 22.0  # 二号: titles
SIZE_3 = 16.0  # 三号: body
SIZE_4 = 14.0  # 四号: tables, page numbers
SIZE_S4 = 12.0  # 小四
SIZE_5 = 10.5  # 五号

# 28 characters per line and 22 lines per page, exactly filling the 版心.
BODY = Style("fangsong", SIZE_3, leading=TEXT_H / 22, tracking=TEXT_W / 28 - SIZE_3,
             align="justify", indent=2)
TITLE = Style("title", SIZE_2, leading=SIZE_2 * 1.45, align="center")
HEADING = Style("hei", SIZE_3, leading=TEXT_H / 22, tracking=BODY.tracking, align="left",
                indent=2)

DATE_STYLES = ("中文", "阿拉伯数字")


def _date_style(value: Any) -> str:
    text = normalize_text(value)
    if text not in DATE_STYLES:
        raise ValidationError.single("value", "请选择“中文”或“阿拉伯数字”。")
    return text


def _days(value: Any) -> int:
    try:
        n = int(normalize_text(value))
    except ValueError:
        raise ValidationError.single("value", "请填写天数（整数）。") from None
    if not 1 <= n <= 60:
        raise ValidationError.single("value", "天数应在 1 到 60 之间。")
    return n


settings.define("documents.letter_prefix", "商调函发文字号前缀", "云人社函",
                text_setting("商调函发文字号前缀", 20),
                "如“云人社函”，商调函编号为“云人社函〔2026〕12号”。", "公文")
settings.define("documents.date_style", "成文日期写法", "中文", _date_style,
                "“中文”写作“二〇二六年五月三日”；“阿拉伯数字”写作“2026年5月3日”"
                "（GB/T 9704-2012 的写法）。", "公文")
settings.define("documents.office", "经办科室", "人才科", text_setting("经办科室", 40, True),
                "印在派遣单、商调函上的联系科室。", "公文")
settings.define("documents.phone", "经办科室电话", "", text_setting("经办科室电话", 40, True),
                "印在派遣单、商调函上的联系电话。", "公文")
settings.define("documents.travel_note", "交通食宿安排",
                "派出单位统一安排车辆接送；接收单位协助安排食宿，费用按规定列支。",
                text_setting("交通食宿安排", 300), "印在派遣单“交通食宿”一栏。", "公文")
settings.define("documents.funds_note", "经费说明",
                "专项经费列支：交通、食宿费据实报销，劳务费按专家级别标准发放。",
                text_setting("经费说明", 300), "印在派遣单“经费”一栏。", "公文")
settings.define("documents.receipt_days", "回执寄回期限（天）", 7, _days,
                "服务结束后多少天内寄回派遣单回执。", "公文")


@dataclass(frozen=True)
class Office:
    """The bureau's particulars printed on its papers (from settings)."""

    bureau: str = "云岭县人力资源和社会保障局"
    county: str = "云岭县"
    dispatch_prefix: str = "云人社派"
    letter_prefix: str = "云人社函"
    date_style: str = "中文"
    office: str = "人才科"
    phone: str = ""
    travel_note: str = ""
    funds_note: str = ""
    receipt_days: int = 7

    def date(self, day: date) -> str:
        return chinese_date(day, self.date_style)

    @property
    def contact_line(self) -> str:
        return "联系科室：" + self.office + (f"，电话：{self.phone}" if self.phone else "")


def office(session: Session) -> Office:
    get = settings.get
    return Office(
        bureau=get(session, "bureau.name"),
        county=get(session, "county.name"),
        dispatch_prefix=get(session, "bureau.doc_prefix"),
        letter_prefix=get(session, "documents.letter_prefix"),
        date_style=get(session, "documents.date_style"),
        office=get(session, "documents.office"),
        phone=get(session, "documents.phone"),
        travel_note=get(session, "documents.travel_note"),
        funds_note=get(session, "documents.funds_note"),
        receipt_days=int(get(session, "documents.receipt_days")),
    )


# -- progress and cancel ------------------------------------------------------------------------

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]


def no_progress(done: int, total: int, text: str) -> None:
    pass


def never() -> bool:
    return False


# -- the PDF being written ----------------------------------------------------------------------

Target = str | os.PathLike[str] | BinaryIO


class PdfJob:
    """One PDF being written: the canvas, its typesetter and the page count.

    A file target is written to a temporary file beside it and moved into place by
    ``finish()``, so a cancelled or failed job never leaves half a PDF under the real name.
    Attributes: ``canvas``, ``ts`` (Typesetter), ``fonts``, ``pages``, ``page_size``.
    """

    def __init__(self, target: Target, fonts: FontSet, *, title: str, author: str,
                 landscape_pages: bool = False, typesetter: type[Typesetter] = Typesetter,
                 invariant: bool = False) -> None:
        self.fonts = fonts
        self.page_size = landscape(A4) if landscape_pages else A4
        self.pages = 0
        self._path: Path | None = None
        self._tmp: Path | None = None
        out: Any = target
        if isinstance(target, str | os.PathLike):
            self._path = Path(target)
            if self._path.is_dir():
                raise DocumentError(f"“{self._path}”是一个文件夹，请给出 PDF 文件名。")
            if not self._path.parent.is_dir():
                raise DocumentError(f"文件夹“{self._path.parent}”不存在，无法保存 PDF。")
            self._tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}.part")
            out = str(self._tmp)
        # The initial font is a TrueType one: reportlab's default Helvetica would be listed
        # (unembedded) in every PDF even though nothing is drawn with it.
        self.canvas = Canvas(out, pagesize=self.page_size, pageCompression=1,
                             initialFontName=fonts.chain("fangsong").primary_name,
                             initialFontSize=SIZE_3, invariant=invariant)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self.canvas.setCreator(APP_NAME)
        self.canvas.setSubject(title)
        self.ts = typesetter(self.canvas, fonts)

    def end_page(self) -> None:
        self.canvas.showPage()
        self.pages += 1

    def finish(self) -> None:
        try:
            self.canvas.save()
        except OSError as exc:
            self.abort()
            raise DocumentError(f"无法写入 PDF 文件：{exc.strerror or exc}。"
                                "请检查磁盘空间，或文件是否正被其他程序打开。") from exc
        if self._path is not None and self._tmp is not None:
            try:
                os.replace(self._tmp, self._path)
            except OSError as exc:
                self.abort()
                raise DocumentError(
                    f"无法保存“{self._path}”：{exc.strerror or exc}。"
                    "如果该文件正在 PDF 阅读器中打开，请先关闭后再打印。"
                ) from exc

    def abort(self) -> None:
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.unlink()

    def check(self, cancelled: Cancelled) -> None:
        if cancelled():
            self.abort()
            raise PrintCancelled("已取消打印，未生成文件。")


# -- parts every bureau paper shares --------------------------------------------------------------


def red_header(ts: Typesetter, bureau: str, *, top: float | None = None,
               size: float = 30.0) -> float:
    """红头: the bureau's name in red 小标宋 and the red double rule (thick over thin) 4 mm
    below it, 170 mm long and centred. Returns the y of the rule's lower edge."""
    top = PAGE_H - 30 * mm if top is None else top
    style = ts.fit_size(bureau, Style("title", size, color=RED, tracking=size * 0.08),
                        TEXT_W)
    baseline = top - 0.88 * style.size
    ts.string(PAGE_W / 2, baseline, bureau, style, anchor="center")
    rule_y = baseline - style.size * 0.12 - 4 * mm
    double_rule(ts, rule_y, thick_first=True)
    return rule_y - 2.6


def double_rule(ts: Typesetter, y: float, *, thick_first: bool) -> None:
    """Red double rule 170 mm long: thick 1.6 pt and thin 0.6 pt, 1.2 pt apart."""
    x1 = (PAGE_W - 170 * mm) / 2
    x2 = x1 + 170 * mm
    thick, thin, gap = 1.6, 0.6, 1.2
    if thick_first:
        ts.rule(x1, y, x2, thick, RED)
        ts.rule(x1, y - thick / 2 - gap - thin / 2, x2, thin, RED)
    else:
        ts.rule(x1, y, x2, thin, RED)
        ts.rule(x1, y - thin / 2 - gap - thick / 2, x2, thick, RED)


def bottom_rule(ts: Typesetter) -> None:
    """The letter format's lower red double rule (thin over thick), 20 mm above the edge."""
    double_rule(ts, 20 * mm + 3.4, thick_first=False)


def number_line(ts: Typesetter, top: float, number: str, left: str = "") -> float:
    """发文字号 flush right in 三号仿宋 (letter format), with optional text on the left."""
    style = Style("fangsong", SIZE_3)
    baseline = ts.baseline(top, BODY)
    if left:
        ts.string(TEXT_LEFT, baseline, left, style)
    ts.string(TEXT_RIGHT, baseline, number, style, anchor="right")
    return top - BODY.pitch


def title(ts: Typesetter, top: float, text: str, style: Style = TITLE) -> float:
    """The title centred in 二号小标宋, broken into balanced lines when long."""
    lines = ts.wrap(text, TEXT_W - 2 * style.size, style)
    if len(lines) > 1:
        # Balanced lines read better than a long line and a stub (梯形 or 菱形 in 9704).
        per_line = -(-len(text) // len(lines))
        lines = ts.wrap(text, per_line * style.size + style.size * 0.5, style)
    return ts.lines(TEXT_LEFT, top, TEXT_W, lines, style)


def signature(ts: Typesetter, top: float, bureau: str, date_text: str,
              style: Style = BODY) -> float:
    """发文机关署名 centred over the 成文日期, the date four characters in from the right
    (GB/T 9704-2012 7.3.5.1). The seal is pressed over both. Returns the y below the date."""
    plain = style.but(indent=0, align="left")
    date_w = ts.width(date_text, plain)
    date_right = TEXT_RIGHT - 4 * (style.size + style.tracking)
    centre = date_right - date_w / 2
    name_w = ts.width(bureau, plain)
    # A long bureau name would run past the right margin: move the pair left as needed.
    shift = max(0.0, centre + name_w / 2 - TEXT_RIGHT)
    ts.string(centre - shift, ts.baseline(top, style), bureau, plain, anchor="center")
    top -= style.pitch
    ts.string(date_right - shift, ts.baseline(top, style), date_text, plain, anchor="right")
    return top - style.pitch


def page_number(ts: Typesetter, number: int, page_w: float = PAGE_W,
                bottom: float = TEXT_BOTTOM) -> None:
    """"— 1 —" in 四号 7 mm below the text block: odd pages right, even pages left, one
    character in from the edge (GB/T 9704-2012 7.5)."""
    style = Style("song", SIZE_4)
    baseline = bottom - 7 * mm - SIZE_4 * 0.7
    text = f"— {number} —"
    if page_w != PAGE_W:  # landscape lists: centred
        ts.string(page_w / 2, baseline, text, style, anchor="center")
    elif number % 2:
        ts.string(TEXT_RIGHT - SIZE_4, baseline, text, style, anchor="right")
    else:
        ts.string(TEXT_LEFT + SIZE_4, baseline, text, style)


class BodyFlow:
    """Body text running down the 版心 and on to further pages: ``paragraph`` draws line by
    line and starts a new page (with its page number) when the block is full."""

    def __init__(self, job: PdfJob, top: float, *, numbered: bool = True,
                 left: float = TEXT_LEFT, width: float = TEXT_W,
                 bottom: float = TEXT_BOTTOM, page_top: float = TEXT_TOP) -> None:
        self.job = job
        self.ts = job.ts
        self.top = top
        self.left = left
        self.width = width
        self.bottom = bottom
        self.page_top = page_top
        self.numbered = numbered
        self.page = 1

    def new_page(self) -> None:
        self.job.end_page()
        self.page += 1
        self.top = self.page_top
        if self.numbered:
            page_number(self.ts, self.page)

    def ensure(self, height: float) -> None:
        if self.top - height < self.bottom - 0.5:
            self.new_page()

    def paragraph(self, text: str, style: Style = BODY) -> None:
        for line in self.ts.wrap(text, self.width, style):
            self.ensure(style.pitch)
            self.ts.draw_line(self.left, self.ts.baseline(self.top, style), self.width, line,
                              style)
            self.top -= style.pitch

    def space(self, height: float) -> None:
        self.top -= height


SIGNATURE_LINES = 4  # two blank lines under the seal's top, the bureau's name, the date


def close_with_signature(flow: BodyFlow, paragraphs: list[tuple[str, Style]], bureau: str,
                         date_text: str) -> None:
    """The last paragraphs, then signature and date, kept together on one page.

    GB/T 9704-2012 7.3.5.1: when the space left cannot hold the seal and the date, tighten
    the line spacing instead — so when everything fits on this page at up to 15 % tighter
    leading, it is tightened; otherwise the last two lines move over with the signature, so
    a page never holds a signature alone.
    """
    ts = flow.ts
    items = [(line, style) for text, style in paragraphs
             for line in ts.wrap(text, flow.width, style)]
    sign_h = SIGNATURE_LINES * BODY.pitch
    need = sum(style.pitch for _, style in items) + sign_h
    room = flow.top - flow.bottom
    scale = room / need if room < need <= room / 0.85 else 1.0
    for i, (line, style) in enumerate(items):
        pitch = style.pitch * scale
        rest = len(items) - i
        flow.ensure(rest * pitch + sign_h * scale if rest <= 2 else pitch)
        tight = style.but(leading=pitch)
        ts.draw_line(flow.left, ts.baseline(flow.top, tight), flow.width, line, tight)
        flow.top -= pitch
    flow.ensure(sign_h * scale)
    flow.top -= 2 * BODY.pitch * scale
    signature(ts, flow.top, bureau, date_text, BODY.but(leading=BODY.pitch * scale))
