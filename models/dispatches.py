"""Dispatches (派遣): one expert's visit for one need on consecutive days."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin
from models.experts import Expert
from models.needs import Need


class DispatchStatus(enum.StrEnum):
    PLANNED = "planned"  # 拟派: proposed, may still move
    CONFIRMED = "confirmed"  # 已确认: agreed with the expert; a scheduler never moves it
    COMPLETED = "completed"  # 已完成
    DECLINED = "declined"  # 已婉拒: the expert said no (with a reason)
    CANCELLED = "cancelled"  # 已取消


class Dispatch(RecordMixin, Base):
    __tablename__ = "dispatch"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="date_order"),
        UniqueConstraint("need_id", "expert_id", "start_date", name="uq_dispatch_visit"),
    )

    code: Mapped[str] = mapped_column(String(20), unique=True)  # PQ-2026-0001
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    tasks: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DispatchStatus] = mapped_column(
        Enum(
            DispatchStatus,
            name="dispatch_status",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=DispatchStatus.PLANNED,
        index=True,
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")  # why declined or cancelled

    need: Mapped[Need] = relationship()
    expert: Mapped[Expert] = relationship()

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1
