"""The farming-season calendar's tables: crop phases (农时) and the office's own holidays.

``CropPhase`` rows come from ``resources/calendar/crop_phases.toml`` (synced at every open by
``services/calendar/catalogue.py``) and may be edited by the user; an edited row is marked
``user_edited`` and is never overwritten by a later catalogue. Phases are never deleted: needs
refer to them.

``Holiday`` rows are the office's additions to the statutory calendar (which is a data file,
not a table): local days off and extra working days.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RecordMixin

HOLIDAY_KINDS = {"holiday": "放假", "workday": "上班"}


class CropPhase(RecordMixin, Base):
    """One phase of one crop in one farming region.

    ``key`` ("西南/茶叶/春茶采摘") identifies the catalogue entry and never changes, even when
    the user renames the phase. ``start_spec``/``end_spec``/``ideal_spec`` are date specs such
    as "清明", "立夏+10", "03-15" or "次年立春" (see services/calendar/crop_phases.py).
    """

    __tablename__ = "crop_phase"
    __table_args__ = (Index("ix_crop_phase_region_crop", "region", "crop"),)

    key: Mapped[str] = mapped_column(String(120), unique=True)
    region: Mapped[str] = mapped_column(String(20))
    crop: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    start_spec: Mapped[str] = mapped_column(String(30))
    end_spec: Mapped[str] = mapped_column(String(30))
    ideal_spec: Mapped[str | None] = mapped_column(String(30))
    help: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text, default="")
    user_edited: Mapped[bool] = mapped_column(default=False, server_default="0")


class Holiday(RecordMixin, Base):
    """A day the office treats differently from the statutory calendar: one row per date.

    ``kind`` is "holiday" (the office is closed) or "workday" (it works, e.g. a weekend of a
    local campaign); ``note`` says why.
    """

    __tablename__ = "holiday"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    date: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10), default="holiday")
    note: Mapped[str] = mapped_column(Text, default="")
