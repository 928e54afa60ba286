"""The expert ledger (专家服务台账): the days each expert served at the grassroots in a year —
completed dispatches and workstation days. It feeds the service certificate for title
evaluation and the talent benefit cards.

A completed dispatch counts in the year of its service date (the actual start from the
service record, else the planned start) for the days the service record gives, else for its
planned days; a workstation log counts in the year of ``served_on`` for its days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Dispatch,
    DispatchStatus,
    Expert,
    Need,
    ServiceRecord,
    Unit,
    Workstation,
    WorkstationLog,
)
from services.errors import NotFoundError, ValidationError
from services.experts import get_expert
from services.statistics.figures import dispatch_days, served_on


@dataclass(frozen=True)
class LedgerItem:
    kind: str  # "dispatch" or "workstation"
    id: int  # dispatch id or workstation log id
    code: str  # dispatch code or workstation code
    start: date
    end: date
    days: int
    where: str
    content: str

    @property
    def kind_label(self) -> str:
        return "派遣服务" if self.kind == "dispatch" else "基层科研工作站"


@dataclass(frozen=True)
class Ledger:
    expert_id: int
    code: str
    name: str
    title: str
    year: int
    items: tuple[LedgerItem, ...]

    @property
    def total_days(self) -> int:
        return sum(i.days for i in self.items)

    @property
    def dispatch_days(self) -> int:
        return sum(i.days for i in self.items if i.kind == "dispatch")

    @property
    def workstation_days(self) -> int:
        return sum(i.days for i in self.items if i.kind == "workstation")


def counted_days(days_served: int | None, start: date, end: date,
                 period_start: date | None = None, period_end: date | None = None) -> int:
    """The days a completed visit counts for; when a period cuts the visit, only its planned
    days inside the period (never more than the record gives)."""
    s = max(start, period_start) if period_start else start
    e = min(end, period_end) if period_end else end
    if (s, e) == (start, end):
        return dispatch_days(days_served, start, end)
    inside = max((e - s).days + 1, 0)
    return min(inside, days_served) if days_served else inside


def _dispatch_items(session: Session, year: int, expert_id: int | None = None
                    ) -> list[tuple[int, LedgerItem]]:
    day = served_on()
    stmt = (select(Dispatch.expert_id, Dispatch.id, Dispatch.code, Dispatch.start_date,
                   Dispatch.end_date, ServiceRecord.actual_start, ServiceRecord.actual_end,
                   ServiceRecord.days_served, Unit.name, Need.title)
            .join(Need, Dispatch.need_id == Need.id).join(Unit, Need.unit_id == Unit.id)
            .outerjoin(ServiceRecord, ServiceRecord.dispatch_id == Dispatch.id)
            .where(Dispatch.status == DispatchStatus.COMPLETED,
                   day >= date(year, 1, 1), day <= date(year, 12, 31))
            .order_by(day, Dispatch.id))
    if expert_id is not None:
        stmt = stmt.where(Dispatch.expert_id == expert_id)
    out = []
    for who, did, code, start, end, a_start, a_end, served, unit, title in session.execute(stmt):
        out.append((who, LedgerItem("dispatch", did, code, a_start or start, a_end or end,
                                    dispatch_days(served, start, end), unit, title)))
    return out


def _workstation_items(session: Session, year: int, expert_id: int | None = None
                       ) -> list[tuple[int, LedgerItem]]:
    stmt = (select(Workstation.expert_id, WorkstationLog.id, Workstation.code,
                   WorkstationLog.served_on, WorkstationLog.days, Unit.name, Workstation.name,
                   WorkstationLog.note)
            .join(Workstation, WorkstationLog.workstation_id == Workstation.id)
            .join(Unit, Workstation.host_unit_id == Unit.id)
            .where(Workstation.deleted_at.is_(None),
                   WorkstationLog.served_on >= date(year, 1, 1),
                   WorkstationLog.served_on <= date(year, 12, 31))
            .order_by(WorkstationLog.served_on, WorkstationLog.id))
    if expert_id is not None:
        stmt = stmt.where(Workstation.expert_id == expert_id)
    return [(who, LedgerItem("workstation", lid, code, on, on + timedelta(days=days - 1), days,
                             unit, note or name))
            for who, lid, code, on, days, unit, name, note in session.execute(stmt)]


def find_expert(session: Session, key: int | str) -> Expert:
    """An expert by id, code or name (a name shared by several experts is refused)."""
    try:
        return get_expert(session, key, include_deleted=True)
    except NotFoundError:
        if isinstance(key, int):
            raise
    same = list(session.scalars(select(Expert).where(Expert.name == str(key).strip())))
    if len(same) == 1:
        return same[0]
    if not same:
        raise NotFoundError(f"找不到专家“{key}”。请用专家编号（如 ZJ-0001）、姓名或 ID。")
    codes = "、".join(f"{e.code}（{e.employer or '单位不详'}）" for e in same)
    raise ValidationError.single("expert", f"有 {len(same)} 位专家叫“{key}”：{codes}，"
                                           "请用专家编号。")


def expert_ledger(session: Session, expert_key: int | str, year: int) -> Ledger:
    """One expert's year: every counted dispatch and workstation stay, in date order."""
    expert = find_expert(session, expert_key)
    items = [i for _, i in _dispatch_items(session, year, expert.id)]
    items += [i for _, i in _workstation_items(session, year, expert.id)]
    items.sort(key=lambda i: (i.start, i.kind, i.id))
    return Ledger(expert.id, expert.code, expert.name, expert.title, year, tuple(items))


def days_by_expert(session: Session, year: int) -> dict[int, int]:
    """Days served in ``year`` per expert id (experts with none are left out)."""
    totals: dict[int, int] = {}
    for who, item in (*_dispatch_items(session, year), *_workstation_items(session, year)):
        totals[who] = totals.get(who, 0) + item.days
    return totals


@dataclass(frozen=True)
class Workload:
    expert_id: int
    code: str
    name: str
    days: int
    dispatches: int
    upcoming: int  # planned or confirmed dispatches starting today or later
    max_days_per_year: int

    @property
    def share(self) -> float:
        return self.days / self.max_days_per_year if self.max_days_per_year else 0.0


def workload(session: Session, year: int, today: date | None = None, limit: int = 10
             ) -> list[Workload]:
    """The busiest experts of the year: days served (ledger), dispatches, what is ahead."""
    today = today or date.today()
    days = days_by_expert(session, year)
    counts = dict(session.execute(
        select(Dispatch.expert_id, func.count(Dispatch.id))
        .where(Dispatch.status == DispatchStatus.COMPLETED,
               served_on() >= date(year, 1, 1), served_on() <= date(year, 12, 31))
        .outerjoin(ServiceRecord, ServiceRecord.dispatch_id == Dispatch.id)
        .group_by(Dispatch.expert_id)).all())
    ahead = dict(session.execute(
        select(Dispatch.expert_id, func.count(Dispatch.id))
        .where(Dispatch.status.in_((DispatchStatus.PLANNED, DispatchStatus.CONFIRMED)),
               Dispatch.start_date >= today, Dispatch.start_date <= date(year, 12, 31))
        .group_by(Dispatch.expert_id)).all())
    ids = sorted(set(days) | set(ahead), key=lambda i: (-days.get(i, 0), -ahead.get(i, 0), i))
    ids = ids[:limit]
    experts = {e.id: e for e in session.scalars(select(Expert).where(Expert.id.in_(ids)))}
    return [Workload(i, experts[i].code, experts[i].name, days.get(i, 0), counts.get(i, 0),
                     ahead.get(i, 0), experts[i].max_days_per_year)
            for i in ids if i in experts]
