"""Units that ask for help (需求单位)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import UNIT_TYPES, Need, Township, Unit, Village
from models.dialect import as_text
from services import privacy
from services import validation as v
from services.errors import ValidationError
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

_EDITABLE = ("name", "unit_type", "township_id", "village_id", "address", "contact_person",
             "phone", "notes")


def _values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    c = v.Collector()
    name = c.check(v.required, "name", "单位名称", data.get("name"), 100)
    unit_type = c.check(v.choice, data.get("unit_type") or "其他", "unit_type", "单位类型",
                        UNIT_TYPES)
    township, village = resolve_place(session, data, c)
    phone = c.check(v.phone, data.get("phone"))
    values = {
        "name": name,
        "unit_type": unit_type,
        "address": c.check(v.optional_text, "address", "地址", data.get("address"), 200),
        "contact_person": c.check(v.optional_text, "contact_person", "联系人",
                                  data.get("contact_person"), 40),
        "phone": phone,
        "notes": c.check(v.optional_text, "notes", "备注", data.get("notes"), 1000),
    }
    c.raise_if_any()
    assert township is not None
    values["township_id"] = township.id
    values["village_id"] = village.id if village else None
    return values


def create_unit(session: Session, data: dict[str, Any]) -> Unit:
    unit = Unit(code=next_code(session, Unit, "DW-"), **_values(session, data))
    session.add(unit)
    session.flush()
    return unit


def get_unit(session: Session, key: int | str, *, include_deleted: bool = False) -> Unit:
    return get_record(session, Unit, key, "需求单位", include_deleted=include_deleted)


def update_unit(
    session: Session, key: int | str, changes: dict[str, Any], expected_version: int | None = None
) -> Unit:
    unit = get_unit(session, key)
    check_version(unit, expected_version, f"需求单位“{unit.name}”",
                  redo=lambda: update_unit(session, unit.id, changes))
    current = {k: getattr(unit, k) for k in _EDITABLE}
    changes = privacy.keep_stored(changes, current)
    if "township" in changes or "township_id" in changes:
        current.pop("village_id")
    apply(unit, _values(session, merge_changes(current, changes)))
    session.flush()
    return unit


def delete_unit(session: Session, key: int | str) -> Unit:
    unit = get_unit(session, key)
    soft_delete(unit, f"需求单位“{unit.name}”")
    session.flush()
    return unit


def restore_unit(session: Session, key: int | str) -> Unit:
    unit = get_unit(session, key, include_deleted=True)
    restore(unit, f"需求单位“{unit.name}”")
    session.flush()
    return unit


def list_units(session: Session, *, include_deleted: bool = False,
               reveal: bool = False) -> list[dict[str, Any]]:
    """Units as dicts; phones masked unless ``reveal`` (role-checked and audited)."""
    stmt = (
        select(Unit.id, Unit.code, Unit.name, Unit.unit_type, Township.name.label("township"),
               Village.name.label("village"), Unit.contact_person, Unit.phone, Unit.address,
               Unit.deleted_at)
        .join(Township, Unit.township_id == Township.id)
        .outerjoin(Village, Unit.village_id == Village.id)
        .order_by(Unit.code)
    )
    if not include_deleted:
        stmt = stmt.where(Unit.deleted_at.is_(None))
    rows = [dict(r._mapping) for r in session.execute(stmt)]
    if reveal:
        privacy.reveal_in_list(session, "需求单位", len(rows))
        return rows
    return [privacy.mask_mapping(r) or {} for r in rows]


# -- queries and bulk actions for the list screens ---------------------------------------------

#: Columns of ``list_rows``; ``needs`` counts the unit's live needs.
ROW_COLUMNS = ("id", "code", "name", "unit_type", "township", "village", "contact_person",
               "phone", "address", "needs", "township_id", "village_id", "updated_at",
               "deleted_at")


def list_rows(
    session: Session, *, deleted: bool = False, ids: Collection[int] | None = None,
    reveal: bool = False,
) -> RowSet:
    """Units for a list screen (``ROW_COLUMNS``): the live ones, or only the deleted ones.
    ``ids`` reads just those rows, deleted or not. Phones are masked unless ``reveal``
    (role-checked and audited)."""
    needs = (select(Need.unit_id, func.count().label("n")).where(Need.deleted_at.is_(None))
             .group_by(Need.unit_id).subquery())
    stmt = (
        select(Unit.id, Unit.code, Unit.name, Unit.unit_type, Township.name, Village.name,
               Unit.contact_person, Unit.phone, Unit.address, func.coalesce(needs.c.n, 0),
               Unit.township_id, Unit.village_id, as_text(Unit.updated_at),
               as_text(Unit.deleted_at))
        .join(Township, Unit.township_id == Township.id)
        .outerjoin(Village, Unit.village_id == Village.id)
        .outerjoin(needs, needs.c.unit_id == Unit.id)
        .order_by(Unit.code)
    )
    if ids is not None:
        stmt = stmt.where(Unit.id.in_(list(ids)))
    else:
        stmt = stmt.where(Unit.deleted_at.is_not(None) if deleted else Unit.deleted_at.is_(None))
    rows = session.connection().execute(stmt).all()
    if reveal:
        privacy.reveal_in_list(session, "需求单位", len(rows))
        return RowSet(ROW_COLUMNS, rows)  # type: ignore[arg-type]
    return RowSet(ROW_COLUMNS, privacy.mask_rows(ROW_COLUMNS, rows))


def delete_many(session: Session, ids: Iterable[int]) -> BulkResult:
    return soft_delete_many(session, Unit, ids, "需求单位")


def restore_many(session: Session, ids: Iterable[int]) -> BulkResult:
    return restore_many_records(session, Unit, ids, "需求单位")


def check(session: Session, data: dict[str, Any], key: int | str | None = None) -> dict[str, str]:
    """The problems a save of ``data`` would meet, field by field, without saving."""
    try:
        if key is None:
            _values(session, data)
        else:
            unit = get_unit(session, key)
            _values(session, merge_changes({k: getattr(unit, k) for k in _EDITABLE},
                                           privacy.keep_stored(data, unit)))
    except ValidationError as exc:
        return dict(exc.errors)
    return {}


def form_values(session: Session, key: int | str) -> dict[str, Any]:
    """What an edit form starts from: the editable values and the version."""
    unit = get_unit(session, key)
    values = {k: getattr(unit, k) for k in _EDITABLE} | {
        "id": unit.id, "code": unit.code, "version": unit.version}
    return privacy.form_personal_data(session, values, unit.name, "Unit", unit.id)
