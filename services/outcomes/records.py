"""Service records (服务记录) and receipts (回执): what one dispatch achieved.

The rule for which dispatch may carry a record: **only one that took place**. That is a
dispatch already 已完成 (completed), or one 已确认 (confirmed) whose first day has come — the
expert has been, the paper report may simply have arrived before the office marked it done.
A planned, declined or cancelled dispatch, or a confirmed one still in the future, gets no
record: its figures would count in the year's statistics for a visit that never happened.

When the receipt (回执) is recorded — the received date is filled in — for a dispatch still
only confirmed, the dispatch is completed in the same unit of work: the unit's signature on
the receipt is the office's proof the visit happened.

Figures are whole numbers in believable bounds; the actual dates must lie near the planned
ones (``DATE_SLACK_DAYS`` either side) and not in the future; days served cannot exceed the
days between the actual dates. Errors are ``ValidationError``s mapping each field to a
Chinese message, as the other services do.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Dispatch, DispatchStatus, Expert, Need, Township, Unit
from models.outcomes import SATISFACTION_LEVELS, Attachment, ServiceRecord
from services import dispatches
from services import validation as v
from services.errors import ValidationError
from services.records import RowSet, apply, check_version

DATE_SLACK_DAYS = 60  # how far the actual dates may lie from the planned ones
MAX_PROBLEMS_LISTED = 50
MAX_PROBLEM_LENGTH = 100
MAX_ECONOMIC_BENEFIT = 2_000_000_000  # 元: fits a 32-bit integer column on every engine

#: Record states of a dispatch on the outcomes screen.
RECORD_STATES = {"none": "未登记", "recorded": "已登记", "receipt": "已收回执"}

FIELD_LABELS = {
    "actual_start": "实际开始日期", "actual_end": "实际结束日期", "days_served": "服务天数",
    "trainings": "培训场次", "people_trained": "培训人次", "problems_solved": "解决问题数",
    "problem_list": "解决的问题", "beneficiaries": "惠及群众（人）",
    "economic_benefit": "经济效益（元）", "satisfaction": "满意度", "feedback": "服务对象意见",
    "suggestions": "建言献策", "summary": "服务总结", "receipt_received_on": "回执收回日期",
    "receipt_signed_by": "回执签字人",
}
EDITABLE = tuple(FIELD_LABELS)


def took_place(dispatch: Dispatch, today: date | None = None) -> bool:
    """Whether the dispatch happened (see the module docstring)."""
    today = today or date.today()
    if dispatch.status == DispatchStatus.COMPLETED:
        return True
    return dispatch.status == DispatchStatus.CONFIRMED and dispatch.start_date <= today


def problem_items(value: object) -> list[str]:
    """A problem list from a list, or from text with one problem per line (or separated by
    ；/; ), each trimmed, empty ones dropped."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        items = [v.normalize_text(x) for x in value]
    else:
        items = [v.normalize_text(x) for x in re.split(r"[\n;；]+", str(value))]
    return [x for x in items if x]


def _values(dispatch: Dispatch, data: dict[str, Any], today: date) -> dict[str, Any]:
    c = v.Collector()
    start = c.check(v.parse_date, data.get("actual_start"), "actual_start", "实际开始日期")
    end = c.check(v.parse_date, data.get("actual_end"), "actual_end", "实际结束日期")
    if "actual_start" not in c.errors and "actual_end" not in c.errors:
        start = start or dispatch.start_date
        end = end or start + timedelta(days=dispatch.days - 1)
        slack = timedelta(days=DATE_SLACK_DAYS)
        if start > today:
            c.add("actual_start", f"实际开始日期（{start}）还没到，服务尚未开展，不能登记成效。")
        elif not dispatch.start_date - slack <= start <= dispatch.end_date + slack:
            c.add("actual_start", f"实际开始日期（{start}）与派遣日期（{dispatch.start_date}～"
                                  f"{dispatch.end_date}）相差太远（超过 {DATE_SLACK_DAYS} 天），"
                                  "请核对。")
        if end < start:
            c.add("actual_end", f"实际结束日期（{end}）早于实际开始日期（{start}）。")
        elif end > today:
            c.add("actual_end", f"实际结束日期（{end}）晚于今天，请核对。")
        elif (end - start).days > DATE_SLACK_DAYS:
            c.add("actual_end", f"一次服务不会超过 {DATE_SLACK_DAYS} 天，请核对实际结束日期。")
    span = (end - start).days + 1 if start and end and end >= start else None
    days = data.get("days_served")
    if days in (None, "") and span is not None:
        days = span
    days_served = c.check(v.int_in_range, days, "days_served", "服务天数", 0, 366)
    if days_served is not None and span is not None and days_served > span:
        c.add("days_served", f"服务天数（{days_served}）多于实际开始到结束的天数（{span}）。")

    def number(key: str, high: int) -> int | None:
        raw = data.get(key)
        return c.check(v.int_in_range, 0 if raw in (None, "") else raw, key, FIELD_LABELS[key],
                       0, high)

    trainings = number("trainings", 1000)
    people = number("people_trained", 1_000_000)
    solved = number("problems_solved", 10_000)
    beneficiaries = number("beneficiaries", 10_000_000)
    benefit = number("economic_benefit", MAX_ECONOMIC_BENEFIT)
    if people and trainings == 0:
        c.add("trainings", "填写了培训人次，请同时填写培训场次（至少 1 场）。")
    problems = problem_items(data.get("problem_list"))
    if len(problems) > MAX_PROBLEMS_LISTED:
        c.add("problem_list", f"问题清单最多列 {MAX_PROBLEMS_LISTED} 条，现在有 {len(problems)} 条。")
    long = [p for p in problems if len(p) > MAX_PROBLEM_LENGTH]
    if long:
        c.add("problem_list", f"每个问题请用一句话概括（最多 {MAX_PROBLEM_LENGTH} 个字）："
                              f"“{long[0][:20]}…”太长。")
    if solved is not None and solved < len(problems):
        c.add("problems_solved", f"解决问题数（{solved}）少于列出的问题（{len(problems)} 条）。")
    raw_satisfaction = data.get("satisfaction")
    satisfaction = None
    if raw_satisfaction not in (None, ""):
        by_label = {label: level for level, label in SATISFACTION_LEVELS.items()}
        text = v.normalize_text(raw_satisfaction)
        satisfaction = by_label.get(text) or c.check(v.int_in_range, raw_satisfaction,
                                                     "satisfaction", "满意度", 1, 5)
    received = c.check(v.parse_date, data.get("receipt_received_on"), "receipt_received_on",
                       "回执收回日期")
    signer = c.check(v.optional_text, "receipt_signed_by", "回执签字人",
                     data.get("receipt_signed_by"), 40) or ""
    if received is not None:
        if received > today:
            c.add("receipt_received_on", f"回执收回日期（{received}）晚于今天，请核对。")
        elif start is not None and received < start:
            c.add("receipt_received_on", f"回执收回日期（{received}）早于服务开始（{start}）。")
        if not signer:
            c.add("receipt_signed_by", "收回回执时请填写回执上的签字人。")
    elif signer:
        c.add("receipt_received_on", "填写了回执签字人，请同时填写回执收回日期。")
    values = {
        "actual_start": start, "actual_end": end, "days_served": days_served,
        "trainings": trainings, "people_trained": people, "problems_solved": solved,
        "problem_list": problems, "beneficiaries": beneficiaries, "economic_benefit": benefit,
        "satisfaction": satisfaction,
        "feedback": c.check(v.optional_text, "feedback", "服务对象意见", data.get("feedback"),
                            2000),
        "suggestions": c.check(v.optional_text, "suggestions", "建言献策",
                               data.get("suggestions"), 2000),
        "summary": c.check(v.optional_text, "summary", "服务总结", data.get("summary"), 5000),
        "receipt_received_on": received, "receipt_signed_by": signer,
    }
    c.raise_if_any()
    return values


def record_of(session: Session, dispatch_key: int | str) -> ServiceRecord | None:
    """The dispatch's service record, or None when none was entered yet."""
    dispatch = dispatches.get_dispatch(session, dispatch_key)
    return session.scalars(
        select(ServiceRecord).where(ServiceRecord.dispatch_id == dispatch.id)).first()


def save_record(
    session: Session,
    dispatch_key: int | str,
    data: dict[str, Any],
    *,
    expected_version: int | None = None,
    today: date | None = None,
) -> ServiceRecord:
    """Create the dispatch's service record, or change it (``data`` holds only the fields to
    change; the others keep their stored values). Completes a confirmed dispatch when the
    receipt is recorded."""
    today = today or date.today()
    dispatch = dispatches.get_dispatch(session, dispatch_key)
    if not took_place(dispatch, today):
        state = dispatches.STATUS_LABELS[dispatch.status]
        why = "还没有开始" if dispatch.status == DispatchStatus.CONFIRMED else f"状态为“{state}”"
        raise ValidationError.single(
            "dispatch_id", f"派遣 {dispatch.code} {why}，服务没有开展，不能登记服务成效。"
            "只有已完成、或已确认且已开始的派遣才能登记。")
    record = session.scalars(
        select(ServiceRecord).where(ServiceRecord.dispatch_id == dispatch.id)).first()
    if record is None:
        values = _values(dispatch, data, today)
        record = ServiceRecord(dispatch_id=dispatch.id, **values)
        session.add(record)
    else:
        check_version(record, expected_version, f"派遣 {dispatch.code} 的服务记录")
        current = {k: getattr(record, k) for k in EDITABLE}
        if "actual_start" in data and "days_served" not in data:
            current.pop("days_served")  # follows the new dates unless given
        values = _values(dispatch, current | data, today)
        apply(record, values)
    if values["receipt_received_on"] is not None and dispatch.status == DispatchStatus.CONFIRMED:
        dispatches.set_dispatch_status(session, dispatch.id, DispatchStatus.COMPLETED)
    session.flush()
    return record


def delete_record(session: Session, dispatch_key: int | str) -> None:
    """Remove a record entered for the wrong dispatch (its attachments' rows go with it; the
    files are left to ``attachments.remove_attachment`` — call that first to drop them)."""
    record = record_of(session, dispatch_key)
    if record is None:
        raise ValidationError.single("dispatch_id", "该派遣还没有服务记录。")
    if record.attachments:
        raise ValidationError.single(
            "attachments", f"该服务记录还有 {len(record.attachments)} 个附件，请先删除附件。")
    session.delete(record)
    session.flush()


def form_values(session: Session, dispatch_key: int | str) -> dict[str, Any]:
    """What the form shows: the stored record, or defaults from the dispatch (planned dates
    and days) when there is none yet. ``version`` is None for a new record."""
    dispatch = dispatches.get_dispatch(session, dispatch_key)
    record = record_of(session, dispatch.id)
    if record is None:
        values: dict[str, Any] = {k: None for k in EDITABLE}
        values |= {"actual_start": dispatch.start_date, "actual_end": dispatch.end_date,
                   "days_served": dispatch.days, "problem_list": [], "version": None}
    else:
        values = {k: getattr(record, k) for k in EDITABLE} | {"version": record.version}
    return values | {"dispatch_id": dispatch.id, "dispatch_code": dispatch.code,
                     "status": dispatch.status.value,
                     "status_label": dispatches.STATUS_LABELS[dispatch.status],
                     "expert": dispatch.expert.name, "need_code": dispatch.need.code,
                     "need_title": dispatch.need.title, "start_date": dispatch.start_date,
                     "end_date": dispatch.end_date, "place": dispatch.place}


def check(session: Session, dispatch_key: int | str, data: dict[str, Any],
          today: date | None = None) -> dict[str, str]:
    """Field → message for what the form holds now, without saving (live checks)."""
    dispatch = dispatches.get_dispatch(session, dispatch_key)
    try:
        _values(dispatch, data, today or date.today())
    except ValidationError as exc:
        return exc.errors
    return {}


def record_state(record_id: int | None, received: object) -> str:
    if record_id is None:
        return "none"
    return "receipt" if received else "recorded"


ROW_COLUMNS = ("id", "code", "need_code", "need_title", "expert", "unit", "township",
               "start_date", "end_date", "status", "status_label", "record_state",
               "record_label", "days_served", "people_trained", "problems_solved",
               "beneficiaries", "attachments", "receipt_received_on", "deleted_at")


def list_rows(session: Session, *, ids: Collection[int] | None = None,
              state: str | None = None, today: date | None = None) -> RowSet:
    """Dispatches that took place (or ``ids``), newest first, with their record state
    (``RECORD_STATES``) and main figures, for the outcomes screen."""
    today = today or date.today()
    stmt = (
        select(Dispatch.id, Dispatch.code, Need.code, Need.title, Expert.name, Unit.name,
               Township.name, Dispatch.start_date, Dispatch.end_date, Dispatch.status,
               ServiceRecord.id, ServiceRecord.days_served, ServiceRecord.people_trained,
               ServiceRecord.problems_solved, ServiceRecord.beneficiaries,
               ServiceRecord.receipt_received_on)
        .join(Need, Dispatch.need_id == Need.id)
        .join(Expert, Dispatch.expert_id == Expert.id)
        .join(Unit, Need.unit_id == Unit.id)
        .join(Township, Need.township_id == Township.id)
        .outerjoin(ServiceRecord, ServiceRecord.dispatch_id == Dispatch.id)
        .order_by(Dispatch.start_date.desc(), Dispatch.code.desc())
    )
    if ids is not None:
        stmt = stmt.where(Dispatch.id.in_(list(ids)))
    else:
        stmt = stmt.where(
            (Dispatch.status == DispatchStatus.COMPLETED)
            | ((Dispatch.status == DispatchStatus.CONFIRMED) & (Dispatch.start_date <= today)))
    attachment_counts = dict(session.execute(  # type: ignore[arg-type]
        select(Attachment.record_id, func.count()).group_by(Attachment.record_id)).all())
    rows = []
    for (id_, code, need_code, need_title, expert, unit, township, start, end, status,
         record_id, days, people, solved, beneficiaries, received) in session.execute(stmt):
        key = record_state(record_id, received)
        if state is not None and key != state:
            continue
        rows.append((id_, code, need_code, need_title, expert, unit, township, start, end,
                     DispatchStatus(status).value, dispatches.STATUS_LABELS[status], key,
                     RECORD_STATES[key], days, people, solved, beneficiaries,
                     attachment_counts.get(record_id, 0) if record_id else 0, received, None))
    return RowSet(ROW_COLUMNS, rows)
