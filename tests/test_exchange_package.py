"""The reporting-upward package: export, import into another database, idempotent merge by
UUID, newer records win, conflicts reported, damaged and foreign files refused."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import Dispatch, Expert, Need, NeedStatus, Township, Unit, Village
from services import dispatches, needs, settings
from services.database import Database, open_database
from services.exchange.packages import (
    PackageError,
    export_package,
    import_package,
    read_manifest,
)
from services.uow import UnitOfWork
from tests.conftest import County, _copy_sqlite, _Templates, has_cjk

UowFactory = Callable[..., UnitOfWork]
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture
def city(tmp_path: Path, _templates: _Templates) -> Iterator[Database]:
    path = tmp_path / "city.db"
    _copy_sqlite(_templates.bare_db, path)
    database = open_database(str(path))
    with database.unit_of_work() as u:
        settings.set_value(u.session, "bureau.name", "云州市人力资源和社会保障局")
        u.commit()
    yield database
    database.close()


def fill(uow: UowFactory, county: County) -> str:
    with uow() as u:
        s = u.session
        need = needs.create_need(s, {"title": "茶园病虫害防控", "unit": county.coop,
                                     "field": "茶叶", "village": county.village,
                                     "township": county.township,
                                     "submitted_on": date(2026, 3, 1)}, u.actor)
        needs.set_status(s, need.code, NeedStatus.REVIEWED, u.actor)
        dispatches.create_dispatch(s, {"need": need.code, "expert": county.tea_expert,
                                       "start_date": "2026-05-10", "end_date": "2026-05-11"})
        needs.create_need(s, {"title": "去年的需求", "unit": county.clinic, "field": "全科",
                              "submitted_on": date(2025, 3, 1)}, u.actor)
        u.commit()
        return need.code


def export(db: Database, path: Path) -> Path:
    with db.unit_of_work() as u:
        export_package(u.session, path, *YEAR, actor=u.actor)
        u.commit()
    return path


def merge(db: Database, path: Path, dry_run: bool = False):  # type: ignore[no-untyped-def]
    with db.unit_of_work("市局") as u:
        result = import_package(u.session, path, dry_run=dry_run)
        if not dry_run:
            u.commit()
    return result


def counts(db: Database) -> tuple[int, ...]:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                     for m in (Township, Village, Unit, Expert, Need, Dispatch))


def test_round_trip_between_two_databases(db: Database, county: County, uow: UowFactory,
                                          city: Database, tmp_path: Path) -> None:
    code = fill(uow, county)
    path = export(db, tmp_path / "p.zip")
    manifest = read_manifest(path)
    assert manifest.counts == {"townships": 1, "villages": 1, "units": 1, "experts": 1,
                               "needs": 1, "dispatches": 1}, "only the period and what it uses"
    assert manifest.figures["dispatches"]["value"] == 1
    assert manifest.office_name == "云岭县人力资源和社会保障局"

    preview = merge(city, path, dry_run=True)
    assert counts(city) == (0, 0, 0, 0, 0, 0) and preview.changed == 6
    result = merge(city, path)
    assert sum(result.inserted.values()) == 6 and not result.conflicts
    with db.session() as a, city.session() as b:
        for model in (Township, Village, Unit, Expert, Need, Dispatch):
            left = {r.uuid: r.code if hasattr(r, "code") else r.name for r in a.scalars(
                select(model)) if b.scalar(select(model.uuid).where(model.uuid == r.uuid))}
            assert left, model
        need = b.scalar(select(Need).where(Need.code == code))
        assert need is not None and need.status == NeedStatus.REVIEWED
        assert [e.to_status for e in need.events] == [NeedStatus.SUBMITTED, NeedStatus.REVIEWED]
        expert = b.scalar(select(Expert))
        assert expert is not None and expert.id_number == county.tea_expert_id_number
        assert [f.name for f in expert.specialties] == ["茶叶", "茶园管理"]

    again = merge(city, path)
    assert again.changed == 0 and sum(again.unchanged.values()) == 6
    assert counts(city) == (1, 1, 1, 1, 1, 1)


def test_newer_records_update_and_conflicts_are_reported(
    db: Database, county: County, uow: UowFactory, city: Database, tmp_path: Path
) -> None:
    code = fill(uow, county)
    merge(city, export(db, tmp_path / "1.zip"))
    # The county edits the need; the city edits the unit afterwards.
    with uow() as u:
        needs.update_need(u.session, code, {"experts_wanted": 4})
        u.commit()
    with db.unit_of_work() as u:  # the county's copy of the unit is older than the city's edit
        unit = u.session.scalar(select(Unit).where(Unit.code == county.coop))
        assert unit is not None
        unit.updated_at = datetime(2020, 1, 1)
        unit.contact_person = "县里改的"
        u.commit()
    with city.unit_of_work() as u:
        unit = u.session.scalar(select(Unit).where(Unit.code == county.coop))
        assert unit is not None
        unit.contact_person = "市里改的"
        unit.updated_at = datetime.now() + timedelta(days=1)
        u.commit()
    result = merge(city, export(db, tmp_path / "2.zip"))
    assert result.updated["needs"] == 1
    assert len(result.conflicts) == 1 and "市里" not in result.conflicts[0]
    assert has_cjk(result.conflicts[0])
    with city.session() as s:
        assert s.scalar(select(Need.experts_wanted).where(Need.code == code)) == 4
        assert s.scalar(select(Unit.contact_person)) == "市里改的"


def test_codes_taken_in_the_city_are_renumbered(
    db: Database, county: County, uow: UowFactory, city: Database, tmp_path: Path,
    _templates: _Templates,
) -> None:
    fill(uow, county)
    other = tmp_path / "other-county.db"
    _copy_sqlite(_templates.county_db, other)
    second = open_database(str(other))
    try:
        with second.unit_of_work() as u:
            needs.create_need(u.session, {"title": "另一个县的需求", "unit": county.coop,
                                          "field": "茶叶", "submitted_on": date(2026, 3, 5)},
                              u.actor)
            u.commit()
        merge(city, export(db, tmp_path / "a.zip"))
        result = merge(city, export(second, tmp_path / "b.zip"))
    finally:
        second.close()
    assert any("已被占用" in note for note in result.notes)
    with city.session() as s:
        titles = set(s.scalars(select(Need.title)))
        assert titles == {"茶园病虫害防控", "另一个县的需求"}
        # The same expert (same ID number) came from both: merged, not duplicated.
        assert s.scalar(select(func.count()).select_from(Expert)) == 1


def _rewrite(path: Path, target: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, change(data) if name == member else data)
    return target


def test_damaged_and_foreign_files_are_refused(db: Database, county: County, uow: UowFactory,
                                               city: Database, tmp_path: Path) -> None:
    fill(uow, county)
    good = export(db, tmp_path / "p.zip")
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    tampered = _rewrite(good, tmp_path / "tampered.zip", "data.json",
                        lambda b: b.replace("茶园".encode(), "果园".encode()))
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something-else"}))
    no_manifest = tmp_path / "plain.zip"
    with zipfile.ZipFile(no_manifest, "w") as zf:
        zf.writestr("readme.txt", "hello")
    newer = _rewrite(good, tmp_path / "newer.zip", "manifest.json",
                     lambda b: b.replace(b'"schema_version": "', b'"schema_version": "9999'))
    text = tmp_path / "text.zip"
    text.write_text("not a zip", encoding="utf-8")
    before = counts(city)
    for path in (truncated, tampered, foreign, no_manifest, newer, text, tmp_path / "none.zip"):
        with pytest.raises(PackageError) as info:
            merge(city, path)
        assert has_cjk(info.value.message), path
    assert counts(city) == before
    with pytest.raises(PackageError) as info:
        merge(db, good)
    assert "本库自己" in info.value.message
