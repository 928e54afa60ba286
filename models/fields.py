"""The specialty tree (专业领域): field › industry › topic, e.g. 种植业 › 茶叶 › 茶园管理."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin

FIELD_LEVELS = {1: "领域", 2: "产业", 3: "专题"}


class Field(RecordMixin, Base):
    __tablename__ = "field"
    __table_args__ = (
        UniqueConstraint("parent_id", "name", name="uq_field_parent_name"),
        CheckConstraint("level BETWEEN 1 AND 3", name="level"),
        CheckConstraint("(level = 1) = (parent_id IS NULL)", name="root_has_no_parent"),
    )

    parent_id: Mapped[int | None] = mapped_column(ForeignKey("field.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    level: Mapped[int]

    parent: Mapped[Field | None] = relationship(remote_side="Field.id", back_populates="children")
    children: Mapped[list[Field]] = relationship(back_populates="parent", order_by="Field.name")
