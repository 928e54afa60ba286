"""Ready-to-send notification texts for a dispatch: one for the expert, one for the receiving
unit. Offices reach people through WeChat or SMS; the program stays offline, so it only writes
the text (plain, short lines, no markup) for the user to copy and paste.

The content is the dispatch sheet's (``services.documents.dispatch_sheet.sheet_data``): the
same place, route, dates, contacts and tasks the printed sheet shows, so the message and the
paper never disagree.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from services.errors import ValidationError

AUDIENCES = {"expert": "专家", "unit": "接收单位"}
_WEEKDAYS = "一二三四五六日"


def _day(d: date) -> str:
    return f"{d.month}月{d.day}日（周{_WEEKDAYS[d.weekday()]}）"


def _when(start: date, end: date) -> str:
    days = (end - start).days + 1
    if start == end:
        return f"{start.year}年{_day(start)}，共 1 天"
    return f"{start.year}年{_day(start)}至{_day(end)}，共 {days} 天"


def _sheet(session: Session, key: int | str):  # type: ignore[no-untyped-def]
    from services.dispatches import get_dispatch
    from services.documents.common import Seasons
    from services.documents.dispatch_sheet import PRINTABLE, sheet_data
    from services.documents.page import office

    dispatch = get_dispatch(session, key)
    if dispatch.status not in PRINTABLE:
        from services.dispatches import STATUS_LABELS

        raise ValidationError.single(
            "dispatch", f"派遣 {dispatch.code} 已{STATUS_LABELS[dispatch.status][1:]}，"
                        "不需要发送通知。")
    info = office(session)
    return sheet_data(dispatch, info, Seasons(session)), info


def expert_notice(session: Session, key: int | str) -> str:
    """The message to the expert: where, when, whom to contact, what to do."""
    s, info = _sheet(session, key)
    lines = [f"{s.expert_name}{'老师' if s.expert_name else ''}您好：",
             f"{info.bureau}拟请您赴基层开展专家服务，安排如下：",
             f"时间：{_when(s.start, s.end)}",
             f"地点：{s.place}"]
    if s.route:
        lines.append(f"路线：{s.route}")
    lines.append(f"服务单位：{s.unit_name}")
    contact = "，".join(x for x in (s.unit_contact, s.unit_phone) if x)
    if contact:
        lines.append(f"联系人：{contact}")
    lines.append(f"服务需求：{s.need_title}（{s.need_code}）")
    lines.append(f"服务内容：{s.tasks}")
    if s.season:
        lines.append(f"农时：{s.season}")
    if s.draft:
        lines.append("请回复能否按时前往（如有困难请说明原因，我们另作安排）。")
    if s.travel:
        lines.append(s.travel)
    lines.append(_signature(info, s.code))
    return "\n".join(lines)


def unit_notice(session: Session, key: int | str) -> str:
    """The message to the receiving unit: who comes, when, what to prepare."""
    s, info = _sheet(session, key)
    greeting = f"{s.unit_contact}同志您好：" if s.unit_contact else f"{s.unit_name}："
    lines = [greeting,
             f"根据贵单位申报的需求“{s.need_title}”（{s.need_code}），{info.bureau}安排专家"
             f"{s.expert_name}前来服务：",
             f"时间：{_when(s.start, s.end)}",
             f"地点：{s.place}"]
    employer = f"，{s.expert_employer}" if s.expert_employer else ""
    phone = f"，电话 {s.expert_phone}" if s.expert_phone else ""
    title = f"，{s.expert_title}" if s.expert_title else ""
    lines.append(f"专家：{s.expert_name}{title}{employer}{phone}")
    lines.append(f"服务内容：{s.tasks}")
    lines.append("请提前组织好参加培训和指导的人员，准备场地；服务结束后请填写派遣单回执"
                 f"并于 {info.receipt_days} 日内交回。")
    if s.draft:
        lines.append("专家确认后如有变动，我们会及时通知。")
    lines.append(_signature(info, s.code))
    return "\n".join(lines)


def _signature(info, code: str) -> str:  # type: ignore[no-untyped-def]
    contact = "，".join(x for x in (info.office, info.phone) if x)
    tail = f"（联系：{contact}）" if contact else ""
    return f"{info.bureau}{tail} 派遣单号 {code}"


def notice(session: Session, key: int | str, audience: str) -> str:
    """``expert_notice`` or ``unit_notice`` by ``audience`` ("expert" or "unit")."""
    if audience == "expert":
        return expert_notice(session, key)
    if audience == "unit":
        return unit_notice(session, key)
    raise ValidationError.single("audience", "通知对象只能是“专家”或“接收单位”。")
