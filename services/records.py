"""Helpers every record service shares: finding a record, codes, soft delete, applying values."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.base import Base
from services.errors import NotFoundError, ServiceError

T = TypeVar("T", bound=Base)


# The largest key an INTEGER column holds on every engine (PostgreSQL: 4 bytes; SQLite would
# take 8, but a larger number is no record of ours there either).
_MAX_ID = 2**31 - 1


def looks_like_id(key: object) -> bool:
    """An int, or a string of ASCII digits (``"²"`` is a digit to Python but not an id)."""
    return isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit())


def as_record_id(key: int | str) -> int:
    """The integer key, or 0 (which no record has) when it is too large to be one."""
    number = int(key)
    return number if 0 < number <= _MAX_ID else 0


def get_record(
    session: Session,
    model: type[T],
    key: int | str,
    label: str,
    *,
    include_deleted: bool = False,
) -> T:
    """A record by integer id, by its code (``XQ-2026-0001``) or by UUID."""
    obj: T | None
    if looks_like_id(key):
        obj = session.get(model, as_record_id(key))
    else:
        key = key.strip()
        if len(key) == 36 and hasattr(model, "uuid"):  # UUIDs are stored in lower case
            obj = session.scalars(select(model).where(model.uuid == key.lower())).first()
        else:
            obj = session.scalars(select(model).where(model.code == key.upper())).first()  # type: ignore[attr-defined]
    if obj is None or (not include_deleted and getattr(obj, "deleted_at", None) is not None):
        raise NotFoundError(f"找不到{label}“{key}”。请检查编号是否正确，或是否已被删除。")
    return obj


def check_version(obj: Base, expected_version: int | None, label: str,
                  redo: Callable[[], Any] | None = None) -> None:
    """Refuse a save based on an out-of-date read (the record changed since it was shown).

    ``redo``: applies the caller's changes with no version check (usually the update function
    itself with ``expected_version=None``); given, the ``ConflictError`` lists the fields on
    which the user's save and the stored record differ (services/concurrency.py)."""
    if expected_version is not None and getattr(obj, "version", None) != expected_version:
        from services.concurrency import conflict_error

        raise conflict_error(obj, expected_version, label, redo)


def next_code(session: Session, model: type[Base], prefix: str, width: int = 4) -> str:
    """The next free code after the highest one with this prefix: ``XQ-2026-`` → ``XQ-2026-0013``."""
    column = model.code  # type: ignore[attr-defined]
    # Longest first, then highest: "XQ-2026-10000" sorts after "XQ-2026-9999" that way.
    last = session.scalar(
        select(column)
        .where(column.like(f"{prefix}%"))
        .order_by(func.length(column).desc(), column.desc())
        .limit(1)
    )
    m = re.match(re.escape(prefix) + r"(\d+)$", last or "")
    highest = int(m[1]) if m else 0
    return f"{prefix}{highest + 1:0{width}d}"


def soft_delete(obj: Base, label: str) -> None:
    if obj.deleted_at is not None:  # type: ignore[attr-defined]
        raise ServiceError(f"{label}已经删除。")
    obj.deleted_at = datetime.now()  # type: ignore[attr-defined]


def restore(obj: Base, label: str) -> None:
    if obj.deleted_at is None:  # type: ignore[attr-defined]
        raise ServiceError(f"{label}没有被删除，无需恢复。")
    obj.deleted_at = None  # type: ignore[attr-defined]


def apply(obj: Base, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)


def merge_changes(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Stored values overlaid with the changes asked for. A reference may be changed by code
    or name (``unit``, ``township``, ``field`` …) as well as by id: either way the stored id
    (``unit_id`` …) must go, or it would win over the new name."""
    merged = {k: v for k, v in current.items()
              if not (k.endswith("_id") and k[:-3] in changes and k not in changes)}
    return merged | changes


def count(session: Session, model: type[Base], *criteria: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0


@dataclass(frozen=True, slots=True)
class RowSet:
    """Rows for a list screen or an export: column names and plain tuples, no ORM objects.

    A list of 100,000 needs is read with one column select and kept as tuples: ORM objects
    cost several times as much per row and carry a session they must not outlive.
    """

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def index(self, column: str) -> int:
        return self.columns.index(column)

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    @classmethod
    def from_dicts(cls, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> RowSet:
        return cls(tuple(columns), [tuple(row.get(c) for c in columns) for row in rows])


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did: ``done`` lists the codes changed, ``refused`` maps the code of
    each record left as it was to the reason, in Chinese."""

    done: list[str]
    refused: dict[str, str]

    @property
    def summary(self) -> str:
        text = f"已处理 {len(self.done)} 条。"
        if self.refused:
            reasons = "；".join(f"{code}：{why}" for code, why in list(self.refused.items())[:5])
            more = f" 等 {len(self.refused)} 条" if len(self.refused) > 5 else ""
            text += f"未处理{more}：{reasons}"
        return text


def soft_delete_many(
    session: Session, model: type[T], ids: Iterable[int], label: str
) -> BulkResult:
    """Soft-delete the live records among ``ids`` (one audited change each)."""
    done: list[str] = []
    refused: dict[str, str] = {}
    for obj in session.scalars(select(model).where(model.id.in_(list(ids)))):  # type: ignore[attr-defined]
        code = getattr(obj, "code", str(obj.id))  # type: ignore[attr-defined]
        if obj.deleted_at is not None:  # type: ignore[attr-defined]
            refused[code] = f"{label}已经删除。"
            continue
        obj.deleted_at = datetime.now()  # type: ignore[attr-defined]
        done.append(code)
    session.flush()
    return BulkResult(done, refused)


def restore_many(session: Session, model: type[T], ids: Iterable[int], label: str) -> BulkResult:
    """Restore the deleted records among ``ids``."""
    done: list[str] = []
    refused: dict[str, str] = {}
    for obj in session.scalars(select(model).where(model.id.in_(list(ids)))):  # type: ignore[attr-defined]
        code = getattr(obj, "code", str(obj.id))  # type: ignore[attr-defined]
        if obj.deleted_at is None:  # type: ignore[attr-defined]
            refused[code] = f"{label}没有被删除。"
            continue
        obj.deleted_at = None  # type: ignore[attr-defined]
        done.append(code)
    session.flush()
    return BulkResult(done, refused)
