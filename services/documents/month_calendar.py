"""农时月历: a month on one landscape page, the office's wall calendar for planning visits.

Each day shows the Gregorian date, the lunar date (or the solar term, or the festival), the
holiday arrangement (休 / 班), the crop phases that start that day and the dispatches under
way; below the grid, the month's solar terms with their moments and the phases of the county's
industries with their windows. Calendar facts come from ``services.calendar.month_view``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Dispatch, Expert, Field, Need, NeedStatus, Township, Village
from services import calendar
from services.dispatches import ACTIVE
from services.documents.common import crop_phases, holiday_calendar, industry_of, region
from services.documents.page import Office, PdfJob
from services.documents.typeset import GREY, RED, Line, Style, Typesetter

PAGE_W, PAGE_H = landscape(A4)
LEFT = 12 * mm
WIDTH = PAGE_W - 2 * LEFT
TOP = PAGE_H - 10 * mm
CELL_W = WIDTH / 7
HEAD_H = 7 * mm
CELL_H = 21.5 * mm
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
GREEN = Color(0.05, 0.45, 0.2)
BLUE = Color(0.1, 0.25, 0.6)
LIGHT = Color(0.96, 0.96, 0.96)
HOLIDAY_FILL = Color(1.0, 0.94, 0.94)


@dataclass(frozen=True)
class DayEntry:
    date: date
    in_month: bool
    lunar: str  # 初一 shows the month: 五月
    term: str
    festivals: tuple[str, ...]
    off: str  # "休" (holiday), "班" (make-up working day) or ""
    holiday: str
    weekend: bool
    starts: tuple[str, ...]  # crop phases that begin this day
    visits: tuple[str, ...]  # dispatches under way: "张明远 石门村"


@dataclass(frozen=True)
class MonthPage:
    year: int
    month: int
    region: str
    lunar_year: str  # 丙午年（马年）
    days: tuple[DayEntry, ...]
    terms: tuple[str, ...]  # 立夏 5月5日 20:49
    phases: tuple[str, ...]  # 茶叶·夏茶采摘 5月6日—6月5日
    visits: int
    experts: int
    note: str  # e.g. holidays not yet announced


def _crops(session: Session, known: Sequence[str], crop: str | Sequence[str] | None) -> list[str]:
    """The crops to show: those asked for, else the industries of the county's live needs,
    else every crop of the region."""
    if crop:
        wanted = [crop] if isinstance(crop, str) else list(crop)
        return [c for c in wanted if c in known] or wanted
    fields = session.scalars(
        select(Field).join(Need, Need.field_id == Field.id)
        .where(Need.deleted_at.is_(None),
               Need.status.not_in((NeedStatus.REJECTED, NeedStatus.WITHDRAWN)))
        .distinct()
    )
    from_needs = {industry_of(f) for f in fields}
    crops = [c for c in known if c in from_needs]
    return crops or list(known)


def month_data(session: Session, year: int, month: int, *,
               crop: str | Sequence[str] | None = None) -> MonthPage:
    region_name = region(session)
    all_phases = crop_phases(session, region_name)
    crops = _crops(session, list(dict.fromkeys(p.crop for p in all_phases)), crop)
    phases = [p for p in all_phases if p.crop in crops]
    view = calendar.month_view(year, month, region=region_name, phases=phases,
                               holidays=holiday_calendar(session))
    first, last = view.first, view.last

    visits: dict[date, list[str]] = {}
    rows = session.execute(
        select(Dispatch.start_date, Dispatch.end_date, Expert.name, Township.name, Village.name)
        .join(Expert, Dispatch.expert_id == Expert.id)
        .join(Need, Dispatch.need_id == Need.id)
        .join(Township, Need.township_id == Township.id)
        .outerjoin(Village, Need.village_id == Village.id)
        .where(Dispatch.status.in_(ACTIVE), Dispatch.start_date <= last,
               Dispatch.end_date >= first)
        .order_by(Dispatch.start_date, Dispatch.code)
    ).all()
    experts: set[str] = set()
    in_month = 0
    for start, end, name, township, village in rows:
        if (start.year, start.month) == (year, month) or (end.year, end.month) == (year, month):
            in_month += 1
            experts.add(name)
        day = max(start, first)
        while day <= min(end, last):
            visits.setdefault(day, []).append(f"{name} {village or township}")
            day += timedelta(days=1)

    days = []
    for cell in view.days:
        status = cell.status
        starts = tuple(f"{o.phase.crop}·{o.phase.name}" for o in cell.phases
                       if o.start == cell.date)
        days.append(DayEntry(
            date=cell.date,
            in_month=cell.in_month,
            lunar=cell.lunar.short_label,
            term=cell.solar_term or "",
            festivals=cell.festivals,
            off="休" if status.is_holiday else "班" if status.is_makeup_workday else "",
            holiday=status.name if status.is_holiday else "",
            weekend=status.kind == "weekend",
            starts=starts,
            visits=tuple(visits.get(cell.date, ())),
        ))
    month_start = date(year, month, 1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    terms = tuple(f"{t.name} {t.date.month}月{t.date.day}日 {t.moment:%H:%M}"
                  for t in calendar.solar_terms(year) if t.date.month == month)
    occurrences = calendar.occurrences_between(phases, month_start, month_end)
    phase_lines = tuple(
        f"{o.phase.crop}·{o.phase.name} {o.start.month}月{o.start.day}日—"
        f"{o.end.month}月{o.end.day}日" for o in occurrences
    )
    lunar = view.days[10].lunar  # a day inside the month
    note = ""
    if not calendar.year_announced(year):
        note = calendar.not_announced_message(year)
    return MonthPage(year, month, region_name, f"{lunar.ganzhi_year}年（{lunar.zodiac}年）",
                     tuple(days), terms, phase_lines, in_month, len(experts), note)


def _clip(ts: Typesetter, text: str, style: Style, width: float) -> str:
    """``text`` shortened with … to fit ``width`` on one line."""
    if ts.width(text, style) <= width:
        return text
    while text and ts.width(text + "…", style) > width:
        text = text[:-1]
    return text + "…"


def draw_month(job: PdfJob, page: MonthPage, office: Office) -> None:
    ts = job.ts
    c = ts.canvas
    ts.fonts.context = f"农时月历 {page.year}年{page.month}月"
    title = Style("title", 22)
    ts.string(LEFT, TOP - 20, f"{page.year}年{page.month}月　农时月历", title)
    sub = Style("fangsong", 11, color=GREY)
    ts.string(LEFT + WIDTH, TOP - 10, office.bureau, sub, anchor="right")
    ts.string(LEFT + WIDTH, TOP - 23, f"农历{page.lunar_year}　{page.region}农区", sub,
              anchor="right")
    top = TOP - 30
    head = Style("hei", 11, align="center")
    for i, name in enumerate(WEEKDAYS):
        x = LEFT + i * CELL_W
        c.saveState()
        c.setFillColor(RED if i >= 5 else Color(0.25, 0.25, 0.25))
        c.rect(x, top - HEAD_H, CELL_W, HEAD_H, stroke=0, fill=1)
        c.restoreState()
        ts.string(x + CELL_W / 2, top - HEAD_H + 6, f"星期{name}",
                  head.but(color=Color(1, 1, 1)), anchor="center")
    top -= HEAD_H
    number = Style("hei", 17)
    small = Style("fangsong", 8.5)
    line = Style("fangsong", 7.5)
    for i, day in enumerate(page.days):
        col, row = i % 7, i // 7
        x = LEFT + col * CELL_W
        y = top - (row + 1) * CELL_H
        fill = HOLIDAY_FILL if day.off == "休" and day.in_month else (
            LIGHT if not day.in_month else None)
        c.saveState()
        c.setLineWidth(0.5)
        c.setStrokeColor(Color(0.6, 0.6, 0.6))
        if fill is not None:
            c.setFillColor(fill)
        c.rect(x, y, CELL_W, CELL_H, stroke=1, fill=1 if fill is not None else 0)
        c.restoreState()
        faded = not day.in_month
        red_day = (day.off == "休" or day.weekend) and day.off != "班"
        colour = GREY if faded else (RED if red_day else Color(0.1, 0.1, 0.1))
        ts.string(x + 2 * mm, y + CELL_H - 6.5 * mm, str(day.date.day),
                  number.but(color=colour))
        # One label beside the number: a solar term beats a festival beats the lunar day.
        if day.term:
            label, lc = day.term, GREEN
        elif day.festivals:
            label, lc = day.festivals[0], RED
        else:
            label, lc = day.lunar, GREY
        ts.string(x + 11 * mm, y + CELL_H - 6.3 * mm, label,
                  small.but(color=GREY if faded else lc))
        if day.off:
            badge = Style("hei", 8.5, color=Color(1, 1, 1))
            bx, by = x + CELL_W - 5 * mm, y + CELL_H - 5 * mm
            c.saveState()
            c.setFillColor(GREY if faded else (RED if day.off == "休" else BLUE))
            c.rect(bx, by, 4 * mm, 4 * mm, stroke=0, fill=1)
            c.restoreState()
            ts.string(bx + 2 * mm, by + 1.1 * mm, day.off, badge, anchor="center")
        lines: list[tuple[str, Style]] = []
        # The holiday's name on its first day only.
        if day.holiday and day.in_month and (i == 0 or page.days[i - 1].holiday != day.holiday):
            lines.append((day.holiday, line.but(color=RED)))
        for s in day.starts:
            lines.append((f"▶{s}", line.but(color=GREY if faded else GREEN)))
        visits = list(day.visits)
        room = 4 - len(lines)
        if len(visits) > room:
            visits = [*visits[: max(room - 1, 0)], f"等{len(day.visits) - max(room - 1, 0)}项派遣"]
        for v in visits:
            lines.append((v, line.but(color=GREY if faded else BLUE)))
        ly = y + CELL_H - 10.5 * mm
        for text, style in lines[:4]:
            ts.string(x + 1.5 * mm, ly, _clip(ts, text, style, CELL_W - 3 * mm), style)
            ly -= 2.85 * mm
    top -= 6 * CELL_H
    legend = Style("fangsong", 9, leading=9 * 1.45, align="left")
    heading = Style("hei", 9, leading=9 * 1.45, align="left")
    top -= 2 * mm
    entries = [
        ("本月节气", "；".join(page.terms) or "无"),
        ("本月农时", "；".join(page.phases) or "无（未选产业或本区无此产业的农时）"),
        ("本月派遣", f"{page.visits} 次，专家 {page.experts} 人。▶ 为农时开始日，"
                    "蓝字为当天在岗的派遣。" + (page.note or "")),
    ]
    bottom = 6 * mm
    for name, text in entries:
        wrapped = ts.wrap(text, WIDTH - 18 * mm, legend)
        room = int((top - bottom) // legend.pitch)
        if room <= 0:
            break
        if len(wrapped) > room:
            # More phases than room: the last line that fits ends with "等…".
            wrapped = wrapped[:room]
            last = wrapped[-1]
            clipped = _clip(ts, last.text + "等", legend, WIDTH - 18 * mm)
            wrapped[-1] = Line(clipped, ts.width(clipped, legend), last.first, True)
        ts.string(LEFT, ts.baseline(top, heading), name + "：", heading)
        top = ts.lines(LEFT + 18 * mm, top, WIDTH - 18 * mm, wrapped, legend)
    job.end_page()
