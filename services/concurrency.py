"""Optimistic locking, explained: when a save is based on an out-of-date read, say who changed
the record, when, and on which fields the user's save and the stored record now differ.

Every record has a ``version`` (models/base.py, SQLAlchemy's ``version_id_col``): a save sends
the version it was read at (``expected_version``) and is refused when the record has moved on,
so two people never silently overwrite each other. Two ways to be refused:

- the service sees the difference first (``records.check_version``): the ``ConflictError``
  then lists the differing fields, worked out by applying the user's changes to the current
  record inside a savepoint that is rolled back (so the comparison uses the services' own
  parsing and validation: a date typed as text compares as a date);
- both saves read the same version and race to the UPDATE: the database refuses the second
  (``UPDATE … WHERE version = n`` changes no row → ``StaleDataError``) and
  services/uow.py turns that into a ``ConflictError`` without details.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, object_session

from models import AuditEntry
from models.base import Base
from models.dialect import begin_for_savepoint
from services.errors import ConflictError, FieldChange, ServiceError

# Columns that change on every save and say nothing to the user.
_NOISE = {"id", "uuid", "version", "created_at", "updated_at"}
# Names of fields for the message when a form has no label of its own for them.
LABELS = {
    "name": "名称", "title": "标题", "code": "编号", "description": "描述", "phone": "电话",
    "id_number": "身份证号", "gender": "性别", "birth_year": "出生年份", "employer": "工作单位",
    "employer_unit_id": "工作单位", "title_name": "职称名称", "honours": "荣誉称号",
    "specialties": "专业领域", "retired": "是否退休", "max_days_per_month": "每月最多服务天数",
    "max_days_per_year": "每年最多服务天数", "notes": "备注", "note": "备注",
    "unit_id": "需求单位", "township_id": "乡镇", "village_id": "村", "field_id": "专业领域",
    "crop": "作物/产业", "crop_phase_id": "农时", "window_start": "开始日期",
    "window_end": "结束日期", "experts_wanted": "需要专家人数", "days_wanted": "服务天数",
    "required_title": "职称要求", "priority": "重点帮扶", "beneficiaries_estimate": "预计受益人数",
    "unit_type": "单位类型", "contact_person": "联系人", "address": "地址",
    "latitude": "纬度", "longitude": "经度", "poverty_alleviated": "脱贫村",
    "key_support": "重点帮扶村", "status": "状态", "start_date": "开始日期",
    "end_date": "结束日期", "place": "地点", "tasks": "任务", "deleted_at": "删除",
}
_SHOWN = 6  # differences named in the message; all of them are in ``changes``


def display(value: Any) -> str:
    """A stored value as people read it."""
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return f"{value:g}"
    if isinstance(value, Base):
        for attr in ("name", "title", "code"):
            text = getattr(value, attr, None)
            if isinstance(text, str) and text:
                return text
        return str(getattr(value, "id", ""))
    if isinstance(value, list | tuple | set):
        return "、".join(display(v) for v in value)
    return str(value)


def _values(obj: Base) -> dict[str, Any]:
    """The record's fields as display text: columns (a reference by its target's name) and
    many-to-many lists (specialties)."""
    state = inspect(obj)
    mapper = state.mapper
    out: dict[str, Any] = {}
    by_column = {}
    for rel in mapper.relationships:
        if rel.secondary is not None:
            out[rel.key] = display(sorted(display(o) for o in getattr(obj, rel.key)))
        elif rel.direction.name == "MANYTOONE" and len(rel.local_columns) == 1:
            by_column[next(iter(rel.local_columns)).key] = rel.key
    for attr in mapper.column_attrs:
        if attr.key in _NOISE:
            continue
        if attr.key in by_column:
            out[attr.key] = display(getattr(obj, by_column[attr.key]))
        else:
            out[attr.key] = display(getattr(obj, attr.key))
    return out


def differences(session: Session, obj: Base, redo: Callable[[], Any]) -> list[FieldChange]:
    """Fields on which ``obj`` as stored differs from ``obj`` after ``redo()`` (the user's
    changes applied to the current version). Nothing is kept: a savepoint is rolled back.
    Empty when the changes no longer apply (they fail validation on the current version)."""
    theirs = _values(obj)
    begin_for_savepoint(session.connection())
    savepoint = session.begin_nested()
    try:
        redo()
        session.flush()
        mine = _values(obj)
    except ServiceError:
        mine = None
    finally:
        savepoint.rollback()
    if mine is None:
        return []
    return [FieldChange(key, LABELS.get(key, key), mine[key], theirs[key])
            for key in theirs if key in mine and mine[key] != theirs[key]]


def last_change(session: Session, obj: Base) -> tuple[str, datetime | None]:
    """Who last changed the record and when, from the audit trail (``""`` if unknown)."""
    row = session.execute(
        select(AuditEntry.actor, AuditEntry.at)
        .where(AuditEntry.entity_type == type(obj).__name__,
               AuditEntry.entity_id == getattr(obj, "id", None))
        .order_by(AuditEntry.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else ("", None)


def conflict_error(obj: Base, expected_version: int, label: str,
                   redo: Callable[[], Any] | None = None) -> ConflictError:
    """The error for a save of ``obj`` based on version ``expected_version``."""
    session = object_session(obj)
    current = getattr(obj, "version", None)
    by, at = last_change(session, obj) if session is not None else ("", None)
    changes = differences(session, obj, redo) if session is not None and redo else []
    when = f"于 {at:%Y-%m-%d %H:%M} " if at else ""
    who = f"已被“{by}”{when}修改" if by else "已被其他人修改"
    message = f"{label}{who}（您打开的是第 {expected_version} 版，现在是第 {current} 版）。"
    if changes:
        shown = "；".join(f"{c.label}：您的是“{c.mine}”，现在是“{c.theirs}”"
                         for c in changes[:_SHOWN])
        message += f"不同之处：{shown}{' 等' if len(changes) > _SHOWN else ''}。"
    message += "请重新载入；或保留您的修改，在最新版本上重新保存。"
    return ConflictError(message, changes=changes, entity=type(obj).__name__,
                         entity_id=getattr(obj, "id", None), expected_version=expected_version,
                         current_version=current, changed_by=by, changed_at=at)
