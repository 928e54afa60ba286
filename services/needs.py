"""Grassroots needs (基层需求): records, their codes and their place in the seven steps."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import Integer, String, func, select, type_coerce
from sqlalchemy.orm import Session

from models import TITLE_LEVELS, Field, Need, NeedEvent, NeedStatus, Township, Unit, Village
from models.dialect import as_text
from services import validation as v
from services import workflow
from services.errors import IllegalTransitionError, NotFoundError, ServiceError, ValidationError
from services.fields import field_path, find_field
from services.places import resolve_place
from services.records import (
    BulkResult,
    RowSet,
    apply,
    check_version,
    get_record,
    merge_changes,
    next_code,
    restore,
    soft_delete,
    soft_delete_many,
)
from services.records import restore_many as restore_many_records
from services.units import get_unit

_EDITABLE = ("title", "description", "unit_id", "township_id", "village_id", "field_id",
             "crop_phase_id", "window_start", "window_end", "experts_wanted", "days_wanted",
             "required_title", "beneficiaries_estimate", "source", "submitted_on")
SOURCES = ("系统录入", "Excel导入", "乡镇上报", "单位申报", "电话", "现场调研", "揭榜挂帅")


def _values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    c = v.Collector()
    values: dict[str, Any] = {
        "title": c.check(v.required, "title", "需求标题", data.get("title"), 100),
        "description": c.check(v.optional_text, "description", "需求描述",
                               data.get("description"), 5000),
        "experts_wanted": c.check(v.int_in_range, data.get("experts_wanted", 1),
                                  "experts_wanted", "需要专家人数", 1, 50),
        "days_wanted": c.check(v.int_in_range, data.get("days_wanted", 1), "days_wanted",
                               "每次服务天数", 1, 60),
        "beneficiaries_estimate": c.check(v.int_in_range, data.get("beneficiaries_estimate"),
                                          "beneficiaries_estimate", "预计受益人数", 0,
                                          10_000_000, allow_none=True),
        "source": c.check(v.optional_text, "source", "来源", data.get("source") or "系统录入", 40),
        "crop_phase_id": data.get("crop_phase_id") or None,
    }
    required_title = v.normalize_text(data.get("required_title"))
    values["required_title"] = (c.check(v.choice, required_title, "required_title",
                                        "职称要求", TITLE_LEVELS) if required_title else None)
    start = c.check(v.parse_date, data.get("window_start"), "window_start", "开始日期")
    end = c.check(v.parse_date, data.get("window_end"), "window_end", "结束日期")
    if "window_start" not in c.errors and "window_end" not in c.errors:
        c.check(v.window, start, end, "window_end", "服务时间窗口")
    values["window_start"], values["window_end"] = start, end
    values["submitted_on"] = c.check(v.parse_date, data.get("submitted_on"), "submitted_on",
                                     "申报日期") or date.today()

    unit = None
    unit_key = data.get("unit_id") or data.get("unit")
    if unit_key in (None, ""):
        c.add("unit_id", "请选择需求单位。")
    else:
        try:
            unit = get_unit(session, unit_key)
        except NotFoundError as exc:
            c.add("unit_id", exc.message)
    place = dict(data)
    if unit is not None and not (data.get("township_id") or data.get("township")
                                 or data.get("village_id") or data.get("village")):
        # The place defaults to where the unit is.
        place |= {"township_id": unit.township_id, "village_id": unit.village_id}
    township, village = resolve_place(session, place, c)
    field_key = data.get("field_id") or data.get("field")
    field: Field | None = None
    if field_key in (None, ""):
        c.add("field_id", "请选择专业领域。")
    else:
        try:
            field = c.check(find_field, session, str(field_key))
        except NotFoundError as exc:  # an id that does not exist (a name gives a ValidationError)
            c.add("field_id", exc.message)
    c.raise_if_any()
    assert unit and township and field
    values |= {"unit_id": unit.id, "township_id": township.id,
               "village_id": village.id if village else None, "field_id": field.id}
    return values


def create_need(session: Session, data: dict[str, Any], actor: str) -> Need:
    values = _values(session, data)
    year = values["submitted_on"].year
    need = Need(code=next_code(session, Need, f"XQ-{year}-"), status=NeedStatus.SUBMITTED,
                **values)
    need.events.append(NeedEvent(from_status=None, to_status=NeedStatus.SUBMITTED, actor=actor,
                                 reason=v.normalize_text(data.get("reason")) or "录入需求"))
    session.add(need)
    session.flush()
    return need


def get_need(session: Session, key: int | str, *, include_deleted: bool = False) -> Need:
    return get_record(session, Need, key, "需求", include_deleted=include_deleted)


def update_need(
    session: Session, key: int | str, changes: dict[str, Any], expected_version: int | None = None
) -> Need:
    need = get_need(session, key)
    check_version(need, expected_version, f"需求 {need.code}",
                  redo=lambda: update_need(session, need.id, changes))
    if need.status in (NeedStatus.REJECTED, NeedStatus.WITHDRAWN):
        raise ServiceError(
            f"需求 {need.code} 已{workflow.status_label(need.status)[1:]}，不能再修改。"
            "如需继续，请先“重新申报”。"
        )
    current = {k: getattr(need, k) for k in _EDITABLE}
    if any(k in changes for k in ("township", "township_id", "unit", "unit_id")):
        current.pop("village_id")
        if not any(k in changes for k in ("township", "township_id")):
            current.pop("township_id")
    apply(need, _values(session, merge_changes(current, changes)))
    session.flush()
    return need


def set_status(
    session: Session, key: int | str, target: NeedStatus | str, actor: str, reason: str = ""
) -> Need:
    need = get_need(session, key)
    status = target if isinstance(target, NeedStatus) else workflow.parse_status(target)
    workflow.transition(session, need, status, actor, reason)
    return need


def delete_need(session: Session, key: int | str) -> Need:
    need = get_need(session, key)
    soft_delete(need, f"需求 {need.code}")
    session.flush()
    return need


def restore_need(session: Session, key: int | str) -> Need:
    need = get_need(session, key, include_deleted=True)
    restore(need, f"需求 {need.code}")
    session.flush()
    return need


def list_needs(
    session: Session,
    *,
    status: NeedStatus | None = None,
    include_deleted: bool = False,
) -> list[dict[str, Any]]:
    """Needs as plain rows for lists and exports (column select: no ORM objects)."""
    stmt = (
        select(Need.id, Need.code, Need.title, Need.status, Unit.name.label("unit"),
               Township.name.label("township"), Village.name.label("village"),
               Field.name.label("field"), Need.window_start, Need.window_end,
               Need.experts_wanted, Need.days_wanted, Need.required_title,
               Need.beneficiaries_estimate, Need.source, Need.submitted_on,
               Village.key_support, Village.poverty_alleviated, Need.deleted_at)
        .join(Unit, Need.unit_id == Unit.id)
        .join(Township, Need.township_id == Township.id)
        .outerjoin(Village, Need.village_id == Village.id)
        .join(Field, Need.field_id == Field.id)
        .order_by(Need.code)
    )
    if status is not None:
        stmt = stmt.where(Need.status == status)
    if not include_deleted:
        stmt = stmt.where(Need.deleted_at.is_(None))
    rows = []
    for r in session.execute(stmt):
        row = dict(r._mapping)
        row["status_label"] = workflow.status_label(row["status"])
        key_support, alleviated = row.pop("key_support"), row.pop("poverty_alleviated")
        row["priority"] = bool(key_support or alleviated)
        rows.append(row)
    return rows


def events(session: Session, key: int | str) -> list[NeedEvent]:
    need = get_need(session, key, include_deleted=True)
    return list(need.events)


# -- queries and bulk actions for the list screens ---------------------------------------------

#: Columns of ``list_rows``. Dates come as ISO text and the status as its value: a list of
#: 100,000 rows is read without per-value conversion (it only shows and sorts them).
ROW_COLUMNS = ("id", "code", "title", "status", "unit", "unit_code", "township", "village",
               "field_id", "window_start", "window_end", "experts_wanted", "days_wanted",
               "required_title", "beneficiaries_estimate", "source", "submitted_on",
               "priority", "updated_at", "deleted_at")


def list_rows(
    session: Session,
    *,
    deleted: bool = False,
    ids: Collection[int] | None = None,
    unit_id: int | None = None,
) -> RowSet:
    """Needs for a list screen as one column select (``ROW_COLUMNS``): the live ones, or only
    the deleted ones (the recycle bin). ``ids`` reads just those rows (after an edit), with
    deleted ones included so the screen can drop them."""
    text = String()
    stmt = (
        select(Need.id, Need.code, Need.title, type_coerce(Need.status, text), Unit.name,
               Unit.code, Township.name, Village.name, Need.field_id,
               as_text(Need.window_start), as_text(Need.window_end),
               Need.experts_wanted, Need.days_wanted, Need.required_title,
               Need.beneficiaries_estimate, Need.source, as_text(Need.submitted_on),
               type_coerce(func.coalesce(Village.key_support, False)
                           | func.coalesce(Village.poverty_alleviated, False), Integer),
               as_text(Need.updated_at), as_text(Need.deleted_at))
        .join(Unit, Need.unit_id == Unit.id)
        .join(Township, Need.township_id == Township.id)
        .outerjoin(Village, Need.village_id == Village.id)
        .order_by(Need.code)
    )
    if ids is not None:
        stmt = stmt.where(Need.id.in_(list(ids)))
    else:
        stmt = stmt.where(Need.deleted_at.is_not(None) if deleted else Need.deleted_at.is_(None))
    if unit_id is not None:
        stmt = stmt.where(Need.unit_id == unit_id)
    # Core execution on the session's connection: no ORM row processing for a plain list.
    rows = session.connection().execute(stmt).all()
    return RowSet(ROW_COLUMNS, rows)  # type: ignore[arg-type]


def set_status_many(
    session: Session, ids: Iterable[int], target: NeedStatus | str, actor: str, reason: str = ""
) -> BulkResult:
    """Move every need among ``ids`` for which the move is legal; the others stay as they
    were and are listed with the reason."""
    status = target if isinstance(target, NeedStatus) else workflow.parse_status(target)
    done: list[str] = []
    refused: dict[str, str] = {}
    for need in session.scalars(select(Need).where(Need.id.in_(list(ids)),
                                                   Need.deleted_at.is_(None))):
        try:
            # transition() checks everything before it changes anything.
            workflow.transition(session, need, status, actor, reason)
        except (IllegalTransitionError, ValidationError) as exc:
            refused[need.code] = exc.message
            continue
        done.append(need.code)
    return BulkResult(done, refused)


def delete_many(session: Session, ids: Iterable[int]) -> BulkResult:
    return soft_delete_many(session, Need, ids, "需求")


def restore_many(session: Session, ids: Iterable[int]) -> BulkResult:
    return restore_many_records(session, Need, ids, "需求")


def check(session: Session, data: dict[str, Any], key: int | str | None = None) -> dict[str, str]:
    """The problems a save of ``data`` would meet, field by field, without saving (what a
    form shows next to each field as it is filled in). ``key``: the need being edited."""
    try:
        if key is None:
            _values(session, data)
        else:
            need = get_need(session, key)
            current = {k: getattr(need, k) for k in _EDITABLE}
            _values(session, merge_changes(current, data))
    except ValidationError as exc:
        return dict(exc.errors)
    return {}


def form_values(session: Session, key: int | str) -> dict[str, Any]:
    """What an edit form starts from: the editable values, the version it is based on, and
    the names and codes the form shows beside the ids."""
    need = get_need(session, key)
    values: dict[str, Any] = {k: getattr(need, k) for k in _EDITABLE}
    values |= {
        "id": need.id,
        "code": need.code,
        "version": need.version,
        "status": NeedStatus(need.status).value,
        "unit_code": need.unit.code,
        "unit_name": need.unit.name,
        "field_path": field_path(need.field),
    }
    return values


def detail(session: Session, key: int | str) -> dict[str, Any]:
    """One need for a detail panel: its values with names, its history (oldest first) and
    the workflow actions legal now."""
    need = get_need(session, key, include_deleted=True)
    status = NeedStatus(need.status)
    return {
        "id": need.id,
        "code": need.code,
        "title": need.title,
        "description": need.description,
        "status": status.value,
        "status_label": workflow.status_label(status),
        "unit": need.unit.name,
        "unit_code": need.unit.code,
        "contact_person": need.unit.contact_person,
        "phone": need.unit.phone,
        "township": need.township.name,
        "village": need.village.name if need.village else "",
        "priority": bool(need.village and need.village.is_priority),
        "field_path": field_path(need.field),
        "window_start": need.window_start,
        "window_end": need.window_end,
        "experts_wanted": need.experts_wanted,
        "days_wanted": need.days_wanted,
        "required_title": need.required_title or "",
        "beneficiaries_estimate": need.beneficiaries_estimate,
        "source": need.source,
        "submitted_on": need.submitted_on,
        "deleted": need.deleted_at is not None,
        "version": need.version,
        "events": [
            {"at": e.at, "actor": e.actor,
             "from_status": NeedStatus(e.from_status).value if e.from_status else None,
             "to_status": NeedStatus(e.to_status).value, "reason": e.reason}
            for e in need.events
        ],
        "transitions": [] if need.deleted_at is not None else [
            {"target": t.target.value, "action": t.action, "reason_required": t.reason_required}
            for t in workflow.allowed_transitions(status)
        ],
    }


def status_counts(session: Session) -> dict[NeedStatus, int]:
    """How many live needs are in each status (every status present, zero included)."""
    counts = dict.fromkeys(NeedStatus, 0)
    stmt = (select(type_coerce(Need.status, String()), func.count())
            .where(Need.deleted_at.is_(None)).group_by(Need.status))
    for status, n in session.connection().execute(stmt):
        counts[NeedStatus(status)] = n
    return counts
