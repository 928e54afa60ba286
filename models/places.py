"""Places inside the county: townships (乡镇) and villages (村)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin


class Township(RecordMixin, Base):
    __tablename__ = "township"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
    )

    name: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[str | None] = mapped_column(String(20))  # 行政区划代码, when known
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    villages: Mapped[list[Village]] = relationship(
        back_populates="township", order_by="Village.name"
    )


class Village(RecordMixin, Base):
    __tablename__ = "village"
    __table_args__ = (
        UniqueConstraint("township_id", "name", name="uq_village_township_name"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
    )

    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    key_support: Mapped[bool] = mapped_column(default=False)  # 重点帮扶村
    poverty_alleviated: Mapped[bool] = mapped_column(default=False)  # 脱贫村
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    township: Mapped[Township] = relationship(back_populates="villages")

    @property
    def is_priority(self) -> bool:
        return self.key_support or self.poverty_alleviated
