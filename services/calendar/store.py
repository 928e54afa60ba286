"""The calendar's database side: the county's region, edited phases, user holidays, and the
windows that needs get from phases.

Functions take the caller's session (one user action = one unit of work) and return ORM rows or
plain values; reads for views return plain ``CropPhase`` values that outlive the session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import HOLIDAY_KINDS
from models import CropPhase as CropPhaseRow
from models import Holiday as HolidayRow
from services import settings
from services import validation as v
from services.calendar.crop_phases import (
    CropPhase,
    PhaseOccurrence,
    check_phase_specs,
    load_catalogue,
    occurrences_between,
    parse_spec,
    phases_upcoming,
)
from services.calendar.grid import MonthView, month_view
from services.calendar.holidays import HolidayCalendar
from services.calendar.terms import MAX_YEAR, MIN_YEAR
from services.errors import CalendarError, DuplicateError, NotFoundError, ServiceError
from services.records import apply, check_version

REGION_SETTING = "calendar.region"
_KIND_BY_LABEL = {label: kind for kind, label in HOLIDAY_KINDS.items()}


def county_region(session: Session) -> str:
    """The farming region set for this county (setting ``calendar.region``, default 西南)."""
    return str(settings.get(session, REGION_SETTING))


# -- crop phases ------------------------------------------------------------------------------


def phase_from_row(row: CropPhaseRow) -> CropPhase:
    """A plain, session-free copy of a phase row."""
    return CropPhase(
        key=row.key,
        region=row.region,
        crop=row.crop,
        name=row.name,
        start_spec=row.start_spec,
        end_spec=row.end_spec,
        ideal_spec=row.ideal_spec,
        help=tuple(row.help or ()),
        topics=tuple(row.topics or ()),
        source=row.source,
        id=row.id,
        user_edited=row.user_edited,
    )


def list_phases(
    session: Session, region: str | None = None, crop: str | None = None
) -> list[CropPhase]:
    """Phases stored in the database (with the user's edits), in catalogue order."""
    if region is not None:
        load_catalogue().check_region(region)
    stmt = select(CropPhaseRow).order_by(CropPhaseRow.id)
    if region is not None:
        stmt = stmt.where(CropPhaseRow.region == region)
    if crop is not None:
        stmt = stmt.where(CropPhaseRow.crop == crop)
    return [phase_from_row(row) for row in session.scalars(stmt)]


def get_phase(session: Session, key: int | str) -> CropPhaseRow:
    """A phase row by id or by key ("西南/茶叶/春茶采摘")."""
    row: CropPhaseRow | None
    if isinstance(key, int) or (isinstance(key, str) and key.strip().isdigit()):
        row = session.get(CropPhaseRow, int(key))
    else:
        row = session.scalar(select(CropPhaseRow).where(CropPhaseRow.key == str(key).strip()))
    if row is None:
        raise NotFoundError(f"找不到农时“{key}”。请按“农业区/产业/名称”填写，如“西南/茶叶/春茶采摘”。")
    return row


def _text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.replace("，", "、").replace(",", "、").split("、")
    else:
        parts = [str(item) for item in value]
    return [v.normalize_text(p) for p in parts if v.normalize_text(p)]


def _phase_values(row: CropPhaseRow, changes: dict[str, Any]) -> dict[str, Any]:
    aliases = {"start": "start_spec", "end": "end_spec", "ideal": "ideal_spec"}
    changes = {aliases.get(k, k): val for k, val in changes.items()}
    c = v.Collector()
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = c.check(v.required, "name", "农时名称", changes["name"], 60)
    for column, label in (("start_spec", "开始"), ("end_spec", "结束")):
        if column in changes:
            values[column] = c.check(v.required, column, label, changes[column], 30)
    if "ideal_spec" in changes:
        values["ideal_spec"] = v.normalize_text(changes["ideal_spec"]) or None
    for column in ("help", "topics"):
        if column in changes:
            values[column] = _text_list(changes[column])
    if "source" in changes:
        values["source"] = c.check(v.optional_text, "source", "依据说明", changes["source"], 2000)
    c.raise_if_any()
    start = values.get("start_spec", row.start_spec)
    end = values.get("end_spec", row.end_spec)
    ideal = values.get("ideal_spec", row.ideal_spec)
    for column, spec in (("start_spec", start), ("end_spec", end), ("ideal_spec", ideal)):
        if spec:
            try:
                parse_spec(spec)
            except CalendarError as exc:
                c.add(column, exc.message)
    c.raise_if_any()
    try:
        check_phase_specs(start, end, ideal)
    except CalendarError as exc:
        c.add("ideal_spec" if "最佳" in exc.message else "end_spec", exc.message)
    c.raise_if_any()
    return values


def edit_phase(
    session: Session, key: int | str, changes: dict[str, Any], expected_version: int | None = None
) -> CropPhaseRow:
    """Change a phase (name, start/end/ideal specs, help, topics, source) and mark it
    ``user_edited`` so that later catalogue updates leave it alone."""
    row = get_phase(session, key)
    check_version(row, expected_version, "农时")
    values = _phase_values(row, changes)
    changed = {k: val for k, val in values.items() if getattr(row, k) != val}
    if changed:
        apply(row, {**changed, "user_edited": True})
        session.flush()
    return row


def reset_phase(session: Session, key: int | str) -> CropPhaseRow:
    """Undo the user's edits: back to the catalogue's values, following the file again."""
    from services.calendar.catalogue import catalogue_values

    row = get_phase(session, key)
    phase = load_catalogue().get(row.key)
    if phase is None:
        raise ServiceError(f"农时“{row.key}”已不在农时目录中，无法恢复为目录中的设定。")
    values = catalogue_values(phase)
    values.pop("key")
    apply(row, {**values, "user_edited": False})
    session.flush()
    return row


# -- user holidays ----------------------------------------------------------------------------


def _holiday_values(
    session: Session, data: dict[str, Any], current: HolidayRow | None
) -> dict[str, Any]:
    c = v.Collector()
    day = c.check(v.parse_date, data.get("date"), "date", "日期")
    if day is None and "date" not in c.errors:
        c.add("date", "请填写日期。")
    if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
        c.add("date", f"日期应在 {MIN_YEAR} 年到 {MAX_YEAR} 年之间。")
    name = c.check(v.required, "name", "名称", data.get("name"), 40)
    kind_text = v.normalize_text(data.get("kind") or "holiday")
    kind = _KIND_BY_LABEL.get(kind_text, kind_text)
    if kind not in HOLIDAY_KINDS:
        c.add("kind", f"类型“{kind_text}”无效，可选：放假、上班。")
    note = c.check(v.optional_text, "note", "说明", data.get("note"), 500)
    if day is not None and "date" not in c.errors:
        other = session.scalar(select(HolidayRow).where(HolidayRow.date == day))
        if other is not None and other is not current:
            raise DuplicateError.single(
                "date", f"{day.isoformat()}已有自定义节假日“{other.name}”，请直接修改那一条。"
            )
    c.raise_if_any()
    return {"date": day, "name": name, "kind": kind, "note": note or ""}


def list_holidays(
    session: Session, start: dt.date | None = None, end: dt.date | None = None
) -> list[HolidayRow]:
    """The office's own holidays and working days, by date (optionally within start..end)."""
    stmt = select(HolidayRow).order_by(HolidayRow.date)
    if start is not None:
        stmt = stmt.where(HolidayRow.date >= start)
    if end is not None:
        stmt = stmt.where(HolidayRow.date <= end)
    return list(session.scalars(stmt))


def get_holiday(session: Session, key: int | str | dt.date) -> HolidayRow:
    """A user holiday by id or by date (a date object or "2026-05-03")."""
    row: HolidayRow | None
    if isinstance(key, int) or (isinstance(key, str) and key.strip().isdigit()):
        row = session.get(HolidayRow, int(key))
    else:
        day = v.parse_date(key, "date", "日期")
        row = session.scalar(select(HolidayRow).where(HolidayRow.date == day))
    if row is None:
        raise NotFoundError(f"找不到自定义节假日“{key}”。")
    return row


def add_holiday(session: Session, data: dict[str, Any]) -> HolidayRow:
    """Add a local day off (kind "holiday"/放假) or extra working day ("workday"/上班)."""
    row = HolidayRow(**_holiday_values(session, data, None))
    session.add(row)
    session.flush()
    return row


def update_holiday(
    session: Session,
    key: int | str | dt.date,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> HolidayRow:
    row = get_holiday(session, key)
    check_version(row, expected_version, "自定义节假日")
    current = {"date": row.date, "name": row.name, "kind": row.kind, "note": row.note}
    apply(row, _holiday_values(session, {**current, **changes}, row))
    session.flush()
    return row


def delete_holiday(session: Session, key: int | str | dt.date) -> None:
    """Remove a user holiday (the statutory calendar applies to that day again)."""
    session.delete(get_holiday(session, key))
    session.flush()


def holiday_calendar(session: Session) -> HolidayCalendar:
    """Statutory holidays merged with this office's own rows (plain data, session-free)."""
    rows = [
        {"date": r.date, "name": r.name, "kind": r.kind, "note": r.note}
        for r in list_holidays(session)
    ]
    return HolidayCalendar.default(rows)


# -- views ------------------------------------------------------------------------------------


def county_month_view(
    session: Session,
    year: int,
    month: int,
    *,
    region: str | None = None,
    crop: str | None = None,
) -> MonthView:
    """The month grid for this county: its region's phases as edited, and its own holidays."""
    region = region or county_region(session)
    return month_view(
        year,
        month,
        region=region,
        crop=crop,
        phases=list_phases(session, region, crop),
        holidays=holiday_calendar(session),
    )


def county_upcoming(
    session: Session,
    today: dt.date | None = None,
    days: int = 30,
    *,
    region: str | None = None,
    crop: str | None = None,
) -> list[PhaseOccurrence]:
    """The dashboard's "coming into season" list for this county."""
    region = region or county_region(session)
    return phases_upcoming(
        region, today or dt.date.today(), days, crop=crop, phases=list_phases(session, region)
    )


# -- need windows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveWindow:
    """The dates a need should be served in.

    ``start``/``end``: the need's own dates where given, else the phase's; ``phase_start``/
    ``phase_end``: the phase occurrence used (None without a phase); ``from_phase``: some date
    came from the phase; ``warning``: Chinese text when the need's own dates leave the phase.
    """

    start: dt.date | None
    end: dt.date | None
    phase_start: dt.date | None = None
    phase_end: dt.date | None = None
    from_phase: bool = False
    warning: str | None = None


def _pick_occurrence(phase: Any, anchor: dt.date, *, upcoming: bool) -> PhaseOccurrence:
    """The occurrence of ``phase`` containing ``anchor``; else, if ``upcoming``, the next one to
    start after it, otherwise the nearest one."""
    year = min(max(anchor.year, MIN_YEAR + 1), MAX_YEAR - 1)
    occurrences = occurrences_between(
        [phase], dt.date(year - 1, 1, 1), dt.date(year + 1, 12, 31)
    )
    for occ in occurrences:
        if occ.contains(anchor):
            return occ
    if upcoming:
        later = [o for o in occurrences if o.start > anchor]
        if later:
            return later[0]

    def distance(o: PhaseOccurrence) -> int:
        return min(abs((o.start - anchor).days), abs((o.end - anchor).days))

    return min(occurrences, key=distance)


def effective_window(
    window_start: dt.date | None,
    window_end: dt.date | None,
    phase: Any | None,
    *,
    today: dt.date | None = None,
) -> EffectiveWindow:
    """A need's window: its own dates take precedence; missing ones come from the phase.

    Without own dates the phase's next occurrence that has not ended by ``today`` is used.
    A warning (Chinese) says when the own dates fall wholly or partly outside the phase.
    """
    if phase is None:
        return EffectiveWindow(window_start, window_end)
    today = today or dt.date.today()
    anchor = window_start or window_end
    occ = _pick_occurrence(phase, anchor or today, upcoming=anchor is None)
    start = window_start or (occ.start if window_end is None or occ.start <= window_end else None)
    end = window_end or (occ.end if start is None or occ.end >= start else None)
    if start is None:
        start = end
    if end is None:
        end = start
    from_phase = window_start is None or window_end is None
    name = getattr(phase, "name", "") or getattr(phase, "key", "")
    warning = None
    if start is not None and end is not None and (window_start or window_end):
        phase_text = f"农时“{name}”（{occ.start.isoformat()} 至 {occ.end.isoformat()}）"
        own = f"需求时间（{start.isoformat()} 至 {end.isoformat()}）"
        if end < occ.start or start > occ.end:
            warning = f"{own}不在{phase_text}之内，专家到场时可能已错过农时，请核对。"
        elif start < occ.start or end > occ.end:
            warning = f"{own}有一部分超出{phase_text}，请核对。"
    return EffectiveWindow(start, end, occ.start, occ.end, from_phase, warning)


def need_window(session: Session, need: Any, *, today: dt.date | None = None) -> EffectiveWindow:
    """The effective window of a need (a ``Need`` row or anything with ``window_start``,
    ``window_end`` and ``crop_phase_id``)."""
    phase_id = getattr(need, "crop_phase_id", None)
    phase = phase_from_row(get_phase(session, phase_id)) if phase_id else None
    return effective_window(
        getattr(need, "window_start", None), getattr(need, "window_end", None), phase, today=today
    )


def phases_for_crop(session: Session, crop: str, region: str | None = None) -> Sequence[CropPhase]:
    """The phases of one crop (an industry name of fields.json) in the county's region: what a
    need form offers once the need's industry is chosen."""
    return list_phases(session, region or county_region(session), crop)


