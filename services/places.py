"""Townships (乡镇) and villages (村)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Need, Township, Unit, Village
from services import validation as v
from services.errors import NotFoundError, ServiceError, ValidationError
from services.records import apply, as_record_id, check_version, count, looks_like_id, merge_changes


def _township_values(session: Session, data: dict[str, Any], current: Township | None) -> dict[str, Any]:
    c = v.Collector()
    name = c.check(v.required, "name", "乡镇名称", data.get("name"), 40)
    lat, lon = c.check(v.coordinates, data.get("latitude"), data.get("longitude")) or (None, None)
    code = c.check(v.optional_text, "code", "区划代码", data.get("code"), 20)
    if name:
        other = session.scalar(select(Township).where(Township.name == name))
        if other is not None and other is not current:
            c.add("name", f"乡镇“{name}”已存在。")
    c.raise_if_any()
    return {"name": name, "code": code or None, "latitude": lat, "longitude": lon}


def create_township(session: Session, data: dict[str, Any]) -> Township:
    township = Township(**_township_values(session, data, None))
    session.add(township)
    session.flush()
    return township


def update_township(
    session: Session, key: int | str, changes: dict[str, Any], expected_version: int | None = None
) -> Township:
    township = find_township(session, key)
    check_version(township, expected_version, f"乡镇“{township.name}”",
                  redo=lambda: update_township(session, township.id, changes))
    current = {"name": township.name, "code": township.code,
               "latitude": township.latitude, "longitude": township.longitude}
    apply(township, _township_values(session, current | changes, township))
    session.flush()
    return township


def delete_township(session: Session, key: int | str) -> None:
    township = find_township(session, key)
    used = count(session, Village, Village.township_id == township.id) + count(
        session, Unit, Unit.township_id == township.id
    ) + count(session, Need, Need.township_id == township.id)
    if used:
        raise ServiceError(f"乡镇“{township.name}”下还有村、单位或需求，不能删除。")
    session.delete(township)
    session.flush()


def find_township(session: Session, key: int | str) -> Township:
    if looks_like_id(key):
        found = session.get(Township, as_record_id(key))
    else:
        found = session.scalar(select(Township).where(Township.name == v.normalize_text(key)))
    if found is None:
        raise NotFoundError(f"找不到乡镇“{key}”。")
    return found


def _village_values(
    session: Session, data: dict[str, Any], current: Village | None
) -> dict[str, Any]:
    c = v.Collector()
    name = c.check(v.required, "name", "村名称", data.get("name"), 40)
    township = None
    try:
        township = find_township(session, data.get("township_id") or data.get("township") or "")
    except NotFoundError as exc:
        c.add("township_id", exc.message if data.get("township_id") or data.get("township")
              else "请选择所属乡镇。")
    lat, lon = c.check(v.coordinates, data.get("latitude"), data.get("longitude")) or (None, None)
    if name and township is not None:
        other = session.scalar(
            select(Village).where(Village.township_id == township.id, Village.name == name)
        )
        if other is not None and other is not current:
            c.add("name", f"{township.name}已有“{name}”。")
    c.raise_if_any()
    assert township is not None
    return {
        "name": name,
        "township_id": township.id,
        "key_support": bool(data.get("key_support", False)),
        "poverty_alleviated": bool(data.get("poverty_alleviated", False)),
        "latitude": lat,
        "longitude": lon,
    }


def create_village(session: Session, data: dict[str, Any]) -> Village:
    village = Village(**_village_values(session, data, None))
    session.add(village)
    session.flush()
    return village


def update_village(
    session: Session, village_id: int, changes: dict[str, Any], expected_version: int | None = None
) -> Village:
    village = session.get(Village, village_id)
    if village is None:
        raise NotFoundError(f"找不到编号为 {village_id} 的村。")
    check_version(village, expected_version, f"村“{village.name}”",
                  redo=lambda: update_village(session, village.id, changes))
    current = {k: getattr(village, k) for k in
               ("name", "township_id", "key_support", "poverty_alleviated", "latitude", "longitude")}
    apply(village, _village_values(session, merge_changes(current, changes), village))
    session.flush()
    return village


def delete_village(session: Session, village_id: int) -> None:
    village = session.get(Village, village_id)
    if village is None:
        raise NotFoundError(f"找不到编号为 {village_id} 的村。")
    if count(session, Unit, Unit.village_id == village_id) or count(
        session, Need, Need.village_id == village_id
    ):
        raise ServiceError(f"“{village.name}”还有单位或需求，不能删除。")
    session.delete(village)
    session.flush()


def find_village(session: Session, township: Township, name: str) -> Village:
    found = session.scalar(
        select(Village).where(Village.township_id == township.id,
                              Village.name == v.normalize_text(name))
    )
    if found is None:
        raise ValidationError.single("village_id", f"{township.name}没有“{name}”。")
    return found


def list_townships(session: Session) -> list[dict[str, Any]]:
    villages = (
        select(Village.township_id, func.count().label("n"))
        .group_by(Village.township_id).subquery()
    )
    stmt = (
        select(Township.id, Township.name, Township.code, Township.latitude, Township.longitude,
               func.coalesce(villages.c.n, 0).label("villages"))
        .outerjoin(villages, villages.c.township_id == Township.id)
        .order_by(Township.name)
    )
    return [dict(r._mapping) for r in session.execute(stmt)]


def list_villages(session: Session, township_id: int | None = None) -> list[dict[str, Any]]:
    stmt = (
        select(Village.id, Village.name, Township.name.label("township"), Village.township_id,
               Village.key_support, Village.poverty_alleviated, Village.latitude,
               Village.longitude)
        .join(Township)
        .order_by(Township.name, Village.name)
    )
    if township_id is not None:
        stmt = stmt.where(Village.township_id == township_id)
    return [dict(r._mapping) for r in session.execute(stmt)]


def resolve_place(
    session: Session, data: dict[str, Any], c: v.Collector, *, required: bool = True
) -> tuple[Township | None, Village | None]:
    """Township and optional village from ``township_id``/``township`` and
    ``village_id``/``village`` (ids or names); problems go into the collector."""
    township_key = data.get("township_id") or data.get("township")
    village_key = data.get("village_id") or data.get("village")
    township: Township | None = None
    village: Village | None = None
    if village_key not in (None, "") and looks_like_id(village_key):
        village = session.get(Village, as_record_id(village_key))
        if village is None:
            c.add("village_id", f"找不到编号为 {village_key} 的村。")
            return None, None
        township = village.township
        if township_key not in (None, "") and str(township_key) not in (str(township.id),
                                                                          township.name):
            c.add("village_id", f"“{village.name}”不属于所选乡镇。")
        return township, village
    if township_key in (None, ""):
        if required:
            c.add("township_id", "请选择乡镇。")
        return None, None
    try:
        township = find_township(session, township_key)
    except NotFoundError as exc:
        c.add("township_id", exc.message)
        return None, None
    if village_key not in (None, ""):
        village = c.check(find_village, session, township, str(village_key))
    return township, village


# -- checks and form values for the edit forms -------------------------------------------------

_TOWNSHIP_FIELDS = ("name", "code", "latitude", "longitude")
_VILLAGE_FIELDS = ("name", "township_id", "key_support", "poverty_alleviated", "latitude",
                   "longitude")


def check_township(
    session: Session, data: dict[str, Any], key: int | str | None = None
) -> dict[str, str]:
    """The problems a save of ``data`` would meet, field by field, without saving."""
    current = find_township(session, key) if key is not None else None
    base = {k: getattr(current, k) for k in _TOWNSHIP_FIELDS} if current else {}
    try:
        _township_values(session, base | data, current)
    except ValidationError as exc:
        return dict(exc.errors)
    return {}


def check_village(
    session: Session, data: dict[str, Any], village_id: int | None = None
) -> dict[str, str]:
    """The problems a save of ``data`` would meet, field by field, without saving."""
    current = session.get(Village, village_id) if village_id is not None else None
    base = {k: getattr(current, k) for k in _VILLAGE_FIELDS} if current else {}
    try:
        _village_values(session, merge_changes(base, data), current)
    except ValidationError as exc:
        return dict(exc.errors)
    return {}


def township_values(session: Session, key: int | str) -> dict[str, Any]:
    township = find_township(session, key)
    return {k: getattr(township, k) for k in _TOWNSHIP_FIELDS} | {
        "id": township.id, "version": township.version}


def village_values(session: Session, village_id: int) -> dict[str, Any]:
    village = session.get(Village, village_id)
    if village is None:
        raise NotFoundError(f"找不到编号为 {village_id} 的村。")
    return {k: getattr(village, k) for k in _VILLAGE_FIELDS} | {
        "id": village.id, "version": village.version, "township": village.township.name}
