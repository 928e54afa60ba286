"""Units that ask for help (需求单位): 村委会, 合作社, 企业 …"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin, SoftDeleteMixin
from models.places import Township, Village

UNIT_TYPES = (
    "村委会",
    "合作社",
    "企业",
    "家庭农场",
    "种养大户",
    "卫生院",
    "学校",
    "乡镇政府",
    "事业单位",
    "其他",
)


class Unit(RecordMixin, SoftDeleteMixin, Base):
    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(String(20), unique=True)  # DW-0001
    name: Mapped[str] = mapped_column(String(100), index=True)
    unit_type: Mapped[str] = mapped_column(String(20))
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_person: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    notes: Mapped[str] = mapped_column(String(1000), default="")

    township: Mapped[Township] = relationship()
    village: Mapped[Village | None] = relationship()
