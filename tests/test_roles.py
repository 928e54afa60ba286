"""Roles are checked by the services, not only by the screens.

A 查看 (read-only) user cannot write through ANY service call: the mutating functions of
``services/`` are enumerated by name, each has a recipe below that calls it with arguments
that succeed for an administrator (``test_recipes_work_for_a_clerk`` proves it), and with a
read-only session each is refused with ``PermissionDeniedError`` and leaves the database as it
was. A new mutating function fails ``test_every_mutating_function_has_a_recipe`` until a
recipe is added here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import models
import services
from models import Base, DispatchStatus, Expert, Need, NeedStatus, Unit
from services import (
    audit,
    auth,
    backup,
    dispatches,
    experts,
    needs,
    places,
    settings,
    units,
    users,
)
from services.calendar import store as calendar_store
from services.database import Database
from services.errors import PermissionDeniedError
from tests.conftest import County, has_cjk

VIEWER = auth.CurrentUser("只读员", "查看")
CLERK = auth.CurrentUser("经办员", "经办人")
ADMIN = auth.CurrentUser("管理员甲", "管理员")

MUTATING = re.compile(
    r"^(create|update|delete|restore|set|add|remove|import|accept|apply|reject|withdraw|move|"
    r"cancel|record|save|reset|sync|mark|assign|replace|merge|bulk|change|close|approve|"
    r"submit|register|unpin|pin|edit|write|store|attach|detach|issue|revoke|renew|confirm|"
    r"complete|finish|undo|insert|upsert|rename|clear|unlock)")
# Functions whose names look mutating but that only read, compute or write files.
NOT_WRITING = {
    "services.dispatches.replacements",  # candidates for a declined dispatch
    "services.dispatches.planning_needs",  # needs to plan (a query)
    "services.dispatches.change_plan_visit",  # a changed copy of a plan in memory
    "services.matching.config.plan_weights",  # weights read from the settings
    "services.outcomes.records.record_of",  # reads a record
    "services.outcomes.attachments.open_path",  # a file path to open
    "services.exchange.templates.write_template",  # an empty workbook on disk
    "services.exchange.importer.open_transaction",  # a savepoint helper
    "services.records.restore_many",  # generic helper behind each module's restore_many
    "services.audit.record",  # an audit entry: allowed to everyone (a 查看 user logs in)
    "services.audit.record_separately",
    "services.auth.record_session_event",
    "services.privacy.require_reveal_role",
    "services.users.new_user",  # behind create_first_admin and add_user (both tested)
    # Allowed to every role on purpose: a user changes their own password (tested below), and
    # the first administrator is made while nobody can log in (tests/test_auth.py).
    "services.auth.change_password",
    "services.auth.create_first_admin",
}
# Modules still being built (issue 8) whose functions may lack a recipe for now; they are
# still covered by the flush guard, and ``test_services_write_only_through_the_session``
# checks that they do not write around it.
IN_PROGRESS = ("services.outcomes.",)


def mutating_functions() -> set[str]:
    names = set()
    for info in pkgutil.walk_packages(services.__path__, "services."):
        if ".cli" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if (inspect.isfunction(fn) and fn.__module__ == module.__name__
                    and not name.startswith("_") and MUTATING.match(name)):
                params = list(inspect.signature(fn).parameters)
                if params and params[0] == "session":
                    names.add(f"{info.name}.{name}")
    return names


@dataclass
class World:
    county: County
    need: str  # a reviewed need
    dispatch: str  # a planned dispatch of it
    holiday: int
    tmp: Path
    tea2: str  # a second tea expert, free for new dispatches


Recipe = Callable[[Session, World], Any]


def _plan(s: Session, w: World) -> Any:
    from services.matching import schedule

    return schedule.plan_season(s, date(2026, 5, 1), date(2026, 6, 30), time_limit=2)


def _records() -> Any:
    return importlib.import_module("services.outcomes.records")


RECIPES: dict[str, Recipe] = {
    "services.needs.create_need": lambda s, w: needs.create_need(s, {
        "title": "新的需求", "unit": w.county.coop, "field": "茶叶"}, "x"),
    "services.needs.update_need": lambda s, w: needs.update_need(s, w.need, {"title": "改"}),
    "services.needs.set_status": lambda s, w: needs.set_status(s, w.need, "withdrawn", "x", "撤"),
    "services.needs.delete_need": lambda s, w: needs.delete_need(s, w.need),
    "services.needs.restore_need": lambda s, w: needs.restore_need(s, w.need),
    "services.needs.set_status_many": lambda s, w: needs.set_status_many(
        s, [needs.get_need(s, w.need).id], "withdrawn", "x", "撤"),
    "services.needs.delete_many": lambda s, w: needs.delete_many(
        s, [needs.get_need(s, w.need).id]),
    "services.needs.restore_many": lambda s, w: needs.restore_many(
        s, [s.scalar(select(Need.id).where(Need.code == w.need))]),
    "services.experts.create_expert": lambda s, w: experts.create_expert(s, {
        "name": "新专家", "gender": "男", "title": "中级"}),
    "services.experts.update_expert": lambda s, w: experts.update_expert(
        s, w.county.vet, {"notes": "改"}),
    "services.experts.delete_expert": lambda s, w: experts.delete_expert(s, w.county.vet),
    "services.experts.restore_expert": lambda s, w: experts.restore_expert(s, w.county.vet),
    "services.experts.add_unavailability": lambda s, w: experts.add_unavailability(
        s, w.county.vet, "2026-08-01", "2026-08-10", "外出"),
    "services.experts.remove_unavailability": lambda s, w: experts.remove_unavailability(
        s, experts.add_unavailability(s, w.county.vet, "2026-09-01", "2026-09-02", "x").id),
    "services.experts.delete_many": lambda s, w: experts.delete_many(
        s, [experts.get_expert(s, w.county.vet).id]),
    "services.experts.restore_many": lambda s, w: experts.restore_many(
        s, [s.scalar(select(Expert.id).where(Expert.code == w.county.vet))]),
    "services.units.create_unit": lambda s, w: units.create_unit(s, {
        "name": "新单位", "unit_type": "企业", "township_id": w.county.township_id}),
    "services.units.update_unit": lambda s, w: units.update_unit(s, w.county.coop, {"notes": "改"}),
    "services.units.delete_unit": lambda s, w: units.delete_unit(s, w.county.clinic),
    "services.units.restore_unit": lambda s, w: units.restore_unit(s, w.county.clinic),
    "services.units.delete_many": lambda s, w: units.delete_many(
        s, [units.get_unit(s, w.county.clinic).id]),
    "services.units.restore_many": lambda s, w: units.restore_many(
        s, [s.scalar(select(Unit.id).where(Unit.code == w.county.clinic))]),
    "services.places.create_township": lambda s, w: places.create_township(s, {"name": "新镇"}),
    "services.places.update_township": lambda s, w: places.update_township(
        s, w.county.township_id, {"name": "改名镇"}),
    "services.places.delete_township": lambda s, w: places.delete_township(
        s, places.create_township(s, {"name": "空镇"}).id),
    "services.places.create_village": lambda s, w: places.create_village(
        s, {"name": "新村", "township_id": w.county.township_id}),
    "services.places.update_village": lambda s, w: places.update_village(
        s, w.county.poor_village_id, {"name": "改名村"}),
    "services.places.delete_village": lambda s, w: places.delete_village(
        s, places.create_village(s, {"name": "空村", "township_id": w.county.township_id}).id),
    "services.settings.set_value": lambda s, w: settings.set_value(s, "county.name", "新县"),
    "services.settings.reset": lambda s, w: settings.reset(s, "county.name"),
    "services.calendar.store.add_holiday": lambda s, w: calendar_store.add_holiday(
        s, {"date": "2026-10-20", "name": "县庆", "kind": "holiday"}),
    "services.calendar.store.update_holiday": lambda s, w: calendar_store.update_holiday(
        s, w.holiday, {"name": "改名"}),
    "services.calendar.store.delete_holiday": lambda s, w: calendar_store.delete_holiday(
        s, w.holiday),
    "services.calendar.store.edit_phase": lambda s, w: calendar_store.edit_phase(
        s, _first_phase(s), {"help": "改"}),
    "services.calendar.store.reset_phase": lambda s, w: calendar_store.reset_phase(
        s, calendar_store.edit_phase(s, _first_phase(s), {"help": "改"}).id),
    "services.calendar.catalogue.sync_catalogue": lambda s, w: _resync(s, "catalogue"),
    "services.fields.sync_fields": lambda s, w: _resync(s, "fields"),
    "services.dispatches.create_dispatch": lambda s, w: dispatches.create_dispatch(s, {
        "need": w.need, "expert": w.tea2, "start_date": "2026-06-20"}),
    "services.dispatches.set_dispatch_status": lambda s, w: dispatches.set_dispatch_status(
        s, w.dispatch, DispatchStatus.CANCELLED, "取消"),
    "services.dispatches.confirm_dispatch": lambda s, w: dispatches.confirm_dispatch(
        s, w.dispatch),
    "services.dispatches.create_replacement": lambda s, w: dispatches.create_replacement(
        s, _declined(s, w), w.tea2, "2026-06-10", actor="x"),
    "services.dispatches.accept": lambda s, w: dispatches.accept(s, _plan(s, w), "x"),
    "services.dispatch_moves.move_dispatch": lambda s, w: _move(s, w),
    "services.matching.applications.apply": lambda s, w: _apply(s, w),
    "services.matching.applications.set_status": lambda s, w: _application_status(s, w),
    "services.matching.conflicts.assign": lambda s, w: _assign(s, w),
    "services.matching.needstate.update_need_statuses": lambda s, w: _need_statuses(s, w),
    "services.matching.schedule.accept_plan": lambda s, w: _accept_plan(s, w),
    "services.matching.schedule.save_proposal": lambda s, w: _save_proposal(s, w),
    "services.matching.schedule.accept_proposal": lambda s, w: _accept_proposal(s, w),
    "services.exchange.packages.import_package": lambda s, w: _import_package(s, w),
    "services.outcomes.records.save_record": lambda s, w: _save_record(s, w),
    "services.outcomes.records.delete_record": lambda s, w: _delete_record(s, w),
    "services.outcomes.agreements.create_agreement": lambda s, w: _agreement(s, w),
    "services.outcomes.agreements.update_agreement": lambda s, w: _agreements().update_agreement(
        s, _agreement(s, w).id, {"note": "改"}),
    "services.outcomes.agreements.delete_agreement": lambda s, w: _agreements().delete_agreement(
        s, _agreement(s, w).id),
    "services.outcomes.publicity.create_publicity": lambda s, w: _publicity(s, w),
    "services.outcomes.publicity.update_publicity": lambda s, w: _publicity_module()
    .update_publicity(s, _publicity(s, w).id, {"title": "改"}),
    "services.outcomes.publicity.delete_publicity": lambda s, w: _publicity_module()
    .delete_publicity(s, _publicity(s, w).id),
    "services.outcomes.attachments.add_attachment": lambda s, w: _save_record(s, w)
    and _attachments().add_attachment(s, w.dispatch, _file(w)),
    "services.outcomes.attachments.add_attachment_bytes": lambda s, w: _save_record(s, w)
    and _attachments().add_attachment_bytes(s, w.dispatch, "签到表.txt", b"x"),
    "services.outcomes.attachments.remove_attachment": lambda s, w: _save_record(s, w)
    and _attachments().remove_attachment(
        s, _attachments().add_attachment_bytes(s, w.dispatch, "a.txt", b"x").id),
    "services.users.add_user": lambda s, w: users.add_user(s, "新用户", "new-user-pass", "查看"),
    "services.users.set_role": lambda s, w: users.set_role(s, "经办员", "查看"),
    "services.users.set_active": lambda s, w: users.set_active(s, "经办员", False),
    "services.users.reset_password": lambda s, w: users.reset_password(
        s, "经办员", "reset-pass-1"),
    "services.users.unlock_user": lambda s, w: users.unlock_user(s, "经办员"),
    "services.users.update_display_name": lambda s, w: users.update_display_name(
        s, "经办员", "王五"),
}
# Recipes that need the previous state an administrator would have made first; in those the
# read-only user is refused at the first write, which is all this test asks.
ADMIN_ONLY = {name for name in RECIPES if name.startswith(("services.users.",
                                                            "services.settings."))}


def _first_phase(s: Session) -> int:
    from models import CropPhase

    return s.scalars(select(CropPhase.id).order_by(CropPhase.id)).first()  # type: ignore[return-value]


def _resync(s: Session, which: str) -> None:
    if which == "fields":
        from services import fields

        fields.sync_fields(s)
    else:
        from services.calendar import catalogue
        from services.calendar.crop_phases import load_catalogue

        catalogue.sync_catalogue(s, load_catalogue())


def _remove_reference_rows(db: Database, _w: World) -> None:
    """A sync inserts what is missing: make a shipped field and a crop phase go missing."""
    with db.engine.begin() as conn:
        conn.execute(text(
            "DELETE FROM field WHERE id = (SELECT max(id) FROM field WHERE id NOT IN "
            "(SELECT field_id FROM expert_specialty) AND id NOT IN (SELECT field_id FROM need "
            "WHERE field_id IS NOT NULL) AND id NOT IN (SELECT parent_id FROM field WHERE "
            "parent_id IS NOT NULL))"))
        conn.execute(text("DELETE FROM crop_phase WHERE id = (SELECT max(id) FROM crop_phase)"))


# State an administrator made before the call (not part of what the test compares).
def _deleted(kind: str) -> Callable[[Database, World], None]:
    """A restore must find something deleted, deleted beforehand by a clerk: deleting and
    restoring in the read-only user's own unit of work would be no net write at all."""

    def prepare(db: Database, w: World) -> None:
        with db.unit_of_work(user=CLERK) as u:
            if kind == "need":
                needs.delete_need(u.session, w.need)
            elif kind == "expert":
                experts.delete_expert(u.session, w.county.vet)
            else:
                units.delete_unit(u.session, w.county.clinic)
            u.commit()

    return prepare


PREPARE: dict[str, Callable[[Database, World], None]] = {
    "services.calendar.catalogue.sync_catalogue": _remove_reference_rows,
    "services.fields.sync_fields": _remove_reference_rows,
    **{f"services.{kind}s.{name}": _deleted(kind) for kind in ("need", "expert", "unit")
       for name in (f"restore_{kind}", "restore_many")},
}


def _declined(s: Session, w: World) -> str:
    d = dispatches.set_dispatch_status(s, w.dispatch, DispatchStatus.DECLINED, "有事")
    return d.code


def _move(s: Session, w: World) -> Any:
    from services import dispatch_moves

    return dispatch_moves.move_dispatch(s, w.dispatch, "2026-06-15")


def _apply(s: Session, w: World) -> Any:
    from services.matching import applications

    return applications.apply(s, w.need, [w.tea2], plan="方案")


def _application_status(s: Session, w: World) -> Any:
    from models import ApplicationStatus
    from services.matching import applications

    code = applications.apply(s, w.need, [w.tea2], plan="方案").code
    return applications.set_status(s, code, ApplicationStatus.NOT_SELECTED, "不合适")


def _assign(s: Session, w: World) -> Any:
    from services.matching import conflicts

    return conflicts.assign(s, w.need, w.tea2, "2026-06-22", actor="x")


def _need_statuses(s: Session, w: World) -> Any:
    from services.matching import needstate

    return needstate.update_need_statuses(s, [needs.get_need(s, w.need).id], "x")


def _accept_plan(s: Session, w: World) -> Any:
    from services.matching import schedule

    return schedule.accept_plan(s, _plan(s, w), "x")


def _save_proposal(s: Session, w: World) -> Any:
    from services.matching import schedule

    return schedule.save_proposal(s, _plan(s, w), "x")


def _proposal(s: Session, w: World) -> str:
    return _save_proposal(s, w).code


def _accept_proposal(s: Session, w: World) -> Any:
    from services.matching import schedule

    return schedule.accept_proposal(s, _proposal(s, w), "x")


def _import_package(s: Session, w: World) -> Any:
    from services.exchange import packages

    return packages.import_package(s, _package(w))


def _package(w: World) -> Path:
    return w.tmp / "neighbour.zip"


def _records_done(s: Session, w: World) -> None:
    dispatches.confirm_dispatch(s, w.dispatch)
    dispatches.set_dispatch_status(s, w.dispatch, DispatchStatus.COMPLETED)


def _save_record(s: Session, w: World) -> Any:
    _records_done(s, w)
    return _records().save_record(s, w.dispatch, {"days_served": 1})


def _delete_record(s: Session, w: World) -> Any:
    _save_record(s, w)
    return _records().delete_record(s, w.dispatch)


def _agreements() -> Any:
    return importlib.import_module("services.outcomes.agreements")


def _agreement(s: Session, w: World) -> Any:
    return _agreements().create_agreement(s, {
        "expert": w.county.tea_expert, "unit": w.county.coop, "role": _agreements_role(),
        "signed_on": "2026-07-01", "start_date": "2026-07-01", "end_date": "2027-06-30"})


def _agreements_role() -> str:
    return models.AGREEMENT_ROLES[0]


def _publicity_module() -> Any:
    return importlib.import_module("services.outcomes.publicity")


def _publicity(s: Session, w: World) -> Any:
    return _publicity_module().create_publicity(s, {
        "dispatch": w.dispatch, "outlet": "县融媒体中心", "title": "专家进村",
        "published_on": "2026-07-01"})


def _attachments() -> Any:
    return importlib.import_module("services.outcomes.attachments")


def _file(w: World) -> Path:
    path = w.tmp / "照片.txt"
    path.write_text("x", encoding="utf-8")
    return path


@pytest.fixture
def world(db: Database, county: County, tmp_path: Path, _templates: Any) -> World:
    from services.database import open_database
    from services.exchange import packages
    from tests.conftest import _copy_sqlite

    # A package from another office (a copy of the county with one more need), to import.
    _copy_sqlite(_templates.county_db, tmp_path / "neighbour.db")
    other = open_database(str(tmp_path / "neighbour.db"))
    try:
        with other.unit_of_work() as u:
            needs.create_need(u.session, {"title": "邻县的需求", "unit": county.coop,
                                          "field": "茶叶", "submitted_on": "2026-03-01"}, "x")
            packages.export_package(u.session, tmp_path / "neighbour.zip", date(2026, 1, 1),
                                    date(2026, 12, 31))
            u.commit()
    finally:
        other.close()

    with db.unit_of_work() as u:
        s = u.session
        need = needs.create_need(s, {"title": "茶园病虫害防治", "unit": county.coop,
                                     "field": "茶叶", "window_start": "2026-05-01",
                                     "window_end": "2026-07-31"}, "x")
        needs.set_status(s, need.code, NeedStatus.REVIEWED, "x", "")
        # A second need with no expert yet, for the season plan to fill.
        need2 = needs.create_need(s, {"title": "茶叶加工指导", "unit": county.coop,
                                      "field": "茶叶", "window_start": "2026-05-01",
                                      "window_end": "2026-07-31"}, "x")
        needs.set_status(s, need2.code, NeedStatus.REVIEWED, "x", "")
        dispatch = dispatches.create_dispatch(s, {"need": need.code, "expert": county.tea_expert,
                                                  "start_date": "2026-06-01",
                                                  "end_date": "2026-06-02"})
        holiday = calendar_store.add_holiday(s, {"date": "2026-10-21", "name": "节日"})
        tea2 = experts.create_expert(s, {"name": "陈茶生", "gender": "男", "title": "中级",
                                         "specialties": ["茶叶"]})
        users.add_user(s, "经办员", "clerk-password", "经办人")
        users.add_user(s, "管理员甲", "admin-password", "管理员")
        u.commit()
        return World(county, need.code, dispatch.code, holiday.id, tmp_path, tea2.code)


def fingerprint(db: Database) -> dict[str, tuple[int, int]]:
    """Row count and sum of versions of every table except the audit trail."""
    result = {}
    with db.session() as s:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_entry":
                continue
            version = table.c.get("version")
            result[table.name] = (
                s.scalar(select(func.count()).select_from(table)) or 0,
                (s.scalar(select(func.coalesce(func.sum(version), 0))) or 0)
                if version is not None else 0)
    return result


def audit_count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(models.AuditEntry)) or 0


_BYPASS = re.compile(r"connection\(\)\.execute\(\s*(insert|update|delete)\b|"
                     r"exec_driver_sql\(\s*[\"'](INSERT|UPDATE|DELETE)|engine\.begin\(\)",
                     re.IGNORECASE)


def test_services_write_only_through_the_session() -> None:
    """The read-only guard sits on the session; a service writing around it (a raw connection,
    the engine) would escape it. Only the audit trail itself may."""
    root = Path(services.__file__).parent
    allowed = {"audit.py", "database.py", "backup.py"}
    offenders = [f"{p.relative_to(root)}:{m.group(0)}" for p in root.rglob("*.py")
                 if p.name not in allowed and "cli" not in p.parts
                 for m in [_BYPASS.search(p.read_text(encoding="utf-8"))] if m]
    assert not offenders


def test_every_mutating_function_has_a_recipe() -> None:
    missing = {name for name in mutating_functions() - set(RECIPES) - NOT_WRITING
               if not name.startswith(IN_PROGRESS)}
    assert not missing, ("Mutating service functions without a read-only recipe in "
                         f"tests/test_roles.py: {sorted(missing)}")
    stale = set(RECIPES) - mutating_functions()
    assert not stale, f"Recipes for functions that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_read_only_user_cannot_write(db: Database, world: World, name: str) -> None:
    if name in PREPARE:
        PREPARE[name](db, world)
    before = fingerprint(db)
    with pytest.raises(PermissionDeniedError) as exc, db.unit_of_work(user=VIEWER) as u:
        RECIPES[name](u.session, world)
        u.session.flush()
        u.commit()
    assert has_cjk(exc.value.message)
    assert fingerprint(db) == before


@pytest.mark.parametrize("name", sorted(set(RECIPES) - ADMIN_ONLY))
def test_recipes_work_for_a_clerk(db: Database, world: World, name: str) -> None:
    """The control: each recipe really writes when the role allows it."""
    if name in PREPARE:
        PREPARE[name](db, world)
    before = fingerprint(db), audit_count(db)
    with db.unit_of_work(user=CLERK) as u:
        RECIPES[name](u.session, world)
        u.commit()
    assert (fingerprint(db), audit_count(db)) != before


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
def test_admin_only_operations(db: Database, world: World, name: str) -> None:
    with pytest.raises(PermissionDeniedError) as exc, db.unit_of_work(user=CLERK) as u:
        RECIPES[name](u.session, world)
    assert "管理员" in exc.value.message
    with db.unit_of_work(user=ADMIN) as u:
        RECIPES[name](u.session, world)
        u.commit()


def test_restore_needs_an_administrator(tmp_path: Path) -> None:
    with pytest.raises(PermissionDeniedError):
        backup.restore_backup(tmp_path / "a.db", tmp_path / "b.db", role="经办人")


def test_audit_viewer_needs_an_administrator(db: Database) -> None:
    with db.unit_of_work(user=CLERK) as u, pytest.raises(PermissionDeniedError):
        audit.list_entries(u.session)


def test_bulk_statements_are_refused_too(db: Database, county: County) -> None:
    from sqlalchemy import update

    from models import Expert

    with pytest.raises(PermissionDeniedError), db.unit_of_work(user=VIEWER) as u:
        u.session.execute(update(Expert).values(notes="批量改"))


def test_read_only_user_may_still_read_and_log_in(db: Database, county: County) -> None:
    with db.unit_of_work() as u:
        users.add_user(u.session, "只读员", "viewer-password", "查看", must_change_password=False)
        u.commit()
    user = auth.login(db, "只读员", "viewer-password")
    assert user.role == "查看"
    with db.session() as s:
        assert auth.role_of(s) == "查看"
        assert experts.list_rows(s).rows
    with db.unit_of_work() as u:  # the database's logged-in user rides on every session
        assert u.role == "查看"
        auth.change_password(u.session, "只读员", "viewer-password", "viewer-password-2")
        u.commit()
