"""The programme's organisations: expert service teams (专家服务团, TD-0001), service bases
(专家服务基地, JD-0001), grassroots research workstations (专家基层科研工作站, GZZ-0001) and
collective service activities (专家服务活动, HD-2026-0001).

Rules kept here: a team's lead is one of its members; a base has a level and a host unit and
at most one evaluation a year; a workstation's log of days served lies inside its term; an
activity's dispatches fall inside its dates and a dispatch belongs to at most one activity.
Teams, bases, workstations and activities are soft-deleted and can be restored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Dispatch, Expert, Field, Unit, expert_specialty
from models.base import Base
from models.organisations import (
    ACTIVITY_KINDS,
    BASE_LEVELS,
    EVALUATION_RESULTS,
    TEAM_KINDS,
    Activity,
    BaseEvaluation,
    ServiceBase,
    Team,
    Workstation,
    WorkstationLog,
    activity_dispatch,
    activity_expert,
    base_expert,
    team_member,
)
from services import dispatches
from services import validation as v
from services.errors import NotFoundError, ValidationError
from services.experts import get_expert
from services.fields import all_fields, field_path, find_field
from services.records import (
    apply,
    check_version,
    get_record,
    merge_changes,
    next_code,
    restore,
    soft_delete,
)
from services.units import get_unit

T = TypeVar("T", bound=Base)


# -- shared helpers ---------------------------------------------------------------------------


def _keys(value: object) -> list[Any]:
    """A list of references from a list or from text separated by commas / 、 / spaces."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set):
        return [x for x in value if x not in (None, "")]
    return [x for x in re.split(r"[,，、;；\s]+", str(value)) if x]


def _experts(session: Session, c: v.Collector, value: object, field: str) -> list[Expert]:
    found: list[Expert] = []
    for key in _keys(value):
        if isinstance(key, Expert):
            found.append(key)
            continue
        try:
            expert = get_expert(session, key)
        except NotFoundError as exc:
            c.add(field, exc.message)
            continue
        if expert not in found:
            found.append(expert)
    return found


def _ref(session: Session, c: v.Collector, getter: Callable[[Session, Any], T], key: object,
         field: str, missing: str | None) -> T | None:
    if key in (None, ""):
        if missing:
            c.add(field, missing)
        return None
    try:
        return getter(session, key)
    except NotFoundError as exc:
        c.add(field, exc.message)
        return None


def _date(c: v.Collector, data: dict[str, Any], key: str, label: str,
          required: bool = False) -> date | None:
    value = c.check(v.parse_date, data.get(key), key, label)
    if value is None and required and key not in c.errors:
        c.add(key, f"请填写{label}。")
    return value


def _current(obj: Base, keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in keys}


# -- teams ------------------------------------------------------------------------------------

TEAM_EDITABLE = ("name", "kind", "lead_expert_id", "focus_field_id", "focus", "formed_on",
                 "note")


def _team_values(session: Session, data: dict[str, Any], current: Team | None
                 ) -> tuple[dict[str, Any], list[Expert]]:
    c = v.Collector()
    values: dict[str, Any] = {
        "name": c.check(v.required, "name", "团队名称", data.get("name"), 100),
        "kind": c.check(v.choice, data.get("kind") or TEAM_KINDS[0], "kind", "团队类型",
                        TEAM_KINDS),
        "focus": c.check(v.optional_text, "focus", "服务产业", data.get("focus"), 200),
        "formed_on": _date(c, data, "formed_on", "组建日期"),
        "note": c.check(v.optional_text, "note", "备注", data.get("note"), 2000),
    }
    if "members" in data:
        members = _experts(session, c, data["members"], "members")
    else:
        members = list(current.members) if current else []
    lead = _ref(session, c, get_expert, data.get("lead_expert_id") or data.get("lead"),
                "lead_expert_id", "请选择团长（领衔专家）。")
    if lead is not None and lead not in members:
        if "members" in data or current is not None:
            c.add("lead_expert_id", f"团长“{lead.name}”必须是团队成员，请先把他加入成员。")
        else:
            members.insert(0, lead)  # a new team given only its lead starts with the lead
    focus_key = data.get("focus_field_id") or data.get("focus_field")
    focus_field: Field | None = None
    if focus_key not in (None, ""):
        if isinstance(focus_key, int):
            focus_field = session.get(Field, focus_key)
            if focus_field is None:
                c.add("focus_field_id", f"找不到专业领域（编号 {focus_key}）。")
        else:
            focus_field = c.check(find_field, session, str(focus_key), "focus_field_id")
    if not members and "members" not in c.errors:
        c.add("members", "团队至少要有一名成员。")
    c.raise_if_any()
    assert lead
    values |= {"lead_expert_id": lead.id,
               "focus_field_id": focus_field.id if focus_field else None}
    return values, members


def create_team(session: Session, data: dict[str, Any]) -> Team:
    values, members = _team_values(session, data, None)
    team = Team(code=next_code(session, Team, "TD-"), **values)
    team.members = members
    session.add(team)
    session.flush()
    return team


def get_team(session: Session, key: int | str, *, include_deleted: bool = False) -> Team:
    return get_record(session, Team, key, "专家服务团", include_deleted=include_deleted)


def update_team(session: Session, key: int | str, changes: dict[str, Any],
                expected_version: int | None = None) -> Team:
    team = get_team(session, key)
    check_version(team, expected_version, f"团队 {team.code}")
    current = _current(team, TEAM_EDITABLE)
    if "lead" in changes:
        current.pop("lead_expert_id")
    merged = merge_changes(current, changes)
    values, members = _team_values(session, merged, team)
    apply(team, values)
    if list(team.members) != members:
        team.members = members
    session.flush()
    return team


def delete_team(session: Session, key: int | str) -> Team:
    team = get_team(session, key)
    soft_delete(team, f"团队 {team.code}")
    session.flush()
    return team


def restore_team(session: Session, key: int | str) -> Team:
    team = get_team(session, key, include_deleted=True)
    restore(team, f"团队 {team.code}")
    session.flush()
    return team


def _member_counts(session: Session, table: Any, column: Any) -> dict[int, int]:
    return dict(session.execute(  # type: ignore[arg-type]
        select(column, func.count()).select_from(table).group_by(column)).all())


def list_teams(session: Session, *, include_deleted: bool = False) -> list[dict[str, Any]]:
    counts = _member_counts(session, team_member, team_member.c.team_id)
    stmt = (select(Team, Expert.name.label("lead")).outerjoin(
        Expert, Team.lead_expert_id == Expert.id).order_by(Team.code))
    if not include_deleted:
        stmt = stmt.where(Team.deleted_at.is_(None))
    rows = []
    for team, lead in session.execute(stmt):
        rows.append({"id": team.id, "code": team.code, "name": team.name, "kind": team.kind,
                     "lead": lead or "", "focus": team.focus,
                     "focus_field": team.focus_field.name if team.focus_field else "",
                     "members": counts.get(team.id, 0), "formed_on": team.formed_on,
                     "deleted_at": team.deleted_at})
    return rows


def team_values(session: Session, key: int | str) -> dict[str, Any]:
    team = get_team(session, key, include_deleted=True)
    return _current(team, TEAM_EDITABLE) | {
        "id": team.id, "code": team.code, "version": team.version,
        "members": [m.id for m in team.members],
        "member_names": [f"{m.name}（{m.code}）" for m in team.members],
        "focus_field": field_path(team.focus_field) if team.focus_field else ""}


# -- service bases ----------------------------------------------------------------------------

BASE_EDITABLE = ("name", "level", "host_unit_id", "established_on", "note")


def _base_values(session: Session, data: dict[str, Any]) -> tuple[dict[str, Any], list[Expert]]:
    c = v.Collector()
    values: dict[str, Any] = {
        "name": c.check(v.required, "name", "基地名称", data.get("name"), 100),
        "level": c.check(v.choice, data.get("level"), "level", "基地级别", BASE_LEVELS),
        "established_on": _date(c, data, "established_on", "设立日期"),
        "note": c.check(v.optional_text, "note", "备注", data.get("note"), 2000),
    }
    host = _ref(session, c, get_unit, data.get("host_unit_id") or data.get("host_unit"),
                "host_unit_id", "请选择依托单位。")
    experts = _experts(session, c, data.get("experts"), "experts")
    c.raise_if_any()
    assert host
    values["host_unit_id"] = host.id
    return values, experts


def create_base(session: Session, data: dict[str, Any]) -> ServiceBase:
    values, experts = _base_values(session, data)
    base = ServiceBase(code=next_code(session, ServiceBase, "JD-"), **values)
    base.experts = experts
    session.add(base)
    session.flush()
    return base


def get_base(session: Session, key: int | str, *, include_deleted: bool = False) -> ServiceBase:
    return get_record(session, ServiceBase, key, "专家服务基地", include_deleted=include_deleted)


def update_base(session: Session, key: int | str, changes: dict[str, Any],
                expected_version: int | None = None) -> ServiceBase:
    base = get_base(session, key)
    check_version(base, expected_version, f"基地 {base.code}")
    merged = merge_changes(_current(base, BASE_EDITABLE) | {"experts": list(base.experts)},
                           changes)
    values, experts = _base_values(session, merged)
    apply(base, values)
    if list(base.experts) != experts:
        base.experts = experts
    session.flush()
    return base


def delete_base(session: Session, key: int | str) -> ServiceBase:
    base = get_base(session, key)
    soft_delete(base, f"基地 {base.code}")
    session.flush()
    return base


def restore_base(session: Session, key: int | str) -> ServiceBase:
    base = get_base(session, key, include_deleted=True)
    restore(base, f"基地 {base.code}")
    session.flush()
    return base


def evaluate_base(session: Session, key: int | str, year: object, result: object,
                  note: object = "") -> BaseEvaluation:
    """Record (or correct) the base's evaluation for a year."""
    base = get_base(session, key)
    c = v.Collector()
    year_value = c.check(v.int_in_range, year, "year", "考核年度", 2000, date.today().year)
    result_value = c.check(v.choice, result, "result", "考核结果", EVALUATION_RESULTS)
    note_value = c.check(v.optional_text, "note", "考核说明", note, 2000)
    if (year_value and base.established_on is not None
            and year_value < base.established_on.year):
        c.add("year", f"基地 {base.code} 设立于 {base.established_on.year} 年，不能考核更早的年度。")
    c.raise_if_any()
    existing = next((e for e in base.evaluations if e.year == year_value), None)
    if existing is None:
        existing = BaseEvaluation(year=year_value, result=result_value, note=note_value)
        base.evaluations.append(existing)
    else:
        apply(existing, {"result": result_value, "note": note_value})
    session.flush()
    return existing


def list_bases(session: Session, *, include_deleted: bool = False) -> list[dict[str, Any]]:
    counts = _member_counts(session, base_expert, base_expert.c.base_id)
    latest: dict[int, tuple[int, str]] = {}
    for base_id, year, result in session.execute(
            select(BaseEvaluation.base_id, BaseEvaluation.year, BaseEvaluation.result)
            .order_by(BaseEvaluation.year)):
        latest[base_id] = (year, result)
    stmt = (select(ServiceBase, Unit.name.label("host"))
            .join(Unit, ServiceBase.host_unit_id == Unit.id).order_by(ServiceBase.code))
    if not include_deleted:
        stmt = stmt.where(ServiceBase.deleted_at.is_(None))
    rows = []
    for base, host in session.execute(stmt):
        year, result = latest.get(base.id, (None, ""))
        rows.append({"id": base.id, "code": base.code, "name": base.name, "level": base.level,
                     "host_unit": host, "experts": counts.get(base.id, 0),
                     "established_on": base.established_on,
                     "evaluation": f"{year} 年{result}" if year else "",
                     "deleted_at": base.deleted_at})
    return rows


def base_values(session: Session, key: int | str) -> dict[str, Any]:
    base = get_base(session, key, include_deleted=True)
    return _current(base, BASE_EDITABLE) | {
        "id": base.id, "code": base.code, "version": base.version,
        "host_unit": base.host_unit.code,
        "experts": [e.id for e in base.experts],
        "expert_names": [f"{e.name}（{e.code}）" for e in base.experts],
        "evaluations": [{"year": e.year, "result": e.result, "note": e.note}
                        for e in base.evaluations]}


# -- workstations -----------------------------------------------------------------------------

WORKSTATION_EDITABLE = ("name", "expert_id", "host_unit_id", "start_date", "end_date", "note")


def _workstation_values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    c = v.Collector()
    values: dict[str, Any] = {
        "name": c.check(v.required, "name", "工作站名称", data.get("name"), 100),
        "note": c.check(v.optional_text, "note", "备注", data.get("note"), 2000),
    }
    expert = _ref(session, c, get_expert, data.get("expert_id") or data.get("expert"),
                  "expert_id", "请选择进站专家。")
    host = _ref(session, c, get_unit, data.get("host_unit_id") or data.get("host_unit"),
                "host_unit_id", "请选择建站单位。")
    start = _date(c, data, "start_date", "建站日期", required=True)
    end = _date(c, data, "end_date", "期满日期")
    if start and end:
        c.check(v.window, start, end, "end_date", "工作站期限")
    c.raise_if_any()
    assert expert and host
    return values | {"expert_id": expert.id, "host_unit_id": host.id, "start_date": start,
                     "end_date": end}


def _check_logs_inside(ws: Workstation) -> None:
    outside = [log for log in ws.logs
               if log.served_on < ws.start_date or (ws.end_date and log.served_on > ws.end_date)]
    if outside:
        raise ValidationError.single(
            "end_date", f"工作站已登记 {outside[0].served_on} 的服务，新的期限不能把它排除在外。")


def create_workstation(session: Session, data: dict[str, Any]) -> Workstation:
    ws = Workstation(code=next_code(session, Workstation, "GZZ-"),
                     **_workstation_values(session, data))
    session.add(ws)
    session.flush()
    return ws


def get_workstation(session: Session, key: int | str, *,
                    include_deleted: bool = False) -> Workstation:
    return get_record(session, Workstation, key, "专家工作站", include_deleted=include_deleted)


def update_workstation(session: Session, key: int | str, changes: dict[str, Any],
                       expected_version: int | None = None) -> Workstation:
    ws = get_workstation(session, key)
    check_version(ws, expected_version, f"工作站 {ws.code}")
    apply(ws, _workstation_values(
        session, merge_changes(_current(ws, WORKSTATION_EDITABLE), changes)))
    _check_logs_inside(ws)
    session.flush()
    return ws


def delete_workstation(session: Session, key: int | str) -> Workstation:
    ws = get_workstation(session, key)
    soft_delete(ws, f"工作站 {ws.code}")
    session.flush()
    return ws


def restore_workstation(session: Session, key: int | str) -> Workstation:
    ws = get_workstation(session, key, include_deleted=True)
    restore(ws, f"工作站 {ws.code}")
    session.flush()
    return ws


def add_log(session: Session, key: int | str, served_on: object, days: object,
            note: object = "") -> WorkstationLog:
    """Days the expert served at the workstation, starting on ``served_on`` (inside the
    workstation's term, not in the future)."""
    ws = get_workstation(session, key)
    c = v.Collector()
    day = c.check(v.parse_date, served_on, "served_on", "服务日期")
    if day is None and "served_on" not in c.errors:
        c.add("served_on", "请填写服务日期。")
    count = c.check(v.int_in_range, days, "days", "服务天数", 1, 31)
    text = c.check(v.optional_text, "note", "服务内容", note, 500)
    if day is not None:
        if day < ws.start_date or (ws.end_date is not None and day > ws.end_date):
            end = ws.end_date.isoformat() if ws.end_date else "至今"
            c.add("served_on", f"服务日期（{day}）不在工作站期限（{ws.start_date}～{end}）内。")
        elif day > date.today():
            c.add("served_on", f"服务日期（{day}）晚于今天，请在服务后登记。")
    c.raise_if_any()
    log = WorkstationLog(served_on=day, days=count, note=text)
    ws.logs.append(log)
    session.flush()
    return log


def remove_log(session: Session, log_id: int) -> None:
    log = session.get(WorkstationLog, log_id)
    if log is None:
        raise NotFoundError(f"找不到工作站服务记录（编号 {log_id}）。")
    session.delete(log)
    session.flush()


def workstation_days(session: Session, key: int | str, year: int | None = None) -> int:
    """Days served at the workstation (in ``year`` when given, by the log's start day)."""
    ws = get_workstation(session, key, include_deleted=True)
    return sum(log.days for log in ws.logs if year is None or log.served_on.year == year)


def list_workstations(session: Session, *, include_deleted: bool = False
                      ) -> list[dict[str, Any]]:
    days = dict(session.execute(  # type: ignore[arg-type]
        select(WorkstationLog.workstation_id, func.sum(WorkstationLog.days))
        .group_by(WorkstationLog.workstation_id)).all())
    stmt = (select(Workstation, Expert.name.label("expert"), Unit.name.label("host"))
            .join(Expert, Workstation.expert_id == Expert.id)
            .join(Unit, Workstation.host_unit_id == Unit.id).order_by(Workstation.code))
    if not include_deleted:
        stmt = stmt.where(Workstation.deleted_at.is_(None))
    return [{"id": ws.id, "code": ws.code, "name": ws.name, "expert": expert,
             "host_unit": host, "start_date": ws.start_date, "end_date": ws.end_date,
             "days": int(days.get(ws.id) or 0), "deleted_at": ws.deleted_at}
            for ws, expert, host in session.execute(stmt)]


def workstation_values(session: Session, key: int | str) -> dict[str, Any]:
    ws = get_workstation(session, key, include_deleted=True)
    return _current(ws, WORKSTATION_EDITABLE) | {
        "id": ws.id, "code": ws.code, "version": ws.version, "expert": ws.expert.code,
        "expert_name": f"{ws.expert.name}（{ws.expert.code}）", "host_unit": ws.host_unit.code,
        "logs": [{"id": log.id, "served_on": log.served_on, "days": log.days, "note": log.note}
                 for log in ws.logs]}


# -- activities -------------------------------------------------------------------------------

ACTIVITY_EDITABLE = ("name", "kind", "start_date", "end_date", "places", "organiser",
                     "team_id", "note")


def _activity_values(session: Session, data: dict[str, Any], current: Activity | None
                     ) -> tuple[dict[str, Any], list[Expert], list[Dispatch]]:
    c = v.Collector()
    values: dict[str, Any] = {
        "name": c.check(v.required, "name", "活动名称", data.get("name"), 200),
        "kind": c.check(v.choice, data.get("kind") or "专家服务基层活动", "kind", "活动类型",
                        ACTIVITY_KINDS),
        "places": c.check(v.optional_text, "places", "活动地点", data.get("places"), 300),
        "organiser": c.check(v.optional_text, "organiser", "主办单位", data.get("organiser"), 100),
        "note": c.check(v.optional_text, "note", "备注", data.get("note"), 2000),
    }
    start = _date(c, data, "start_date", "开始日期", required=True)
    end = _date(c, data, "end_date", "结束日期") or start
    if start and end:
        c.check(v.window, start, end, "end_date", "活动日期")
    team = _ref(session, c, get_team, data.get("team_id") or data.get("team"), "team_id", None)
    experts = (_experts(session, c, data["experts"], "experts") if "experts" in data
               else list(current.experts) if current else [])
    linked: list[Dispatch] = []
    keys = _keys(data["dispatches"]) if "dispatches" in data else (
        list(current.dispatches) if current else [])
    for key in keys:
        d = key if isinstance(key, Dispatch) else _ref(
            session, c, dispatches.get_dispatch, key, "dispatches", None)
        if d is None or d in linked:
            continue
        if start and end and not (start <= d.start_date <= end):
            c.add("dispatches", f"派遣 {d.code}（{d.start_date}）不在活动日期"
                                f"（{start}～{end}）内。")
        other = session.scalars(
            select(Activity).join(activity_dispatch, activity_dispatch.c.activity_id == Activity.id)
            .where(activity_dispatch.c.dispatch_id == d.id)).first()
        if other is not None and other is not current:
            c.add("dispatches", f"派遣 {d.code} 已属于活动 {other.code}“{other.name}”，"
                                "一次派遣只能属于一个活动。")
        linked.append(d)
    c.raise_if_any()
    # The experts of the linked dispatches take part whether or not they were listed.
    for d in linked:
        if d.expert not in experts:
            experts.append(d.expert)
    return values | {"start_date": start, "end_date": end,
                     "team_id": team.id if team else None}, experts, linked


def create_activity(session: Session, data: dict[str, Any]) -> Activity:
    values, experts, linked = _activity_values(session, data, None)
    activity = Activity(code=next_code(session, Activity, f"HD-{values['start_date'].year}-"),
                        **values)
    activity.experts = experts
    activity.dispatches = linked
    session.add(activity)
    session.flush()
    return activity


def get_activity(session: Session, key: int | str, *, include_deleted: bool = False) -> Activity:
    return get_record(session, Activity, key, "活动", include_deleted=include_deleted)


def update_activity(session: Session, key: int | str, changes: dict[str, Any],
                    expected_version: int | None = None) -> Activity:
    activity = get_activity(session, key)
    check_version(activity, expected_version, f"活动 {activity.code}")
    merged = merge_changes(_current(activity, ACTIVITY_EDITABLE), changes)
    values, experts, linked = _activity_values(session, merged | {
        k: changes[k] for k in ("experts", "dispatches") if k in changes}, activity)
    apply(activity, values)
    if list(activity.experts) != experts:
        activity.experts = experts
    if list(activity.dispatches) != linked:
        activity.dispatches = linked
    session.flush()
    return activity


def delete_activity(session: Session, key: int | str) -> Activity:
    activity = get_activity(session, key)
    soft_delete(activity, f"活动 {activity.code}")
    session.flush()
    return activity


def restore_activity(session: Session, key: int | str) -> Activity:
    activity = get_activity(session, key, include_deleted=True)
    restore(activity, f"活动 {activity.code}")
    session.flush()
    return activity


def list_activities(session: Session, *, include_deleted: bool = False
                    ) -> list[dict[str, Any]]:
    experts = _member_counts(session, activity_expert, activity_expert.c.activity_id)
    linked = _member_counts(session, activity_dispatch, activity_dispatch.c.activity_id)
    stmt = (select(Activity, Team.name.label("team"))
            .outerjoin(Team, Activity.team_id == Team.id)
            .order_by(Activity.start_date.desc(), Activity.code))
    if not include_deleted:
        stmt = stmt.where(Activity.deleted_at.is_(None))
    return [{"id": a.id, "code": a.code, "name": a.name, "kind": a.kind,
             "start_date": a.start_date, "end_date": a.end_date, "places": a.places,
             "organiser": a.organiser, "team": team or "", "experts": experts.get(a.id, 0),
             "dispatches": linked.get(a.id, 0), "deleted_at": a.deleted_at}
            for a, team in session.execute(stmt)]


def activity_values(session: Session, key: int | str) -> dict[str, Any]:
    a = get_activity(session, key, include_deleted=True)
    return _current(a, ACTIVITY_EDITABLE) | {
        "id": a.id, "code": a.code, "version": a.version,
        "team": a.team.code if a.team else "",
        "experts": [e.id for e in a.experts],
        "expert_names": [f"{e.name}（{e.code}）" for e in a.experts],
        "dispatches": [d.code for d in a.dispatches]}


def activity_of(session: Session, dispatch_id: int) -> Activity | None:
    """The activity a dispatch belongs to, if any."""
    return session.scalars(
        select(Activity).join(activity_dispatch, activity_dispatch.c.activity_id == Activity.id)
        .where(activity_dispatch.c.dispatch_id == dispatch_id)).first()


def link_dispatch(session: Session, key: int | str, dispatch_key: int | str) -> Activity:
    """Add a dispatch to the activity (the same checks as editing its list of dispatches:
    inside the activity's dates, not already in another activity)."""
    activity = get_activity(session, key)
    dispatch = dispatches.get_dispatch(session, dispatch_key)
    if dispatch in activity.dispatches:
        return activity
    return update_activity(session, activity.id,
                           {"dispatches": [*activity.dispatches, dispatch]})


def unlink_dispatch(session: Session, key: int | str, dispatch_key: int | str) -> Activity:
    """Take a dispatch out of the activity; its expert stays among the activity's experts."""
    activity = get_activity(session, key)
    dispatch = dispatches.get_dispatch(session, dispatch_key)
    if dispatch not in activity.dispatches:
        raise ValidationError.single(
            "dispatches", f"派遣 {dispatch.code} 不属于活动 {activity.code}，无需取消关联。")
    activity.dispatches = [d for d in activity.dispatches if d is not dispatch]
    session.flush()
    return activity


# -- what the forms ask before saving ----------------------------------------------------------


def check_team(session: Session, data: dict[str, Any], key: int | str | None = None
               ) -> dict[str, str]:
    """Field → message for the problems saving ``data`` would meet (nothing is saved)."""
    c = v.Collector()
    current = get_team(session, key) if key is not None else None
    values = merge_changes(_current(current, TEAM_EDITABLE), data) if current else data
    c.check(_team_values, session, values, current)
    return c.errors


def check_base(session: Session, data: dict[str, Any], key: int | str | None = None
               ) -> dict[str, str]:
    c = v.Collector()
    if key is not None:
        base = get_base(session, key)
        data = merge_changes(_current(base, BASE_EDITABLE) | {"experts": list(base.experts)},
                             data)
    c.check(_base_values, session, data)
    return c.errors


def check_workstation(session: Session, data: dict[str, Any], key: int | str | None = None
                      ) -> dict[str, str]:
    c = v.Collector()
    if key is not None:
        data = merge_changes(_current(get_workstation(session, key), WORKSTATION_EDITABLE), data)
    c.check(_workstation_values, session, data)
    return c.errors


def check_activity(session: Session, data: dict[str, Any], key: int | str | None = None
                   ) -> dict[str, str]:
    c = v.Collector()
    current = get_activity(session, key) if key is not None else None
    if current is not None:
        data = merge_changes(_current(current, ACTIVITY_EDITABLE), data) | {
            k: data[k] for k in ("experts", "dispatches") if k in data}
    c.check(_activity_values, session, data, current)
    return c.errors


def form_choices(session: Session) -> dict[str, Any]:
    """What the organisation forms offer: experts (for the picker, searchable by name, code,
    employer and specialties), units, teams and the field tree."""
    names = dict(session.execute(select(Field.id, Field.name)).all())
    specialties: dict[int, list[str]] = {}
    for expert_id, field_id in session.execute(
            select(expert_specialty.c.expert_id, expert_specialty.c.field_id)):
        specialties.setdefault(expert_id, []).append(names[field_id])
    experts = [{"id": r.id, "code": r.code, "name": r.name, "title": r.title_name or "",
                "employer": r.employer or "",
                "specialties": "、".join(specialties.get(r.id, []))}
               for r in session.execute(
                   select(Expert.id, Expert.code, Expert.name, Expert.title_name,
                          Expert.employer).where(Expert.deleted_at.is_(None))
                   .order_by(Expert.code))]
    units = [{"id": r.id, "code": r.code, "name": r.name} for r in session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.deleted_at.is_(None))
        .order_by(Unit.code))]
    teams = [{"id": r.id, "code": r.code, "name": r.name} for r in session.execute(
        select(Team.id, Team.code, Team.name).where(Team.deleted_at.is_(None))
        .order_by(Team.code))]
    return {"experts": experts, "units": units, "teams": teams, "fields": all_fields(session)}
