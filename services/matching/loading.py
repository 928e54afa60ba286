"""Reading what matching needs from the database into plain snapshots, in a few bulk column
queries (no ORM objects are kept: the snapshot outlives the session and may go to a worker
thread)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import SelectBase

from models import (
    Application,
    ApplicationStatus,
    Dispatch,
    DispatchStatus,
    Expert,
    ExpertUnavailability,
    Field,
    Need,
    NeedStatus,
    Township,
    Unit,
    Village,
    application_member,
    expert_specialty,
)
from models.dialect import as_text
from services.matching import calendar_link
from services.matching.config import Rules
from services.matching.fieldtree import FieldTree
from services.matching.snapshot import ExpertInfo, NeedInfo, Snapshot, Visit

ACTIVE = (DispatchStatus.PLANNED, DispatchStatus.CONFIRMED, DispatchStatus.COMPLETED)
APPLIED = (ApplicationStatus.SUBMITTED, ApplicationStatus.SELECTED)


def fetch(session: Session, stmt: Any) -> Any:
    """Plain rows of a column query, through the session's connection: the ORM's result
    processing costs more than the query itself for the thousands of rows matching reads.
    Pending changes of the session are flushed first, as an ORM query would."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(stmt)


def fetch_all(session: Session, stmt: Any) -> list[Any]:
    """``fetch`` read at once (one ``fetchall`` instead of a call per row)."""
    return fetch(session, stmt).all()


def field_tree(session: Session) -> FieldTree:
    return FieldTree(fetch(session, select(Field.id, Field.name, Field.parent_id)).all())


def need_query():  # type: ignore[no-untyped-def]
    """The columns ``need_infos`` reads, for live needs (add the ``where`` that picks them)."""
    return (
        select(Need.id, Need.code, Need.title, Need.unit_id, Need.field_id, Need.township_id,
               Need.window_start, Need.window_end, Need.crop_phase_id, Need.days_wanted,
               Need.experts_wanted, Need.required_title, Need.status,
               Village.key_support, Village.poverty_alleviated,
               Village.latitude.label("v_lat"), Village.longitude.label("v_lon"),
               Township.latitude.label("t_lat"), Township.longitude.label("t_lon"),
               Township.name.label("township"), Unit.name.label("unit"))
        .join(Township, Need.township_id == Township.id)
        .join(Unit, Need.unit_id == Unit.id)
        .outerjoin(Village, Need.village_id == Village.id)
        .where(Need.deleted_at.is_(None))
    )


def need_infos(session: Session, rows: list, *, today: date | None = None) -> list[NeedInfo]:
    """NeedInfo for rows of ``need_query``, with effective windows, declines and applicants."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    dates = calendar_link.need_dates(session, rows, today)
    declined: dict[int, set[int]] = defaultdict(set)
    for need_id, expert_id in fetch_all(
        session, select(Dispatch.need_id, Dispatch.expert_id)
        .where(Dispatch.need_id.in_(ids), Dispatch.status == DispatchStatus.DECLINED)
    ):
        declined[need_id].add(expert_id)
    applicants: dict[int, set[int]] = defaultdict(set)
    for need_id, expert_id in fetch_all(
        session, select(Application.need_id, application_member.c.expert_id)
        .join(application_member, application_member.c.application_id == Application.id)
        .where(Application.need_id.in_(ids), Application.status.in_(APPLIED))
    ):
        applicants[need_id].add(expert_id)
    out = []
    for r in rows:
        d = dates[r.id]
        lat, lon = (r.v_lat, r.v_lon) if r.v_lat is not None else (r.t_lat, r.t_lon)
        out.append(NeedInfo(
            id=r.id, code=r.code, title=r.title, unit_id=r.unit_id, field_id=r.field_id,
            township_id=r.township_id, window_start=d.start, window_end=d.end,
            days=r.days_wanted, experts_wanted=r.experts_wanted,
            required_title=r.required_title,
            priority=bool(r.key_support or r.poverty_alleviated), latitude=lat, longitude=lon,
            ideal=d.ideal, unit_name=r.unit, township_name=r.township,
            declined=frozenset(declined.get(r.id, ())),
            applicants=frozenset(applicants.get(r.id, ())),
        ))
    return out


Ids = Collection[int] | SelectBase | None  # expert ids, or a query selecting them


def _in(column: Any, ids: Ids) -> Any:
    # A subquery keeps the statement small: a list of hundreds of ids costs more to bind
    # and expand than the lookups themselves.
    return column.in_(ids if isinstance(ids, SelectBase) else list(ids or ()))


def expert_infos(session: Session, ids: Ids, start: date, end: date,
                 *, unit_id: int | None = None) -> dict[int, ExpertInfo]:
    """Experts (all live ones, or just ``ids``) with specialties, unavailable ranges touching
    ``start``…``end`` and their history of completed visits per unit (only for ``unit_id``
    when given: one need's ranking needs no more)."""
    # Honours as the stored text: most experts have none, and decoding "[]" thousands of
    # times through the JSON type costs more than the query.
    stmt = select(Expert.id, Expert.code, Expert.name, Expert.title,
                  as_text(Expert.honours), Expert.employer_unit_id,
                  Expert.home_latitude, Expert.home_longitude, Expert.max_days_per_month,
                  Expert.max_days_per_year, Expert.retired).where(Expert.deleted_at.is_(None))
    links = select(expert_specialty.c.expert_id, expert_specialty.c.field_id)
    away = select(ExpertUnavailability.expert_id, ExpertUnavailability.start_date,
                  ExpertUnavailability.end_date).where(
        ExpertUnavailability.start_date <= end, ExpertUnavailability.end_date >= start)
    # The status is tested in the sum, not the WHERE clause: without table statistics
    # SQLite would otherwise walk the status index (every completed dispatch) instead of
    # looking the experts up.
    history = (select(Dispatch.expert_id, Need.unit_id,
                      func.sum(case((Dispatch.status == DispatchStatus.COMPLETED, 1), else_=0)))
               .join(Need, Dispatch.need_id == Need.id)
               .group_by(Dispatch.expert_id, Need.unit_id))
    if unit_id is not None:
        history = history.where(Need.unit_id == unit_id)
    if ids is not None:
        stmt = stmt.where(_in(Expert.id, ids))
        links = links.where(_in(expert_specialty.c.expert_id, ids))
        away = away.where(_in(ExpertUnavailability.expert_id, ids))
        history = history.where(_in(Dispatch.expert_id, ids))
    fields: dict[int, list[int]] = defaultdict(list)
    for e, f in fetch_all(session, links):
        fields[e].append(f)
    ranges: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for e, a, b in fetch_all(session, away):
        ranges[e].append((a, b))
    past: dict[int, dict[int, tuple[int, float | None]]] = defaultdict(dict)
    for e, unit, n in fetch_all(session, history):
        if n:  # Satisfaction comes with service records (a later feature): unknown yet.
            past[e][unit] = (int(n), None)
    out: dict[int, ExpertInfo] = {}
    no_ranges: tuple[tuple[date, date], ...] = ()
    for (id_, code, name, title, honours, employer, lat, lon, month_cap, year_cap,
         retired) in fetch_all(session, stmt):
        out[id_] = ExpertInfo(
            id_, code, name, tuple(sorted(fields.get(id_, ()))), title,
            tuple(json.loads(honours)) if honours and honours != "[]" else (), employer, lat,
            lon, month_cap, year_cap,
            tuple(sorted(ranges[id_])) if id_ in ranges else no_ranges,
            past.get(id_, {}), bool(retired))
    return out


def active_visits(session: Session, start: date, end: date, expert_ids: Ids = None
                  ) -> list[Visit]:
    """Active dispatches (planned, confirmed, completed) touching ``start``…``end``."""
    # The status is tested here rather than in SQL (see ``expert_infos``).
    stmt = select(Dispatch.id, Dispatch.code, Dispatch.need_id, Dispatch.expert_id,
                  Dispatch.start_date, Dispatch.end_date, Dispatch.status).where(
        Dispatch.start_date <= end, Dispatch.end_date >= start)
    if expert_ids is not None:
        stmt = stmt.where(_in(Dispatch.expert_id, expert_ids))
    active = {s.value for s in ACTIVE}
    return [Visit(r.need_id, r.expert_id, r.start_date, r.end_date,
                  pinned=r.status != DispatchStatus.PLANNED, dispatch_id=r.id,
                  dispatch_code=r.code)
            for r in fetch_all(session, stmt) if r.status in active]


def spans(session: Session, ids: Ids, start: date, end: date) -> list[tuple[int, date, date]]:
    """(expert, first day, last day) of the active dispatches of ``ids`` touching
    ``start``…``end``: all the workload questions of a ranking, read from one index."""
    stmt = select(Dispatch.expert_id, Dispatch.start_date, Dispatch.end_date,
                  Dispatch.status).where(Dispatch.start_date <= end, Dispatch.end_date >= start)
    if ids is not None:
        stmt = stmt.where(_in(Dispatch.expert_id, ids))
    active = {s.value for s in ACTIVE}
    return [(e, a, b) for e, a, b, status in fetch_all(session, stmt) if status in active]


def _overlaps(n: NeedInfo, start: date, end: date) -> bool:
    return (n.window_start or start) <= end and (n.window_end or end) >= start


def load_snapshot(
    session: Session,
    start: date,
    end: date,
    rules: Rules,
    *,
    need_codes: Iterable[str] | None = None,
    replan: bool = False,
    pinned: Iterable[Visit] = (),
    exclude_experts: Iterable[int] = (),
) -> Snapshot:
    """The needs to plan between ``start`` and ``end`` and everything around them.

    Needs: the ``reviewed`` ones whose window meets the period (or those of ``need_codes``);
    with ``replan`` also the ``matched`` ones, whose *planned* dispatches become the earlier
    plan to keep where possible (confirmed and completed ones never move). ``pinned``: visits
    of a proposal the user fixed before re-running. ``exclude_experts``: experts who dropped
    out (their movable visits are released).
    """
    # First, so that a change made while the rest is read shows as a change at acceptance.
    versions = dict(fetch(session, select(Dispatch.id, Dispatch.version).where(
        Dispatch.start_date <= date(end.year, 12, 31),
        Dispatch.end_date >= date(start.year, 1, 1))).all())
    statuses = [NeedStatus.REVIEWED] + ([NeedStatus.MATCHED] if replan else [])
    stmt = need_query().where(Need.status.in_(statuses)).order_by(Need.code)
    if need_codes is not None:
        codes = [c.strip().upper() for c in need_codes]
        stmt = stmt.where(Need.code.in_(codes))
    needs = [n for n in need_infos(session, list(fetch(session, stmt)))
             if _overlaps(n, start, end)]
    need_ids = {n.id for n in needs}
    excluded = set(exclude_experts)
    experts = {e: x for e, x in expert_infos(session, None, start, end).items()
               if e not in excluded}
    # Caps count the whole years the period touches.
    year_visits = active_visits(session, date(start.year, 1, 1), date(end.year, 12, 31))
    busy: list[Visit] = []
    previous: list[Visit] = []
    for v in year_visits:
        if v.need_id in need_ids and not v.pinned:
            if v.expert_id in excluded:
                continue  # the expert dropped out: this visit is released
            if replan:
                previous.append(v)
                continue
            v = Visit(v.need_id, v.expert_id, v.start, v.end, True, v.dispatch_id,
                      v.dispatch_code)  # kept as it is: not a replanning run
        busy.append(v)
    for v in pinned:
        if v.need_id in need_ids:
            busy.append(Visit(v.need_id, v.expert_id, v.start, v.end, True))
            previous = [p for p in previous if p.key() != v.key()]
    day = calendar_link.day_rules(session, start, end)
    return Snapshot(
        start=start, end=end, needs=needs, experts=experts, tree=field_tree(session),
        busy=busy, previous=previous, days_off=day.off, workdays=day.workdays,
        allow_holidays=rules.allow_holidays, allow_weekends=rules.allow_weekends,
        min_match_rank=rules.min_match_rank,
        township_names=dict(fetch(session, select(Township.id, Township.name)).all()),
        dispatch_versions={
            v.dispatch_id: versions[v.dispatch_id] for v in [*busy, *previous]
            if v.dispatch_id in versions
            and (v.need_id in need_ids or (v.start <= end and v.end >= start))},
    )
