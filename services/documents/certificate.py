"""服务基层经历证明: the bureau certifies the days an expert served at the grassroots, for
title evaluation (职称评审). Only completed dispatches count. Body in 三号仿宋 on the GB/T 9704
grid, the services listed in a table, signature, date and seal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.lib.colors import Color
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Dispatch, DispatchStatus, Need, ServiceRecord
from services.documents.common import place_of
from services.documents.errors import DocumentError
from services.documents.page import (
    BODY,
    SIZE_S4,
    TEXT_LEFT,
    TEXT_TOP,
    TEXT_W,
    BodyFlow,
    Office,
    PdfJob,
    close_with_signature,
    title,
)
from services.documents.text import date_range, mask_id_number, short_date
from services.documents.typeset import Cell, Style, draw_row, layout_row
from services.experts import get_expert
from services.outcomes.ledger import counted_days

HEAD = Style("hei", SIZE_S4, leading=SIZE_S4 * 1.35, align="center")
CELL = Style("fangsong", SIZE_S4, leading=SIZE_S4 * 1.35, align="justify")
CENTER = CELL.but(align="center")
HEAD_FILL = Color(0.92, 0.92, 0.92)
WIDTHS = tuple(w * TEXT_W for w in (0.08, 0.19, 0.2, 0.28, 0.17, 0.08))


@dataclass(frozen=True)
class ServiceItem:
    code: str
    start: date
    end: date
    days: int
    where: str
    content: str


@dataclass(frozen=True)
class CertificateData:
    number: str
    name: str
    gender: str
    id_number: str  # masked unless asked otherwise
    employer: str
    title: str
    items: tuple[ServiceItem, ...]
    townships: tuple[str, ...]
    fields: tuple[str, ...]

    @property
    def total_days(self) -> int:
        return sum(i.days for i in self.items)


def certificate_data(session: Session, expert_key: int | str, office: Office, *,
                     start: date | None = None, end: date | None = None,
                     show_id_numbers: bool = False) -> CertificateData:
    """The completed dispatches of one expert (ending inside [start, end] when given)."""
    expert = get_expert(session, expert_key, include_deleted=True)
    stmt = (select(Dispatch).join(Need, Dispatch.need_id == Need.id)
            .where(Dispatch.expert_id == expert.id,
                   Dispatch.status == DispatchStatus.COMPLETED)
            .order_by(Dispatch.start_date))
    if start is not None:
        stmt = stmt.where(Dispatch.end_date >= start)
    if end is not None:
        stmt = stmt.where(Dispatch.start_date <= end)
    dispatches = list(session.scalars(stmt))
    if not dispatches:
        period = ""
        if start or end:
            period = f"在{short_date(start) if start else '开始'}至{short_date(end) if end else '今'}期间"
        raise DocumentError(
            f"专家“{expert.name}”{period}没有已完成的派遣，无法出具服务基层经历证明。"
            "派遣结束后请先把派遣状态改为“已完成”。"
        )
    items = []
    townships: list[str] = []
    fields: list[str] = []
    served = dict(session.execute(
        select(ServiceRecord.dispatch_id, ServiceRecord.days_served)
        .where(ServiceRecord.dispatch_id.in_([d.id for d in dispatches]))).all())
    for d in dispatches:
        need = d.need
        # Only the days inside the period count when a visit straddles its edge; the days
        # are the expert ledger's (the service record's when it gives them).
        s = max(d.start_date, start) if start else d.start_date
        e = min(d.end_date, end) if end else d.end_date
        items.append(ServiceItem(d.code, s, e,
                                 counted_days(served.get(d.id), d.start_date, d.end_date,
                                              start, end),
                                 f"{place_of(need)}{need.unit.name}", need.title))
        if need.township.name not in townships:
            townships.append(need.township.name)
        if need.field.name not in fields:
            fields.append(need.field.name)
    issued_year = date.today().year
    return CertificateData(
        number=f"{expert.code}-{issued_year}",
        name=expert.name,
        gender=expert.gender,
        id_number=expert.id_number if show_id_numbers else mask_id_number(expert.id_number),
        employer=expert.employer,
        title=expert.title_name,
        items=tuple(items),
        townships=tuple(townships),
        fields=tuple(fields),
    )


def body_text(data: CertificateData, office: Office) -> str:
    who = f"{data.name}同志（{data.gender}"
    who += f"，身份证号：{data.id_number}）" if data.id_number else "）"
    job = ""
    if data.employer:
        job = f"，系{data.employer}{data.title}"
    first, last = data.items[0].start, data.items[-1].end
    places = "、".join(data.townships[:4]) + ("等" if len(data.townships) > 1 else "")
    fields = "、".join(data.fields[:3]) + ("等方面" if len(data.fields) > 1 else "方面")
    return (f"兹证明{who}{job}，于{date_range(first, last)}期间受{office.bureau}派遣，"
            f"参加专家服务基层活动，先后{len(data.items)}次深入{places}开展{fields}的技术服务，"
            f"累计服务基层{data.total_days}天。服务明细如下：")


def draw_certificate(job: PdfJob, data: CertificateData, office: Office, issued_on: date) -> None:
    ts = job.ts
    ts.fonts.context = f"服务基层经历证明（{data.name}）"
    small = Style("fangsong", SIZE_S4)
    ts.string(TEXT_LEFT + TEXT_W, TEXT_TOP + 6, f"证明编号：{data.number}", small,
              anchor="right")
    top = title(ts, TEXT_TOP - BODY.pitch, "服务基层经历证明")
    flow = BodyFlow(job, top - BODY.pitch)
    flow.paragraph(body_text(data, office))
    flow.space(BODY.pitch * 0.3)
    header = layout_row(ts, [Cell(t, HEAD) for t in
                             ("序号", "派遣编号", "服务时间", "服务单位", "服务内容", "天数")],
                        WIDTHS)
    rows = [layout_row(ts, [Cell(str(i), CENTER), Cell(item.code, CENTER),
                            Cell(date_range(item.start, item.end), CENTER),
                            Cell(item.where, CELL), Cell(item.content, CELL),
                            Cell(str(item.days), CENTER)], WIDTHS)
            for i, item in enumerate(data.items, 1)]
    rows.append(layout_row(ts, [Cell("合计", HEAD, 5), Cell(str(data.total_days), CENTER)],
                           WIDTHS))
    flow.ensure(header.height + rows[0].height)
    flow.top = draw_row(ts, header, TEXT_LEFT, flow.top, fill=HEAD_FILL)
    for row in rows:
        if flow.top - row.height < flow.bottom:
            flow.new_page()
            flow.top = draw_row(ts, header, TEXT_LEFT, flow.top, fill=HEAD_FILL)
        flow.top = draw_row(ts, row, TEXT_LEFT, flow.top)
    flow.space(BODY.pitch * 0.3)
    close_with_signature(
        flow,
        [(f"本证明可作为{data.name}同志申报职称评审时服务基层经历的证明材料。", BODY),
         ("特此证明。", BODY)],
        office.bureau, office.date(issued_on),
    )
    job.end_page()
