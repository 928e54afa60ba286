"""Keeping a need's status in step with its dispatches."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Dispatch, DispatchStatus, Need, NeedStatus
from services import needs

ACTIVE = (DispatchStatus.PLANNED, DispatchStatus.CONFIRMED, DispatchStatus.COMPLETED)


def update_need_statuses(session: Session, need_ids: Iterable[int], actor: str,
                         reason: str = "排程方案已采纳") -> None:
    """``reviewed`` → ``matched`` once a need has all its experts; back to ``reviewed`` when
    a replan left a matched need without them."""
    for need_id in sorted(need_ids):
        need = session.get(Need, need_id)
        if need is None:
            continue
        count = len(set(session.scalars(select(Dispatch.expert_id).where(
            Dispatch.need_id == need_id, Dispatch.status.in_(ACTIVE)))))
        if need.status == NeedStatus.REVIEWED and count >= need.experts_wanted:
            needs.set_status(session, need.id, NeedStatus.MATCHED, actor, reason)
        elif need.status == NeedStatus.MATCHED and count < need.experts_wanted:
            needs.set_status(session, need.id, NeedStatus.REVIEWED, actor,
                             "重新排程后专家不足，待重新安排")
