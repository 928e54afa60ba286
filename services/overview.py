"""The figures the front page (工作台) shows: needs at each of the seven steps, the size of the
expert pool and of the county, and the latest steps taken. Qt-free; one query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from models import Expert, Need, NeedEvent, NeedStatus, Township, Unit, Village
from models.dialect import as_text
from services import needs, workflow
from services.errors import ServiceError
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
        select(as_text(NeedEvent.at), NeedEvent.actor, Need.id, Need.code, Need.title,
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


# ---- the dashboard (工作台) of issue 9 ------------------------------------------------------

WAITING = (NeedStatus.SUBMITTED, NeedStatus.REVIEWED, NeedStatus.MATCHED)


@dataclass(frozen=True)
class SeasonItem:
    """A crop phase active now or starting within the look-ahead, with the open needs tied
    to it (``need_ids``)."""

    phase_id: int
    crop: str
    name: str
    start: date
    end: date
    need_ids: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.crop}·{self.name}"


@dataclass(frozen=True)
class Dashboard:
    """This year's figures (``figures``: key → FigureValue, the statistics service's own),
    live needs by status and by township, the season ahead, the busiest experts and the
    completed dispatches per month."""

    year: int
    today: date
    figures: dict[str, Any]
    by_status: dict[NeedStatus, int]
    by_township: list[tuple[int, str, int]]  # (township id, name, live needs)
    season: list[SeasonItem]
    workload: list[Any]
    months: list[tuple[str, float]]


def dashboard(session: Session, today: date | None = None, look_ahead: int = 30) -> Dashboard:
    from models import CropPhase as CropPhaseRow
    from services import statistics as st
    from services.calendar.crop_phases import phases_upcoming
    from services.calendar.store import county_region
    from services.outcomes import ledger

    today = today or date.today()
    period = st.Period.of_year(today.year)
    figures = {k: st.compute(session, k, period) for k in st.DASHBOARD_KEYS}
    towns = session.execute(
        select(Township.id, Township.name, func.count(Need.id))
        .outerjoin(Need, (Need.township_id == Township.id) & Need.deleted_at.is_(None))
        .group_by(Township.id, Township.name).order_by(Township.id)).all()
    season: list[SeasonItem] = []
    try:
        region = county_region(session)
        rows = list(session.scalars(select(CropPhaseRow).where(CropPhaseRow.region == region)))
        upcoming = phases_upcoming(region, today, look_ahead, phases=rows)
    except ServiceError:
        upcoming = []
    if upcoming:
        waiting: dict[int, list[int]] = {}
        for need_id, phase_id in session.execute(
                select(Need.id, Need.crop_phase_id).where(
                    Need.deleted_at.is_(None), Need.status.in_(WAITING),
                    Need.crop_phase_id.in_([o.phase.id for o in upcoming]))
                .order_by(Need.id)):
            waiting.setdefault(phase_id, []).append(need_id)
        season = [SeasonItem(o.phase.id, o.phase.crop, o.phase.name, o.start, o.end,
                             tuple(waiting.get(o.phase.id, ())))
                  for o in upcoming]
        season.sort(key=lambda s: (-len(s.need_ids), s.start))
    return Dashboard(today.year, today, figures, needs.status_counts(session),
                     [(t, n, c) for t, n, c in towns], season,
                     ledger.workload(session, today.year, today),
                     st.monthly(session, period, "dispatches"))
