"""The calendar's database side: migration 0002, catalogue sync, edits, holidays, settings and
need windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text

from models import AuditEntry, CropPhase, Holiday, Need
from models.session import make_engine, make_session_factory
from services import settings
from services.calendar import load_catalogue, store
from services.calendar.catalogue import sync_catalogue
from services.calendar.crop_phases import parse_catalogue
from services.database import (
    Database,
    alembic_config,
    current_revision,
    head_revision,
    open_database,
)
from services.errors import DuplicateError, NotFoundError, ServiceError, ValidationError
from services.uow import UnitOfWork
from tests.conftest import County, has_cjk

D = dt.date
UowFactory = Callable[..., UnitOfWork]


def _alembic(db_path: Path, direction: str, target: str) -> None:
    """Run Alembic on a file the way services/database.py does: foreign keys off meanwhile."""
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            with conn.begin():
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                getattr(command, direction)(cfg, target)
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").first() is None
    finally:
        engine.dispose()


def _need_sql(db_path: Path) -> str:
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'need'")).scalar()
    finally:
        engine.dispose()


# -- migration --------------------------------------------------------------------------------


def test_fresh_database_has_calendar_tables_and_phases(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"crop_phase", "holiday"} <= tables
    fks = inspect(db.engine).get_foreign_keys("need")
    assert any(fk["referred_table"] == "crop_phase" and fk["constrained_columns"] == [
        "crop_phase_id"] for fk in fks)
    with db.session() as s:
        count = s.scalar(select(func.count()).select_from(CropPhase))
        assert count == len(load_catalogue().phases)
        assert s.scalar(select(func.count()).select_from(CropPhase).where(
            CropPhase.user_edited.is_(True))) == 0
        # Shipped rows are reference data: inserted in bulk, not one audit entry each.
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity_type == "CropPhase")) == 0
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_upgrade_from_populated_0001_keeps_needs_and_checks(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _alembic(path, "upgrade", "0001")
    engine = make_engine(f"sqlite:///{path}")
    from services import fields, needs, places, units

    with make_session_factory(engine)() as s:
        s.info["actor"] = "测试"
        fields.sync_fields(s)
        places.create_township(s, {"name": "青山镇"})
        unit = units.create_unit(s, {"name": "茶叶合作社", "township": "青山镇"})
        need = needs.create_need(s, {"title": "茶园管理", "unit": unit.code, "field": "茶叶"}, "测试")
        needs.set_status(s, need.code, "reviewed", "测试")
        s.commit()
    with engine.begin() as conn:  # a stray value: there was no phase table to point at
        conn.execute(text("UPDATE need SET crop_phase_id = 42"))
    engine.dispose()
    before = _need_sql(path)

    database = open_database(str(path))
    try:
        assert current_revision(database.engine) == head_revision()
        assert database.backup_path is not None and database.backup_path.exists()
        with database.session() as s:
            row = s.scalars(select(Need)).one()
            assert row.title == "茶园管理" and row.crop_phase_id is None
            assert len(row.events) == 2
            assert s.scalar(select(func.count()).select_from(CropPhase)) > 300
        after = _need_sql(path)
        for constraint in ("ck_need_window_order", "ck_need_need_status", "ck_need_days_wanted",
                           "fk_need_unit_id_unit", "uq_need_code"):
            assert constraint in before and constraint in after
        assert "fk_need_crop_phase_id_crop_phase" in after
    finally:
        database.close()


def test_downgrade_and_upgrade_again(db_path: Path, uow: UowFactory, county: County) -> None:
    with uow() as u:
        phase = store.get_phase(u.session, "西南/茶叶/春茶采摘")
        store.edit_phase(u.session, phase.id, {"start": "惊蛰+3"})
        store.add_holiday(u.session, {"date": "2026-07-15", "name": "县庆"})
        from services import needs

        needs.create_need(u.session, {"title": "春茶", "unit": county.coop, "field": "茶叶",
                                      "crop_phase_id": phase.id}, u.actor)
        u.commit()

    _alembic(db_path, "downgrade", "0001")
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        names = set(inspect(engine).get_table_names())
        assert "crop_phase" not in names and "holiday" not in names
        assert not inspect(engine).get_foreign_keys("need") or all(
            fk["referred_table"] != "crop_phase" for fk in inspect(engine).get_foreign_keys("need"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM need")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM need_event")).scalar() == 1
    finally:
        engine.dispose()

    database = open_database(str(db_path))
    try:
        with database.session() as s:
            assert s.scalar(select(func.count()).select_from(CropPhase)) == len(
                load_catalogue().phases)
            assert s.scalars(select(Need)).one().crop_phase_id is None
    finally:
        database.close()


# -- catalogue sync ---------------------------------------------------------------------------


def test_sync_never_overwrites_user_edits(uow: UowFactory) -> None:
    with uow() as u:
        store.edit_phase(u.session, "西南/油茶/抽夏梢", {"start": "立夏+5", "help": "夏梢管理、施肥"})
        u.commit()
    base = load_catalogue()
    data = {
        "regions": dict(base.regions),
        "phase": [
            {"region": "西南", "crop": "油茶", "name": "抽夏梢", "start": "立夏-3", "end": "小暑",
             "help": ["新说法"]},
            {"region": "西南", "crop": "茶叶", "name": "春茶采摘", "start": "惊蛰+1", "end": "谷雨",
             "help": ["采摘"], "source": "新版目录"},
            {"region": "西南", "crop": "茶叶", "name": "茶园冬季封园", "start": "小雪", "end": "大雪",
             "help": ["封园"]},
        ],
    }  # fmt: skip
    with uow() as u:
        result = sync_catalogue(u.session, parse_catalogue(data))
        u.commit()
    assert (result.inserted, result.updated, result.kept_user_edits) == (1, 1, 1)
    with uow() as u:
        edited = store.get_phase(u.session, "西南/油茶/抽夏梢")
        assert edited.start_spec == "立夏+5" and edited.help == ["夏梢管理", "施肥"]
        assert edited.user_edited
        followed = store.get_phase(u.session, "西南/茶叶/春茶采摘")
        assert followed.start_spec == "惊蛰+1" and followed.source == "新版目录"
        assert not followed.user_edited
        assert store.get_phase(u.session, "西南/茶叶/茶园冬季封园").end_spec == "大雪"
        # Phases no longer in the file stay (needs may refer to them).
        assert store.get_phase(u.session, "华南/水稻/双抢") is not None
        audit = u.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "CropPhase", AuditEntry.entity_id == followed.id)).all()
        assert audit and audit[-1].note == "农时目录更新"


def test_reopen_is_idempotent(db_path: Path, db: Database) -> None:
    with db.unit_of_work("测试") as u:
        result = sync_catalogue(u.session)
    assert (result.inserted, result.updated) == (0, 0)


# -- phase edits ------------------------------------------------------------------------------


def test_edit_phase_marks_user_edited_and_audits(uow: UowFactory) -> None:
    with uow() as u:
        row = store.edit_phase(u.session, "西南/茶叶/春茶采摘",
                               {"name": "早春茶采摘", "end": "清明+10", "ideal": "春分"})
        u.commit()
        assert row.user_edited and row.key == "西南/茶叶/春茶采摘"  # the key never changes
    with uow() as u:
        row = store.get_phase(u.session, "西南/茶叶/春茶采摘")
        assert row.name == "早春茶采摘" and row.end_spec == "清明+10"
        entries = u.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "CropPhase", AuditEntry.entity_id == row.id)).all()
        assert entries and entries[-1].after["end_spec"] == "清明+10"
        store.reset_phase(u.session, row.id)
        u.commit()
    with uow() as u:
        row = store.get_phase(u.session, "西南/茶叶/春茶采摘")
        assert row.name == "春茶采摘" and not row.user_edited


def test_unchanged_edit_is_not_marked(uow: UowFactory) -> None:
    with uow() as u:
        row = store.get_phase(u.session, "西南/茶叶/春茶采摘")
        store.edit_phase(u.session, row.id, {"start": row.start_spec})
        assert not row.user_edited


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "清明+x"}, "start_spec"),
        ({"end": "元旦"}, "end_spec"),
        ({"start": "冬至", "end": "立春"}, "end_spec"),
        ({"ideal": "立冬"}, "ideal_spec"),
        ({"name": ""}, "name"),
    ],
)
def test_edit_phase_validation(uow: UowFactory, changes: dict[str, str], field: str) -> None:
    with uow() as u, pytest.raises(ValidationError) as err:
        store.edit_phase(u.session, "西南/茶叶/春茶采摘", changes)
    assert field in err.value.errors and has_cjk(err.value.errors[field])


def test_unknown_phase(uow: UowFactory) -> None:
    with uow() as u, pytest.raises(NotFoundError, match="找不到农时"):
        store.get_phase(u.session, "火星/茶叶/春茶采摘")


def test_stale_edit_is_refused(uow: UowFactory) -> None:
    from services.errors import ConflictError

    with uow() as u, pytest.raises(ConflictError):
        store.edit_phase(u.session, "西南/茶叶/春茶采摘", {"start": "惊蛰"}, expected_version=99)


# -- user holidays ----------------------------------------------------------------------------


def test_holiday_crud(uow: UowFactory) -> None:
    with uow() as u:
        store.add_holiday(u.session, {"date": "2026-07-15", "name": "县庆", "note": "本县成立纪念日"})
        store.add_holiday(u.session, {"date": D(2026, 2, 28), "name": "春节值班", "kind": "放假"})
        store.add_holiday(u.session, {"date": "2026年3月7日", "name": "春耕服务日", "kind": "上班"})
        u.commit()
    with uow() as u:
        assert [h.name for h in store.list_holidays(u.session)] == ["春节值班", "春耕服务日", "县庆"]
        cal = store.holiday_calendar(u.session)
        assert cal.holiday_name(D(2026, 7, 15)) == "县庆"
        assert not cal.is_working_day(D(2026, 2, 28))  # was a statutory make-up working day
        assert cal.is_makeup_workday(D(2026, 3, 7))
        store.update_holiday(u.session, "2026-07-15", {"name": "县庆日", "kind": "workday"})
        store.delete_holiday(u.session, "2026-02-28")
        u.commit()
    with uow() as u:
        row = store.get_holiday(u.session, D(2026, 7, 15))
        assert (row.name, row.kind, row.version) == ("县庆日", "workday", 2)
        assert store.holiday_calendar(u.session).is_makeup_workday(D(2026, 2, 28))
        with pytest.raises(NotFoundError):
            store.get_holiday(u.session, "2026-02-28")


def test_holiday_validation(uow: UowFactory) -> None:
    with uow() as u:
        store.add_holiday(u.session, {"date": "2026-07-15", "name": "县庆"})
        with pytest.raises(DuplicateError) as dup:
            store.add_holiday(u.session, {"date": "2026-07-15", "name": "另一个"})
        assert "县庆" in dup.value.errors["date"]
        with pytest.raises(ValidationError) as err:
            store.add_holiday(u.session, {"date": "2026-02-30", "name": "", "kind": "party"})
        assert set(err.value.errors) == {"date", "name", "kind"}
        assert all(has_cjk(m) for m in err.value.errors.values())
        with pytest.raises(ValidationError, match="1900"):
            store.add_holiday(u.session, {"date": "1899-01-01", "name": "太早"})


def test_holiday_table_rejects_bad_kind(db: Database) -> None:
    with pytest.raises(ServiceError), db.unit_of_work("测试") as u:  # the CHECK constraint
        u.session.add(Holiday(date=D(2026, 1, 5), name="x", kind="party"))
        u.session.flush()


# -- region setting and county views ----------------------------------------------------------


def test_region_setting(uow: UowFactory) -> None:
    with uow() as u:
        assert store.county_region(u.session) == "西南"
        assert settings.set_value(u.session, "calendar.region", " 华南 ") == "华南"
        with pytest.raises(ValidationError) as err:
            settings.set_value(u.session, "calendar.region", "火星")
        assert "可选" in err.value.message
        u.commit()
    with uow() as u:
        view = store.county_month_view(u.session, 2026, 5)
        assert view.region == "华南"
        assert all(o.phase.region == "华南" for c in view.days for o in c.phases)
        upcoming = store.county_upcoming(u.session, D(2026, 5, 1), 10)
        assert upcoming and all(o.phase.region == "华南" for o in upcoming)


def test_county_month_view_uses_edits_and_holidays(uow: UowFactory) -> None:
    with uow() as u:
        store.edit_phase(u.session, "西南/油茶/抽夏梢", {"start": "立夏+20"})
        store.add_holiday(u.session, {"date": "2026-05-12", "name": "县庆"})
        u.commit()
    with uow() as u:
        cells = {c.date: c for c in store.county_month_view(u.session, 2026, 5, crop="油茶").days}
    assert cells[D(2026, 5, 12)].holiday_name == "县庆"
    assert not cells[D(2026, 5, 10)].phases  # the edited phase now starts 2026-05-25
    assert [o.phase.name for o in cells[D(2026, 5, 25)].phases] == ["抽夏梢"]
    assert cells[D(2026, 5, 25)].phases[0].phase.user_edited


# -- need windows -----------------------------------------------------------------------------


def _phase(uow: UowFactory, key: str):  # type: ignore[no-untyped-def]
    with uow() as u:
        return store.phase_from_row(store.get_phase(u.session, key))


def test_window_from_phase_when_need_has_no_dates(uow: UowFactory) -> None:
    phase = _phase(uow, "西南/油茶/抽夏梢")
    w = store.effective_window(None, None, phase, today=D(2026, 3, 1))
    assert (w.start, w.end) == (D(2026, 5, 5), D(2026, 7, 7)) and w.from_phase
    assert w.warning is None
    w = store.effective_window(None, None, phase, today=D(2026, 8, 1))  # this year's is over
    assert (w.start, w.end) == (D(2027, 5, 6), D(2027, 7, 7))


def test_own_dates_take_precedence(uow: UowFactory) -> None:
    phase = _phase(uow, "西南/油茶/抽夏梢")
    inside = store.effective_window(D(2026, 6, 1), D(2026, 6, 10), phase)
    assert (inside.start, inside.end, inside.warning) == (D(2026, 6, 1), D(2026, 6, 10), None)
    assert not inside.from_phase
    outside = store.effective_window(D(2026, 8, 1), D(2026, 8, 10), phase)
    assert (outside.start, outside.end) == (D(2026, 8, 1), D(2026, 8, 10))
    assert outside.warning is not None and "不在" in outside.warning and "抽夏梢" in outside.warning
    partly = store.effective_window(D(2026, 7, 1), D(2026, 7, 20), phase)
    assert partly.warning is not None and "一部分" in partly.warning
    only_start = store.effective_window(D(2026, 6, 1), None, phase)
    assert (only_start.start, only_start.end) == (D(2026, 6, 1), D(2026, 7, 7))
    assert store.effective_window(D(2026, 6, 1), None, None).end is None  # no phase, no guess


def test_window_of_a_winter_phase_in_january(uow: UowFactory) -> None:
    phase = _phase(uow, "西南/油茶/低产林改造")  # 大雪 → 次年立春
    w = store.effective_window(D(2026, 1, 10), D(2026, 1, 20), phase)
    assert (w.phase_start, w.phase_end) == (D(2025, 12, 7), D(2026, 2, 4)) and w.warning is None


def test_need_window_from_a_need_row(uow: UowFactory, county: County) -> None:
    from services import needs

    with uow() as u:
        phase = store.get_phase(u.session, "西南/茶叶/春茶采摘")
        need = needs.create_need(u.session, {
            "title": "春茶采摘指导", "unit": county.coop, "field": "茶叶",
            "crop_phase_id": phase.id, "window_start": "2026-06-01", "window_end": "2026-06-05",
        }, u.actor)  # fmt: skip
        u.commit()
        w = store.need_window(u.session, need)
        assert w.warning is not None and "春茶采摘" in w.warning
        assert (w.start, w.end) == (D(2026, 6, 1), D(2026, 6, 5))
    with pytest.raises(ServiceError, match="引用"), uow() as u:  # the foreign key now holds
        needs.create_need(u.session, {"title": "x", "unit": county.coop, "field": "茶叶",
                                      "crop_phase_id": 999999}, u.actor)
