"""The figures the front page (工作台) shows: needs at each of the seven steps, the size of the
expert pool and of the county, and the latest steps taken. Qt-free; one query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from models import Expert, Need, NeedEvent, NeedStatus, Township, Unit, Village
from services import needs, workflow
from services.records import count


@dataclass(frozen=True)
class Overview:
    """``by_status``: live needs per status; ``recent``: the latest status changes, newest
    first, as plain dicts (``at``, ``actor``, ``code``, ``title``, ``need_id``, ``from_label``,
    ``to_label``, ``reason``)."""

    by_status: dict[NeedStatus, int]
    experts: int
    units: int
    townships: int
    villages: int
    priority_villages: int
    priority_needs: int
    recent: list[dict[str, Any]]

    @property
    def needs(self) -> int:
        return sum(self.by_status.values())


def overview(session: Session, recent: int = 8) -> Overview:
    priority = or_(Village.key_support, Village.poverty_alleviated)
    priority_needs = session.scalar(
        select(func.count()).select_from(Need).join(Village, Need.village_id == Village.id)
        .where(Need.deleted_at.is_(None), priority)
    ) or 0
    text = String()
    events = session.connection().execute(
        select(type_coerce(NeedEvent.at, text), NeedEvent.actor, Need.id, Need.code, Need.title,
               type_coerce(NeedEvent.from_status, text), type_coerce(NeedEvent.to_status, text),
               NeedEvent.reason)
        .join(Need, NeedEvent.need_id == Need.id)
        .where(Need.deleted_at.is_(None))
        .order_by(NeedEvent.at.desc(), NeedEvent.id.desc())
        .limit(recent)
    ).all()
    return Overview(
        by_status=needs.status_counts(session),
        experts=count(session, Expert, Expert.deleted_at.is_(None)),
        units=count(session, Unit, Unit.deleted_at.is_(None)),
        townships=count(session, Township),
        villages=count(session, Village),
        priority_villages=count(session, Village, priority),
        priority_needs=priority_needs,
        recent=[
            {"at": _when(at), "actor": actor, "need_id": need_id, "code": code,
             "title": title,
             "from_label": workflow.status_label(src) if src else "（新建）",
             "to_label": workflow.status_label(dst), "reason": reason}
            for at, actor, need_id, code, title, src, dst, reason in events
        ],
    )


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
