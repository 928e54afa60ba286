"""Declarative base and the columns every record shares."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Named constraints: Alembic's batch mode on SQLite can only alter what has a name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def local_now() -> datetime:
    """The office's wall-clock time, to the second. History and audit times are shown and
    filtered by local date (a need reviewed at 07:30 on 1 January belongs to the new year);
    the database's CURRENT_TIMESTAMP is UTC on SQLite, eight hours off in China."""
    return datetime.now().replace(microsecond=0)


def new_uuid() -> str:
    return str(uuid.uuid4())


class RecordMixin:
    """Integer key for joins, a stable UUID for exchange between offices, timestamps and a
    version counter for optimistic locking (a stale save raises instead of overwriting)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.current_timestamp(), onupdate=func.current_timestamp()
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class SoftDeleteMixin:
    """Records the office may delete by mistake are only marked deleted and can be restored."""

    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
