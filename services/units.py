"""Units that ask for help (需求单位)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import UNIT_TYPES, Township, Unit, Village
from services import validation as v
from services.places import resolve_place
from services.records import apply, check_version, get_record, next_code, restore, soft_delete

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
    check_version(unit, expected_version, "需求单位")
    current = {k: getattr(unit, k) for k in _EDITABLE}
    if "township" in changes or "township_id" in changes:
        current.pop("village_id")
    apply(unit, _values(session, current | changes))
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


def list_units(session: Session, *, include_deleted: bool = False) -> list[dict[str, Any]]:
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
    return [dict(r._mapping) for r in session.execute(stmt)]
