"""需求清单: the need list as a landscape table, the way townships' lists are printed for a
meeting or for 揭榜挂帅 publication: the header row repeated on every page, "第 x 页 共 y 页"
at the foot. Rows are measured first and paginated, so the page total is known before drawing;
a need whose description is longer than a page is continued on the next one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Field, Need, NeedStatus, Township, Unit, Village
from services import workflow
from services.documents.page import SIZE_5, Cancelled, Office, PdfJob, Progress
from services.documents.text import date_range, short_date
from services.documents.typeset import Cell, Row, Style, draw_row, layout_row, split_row

PAGE_W, PAGE_H = landscape(A4)
LEFT = 15 * mm
WIDTH = PAGE_W - 2 * LEFT
TOP = PAGE_H - 14 * mm
BOTTOM = 16 * mm

COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 11 * mm),
    ("需求编号", 26 * mm),
    ("需求内容", 79 * mm),
    ("需求单位", 35 * mm),
    ("服务地点", 26 * mm),
    ("专业领域", 22 * mm),
    ("服务时间", 28 * mm),
    ("人数/天数", 13 * mm),
    ("职称要求", 12 * mm),
    ("状态", 15 * mm),
)
WIDTHS = tuple(w for _, w in COLUMNS)
HEAD = Style("hei", SIZE_5, leading=SIZE_5 * 1.3, align="center")
CELL = Style("fangsong", SIZE_5, leading=SIZE_5 * 1.35, align="justify")
CENTER = CELL.but(align="center")
TITLE_CELL = Style("hei", SIZE_5, leading=SIZE_5 * 1.35, align="left")
HEAD_FILL = Color(0.92, 0.92, 0.92)
PRIORITY = "★"


@dataclass(frozen=True)
class NeedRow:
    code: str
    title: str
    description: str
    unit: str
    township: str
    village: str
    priority: bool
    field: str
    window_start: date | None
    window_end: date | None
    experts_wanted: int
    days_wanted: int
    required_title: str
    status: str


def need_rows(session: Session, *, statuses: Sequence[str | NeedStatus] | None = None,
              year: int | None = None) -> list[NeedRow]:
    """Live needs in code order, optionally only those with ``statuses`` (values or Chinese
    labels) or submitted in ``year``."""
    stmt = (
        select(Need.code, Need.title, Need.description, Unit.name, Township.name, Village.name,
               Village.key_support, Village.poverty_alleviated, Field.name, Need.window_start,
               Need.window_end, Need.experts_wanted, Need.days_wanted, Need.required_title,
               Need.status)
        .join(Unit, Need.unit_id == Unit.id)
        .join(Township, Need.township_id == Township.id)
        .outerjoin(Village, Need.village_id == Village.id)
        .join(Field, Need.field_id == Field.id)
        .where(Need.deleted_at.is_(None))
        .order_by(Need.code)
    )
    if statuses:
        parsed = [s if isinstance(s, NeedStatus) else workflow.parse_status(s) for s in statuses]
        stmt = stmt.where(Need.status.in_(parsed))
    if year is not None:
        stmt = stmt.where(Need.submitted_on >= date(year, 1, 1),
                          Need.submitted_on <= date(year, 12, 31))
    return [
        NeedRow(code, title, description or "", unit, township, village or "",
                bool(key or poor), field, ws, we, experts, days, required or "不限",
                workflow.status_label(status))
        for (code, title, description, unit, township, village, key, poor, field, ws, we,
             experts, days, required, status) in session.execute(stmt)
    ]


def list_title(office: Office, statuses: Sequence[str] | None, year: int | None) -> str:
    what = "专家服务基层需求清单"
    if statuses and len(statuses) == 1:
        label = workflow.status_label(workflow.parse_status(str(statuses[0])))
        what = f"专家服务基层需求清单（{label}）"
    return f"{office.county}{year}年{what}" if year else f"{office.county}{what}"


def _cells(i: int, r: NeedRow) -> list[Cell]:
    when = (date_range(r.window_start, r.window_end) if r.window_start and r.window_end
            else short_date(r.window_start) + "起" if r.window_start else "待定")
    place = (PRIORITY if r.priority else "") + r.township + r.village
    return [
        Cell(str(i), CENTER),
        Cell(r.code, CENTER),
        Cell(r.title, TITLE_CELL, valign="top", more=((r.description, CELL),)),
        Cell(r.unit, CELL),
        Cell(place, CELL),
        Cell(r.field, CENTER),
        Cell(when, CENTER),
        Cell(f"{r.experts_wanted}人/{r.days_wanted}天", CENTER),
        Cell(r.required_title, CENTER),
        Cell(r.status, CENTER),
    ]


def _paginate(rows: list[Row], first_room: float, room: float, header_h: float) -> list[list[Row]]:
    pages: list[list[Row]] = [[]]
    left = first_room - header_h
    pending = list(rows)
    while pending:
        row = pending.pop(0)
        if row.height <= left:
            pages[-1].append(row)
            left -= row.height
            continue
        parts = split_row(row, left) if left > 3 * CELL.pitch else None
        if parts is not None:
            pages[-1].append(parts[0])
            pending.insert(0, parts[1])
        else:
            pending.insert(0, row)
        pages.append([])
        left = room - header_h
    return pages


def draw_need_list(job: PdfJob, needs: Sequence[NeedRow], title: str, office: Office,
                   issued_on: date, progress: Progress, cancelled: Cancelled) -> None:
    ts = job.ts
    ts.fonts.context = "需求清单"
    title_style = Style("title", 20, leading=20 * 1.5, align="center")
    sub = Style("fangsong", SIZE_5 + 1)
    header = layout_row(ts, [Cell(name, HEAD) for name, _ in COLUMNS], WIDTHS, header=True)
    rows = []
    total = len(needs)
    for i, need in enumerate(needs, 1):
        if i % 50 == 0:
            job.check(cancelled)
            progress(i, total * 2, f"排版第 {i} 项需求")
        rows.append(layout_row(ts, _cells(i, need), WIDTHS))
    first_top = TOP - title_style.pitch - 8 * mm
    pages = _paginate(rows, first_top - BOTTOM, TOP - BOTTOM, header.height)
    count = len(pages)
    priority = any(n.priority for n in needs)
    for p, page in enumerate(pages, 1):
        job.check(cancelled)
        top = TOP
        if p == 1:
            ts.string(PAGE_W / 2, ts.baseline(top, title_style), title, title_style,
                      anchor="center")
            top -= title_style.pitch
            base = top - 5 * mm
            ts.string(LEFT, base, f"制表单位：{office.bureau}", sub)
            ts.string(LEFT + WIDTH, base, f"制表日期：{short_date(issued_on)}　共{total}项",
                      sub, anchor="right")
            top = first_top
        top = draw_row(ts, header, LEFT, top, fill=HEAD_FILL)
        for row in page:
            top = draw_row(ts, row, LEFT, top)
        foot = Style("song", SIZE_5)
        if priority:
            ts.string(LEFT, BOTTOM - 7 * mm, f"注：{PRIORITY} 为脱贫村或乡村振兴重点帮扶村。", foot)
        ts.string(PAGE_W / 2, BOTTOM - 7 * mm, f"第 {p} 页　共 {count} 页", foot,
                  anchor="center")
        job.end_page()
        progress(total + total * p // count, total * 2, f"已生成第 {p}/{count} 页")
