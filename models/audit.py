"""The audit trail: who changed what, when, with the values before and after.

Entries are never changed or deleted: services/audit.py refuses it in the session and
migration 0005 adds database triggers that refuse it to any other program too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, local_now


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=local_now,
                                         server_default=func.current_timestamp(), index=True)
    # Indexed for the audit viewer's filters (100,000 entries and more on a shared server).
    actor: Mapped[str] = mapped_column(String(60), index=True)
    # create, update, delete, restore, status; export, print, reveal, login, login_failed,
    # logout, lock (services/audit.py: ACTIONS)
    action: Mapped[str] = mapped_column(String(20), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    entity_uuid: Mapped[str | None] = mapped_column(String(36))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
