"""Dispatches in each state for the outcome tests, built through the services."""

from __future__ import annotations

from collections.abc import Callable

from models import DispatchStatus
from services import dispatches
from services.uow import UnitOfWork
from tests.matching_support import SmallCounty, add_need, build_county

Uow = Callable[..., UnitOfWork]


def small_county(uow: Uow) -> SmallCounty:
    with uow() as u:
        county = build_county(u.session)
        u.commit()
    return county


def make_dispatch(uow: Uow, unit: str, field: str, expert: str, start: str, end: str,
                  status: DispatchStatus = DispatchStatus.COMPLETED,
                  window: tuple[str, str] = ("2025-03-01", "2025-06-30")) -> str:
    """A dispatch moved to ``status`` (planned → confirmed → completed, or declined)."""
    with uow() as u:
        need = add_need(u.session, unit, field, *window)
        d = dispatches.create_dispatch(u.session, {"need": need, "expert": expert,
                                                   "start_date": start, "end_date": end})
        if status in (DispatchStatus.CONFIRMED, DispatchStatus.COMPLETED):
            dispatches.set_dispatch_status(u.session, d.id, DispatchStatus.CONFIRMED)
        if status == DispatchStatus.COMPLETED:
            dispatches.set_dispatch_status(u.session, d.id, DispatchStatus.COMPLETED)
        if status in (DispatchStatus.DECLINED, DispatchStatus.CANCELLED):
            dispatches.set_dispatch_status(u.session, d.id, status, "专家另有任务")
        u.commit()
        return d.code
