"""What a dispatch achieved (steps 4–7 of the method): the service record with the receipt's
figures, its attachments, long-term agreements and publicity."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin
from models.dispatches import Dispatch
from models.experts import Expert
from models.units import Unit

ATTACHMENT_KINDS = ("照片", "签到表", "回执", "总结材料", "其他")
AGREEMENT_ROLES = ("特聘专家", "专家工作站", "技术顾问", "产业顾问", "其他")
SATISFACTION_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不太满意", 1: "不满意"}


class ServiceRecord(RecordMixin, Base):
    """One dispatch's outcome, entered from the expert's report and the unit's receipt (回执).

    At most one per dispatch. Counts are whole numbers ≥ 0; ``economic_benefit`` is an estimate
    in whole 元; ``satisfaction`` 1–5 (``SATISFACTION_LEVELS``) or unknown.
    ``problem_list`` is the short list of problems solved (strings); ``problems_solved`` counts
    them (it may be larger than the list when the receipt gives only a number).
    """

    __tablename__ = "service_record"
    __table_args__ = (
        CheckConstraint(
            "days_served >= 0 AND trainings >= 0 AND people_trained >= 0 "
            "AND problems_solved >= 0 AND beneficiaries >= 0 AND economic_benefit >= 0",
            name="non_negative",
        ),
        CheckConstraint("satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5)",
                        name="satisfaction_range"),
        CheckConstraint("actual_start IS NULL OR actual_end IS NULL OR actual_start <= actual_end",
                        name="date_order"),
    )

    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatch.id"), unique=True)
    actual_start: Mapped[date | None] = mapped_column(Date, index=True)
    actual_end: Mapped[date | None] = mapped_column(Date)
    days_served: Mapped[int] = mapped_column(Integer, default=0)
    trainings: Mapped[int] = mapped_column(Integer, default=0)  # 培训场次
    people_trained: Mapped[int] = mapped_column(Integer, default=0)  # 培训人次
    problems_solved: Mapped[int] = mapped_column(Integer, default=0)
    problem_list: Mapped[list[Any]] = mapped_column(JSON, default=list)
    beneficiaries: Mapped[int] = mapped_column(Integer, default=0)  # 惠及群众（人）
    economic_benefit: Mapped[int] = mapped_column(Integer, default=0)  # 经济效益（元，估算）
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str] = mapped_column(Text, default="")  # 服务对象意见
    suggestions: Mapped[str] = mapped_column(Text, default="")  # 建言献策
    summary: Mapped[str] = mapped_column(Text, default="")  # 服务总结
    receipt_received_on: Mapped[date | None] = mapped_column(Date)  # 回执收回日期
    receipt_signed_by: Mapped[str] = mapped_column(String(40), default="")  # 回执签字人

    dispatch: Mapped[Dispatch] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="Attachment.id")


class Attachment(RecordMixin, Base):
    """A file kept with a service record (photo, sign-in sheet, scanned receipt). The file is
    copied into the data folder (``stored_name`` relative to the attachments folder) and checked
    by its SHA-256, never kept only as a path to somewhere the user might clean up."""

    __tablename__ = "attachment"

    record_id: Mapped[int] = mapped_column(
        ForeignKey("service_record.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="其他")  # ATTACHMENT_KINDS
    file_name: Mapped[str] = mapped_column(String(255))  # the name the user gave it
    stored_name: Mapped[str] = mapped_column(String(255), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    record: Mapped[ServiceRecord] = relationship(back_populates="attachments")


class Agreement(RecordMixin, Base):
    """A long-term engagement (受聘签约) that grew out of the service: an expert retained by a
    unit for a term in a role such as 特聘专家 or 专家工作站."""

    __tablename__ = "agreement"
    __table_args__ = (CheckConstraint("end_date IS NULL OR start_date <= end_date",
                                      name="date_order"),)

    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # AGREEMENT_ROLES
    signed_on: Mapped[date] = mapped_column(Date, index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    expert: Mapped[Expert] = relationship()
    unit: Mapped[Unit] = relationship()


class Publicity(RecordMixin, Base):
    """A report about the service in the press or online (宣传报道)."""

    __tablename__ = "publicity"

    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    outlet: Mapped[str] = mapped_column(String(100))  # 媒体/平台
    published_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(500), default="")
