"""Funds (经费): budgets and expenses, and the talent benefit cards (惠才卡) experts earn by
serving.

Money is kept in whole 分 (``*_fen``, integer) so sums are exact on every engine; services
convert to and from 元 for people.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin
from models.dispatches import Dispatch
from models.experts import Expert

EXPENSE_CATEGORIES = ("交通费", "食宿费", "劳务/咨询费", "资料费", "其他")
CARD_KINDS = ("惠才卡", "英才服务卡")
CARD_STATUSES = ("有效", "已注销")


class Budget(RecordMixin, Base):
    """Money set aside for a year: for the whole programme (no team, no activity), for one
    team, or for one activity."""

    __tablename__ = "budget"
    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="non_negative"),
        CheckConstraint("team_id IS NULL OR activity_id IS NULL", name="one_owner"),
    )

    year: Mapped[int] = mapped_column(Integer, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")


class Expense(RecordMixin, Base):
    """Money spent, in a category, for a dispatch (most of it) or for a team or activity as a
    whole. ``year`` is that of ``spent_on``; kept for fast yearly sums."""

    __tablename__ = "expense"
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="non_negative"),)

    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))  # EXPENSE_CATEGORIES
    amount_fen: Mapped[int] = mapped_column(Integer)
    spent_on: Mapped[date] = mapped_column(Date, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    payee: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    dispatch: Mapped[Dispatch | None] = relationship()


class TalentCard(RecordMixin, Base):
    """A talent benefit card (惠才卡 / 英才服务卡) issued to an expert."""

    __tablename__ = "talent_card"
    __table_args__ = (CheckConstraint("issued_on <= valid_until", name="date_order"),)

    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="惠才卡")  # CARD_KINDS
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="有效")  # CARD_STATUSES
    note: Mapped[str] = mapped_column(Text, default="")

    expert: Mapped[Expert] = relationship()
