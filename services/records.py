"""Helpers every record service shares: finding a record, codes, soft delete, applying values."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.base import Base
from services.errors import ConflictError, NotFoundError, ServiceError

T = TypeVar("T", bound=Base)


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
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        obj = session.get(model, int(key))
    else:
        column = model.uuid if len(key) == 36 and hasattr(model, "uuid") else model.code  # type: ignore[attr-defined]
        obj = session.scalars(select(model).where(column == key.strip().upper())).first()
    if obj is None or (not include_deleted and getattr(obj, "deleted_at", None) is not None):
        raise NotFoundError(f"找不到{label}“{key}”。请检查编号是否正确，或是否已被删除。")
    return obj


def check_version(obj: Base, expected_version: int | None, label: str) -> None:
    """Refuse a save based on an out-of-date read (the record changed since it was shown)."""
    if expected_version is not None and getattr(obj, "version", None) != expected_version:
        raise ConflictError(
            f"{label}已被其他人修改（您打开的是第 {expected_version} 版，现在是第 "
            f"{obj.version} 版）。请重新载入后再修改。"  # type: ignore[attr-defined]
        )


def next_code(session: Session, model: type[Base], prefix: str, width: int = 4) -> str:
    """The next free code after the highest one with this prefix: ``XQ-2026-`` → ``XQ-2026-0013``."""
    column = model.code  # type: ignore[attr-defined]
    codes = session.scalars(select(column).where(column.like(f"{prefix}%"))).all()
    highest = 0
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    for code in codes:
        m = pattern.match(code)
        if m:
            highest = max(highest, int(m[1]))
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


def count(session: Session, model: type[Base], *criteria: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0
