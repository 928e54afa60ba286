"""Grassroots needs (基层需求) and the history of their status (the seven-step method)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Enum, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin, SoftDeleteMixin, local_now
from models.fields import Field
from models.places import Township, Village
from models.units import Unit


class NeedStatus(enum.StrEnum):
    """The seven steps (七步法) plus the two ways out. Values are stored as they are."""

    SUBMITTED = "submitted"  # 广泛发动、提前申报
    REVIEWED = "reviewed"  # 上下联动、周密论证
    MATCHED = "matched"  # 持续对接、供需匹配
    SERVED = "served"  # 基层一线、实地帮扶
    SUMMARISED = "summarised"  # 总结交流、建言献策
    CONTRACTED = "contracted"  # 受聘签约、长效机制
    PUBLICISED = "publicised"  # 宣传报道、讲好故事
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# Stored as plain strings with a CHECK, so a later status needs only a migration of the check.
need_status_type = Enum(
    NeedStatus,
    name="need_status",
    native_enum=False,
    create_constraint=True,
    length=20,
    values_callable=lambda e: [m.value for m in e],
)

TITLE_LEVELS = ("正高级", "副高级", "中级", "初级")


class Need(RecordMixin, SoftDeleteMixin, Base):
    __tablename__ = "need"
    __table_args__ = (
        CheckConstraint(
            "window_start IS NULL OR window_end IS NULL OR window_start <= window_end",
            name="window_order",
        ),
        CheckConstraint("experts_wanted BETWEEN 1 AND 50", name="experts_wanted"),
        CheckConstraint("days_wanted BETWEEN 1 AND 60", name="days_wanted"),
        CheckConstraint(
            "beneficiaries_estimate IS NULL OR beneficiaries_estimate >= 0", name="beneficiaries"
        ),
        CheckConstraint(
            "required_title IS NULL OR required_title IN ('正高级', '副高级', '中级', '初级')",
            name="required_title",
        ),
    )

    code: Mapped[str] = mapped_column(String(20), unique=True)  # XQ-2026-0001
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("field.id"), index=True)
    # The farming phase the need serves (foreign key added by migration 0002_calendar).
    crop_phase_id: Mapped[int | None] = mapped_column(ForeignKey("crop_phase.id"), index=True)
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    experts_wanted: Mapped[int] = mapped_column(default=1)
    days_wanted: Mapped[int] = mapped_column(default=1)  # length of one visit, consecutive days
    required_title: Mapped[str | None] = mapped_column(String(10))
    beneficiaries_estimate: Mapped[int | None]
    status: Mapped[NeedStatus] = mapped_column(
        need_status_type, default=NeedStatus.SUBMITTED, index=True
    )
    source: Mapped[str] = mapped_column(String(40), default="系统录入")
    submitted_on: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship()
    township: Mapped[Township] = relationship()
    village: Mapped[Village | None] = relationship()
    field: Mapped[Field] = relationship()
    events: Mapped[list[NeedEvent]] = relationship(
        back_populates="need", order_by="NeedEvent.id", cascade="all, delete-orphan"
    )


class NeedEvent(Base):
    """One status change of a need: when, who, from what to what and why. Never edited."""

    __tablename__ = "need_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=local_now,
                                         server_default=func.current_timestamp())
    actor: Mapped[str] = mapped_column(String(60))
    from_status: Mapped[NeedStatus | None] = mapped_column(
        Enum(NeedStatus, name="need_event_from", native_enum=False, create_constraint=False,
             length=20, values_callable=lambda e: [m.value for m in e])
    )
    to_status: Mapped[NeedStatus] = mapped_column(
        Enum(NeedStatus, name="need_event_to", native_enum=False, create_constraint=False,
             length=20, values_callable=lambda e: [m.value for m in e])
    )
    reason: Mapped[str] = mapped_column(Text, default="")

    need: Mapped[Need] = relationship(back_populates="events")
