"""派遣单: the dispatch sheet, one per dispatch, with a tear-off receipt (回执) for the receiving
unit below a dashed cut line, so the outcome comes back on paper where there is no network.

The sheet is a form (表格), so it uses the full width of the page in 小四 rather than the
三号 grid of a letter; the 红头, 发文字号, title, seal area and date follow GB/T 9704. A sheet
with ordinary content fits one A4 page with its receipt; a long one continues on a second page
and the receipt follows whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import Dispatch, DispatchStatus, Expert, Field, Need
from services.dispatches import STATUS_LABELS, get_dispatch
from services.documents.common import (
    Seasons,
    expert_title,
    industry_of,
    merge_place,
    place_of,
    route,
)
from services.documents.errors import DocumentError
from services.documents.page import (
    PAGE_H,
    PAGE_W,
    SIZE_2,
    SIZE_S4,
    Office,
    PdfJob,
    double_rule,
)
from services.documents.text import date_range, document_number, mask_id_number, serial_of_code
from services.documents.typeset import (
    GREY,
    RED,
    Cell,
    Row,
    Style,
    Typesetter,
    draw_row,
    layout_row,
    split_row,
)

FORM_LEFT = 20 * mm
FORM_W = PAGE_W - 2 * FORM_LEFT
FORM_TOP = PAGE_H - 12 * mm
FORM_BOTTOM = 10 * mm
COLUMNS = (24 * mm, 61 * mm, 24 * mm, 61 * mm)

LABEL = Style("hei", SIZE_S4, leading=SIZE_S4 * 1.25, align="distribute")
VALUE = Style("fangsong", SIZE_S4, leading=SIZE_S4 * 1.25, align="justify")
INTRO = Style("fangsong", 14, leading=14 * 1.45, align="justify", indent=2)
PAD = 0.75 * mm
WRITE_IN = 7 * mm  # height of a row the receiving unit fills in by hand

PRINTABLE = (DispatchStatus.PLANNED, DispatchStatus.CONFIRMED, DispatchStatus.COMPLETED)


@dataclass(frozen=True)
class DispatchSheet:
    """What one sheet prints; plain values so the sheet can be drawn without a database."""

    code: str
    number: str  # 发文字号
    status: str  # 拟派, 已确认 …
    draft: bool  # not yet confirmed: marked as a draft
    expert_name: str
    expert_gender: str
    expert_title: str
    expert_employer: str
    expert_phone: str
    expert_id: str  # masked unless asked otherwise
    unit_name: str
    unit_contact: str
    unit_phone: str
    place: str
    route: str
    start: date
    end: date
    season: str
    need_code: str
    need_title: str
    need_description: str
    field: str
    tasks: str
    travel: str
    funds: str
    notes: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def sheet_data(dispatch: Dispatch, office: Office, seasons: Seasons, *,
               show_id_numbers: bool = False) -> DispatchSheet:
    """Gather one sheet's content from the records."""
    need: Need = dispatch.need
    expert: Expert = dispatch.expert
    unit = need.unit
    where = place_of(need)
    # A dispatch's place defaults to the township alone; the need knows the village too.
    place = dispatch.place if dispatch.place and dispatch.place not in where else where
    place = merge_place(place, unit.address)
    # Industry and topic (茶叶 › 病虫害绿色防控): the top level adds a line and little else.
    parts = []
    node: Field | None = need.field
    while node is not None and node.level >= 2:
        parts.append(node.name)
        node = node.parent
    field_path = " › ".join(reversed(parts)) or (need.field.name if need.field else "")
    tasks = dispatch.tasks or (f"围绕“{need.title}”开展现场指导、技术培训和咨询服务，"
                               "帮助解决实际问题。")
    notes = "本单一式三份，派出单位、专家本人、接收单位各执一份。"
    if dispatch.status == DispatchStatus.PLANNED:
        notes = "本派遣尚待专家确认，确认前仅供联系使用。" + notes
    return DispatchSheet(
        code=dispatch.code,
        number=document_number(office.dispatch_prefix, dispatch.start_date.year,
                               serial_of_code(dispatch.code)),
        status=STATUS_LABELS[dispatch.status],
        draft=dispatch.status == DispatchStatus.PLANNED,
        expert_name=expert.name,
        expert_gender=expert.gender,
        expert_title=expert_title(expert),
        expert_employer=expert.employer,
        expert_phone=expert.phone,
        expert_id=(expert.id_number if show_id_numbers else mask_id_number(expert.id_number)),
        unit_name=unit.name,
        unit_contact=unit.contact_person,
        unit_phone=unit.phone,
        place=place,
        route=route(expert, need, unit),
        start=dispatch.start_date,
        end=dispatch.end_date,
        season=seasons.describe(dispatch.start_date, dispatch.end_date, industry_of(need.field),
                                need.crop_phase_id),
        need_code=need.code,
        need_title=need.title,
        need_description=need.description,
        field=field_path,
        tasks=tasks,
        travel=office.travel_note,
        funds=office.funds_note,
        notes=notes,
    )


def dispatches_to_print(session: Session, keys: Sequence[int | str] | None, *,
                        start: date | None = None, end: date | None = None) -> list[Dispatch]:
    """The dispatches named by ``keys`` (codes or ids, in that order) — or, when ``keys`` is
    None, every planned or confirmed dispatch, optionally only those starting between ``start``
    and ``end``. A declined or cancelled dispatch named explicitly is refused."""
    if keys is None:
        stmt = (select(Dispatch)
                .where(Dispatch.status.in_((DispatchStatus.PLANNED, DispatchStatus.CONFIRMED)))
                .order_by(Dispatch.start_date, Dispatch.code))
        if start is not None:
            stmt = stmt.where(Dispatch.start_date >= start)
        if end is not None:
            stmt = stmt.where(Dispatch.start_date <= end)
        stmt = stmt.options(selectinload(Dispatch.need), selectinload(Dispatch.expert))
        return list(session.scalars(stmt))
    result = []
    seen: set[int] = set()
    for key in keys:
        dispatch = get_dispatch(session, key)
        if dispatch.status not in PRINTABLE:
            raise DocumentError(
                f"派遣 {dispatch.code} 已{STATUS_LABELS[dispatch.status][1:]}，不能打印派遣单。"
            )
        if dispatch.id not in seen:
            seen.add(dispatch.id)
            result.append(dispatch)
    return result


# -- drawing -----------------------------------------------------------------------------------


def _rows(ts: Typesetter, s: DispatchSheet) -> list[Row]:
    def label(text: str) -> Cell:
        return Cell(text, LABEL)

    def value(text: str, span: int = 1) -> Cell:
        return Cell(text, VALUE, span)

    need_text = f"{s.need_title}（{s.need_code}）"
    if s.need_description:
        need_text += f"：{s.need_description}"
    contact = "　".join(x for x in (s.unit_contact, s.unit_phone) if x)
    when = f"{date_range(s.start, s.end)}，共{s.days}天"
    if s.season:
        when += f"。时值{s.season}"
    specs = [
        [label("专家姓名"), value(f"{s.expert_name}（{s.expert_gender}）"), label("职称"),
         value(s.expert_title)],
        [label("工作单位"), value(s.expert_employer), label("联系电话"), value(s.expert_phone)],
        [label("身份证号"), value(s.expert_id), label("专业领域"), value(s.field)],
        [label("接收单位"), value(s.unit_name), label("联系人"), value(contact)],
        [label("服务地点"), value(s.place, 3)],
        [label("交通路线"), value(s.route, 3)],
        [label("服务时间"), value(when, 3)],
        [label("服务需求"), value(need_text, 3)],
        [label("服务任务"), value(s.tasks, 3)],
        [label("交通食宿"), value(s.travel, 3)],
        [label("经费"), value(s.funds, 3)],
        [label("备注"), value(s.notes, 3)],
    ]
    return [layout_row(ts, cells, COLUMNS, pad_y=PAD) for cells in specs]


def _receipt_rows(ts: Typesetter) -> list[Row]:
    def label(text: str) -> Cell:
        return Cell(text, LABEL)

    def blank(text: str = "", span: int = 1, lines: int = 1) -> Cell:
        return Cell(text, VALUE.but(align="right"), span, lines)

    specs = [
        [label("到达日期"), blank("年　　月　　日"), label("离开日期"), blank("年　　月　　日")],
        [label("服务天数"), blank("天"), label("培训人次"), blank("人次")],
        [label("解决问题"), blank("个"), label("受益群众"), blank("人")],
        [label("满意程度"), Cell("□满意　　　□基本满意　　　□不满意", VALUE.but(align="left"), 3)],
        [label("意见建议"), Cell("", VALUE, 3, 2)],
    ]
    rows = [layout_row(ts, cells, COLUMNS, pad_y=PAD) for cells in specs]
    for row in rows[:4]:
        row.height = max(row.height, WRITE_IN)
    return rows


def _opening(ts: Typesetter, top: float, salutation: str, body: str, style: Style) -> float:
    """Salutation flush left (顶格), then the body paragraph indented two characters."""
    top = ts.paragraph(FORM_LEFT, top, FORM_W, salutation, style.but(indent=0, align="left"))
    return ts.paragraph(FORM_LEFT, top, FORM_W, body, style)


def _header(ts: Typesetter, s: DispatchSheet, office: Office, continued: bool) -> float:
    top = FORM_TOP
    bureau = ts.fit_size(office.bureau, Style("title", 24, color=RED, tracking=2.0), FORM_W)
    ts.string(PAGE_W / 2, top - 0.88 * bureau.size, office.bureau, bureau, anchor="center")
    rule = top - bureau.size - 3 * mm
    double_rule(ts, rule, thick_first=True)
    top = rule - 3.5 * mm
    line = Style("fangsong", SIZE_S4)
    base = top - 0.88 * SIZE_S4
    ts.string(FORM_LEFT, base, f"编号：{s.code}", line)
    ts.string(FORM_LEFT + FORM_W, base, s.number, line.but(size=14), anchor="right")
    if s.draft:
        ts.string(PAGE_W / 2, base, f"（{s.status}，待确认）", line.but(color=GREY),
                  anchor="center")
    top -= 7 * mm
    size = SIZE_2 if not continued else 16
    title = Style("title", size, leading=size * 1.3, align="center")
    text = "专家服务基层派遣单" + ("（续）" if continued else "")
    ts.string(PAGE_W / 2, ts.baseline(top, title), text, title, anchor="center")
    return top - title.pitch - 1 * mm


SIGN = Style("fangsong", 14, leading=14 * 1.5)
SIGN_SMALL = Style("fangsong", SIZE_S4, leading=14 * 1.5)
SIGNATURE_H = 2 * SIGN.pitch + 3 * mm


def _signature(ts: Typesetter, top: float, office: Office, issued: str) -> float:
    """Contact and the expert's signature on the left; the bureau and the date on the right,
    where the seal is pressed over both."""
    top -= 2 * mm
    ts.string(FORM_LEFT + 2 * mm, ts.baseline(top, SIGN), office.contact_line, SIGN_SMALL)
    ts.string(FORM_LEFT + 2 * mm, ts.baseline(top - SIGN.pitch, SIGN), "专家签收：", SIGN_SMALL)
    right = FORM_LEFT + FORM_W - 6 * mm
    name = f"{office.bureau}（盖章）"
    # The name is centred over the date, but never runs past the right edge of the form.
    centre = min(right - ts.width(issued, SIGN) / 2,
                 FORM_LEFT + FORM_W - ts.width(name, SIGN) / 2)
    ts.string(centre, ts.baseline(top, SIGN), name, SIGN, anchor="center")
    ts.string(right, ts.baseline(top - SIGN.pitch, SIGN), issued, SIGN, anchor="right")
    return top - 2 * SIGN.pitch - 1 * mm


def _cut_line(ts: Typesetter, y: float, office: Office) -> None:
    ts.rule(8 * mm, y, PAGE_W - 8 * mm, 0.6, GREY, dash=(4, 3))
    label = Style("fangsong", 9, color=GREY)
    text = (f"沿此线剪下　回执由接收单位填写，服务结束后{office.receipt_days}日内寄回"
            f"{office.bureau}{office.office}")
    if ts.fonts.has_glyph("✂", "fangsong"):
        ts.string(12 * mm, y - 3.2, "✂", label.but(size=12))
    w = ts.width(text, label) + 4 * mm
    c = ts.canvas
    c.saveState()
    c.setFillColorRGB(1, 1, 1)
    c.rect(PAGE_W / 2 - w / 2, y - 5, w, 10, stroke=0, fill=1)
    c.restoreState()
    ts.string(PAGE_W / 2, y - 3.2, text, label, anchor="center")


RECEIPT_TITLE = Style("hei", 16, leading=16 * 1.4, align="center", tracking=16)
RECEIPT_TEXT = Style("fangsong", SIZE_S4, leading=SIZE_S4 * 1.4, align="justify")


def _receipt_text(s: DispatchSheet, office: Office) -> str:
    return (f"{office.bureau}：贵局派遣的专家{s.expert_name}（{s.expert_employer}）来我单位"
            f"开展“{s.need_title}”服务，情况如下：")


def _receipt_height(ts: Typesetter, s: DispatchSheet, office: Office,
                    rows: Sequence[Row]) -> float:
    text_lines = len(ts.wrap(_receipt_text(s, office), FORM_W, RECEIPT_TEXT))
    return (5 * mm + RECEIPT_TITLE.pitch + text_lines * RECEIPT_TEXT.pitch
            + sum(r.height for r in rows) + SIGN.pitch + 2 * mm)


def _receipt(ts: Typesetter, top: float, s: DispatchSheet, office: Office,
             rows: Sequence[Row]) -> float:
    _cut_line(ts, top, office)
    top -= 5 * mm
    ts.string(PAGE_W / 2, ts.baseline(top, RECEIPT_TITLE), "回执", RECEIPT_TITLE,
              anchor="center")
    ts.string(FORM_LEFT + FORM_W, ts.baseline(top, RECEIPT_TITLE), f"派遣单编号：{s.code}",
              Style("fangsong", 10.5), anchor="right")
    top -= RECEIPT_TITLE.pitch
    top = ts.paragraph(FORM_LEFT, top, FORM_W, _receipt_text(s, office),
                       RECEIPT_TEXT.but(indent=0))
    for row in rows:
        top = draw_row(ts, row, FORM_LEFT, top, pad_y=PAD)
    top -= 1.5 * mm
    base = ts.baseline(top, SIGN)
    ts.string(FORM_LEFT + 2 * mm, base, "接收单位（盖章）：", SIGN_SMALL)
    ts.string(FORM_LEFT + FORM_W * 0.45, base, "负责人（签字）：", SIGN_SMALL)
    ts.string(FORM_LEFT + FORM_W - 6 * mm, base, "年　　月　　日", SIGN_SMALL, anchor="right")
    return base - SIGN.pitch


def draw_sheet(job: PdfJob, s: DispatchSheet, office: Office, issued_on: date) -> int:
    """Draw one sheet and its receipt; returns the pages used."""
    ts = job.ts
    ts.fonts.context = f"派遣单 {s.code}"
    pages = 1
    top = _header(ts, s, office, False)
    top = _opening(
        ts, top, f"{s.unit_name}：",
        f"根据你单位提出的服务需求，经研究，决定派遣{s.expert_name}同志于"
        f"{date_range(s.start, s.end)}前往你单位开展专家服务，请做好接待和服务保障工作。",
        INTRO,
    ) - 1 * mm
    pending = _rows(ts, s)
    while pending:
        row = pending.pop(0)
        room = top - FORM_BOTTOM - (SIGNATURE_H if not pending else 0)
        if row.height > room:
            parts = split_row(row, room, PAD) if room > 3 * VALUE.pitch else None
            if parts is not None:
                head, tail = parts
                draw_row(ts, head, FORM_LEFT, top, pad_y=PAD)
                pending.insert(0, tail)
            else:
                pending.insert(0, row)
            job.end_page()
            pages += 1
            top = _header(ts, s, office, True)
            continue
        top = draw_row(ts, row, FORM_LEFT, top, pad_y=PAD)
    top = _signature(ts, top, office, office.date(issued_on))
    receipt_rows = _receipt_rows(ts)
    if top - 3 * mm - _receipt_height(ts, s, office, receipt_rows) < FORM_BOTTOM:
        job.end_page()
        pages += 1
        top = FORM_TOP - 6 * mm
    else:
        top -= 3 * mm
    _receipt(ts, top, s, office, receipt_rows)
    job.end_page()
    return pages
