"""The programme's organisations: expert service teams, service bases, grassroots research
workstations and collective service activities."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin, SoftDeleteMixin
from models.dispatches import Dispatch
from models.experts import Expert
from models.fields import Field
from models.units import Unit

TEAM_KINDS = ("专家服务团", "示范团", "专家小分队")
BASE_LEVELS = ("国家级", "省级", "市级", "县级")
EVALUATION_RESULTS = ("优秀", "良好", "合格", "不合格")
ACTIVITY_KINDS = ("院士专家基层行", "专家服务基层活动", "科技下乡", "专题培训", "其他")

team_member = Table(
    "team_member",
    Base.metadata,
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    Column("expert_id", ForeignKey("expert.id"), primary_key=True, index=True),
)

base_expert = Table(
    "base_expert",
    Base.metadata,
    Column("base_id", ForeignKey("service_base.id", ondelete="CASCADE"), primary_key=True),
    Column("expert_id", ForeignKey("expert.id"), primary_key=True, index=True),
)

activity_expert = Table(
    "activity_expert",
    Base.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("expert_id", ForeignKey("expert.id"), primary_key=True, index=True),
)

# A dispatch belongs to at most one collective activity.
activity_dispatch = Table(
    "activity_dispatch",
    Base.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("dispatch_id", ForeignKey("dispatch.id", ondelete="CASCADE"), primary_key=True),
    UniqueConstraint("dispatch_id", name="uq_activity_dispatch_dispatch_id"),
)


class Team(RecordMixin, SoftDeleteMixin, Base):
    """An expert service team (专家服务团 / 示范团): a lead, members (the lead among them), the
    industry it serves. Its yearly budget is a ``Budget`` row with ``team_id``."""

    __tablename__ = "team"

    code: Mapped[str] = mapped_column(String(20), unique=True)  # TD-0001
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="专家服务团")  # TEAM_KINDS
    lead_expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id"), index=True)
    focus_field_id: Mapped[int | None] = mapped_column(ForeignKey("field.id"), index=True)
    focus: Mapped[str] = mapped_column(String(200), default="")  # 服务产业（文字说明）
    formed_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    lead: Mapped[Expert | None] = relationship(foreign_keys=[lead_expert_id])
    focus_field: Mapped[Field | None] = relationship()
    members: Mapped[list[Expert]] = relationship(secondary=team_member, order_by=Expert.code)


class ServiceBase(RecordMixin, SoftDeleteMixin, Base):
    """An expert service base (专家服务基地) hosted by a unit, at a level, with its experts and
    a yearly evaluation."""

    __tablename__ = "service_base"

    code: Mapped[str] = mapped_column(String(20), unique=True)  # JD-0001
    name: Mapped[str] = mapped_column(String(100), index=True)
    level: Mapped[str] = mapped_column(String(10))  # BASE_LEVELS
    host_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    established_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    host_unit: Mapped[Unit] = relationship()
    experts: Mapped[list[Expert]] = relationship(secondary=base_expert, order_by=Expert.code)
    evaluations: Mapped[list[BaseEvaluation]] = relationship(
        back_populates="base", cascade="all, delete-orphan", order_by="BaseEvaluation.year")


class BaseEvaluation(RecordMixin, Base):
    __tablename__ = "base_evaluation"
    __table_args__ = (UniqueConstraint("base_id", "year", name="uq_base_evaluation_year"),)

    base_id: Mapped[int] = mapped_column(ForeignKey("service_base.id", ondelete="CASCADE"),
                                         index=True)
    year: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(10))  # EVALUATION_RESULTS
    note: Mapped[str] = mapped_column(Text, default="")

    base: Mapped[ServiceBase] = relationship(back_populates="evaluations")


class Workstation(RecordMixin, SoftDeleteMixin, Base):
    """A grassroots research workstation (专家基层科研工作站): one expert at a host unit for a
    term; the days the expert actually spent there are ``WorkstationLog`` rows."""

    __tablename__ = "workstation"
    __table_args__ = (CheckConstraint("end_date IS NULL OR start_date <= end_date",
                                      name="date_order"),)

    code: Mapped[str] = mapped_column(String(20), unique=True)  # GZZ-0001
    name: Mapped[str] = mapped_column(String(100), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    host_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    expert: Mapped[Expert] = relationship()
    host_unit: Mapped[Unit] = relationship()
    logs: Mapped[list[WorkstationLog]] = relationship(
        back_populates="workstation", cascade="all, delete-orphan",
        order_by="WorkstationLog.served_on")


class WorkstationLog(RecordMixin, Base):
    """Days served at a workstation, starting on ``served_on``."""

    __tablename__ = "workstation_log"
    __table_args__ = (CheckConstraint("days > 0", name="positive_days"),)

    workstation_id: Mapped[int] = mapped_column(
        ForeignKey("workstation.id", ondelete="CASCADE"), index=True)
    served_on: Mapped[date] = mapped_column(Date, index=True)
    days: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")

    workstation: Mapped[Workstation] = relationship(back_populates="logs")


class Activity(RecordMixin, SoftDeleteMixin, Base):
    """A collective service activity (专家服务活动, e.g. 院士专家基层行): dates, places, the
    experts taking part and the dispatches it is made of."""

    __tablename__ = "activity"
    __table_args__ = (CheckConstraint("start_date <= end_date", name="date_order"),)

    code: Mapped[str] = mapped_column(String(20), unique=True)  # HD-2026-0001
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="专家服务基层活动")  # ACTIVITY_KINDS
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    places: Mapped[str] = mapped_column(String(300), default="")  # 活动地点（乡镇、村）
    organiser: Mapped[str] = mapped_column(String(100), default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")

    team: Mapped[Team | None] = relationship()
    experts: Mapped[list[Expert]] = relationship(secondary=activity_expert, order_by=Expert.code)
    dispatches: Mapped[list[Dispatch]] = relationship(secondary=activity_dispatch,
                                                      order_by=Dispatch.start_date)
