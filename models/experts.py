"""Experts (专家库), their specialties and the days they cannot serve."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin, SoftDeleteMixin
from models.fields import Field
from models.units import Unit

TITLES = ("正高级", "副高级", "中级", "初级", "无")
HONOURS = (
    "院士",
    "国家杰青",
    "长江学者",
    "享受国务院特殊津贴",
    "省级专家",
    "市级专家",
    "县级专家",
    "乡土专家",
)
GENDERS = ("男", "女")

expert_specialty = Table(
    "expert_specialty",
    Base.metadata,
    Column("expert_id", ForeignKey("expert.id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", ForeignKey("field.id"), primary_key=True, index=True),
)


class Expert(RecordMixin, SoftDeleteMixin, Base):
    __tablename__ = "expert"
    __table_args__ = (
        CheckConstraint("gender IN ('男', '女')", name="gender"),
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1920 AND 2010", name="birth_year"),
        CheckConstraint(
            "title IN ('正高级', '副高级', '中级', '初级', '无')", name="title"
        ),
        CheckConstraint("max_days_per_month BETWEEN 1 AND 31", name="max_days_per_month"),
        CheckConstraint("max_days_per_year BETWEEN 1 AND 366", name="max_days_per_year"),
        # An ID number or phone identifies one expert, but either may be unknown (empty).
        Index("uq_expert_id_number", "id_number", unique=True,
              sqlite_where=text("id_number != ''"), postgresql_where=text("id_number != ''")),
        Index("uq_expert_phone", "phone", unique=True,
              sqlite_where=text("phone != ''"), postgresql_where=text("phone != ''")),
    )

    code: Mapped[str] = mapped_column(String(20), unique=True)  # ZJ-0001
    name: Mapped[str] = mapped_column(String(40), index=True)
    gender: Mapped[str] = mapped_column(String(2))
    birth_year: Mapped[int | None]
    id_number: Mapped[str] = mapped_column(String(18), default="")  # 身份证号 (personal data)
    phone: Mapped[str] = mapped_column(String(30), default="")
    employer: Mapped[str] = mapped_column(String(100), default="")
    # When the employer is itself a unit in the county, the expert never serves it.
    employer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(10), default="无")  # 职称级别
    title_name: Mapped[str] = mapped_column(String(40), default="")  # e.g. 研究员, 主任医师
    honours: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_place: Mapped[str] = mapped_column(String(200), default="")
    home_latitude: Mapped[float | None]
    home_longitude: Mapped[float | None]
    retired: Mapped[bool] = mapped_column(default=False)
    max_days_per_month: Mapped[int] = mapped_column(default=10)
    max_days_per_year: Mapped[int] = mapped_column(default=60)
    notes: Mapped[str] = mapped_column(Text, default="")

    employer_unit: Mapped[Unit | None] = relationship()
    specialties: Mapped[list[Field]] = relationship(
        secondary=expert_specialty, order_by="Field.id"
    )
    unavailability: Mapped[list[ExpertUnavailability]] = relationship(
        back_populates="expert",
        order_by="ExpertUnavailability.start_date",
        cascade="all, delete-orphan",
    )


class ExpertUnavailability(Base):
    """A date range in which an expert cannot serve (teaching, surgery rota, travel …)."""

    __tablename__ = "expert_unavailability"
    __table_args__ = (CheckConstraint("start_date <= end_date", name="range_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    expert: Mapped[Expert] = relationship(back_populates="unavailability")
