"""商调函: the bureau's letter to an expert's employer asking it to release the expert for the
dates of a dispatch. Letter format of GB/T 9704-2012 (信函格式, clause 10.1): red bureau name
and red double rules top and bottom, 发文字号 flush right under the rule, 二号 title, 主送机关,
三号仿宋 body on the 28 × 22 grid, signature and date with the seal over them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models import Dispatch
from services.documents.common import place_of
from services.documents.errors import DocumentError
from services.documents.page import (
    BODY,
    BodyFlow,
    Office,
    PdfJob,
    bottom_rule,
    close_with_signature,
    number_line,
    red_header,
    title,
)
from services.documents.text import date_range, document_number, serial_of_code


@dataclass(frozen=True)
class LetterData:
    """What one letter prints."""

    code: str  # the dispatch it is for
    number: str
    title: str
    addressee: str
    paragraphs: tuple[str, ...]
    contact: str


def letter_data(dispatch: Dispatch, office: Office) -> LetterData:
    """The letter for one dispatch; refused for an expert with no employer or retired."""
    expert = dispatch.expert
    need = dispatch.need
    if expert.retired:
        raise DocumentError(f"专家“{expert.name}”已退休，不需要向原单位发商调函。")
    if not expert.employer:
        raise DocumentError(f"专家“{expert.name}”没有登记工作单位，不需要商调函。")
    who = expert.title_name  # 研究员, 主任医师: how a letter names a colleague
    days = (dispatch.end_date - dispatch.start_date).days + 1
    place = place_of(need)
    tasks = dispatch.tasks or f"围绕“{need.title}”开展现场指导、技术培训和咨询服务"
    tasks = tasks.rstrip("。；;.")
    paragraphs = (
        f"为深入实施专家服务基层行动，助力乡村振兴，根据{place}{need.unit.name}提出的"
        f"“{need.title}”服务需求，经研究，我局拟邀请贵单位{who}{expert.name}同志于"
        f"{date_range(dispatch.start_date, dispatch.end_date)}（共{days}天）赴{place}开展专家"
        f"服务，主要任务是：{tasks}。",
        "服务期间，专家的交通、食宿和劳务（咨询）费用由我局按专家服务基层活动经费管理的有关"
        "规定从专项经费中列支，不需贵单位承担。服务情况将记入专家服务基层经历，可作为职称评审"
        "的基层工作经历。",
        f"恳请贵单位给予支持，准予{expert.name}同志按期参加。",
        "特此函商。",
    )
    contact = f"（联系人：{office.office}" + (f"，电话：{office.phone}" if office.phone else "") + "）"
    return LetterData(
        code=dispatch.code,
        number=document_number(office.letter_prefix, dispatch.start_date.year,
                               serial_of_code(dispatch.code)),
        title=f"关于商调{expert.name}同志参加专家服务基层活动的函",
        addressee=f"{expert.employer}：",
        paragraphs=paragraphs,
        contact=contact,
    )


def draw_letter(job: PdfJob, data: LetterData, office: Office, issued_on: date) -> None:
    ts = job.ts
    ts.fonts.context = f"商调函 {data.code}"
    top = red_header(ts, office.bureau)
    bottom_rule(ts)
    top = number_line(ts, top - 3, data.number)
    # Title one line below the number, the addressee one blank line below the title (7.3.2/3).
    top = title(ts, top - BODY.pitch * 0.5, data.title)
    flow = BodyFlow(job, top - BODY.pitch * 0.5)
    close_with_signature(
        flow,
        [(data.addressee, BODY.but(indent=0)), *((p, BODY) for p in data.paragraphs),
         (data.contact, BODY)],
        office.bureau, office.date(issued_on),
    )
    job.end_page()
