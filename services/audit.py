"""The audit trail, written automatically for every flushed change.

A session listener (installed once per session factory by services/database.py) turns each
new, changed and deleted record into an ``AuditEntry`` inside the same transaction, so an
audit entry exists exactly when the change does. Who acts comes from ``session.info["actor"]``,
set by the unit of work.

Besides changes, the trail records what touches personal data or access: exports, prints of
documents with personal data, showing ID numbers and phones in full (``reveal``), logins,
failed logins, logout and lock (``record``). ID numbers and phones are masked in the values
kept (``520102********123X``, ``138****5678``): the trail shows that a number changed and
lets one trace it, without becoming a second copy of the personal data. Password hashes are
never kept.

Entries cannot be changed or deleted through the program: a ``before_flush`` guard and a
statement guard refuse it here, and database triggers (migration 0005) refuse it to anything
else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, false, func, insert, inspect, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import History

from models import AuditEntry, NeedEvent, User
from models.base import Base
from services.errors import PermissionDeniedError

# Records that are themselves history.
_NOT_AUDITED = (AuditEntry, NeedEvent)
# Timestamps and the lock counter change on every save and say nothing.
_NOISE = {"updated_at", "created_at", "version"}
# Login bookkeeping on a user: the login entries themselves say it.
_USER_NOISE = {"failed_attempts", "locked_until", "last_login_at"}
_SECRET = {"password_hash"}
IMMUTABLE_MESSAGE = "审计记录不可修改或删除。"

#: Action codes and how the viewer shows them.
ACTIONS = {
    "create": "新建", "update": "修改", "delete": "删除", "restore": "恢复", "status": "改状态",
    "export": "导出", "print": "打印", "reveal": "查看完整个人信息", "login": "登录",
    "login_failed": "登录失败", "logout": "退出登录", "lock": "锁定窗口",
}


def _protect(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Personal numbers masked, secrets replaced: what the trail may keep."""
    if values is None:
        return None
    from services.privacy import mask_value

    return {k: ("（已更改）" if k in _SECRET else mask_value(k, v)) for k, v in values.items()}


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
                "before": _protect(before),
                "after": _protect(after),
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
        if isinstance(obj, User):
            for key in _USER_NOISE:
                before.pop(key, None)
                after.pop(key, None)
        if after:
            add(obj, _action(obj, before, after), before, after)
    for obj in session.deleted:
        if not isinstance(obj, _NOT_AUDITED):
            add(obj, "delete", snapshot(obj), None)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def _refuse_changing_entries(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionDeniedError(IMMUTABLE_MESSAGE)


def _refuse_changing_statement(state: Any) -> None:
    if state.is_update or state.is_delete:
        table = getattr(getattr(state.statement, "table", None), "name", "")
        if table == AuditEntry.__tablename__:
            raise PermissionDeniedError(IMMUTABLE_MESSAGE)


def install(factory: sessionmaker[Session]) -> None:
    """The trail and its guards on every session of ``factory`` (once per database)."""
    from sqlalchemy import event

    from services import auth

    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "before_flush", _refuse_changing_entries)
    event.listen(factory, "do_orm_execute", _refuse_changing_statement)
    auth.install(factory)


def record(
    session: Session,
    action: str,
    note: str,
    *,
    actor: str | None = None,
    entity_type: str = "",
    entity_id: int | None = None,
    entity_uuid: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """An entry for something that is not a change of a record (an export, a print, a
    reveal, a login …), in ``session``: it is kept when the caller commits."""
    from services.uow import default_actor

    entry = AuditEntry(actor=(actor or session.info.get("actor") or default_actor())[:60],
                       action=action, entity_type=entity_type or action,
                       entity_id=entity_id, entity_uuid=entity_uuid,
                       before=_protect(before), after=_protect(after), note=note)
    session.add(entry)
    return entry


def history(session: Session, entity_type: str, entity_id: int) -> list[AuditEntry]:
    """Every audit entry of one record, oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(stmt))


# -- the viewer and its export -----------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the audit viewer asks for; empty fields do not filter. ``record`` is a code
    (``XQ-2026-0001``) or an id, of ``entity_type`` when given, else of any coded record;
    ``start``/``end`` are inclusive days."""

    actor: str = ""
    action: str = ""
    entity_type: str = ""
    record: str = ""
    start: date | None = None
    end: date | None = None


#: Columns of ``list_entries`` rows.
ENTRY_COLUMNS = ("id", "at", "actor", "action", "action_label", "entity_type", "entity_id",
                 "note", "before", "after")


def _models_with_code() -> dict[str, type[Base]]:
    return {m.class_.__name__: m.class_ for m in Base.registry.mappers
            if "code" in m.columns}


def _where(session: Session, f: AuditFilter) -> list[Any]:
    criteria: list[Any] = []
    if f.actor:
        criteria.append(AuditEntry.actor == f.actor)
    if f.action:
        criteria.append(AuditEntry.action == f.action)
    if f.entity_type:
        criteria.append(AuditEntry.entity_type == f.entity_type)
    if f.start:
        criteria.append(AuditEntry.at >= datetime.combine(f.start, time.min))
    if f.end:
        criteria.append(AuditEntry.at < datetime.combine(f.end + timedelta(days=1), time.min))
    key = f.record.strip()
    if key:
        if key.isdigit():
            criteria.append(AuditEntry.entity_id == int(key))
        else:
            models = _models_with_code()
            if f.entity_type:
                models = {k: v for k, v in models.items() if k == f.entity_type}
            matches = []
            for name, model in models.items():
                found = session.scalar(select(model.id).where(  # type: ignore[attr-defined]
                    model.code == key.upper()))  # type: ignore[attr-defined]
                if found is not None:
                    matches.append(and_(AuditEntry.entity_type == name,
                                        AuditEntry.entity_id == found))
            criteria.append(or_(*matches) if matches else false())
    return criteria


def _require_admin(session: Session) -> None:
    from services import auth

    auth.require(session, "管理员", "查看审计日志")


def count_entries(session: Session, f: AuditFilter = AuditFilter()) -> int:
    _require_admin(session)
    return session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(*_where(session, f))) or 0


def list_entries(session: Session, f: AuditFilter = AuditFilter(), *, offset: int = 0,
                 limit: int | None = 200) -> list[dict[str, Any]]:
    """One page of entries, newest first (the viewer reads them page by page)."""
    _require_admin(session)
    stmt = (select(AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
                   AuditEntry.entity_type, AuditEntry.entity_id, AuditEntry.note,
                   AuditEntry.before, AuditEntry.after)
            .where(*_where(session, f)).order_by(AuditEntry.id.desc()).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = []
    for r in session.execute(stmt):
        row = dict(r._mapping)
        row["action_label"] = ACTIONS.get(row["action"], row["action"])
        rows.append(row)
    return rows


def actors(session: Session) -> list[str]:
    _require_admin(session)
    return list(session.scalars(select(AuditEntry.actor).distinct().order_by(AuditEntry.actor)))


def entity_types(session: Session) -> list[str]:
    _require_admin(session)
    return list(session.scalars(select(AuditEntry.entity_type).distinct()
                                .order_by(AuditEntry.entity_type)))


def describe_values(values: dict[str, Any] | None) -> str:
    if not values:
        return ""
    return "；".join(f"{k}={v}" for k, v in values.items())


def export_entries(session: Session, target: str | Path, f: AuditFilter = AuditFilter(),
                   progress: Callable[[int, int, str], None] | None = None) -> tuple[Path, int]:
    """The entries matching ``f`` to an ``.xlsx`` workbook; the export is itself recorded
    (the caller commits). Returns the path and the number of entries."""
    from openpyxl import Workbook

    from services.exchange import xlsx

    _require_admin(session)
    total = count_entries(session, f)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.freeze_panes = "A2"
    headers = ("序号", "时间", "操作人", "操作", "记录类型", "记录编号", "说明", "修改前", "修改后")
    for letter, width in zip("ABCDEFGHI", (8, 20, 14, 14, 14, 10, 40, 40, 40), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append(list(headers))
    done = 0
    page = 2000
    while True:
        rows = list_entries(session, f, offset=done, limit=page)
        for row in rows:
            ws.append([row["id"], row["at"], row["actor"], row["action_label"],
                       row["entity_type"], row["entity_id"], row["note"],
                       describe_values(row["before"]), describe_values(row["after"])])
        done += len(rows)
        if progress:
            progress(done, total, f"已导出 {done} 条，共 {total} 条")
        if len(rows) < page:
            break
    path = xlsx.save_workbook(wb, Path(target), "审计日志")
    record(session, "export", f"导出审计日志 {done} 条到“{path.name}”", entity_type="AuditEntry",
           after={"count": done, "file": str(path)})
    session.flush()
    return path, done


def record_separately(session: Session, action: str, note: str, **values: Any) -> None:
    """Like ``record``, but committed at once in a transaction of its own: for what happens
    on a read-only session that is never committed (printing from a list). Who acts is taken
    from ``session``."""
    entry = record(session, action, note, **values)
    session.expunge(entry)
    row = {c: getattr(entry, c) for c in ("actor", "action", "entity_type", "entity_id",
                                          "entity_uuid", "before", "after", "note")}
    with session.get_bind().begin() as conn:
        conn.execute(insert(AuditEntry), [row])
