"""The audit trail, written automatically for every flushed change.

A session listener (installed once per session factory by services/database.py) turns each
new, changed and deleted record into an ``AuditEntry`` inside the same transaction, so an
audit entry exists exactly when the change does. Who acts comes from ``session.info["actor"]``,
set by the unit of work.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import History

from models import AuditEntry, NeedEvent
from models.base import Base

# Records that are themselves history.
_NOT_AUDITED = (AuditEntry, NeedEvent)
# Timestamps and the lock counter change on every save and say nothing.
_NOISE = {"updated_at", "created_at", "version"}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Base):
        return getattr(value, "id", None)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Base) -> dict[str, Any]:
    """All column values of a record as JSON-safe values."""
    mapper = inspect(obj).mapper
    return {
        attr.key: _plain(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in _NOISE
    }


def _changes(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _NOISE:
            continue
        hist: History = state.attrs[attr.key].history
        if hist.has_changes() and hist.deleted:
            before[attr.key] = _plain(hist.deleted[0])
            after[attr.key] = _plain(hist.added[0] if hist.added else None)
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue
        hist = state.attrs[rel.key].history
        if hist.has_changes():
            unchanged = [_plain(o) for o in hist.unchanged]
            before[rel.key] = sorted(unchanged + [_plain(o) for o in hist.deleted])
            after[rel.key] = sorted(unchanged + [_plain(o) for o in hist.added])
    return before, after


def _action(obj: Base, before: dict[str, Any], after: dict[str, Any]) -> str:
    if "deleted_at" in after:
        return "restore" if after["deleted_at"] is None else "delete"
    if "status" in after:
        return "status"
    return "update"


def _after_flush(session: Session, _flush_context: Any) -> None:
    actor = session.info.get("actor") or "系统"
    note = session.info.get("audit_note", "")
    rows: list[dict[str, Any]] = []

    def add(obj: Base, action: str, before: Any, after: Any) -> None:
        rows.append(
            {
                "actor": actor,
                "action": action,
                "entity_type": type(obj).__name__,
                "entity_id": getattr(obj, "id", None),
                "entity_uuid": getattr(obj, "uuid", None),
                "before": before,
                "after": after,
                "note": note,
            }
        )

    for obj in session.new:
        if not isinstance(obj, _NOT_AUDITED):
            add(obj, "create", None, snapshot(obj))
    for obj in session.dirty:
        if isinstance(obj, _NOT_AUDITED) or not session.is_modified(obj):
            continue
        before, after = _changes(obj)
        if after:
            add(obj, _action(obj, before, after), before, after)
    for obj in session.deleted:
        if not isinstance(obj, _NOT_AUDITED):
            add(obj, "delete", snapshot(obj), None)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def install(factory: sessionmaker[Session]) -> None:
    from sqlalchemy import event

    event.listen(factory, "after_flush", _after_flush)


def history(session: Session, entity_type: str, entity_id: int) -> list[AuditEntry]:
    """Every audit entry of one record, oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(stmt))
