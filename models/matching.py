"""Tables of matching and scheduling: applications of experts to published needs
(揭榜挂帅) and saved season-plan proposals."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, RecordMixin
from models.dispatches import Dispatch
from models.experts import Expert
from models.needs import Need

# Matching reads experts' dispatches by dates (workload, busy days) for hundreds of experts at
# once; this index answers those reads without touching the dispatch table itself.
Index("ix_dispatch_expert_dates", Dispatch.expert_id, Dispatch.start_date, Dispatch.end_date,
      Dispatch.status)


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # 已揭榜: the expert or team took up the need
    SELECTED = "selected"  # 已选定: the office chose this application (a dispatch follows)
    NOT_SELECTED = "not_selected"  # 未选定
    WITHDRAWN = "withdrawn"  # 已撤回 by the applicant


application_member = Table(
    "application_member",
    Base.metadata,
    Column("application_id", ForeignKey("application.id", ondelete="CASCADE"), primary_key=True),
    Column("expert_id", ForeignKey("expert.id"), primary_key=True, index=True),
)


class Application(RecordMixin, Base):
    """One expert's or team's application (揭榜) for one published need: who, when, their plan.

    ``lead_expert_id`` is the applicant (or the team's lead); ``members`` every expert of the
    application, the lead included; ``team_name`` is empty for one expert.
    """

    __tablename__ = "application"

    code: Mapped[str] = mapped_column(String(20), unique=True)  # JB-2026-0001
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)
    lead_expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    team_name: Mapped[str] = mapped_column(String(100), default="")
    applied_on: Mapped[date] = mapped_column(Date)
    plan: Mapped[str] = mapped_column(Text, default="")  # 服务方案: what they propose to do
    status: Mapped[ApplicationStatus] = mapped_column(
        Enum(
            ApplicationStatus,
            name="application_status",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ApplicationStatus.SUBMITTED,
        index=True,
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")

    need: Mapped[Need] = relationship()
    lead: Mapped[Expert] = relationship()
    members: Mapped[list[Expert]] = relationship(secondary=application_member,
                                                 order_by="Expert.code")


class ProposalStatus(enum.StrEnum):
    PROPOSED = "proposed"  # 待审定
    ACCEPTED = "accepted"  # 已采纳: dispatches written
    DISCARDED = "discarded"  # 已放弃


class PlanProposal(RecordMixin, Base):
    """A season plan kept as a proposal until the office accepts it. ``data`` is the plan as
    JSON (services/matching/plan.py ``Plan.to_dict``): visits, unplanned needs with reasons,
    changes against the earlier plan, solver figures."""

    __tablename__ = "plan_proposal"

    code: Mapped[str] = mapped_column(String(20), unique=True)  # JH-2026-0001
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[ProposalStatus] = mapped_column(
        Enum(
            ProposalStatus,
            name="proposal_status",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ProposalStatus.PROPOSED,
        index=True,
    )
    created_by: Mapped[str] = mapped_column(String(60), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
