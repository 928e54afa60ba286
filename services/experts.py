"""Experts (专家库): records, specialties and unavailable days."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import GENDERS, HONOURS, TITLES, Expert, ExpertUnavailability, Field, expert_specialty
from models.dialect import as_text
from services import privacy
from services import validation as v
from services.errors import DuplicateError, NotFoundError, ValidationError
from services.fields import find_field
from services.records import (
    BulkResult,
    RowSet,
    apply,
    check_version,
    get_record,
    next_code,
    restore,
    soft_delete,
    soft_delete_many,
)
from services.records import restore_many as restore_many_records
from services.units import get_unit

_EDITABLE = ("name", "gender", "birth_year", "id_number", "phone", "employer", "employer_unit_id",
             "title", "title_name", "honours", "home_place", "home_latitude", "home_longitude",
             "retired", "max_days_per_month", "max_days_per_year", "notes")


def _honours(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else str(value).replace("，", ",").replace(
        "、", ",").split(",")
    clean = [v.normalize_text(i) for i in items if v.normalize_text(i)]
    bad = [h for h in clean if h not in HONOURS]
    if bad:
        raise ValidationError.single(
            "honours", f"荣誉“{'、'.join(bad)}”不在列表中，可选：{'、'.join(HONOURS)}。"
        )
    return list(dict.fromkeys(clean))


def _values(session: Session, data: dict[str, Any], current: Expert | None) -> dict[str, Any]:
    data = privacy.keep_stored(data, current)
    c = v.Collector()
    today = date.today()
    values: dict[str, Any] = {
        "name": c.check(v.required, "name", "姓名", data.get("name"), 40),
        "id_number": c.check(v.id_number, data.get("id_number")) or "",
        "phone": c.check(v.phone, data.get("phone")) or "",
        "employer": c.check(v.optional_text, "employer", "工作单位", data.get("employer"), 100),
        "title": c.check(v.choice, data.get("title") or "无", "title", "职称级别", TITLES),
        "title_name": c.check(v.optional_text, "title_name", "职称", data.get("title_name"), 40),
        "honours": c.check(_honours, data.get("honours")),
        "home_place": c.check(v.optional_text, "home_place", "常住地", data.get("home_place"), 200),
        "retired": bool(data.get("retired", False)),
        "max_days_per_month": c.check(v.int_in_range, data.get("max_days_per_month", 10),
                                      "max_days_per_month", "每月最多服务天数", 1, 31),
        "max_days_per_year": c.check(v.int_in_range, data.get("max_days_per_year", 60),
                                     "max_days_per_year", "每年最多服务天数", 1, 366),
        "notes": c.check(v.optional_text, "notes", "备注", data.get("notes"), 2000),
    }
    lat, lon = c.check(v.coordinates, data.get("home_latitude"), data.get("home_longitude"),
                       "home_latitude") or (None, None)
    values["home_latitude"], values["home_longitude"] = lat, lon
    birth_year = c.check(v.int_in_range, data.get("birth_year"), "birth_year", "出生年份",
                         1920, today.year - 16, allow_none=True)
    gender = data.get("gender")
    id_number = values["id_number"]
    if id_number:
        # The ID number knows the birth year and gender; fill them in or catch a mismatch.
        id_year = v.id_number_birth_date(id_number).year
        id_gender = v.id_number_gender(id_number)
        if birth_year is None:
            birth_year = id_year
        elif birth_year != id_year:
            c.add("birth_year", f"出生年份 {birth_year} 与身份证号中的 {id_year} 不一致。")
        if not gender:
            gender = id_gender
        elif v.normalize_text(gender) != id_gender:
            c.add("gender", f"性别“{gender}”与身份证号（{id_gender}）不一致。")
    values["birth_year"] = birth_year
    values["gender"] = c.check(v.choice, gender or "", "gender", "性别", GENDERS)
    if (values["max_days_per_month"] or 0) > (values["max_days_per_year"] or 366):
        c.add("max_days_per_month", "每月最多服务天数不能大于每年最多服务天数。")
    employer_unit = data.get("employer_unit_id")
    values["employer_unit_id"] = None
    if employer_unit not in (None, ""):
        try:
            values["employer_unit_id"] = get_unit(session, employer_unit).id
        except NotFoundError as exc:
            c.add("employer_unit_id", exc.message)
    _check_duplicates(session, values, current, c)
    c.raise_if_any()
    return values


def _check_duplicates(
    session: Session, values: dict[str, Any], current: Expert | None, c: v.Collector
) -> None:
    for column, label in ((Expert.id_number, "身份证号"), (Expert.phone, "电话")):
        value = values.get(column.key)
        if not value:
            continue
        other = session.scalar(select(Expert).where(column == value))
        if other is not None and other is not current:
            where = "（已删除，可在回收站中恢复）" if other.deleted_at else ""
            c.add(column.key, f"{label}与专家“{other.name}”（{other.code}）{where}相同，不能重复录入。")


def _specialties(session: Session, items: Any) -> list[Field]:
    if items in (None, ""):
        return []
    if isinstance(items, str):
        items = [s for s in items.replace("，", ",").replace("、", ",").split(",") if s.strip()]
    fields: list[Field] = []
    errors: list[str] = []
    for item in items:
        try:
            field = item if isinstance(item, Field) else find_field(session, str(item),
                                                                   "specialties")
        except (ValidationError, NotFoundError) as exc:
            errors.append(exc.message)
            continue
        if field not in fields:
            fields.append(field)
    if errors:
        raise ValidationError.single("specialties", "；".join(errors))
    return fields


def create_expert(session: Session, data: dict[str, Any]) -> Expert:
    c = v.Collector()
    values = c.check(_values, session, data, None)
    specialties = c.check(_specialties, session, data.get("specialties"))
    c.raise_if_any()
    expert = Expert(code=next_code(session, Expert, "ZJ-"), **values)
    expert.specialties = specialties or []
    session.add(expert)
    session.flush()
    return expert


def get_expert(session: Session, key: int | str, *, include_deleted: bool = False) -> Expert:
    return get_record(session, Expert, key, "专家", include_deleted=include_deleted)


def update_expert(
    session: Session, key: int | str, changes: dict[str, Any], expected_version: int | None = None
) -> Expert:
    expert = get_expert(session, key)
    check_version(expert, expected_version, f"专家“{expert.name}”",
                  redo=lambda: update_expert(session, expert.id, changes))
    current = {k: getattr(expert, k) for k in _EDITABLE}
    c = v.Collector()
    values = c.check(_values, session, current | changes, expert)
    specialties = (c.check(_specialties, session, changes["specialties"])
                   if "specialties" in changes else None)
    c.raise_if_any()
    apply(expert, values)
    if specialties is not None and specialties != list(expert.specialties):
        expert.specialties = specialties
    session.flush()
    return expert


def delete_expert(session: Session, key: int | str) -> Expert:
    expert = get_expert(session, key)
    soft_delete(expert, f"专家“{expert.name}”")
    session.flush()
    return expert


def restore_expert(session: Session, key: int | str) -> Expert:
    expert = get_expert(session, key, include_deleted=True)
    restore(expert, f"专家“{expert.name}”")
    session.flush()
    return expert


def add_unavailability(
    session: Session, key: int | str, start: Any, end: Any, reason: str = ""
) -> ExpertUnavailability:
    expert = get_expert(session, key)
    c = v.Collector()
    s = c.check(v.parse_date, start, "start_date", "开始日期")
    e = c.check(v.parse_date, end, "end_date", "结束日期")
    if s is None and "start_date" not in c.errors:
        c.add("start_date", "请填写开始日期。")
    if e is None and "end_date" not in c.errors:
        c.add("end_date", "请填写结束日期。")
    c.raise_if_any()
    v.window(s, e, "end_date", "不可服务时段")
    for other in expert.unavailability:
        if other.start_date <= e and s <= other.end_date:  # type: ignore[operator]
            raise DuplicateError.single(
                "start_date",
                f"与已有的不可服务时段 {other.start_date}～{other.end_date} 重叠，请合并或修改。",
            )
    period = ExpertUnavailability(
        start_date=s, end_date=e, reason=v.optional_text("reason", "原因", reason, 200)
    )
    expert.unavailability.append(period)
    session.flush()
    return period


def remove_unavailability(session: Session, period_id: int) -> None:
    period = session.get(ExpertUnavailability, period_id)
    if period is None:
        raise NotFoundError(f"找不到编号为 {period_id} 的不可服务时段。")
    session.delete(period)
    session.flush()


def list_experts(session: Session, *, include_deleted: bool = False,
                 reveal: bool = False) -> list[dict[str, Any]]:
    """Experts as dicts (the command line); phones masked unless ``reveal`` (which needs the
    role of ``privacy.reveal_role`` and is audited)."""
    rows = session.execute(
        select(Expert.id, Expert.code, Expert.name, Expert.gender, Expert.birth_year,
               Expert.title, Expert.title_name, Expert.employer, Expert.phone, Expert.honours,
               Expert.retired, Expert.home_place, Expert.deleted_at)
        .where(True if include_deleted else Expert.deleted_at.is_(None))
        .order_by(Expert.code)
    ).all()
    names = dict(session.execute(select(Field.id, Field.name)).all())
    specialties: dict[int, list[str]] = {}
    for expert_id, field_id in session.execute(
        select(expert_specialty.c.expert_id, expert_specialty.c.field_id)
    ):
        specialties.setdefault(expert_id, []).append(names[field_id])
    result = []
    for r in rows:
        row = dict(r._mapping)
        row["honours"] = "、".join(row["honours"] or [])
        row["specialties"] = "、".join(specialties.get(r.id, []))
        result.append(row if reveal else privacy.mask_mapping(row))
    if reveal:
        privacy.reveal_in_list(session, "专家", len(result))
    return result


# -- queries and bulk actions for the list screens ---------------------------------------------

#: Columns of ``list_rows``; ``field_ids`` is a tuple of the expert's specialty ids and
#: ``specialties`` their names joined with 、.
ROW_COLUMNS = ("id", "code", "name", "gender", "birth_year", "title", "title_name", "employer",
               "phone", "id_number", "honours", "specialties", "field_ids", "retired",
               "home_place", "updated_at", "deleted_at")


def list_rows(
    session: Session, *, deleted: bool = False, ids: Collection[int] | None = None,
    reveal: bool = False,
) -> RowSet:
    """Experts for a list screen (``ROW_COLUMNS``): the live ones, or only the deleted ones.
    ``ids`` reads just those rows, deleted or not. ID numbers and phones are masked unless
    ``reveal`` (which needs the role of ``privacy.reveal_role`` and is audited)."""
    stmt = (
        select(Expert.id, Expert.code, Expert.name, Expert.gender, Expert.birth_year,
               Expert.title, Expert.title_name, Expert.employer, Expert.phone,
               Expert.id_number, Expert.honours, Expert.retired, Expert.home_place,
               as_text(Expert.updated_at), as_text(Expert.deleted_at))
        .order_by(Expert.code)
    )
    links = select(expert_specialty.c.expert_id, expert_specialty.c.field_id).order_by(
        expert_specialty.c.expert_id, expert_specialty.c.field_id)
    if ids is not None:
        stmt = stmt.where(Expert.id.in_(list(ids)))
        links = links.where(expert_specialty.c.expert_id.in_(list(ids)))
    else:
        stmt = stmt.where(Expert.deleted_at.is_not(None) if deleted
                          else Expert.deleted_at.is_(None))
    names = dict(session.execute(select(Field.id, Field.name)).all())
    specialties: dict[int, list[int]] = {}
    for expert_id, field_id in session.execute(links):
        specialties.setdefault(expert_id, []).append(field_id)
    rows = []
    for (id_, code, name, gender, birth_year, title, title_name, employer, phone, id_number,
         honours, retired, home_place, updated_at, deleted_at) in session.execute(stmt):
        field_ids = tuple(specialties.get(id_, ()))
        rows.append((id_, code, name, gender, birth_year, title, title_name, employer, phone,
                     id_number, "、".join(honours or ()), "、".join(names[f] for f in field_ids),
                     field_ids, bool(retired), home_place, updated_at, deleted_at))
    if reveal:
        privacy.reveal_in_list(session, "专家", len(rows))
        return RowSet(ROW_COLUMNS, rows)
    return RowSet(ROW_COLUMNS, privacy.mask_rows(ROW_COLUMNS, rows))


def delete_many(session: Session, ids: Iterable[int]) -> BulkResult:
    return soft_delete_many(session, Expert, ids, "专家")


def restore_many(session: Session, ids: Iterable[int]) -> BulkResult:
    return restore_many_records(session, Expert, ids, "专家")


def check(
    session: Session, data: dict[str, Any], key: int | str | None = None
) -> dict[str, str]:
    """The problems a save of ``data`` would meet, field by field, without saving.
    ``key``: the expert being edited (so their own ID number is no duplicate)."""
    c = v.Collector()
    current = None
    values = data
    if key is not None:
        current = get_expert(session, key)
        values = {k: getattr(current, k) for k in _EDITABLE} | data
    c.check(_values, session, values, current)
    if "specialties" in data:
        c.check(_specialties, session, data["specialties"])
    return c.errors


def check_period(
    start: Any, end: Any, others: Iterable[tuple[date, date]] = ()
) -> tuple[date, date]:
    """A date range an expert cannot serve: both dates given, in order, and not overlapping
    ``others`` (the ranges already listed). Returns the parsed dates."""
    c = v.Collector()
    s = c.check(v.parse_date, start, "start_date", "开始日期")
    e = c.check(v.parse_date, end, "end_date", "结束日期")
    if s is None and "start_date" not in c.errors:
        c.add("start_date", "请填写开始日期。")
    if e is None and "end_date" not in c.errors:
        c.add("end_date", "请填写结束日期。")
    c.raise_if_any()
    assert s is not None and e is not None
    v.window(s, e, "end_date", "不可服务时段")
    for other_start, other_end in others:
        if other_start <= e and s <= other_end:
            raise DuplicateError.single(
                "start_date",
                f"与已有的不可服务时段 {other_start}～{other_end} 重叠，请合并或修改。",
            )
    return s, e


def form_values(session: Session, key: int | str) -> dict[str, Any]:
    """What an edit form starts from: the editable values, the version, the specialties
    (ids) and the unavailable periods."""
    expert = get_expert(session, key)
    values: dict[str, Any] = {k: getattr(expert, k) for k in _EDITABLE}
    values |= {
        "id": expert.id,
        "code": expert.code,
        "version": expert.version,
        "honours": list(expert.honours or []),
        "specialties": [f.id for f in expert.specialties],
        "unavailability": [
            {"id": p.id, "start_date": p.start_date, "end_date": p.end_date, "reason": p.reason}
            for p in expert.unavailability
        ],
    }
    return privacy.form_personal_data(session, values, expert.name, "Expert", expert.id)
