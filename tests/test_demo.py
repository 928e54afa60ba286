"""services/demo.py and ``main.py demo``: the demo county 云岭县.

The county is built once for the module through the API and once through the command line,
with the same seed and year: the two builds must hold the same records (determinism), and
each check below reads the first one.
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from models import (
    AuditEntry,
    Dispatch,
    DispatchStatus,
    Expert,
    ExpertUnavailability,
    Field,
    Need,
    NeedEvent,
    NeedStatus,
    Township,
    Unit,
    Village,
    expert_specialty,
)
from services import demo, validation
from services.database import Database, open_database
from services.demo import DemoSummary, create_demo
from services.errors import ServiceError
from tests.conftest import PROJECT_ROOT, has_cjk

pytestmark = pytest.mark.slow

SEED = 2026
# A past year: the demo is then seen from 31 December of that year whatever the real date,
# so the API build and the command-line build below are comparable.
YEAR = 2025
AS_OF = date(YEAR, 12, 31)
S = NeedStatus
LATER = (S.SERVED, S.SUMMARISED, S.CONTRACTED, S.PUBLICISED)
ACTIVE = (DispatchStatus.PLANNED, DispatchStatus.CONFIRMED, DispatchStatus.COMPLETED)
PLACEHOLDERS = re.compile(r"test|lorem|xxx|示例|占位", re.IGNORECASE)


@dataclass
class Built:
    path: Path
    database: Database
    summary: DemoSummary
    progress: list[tuple[int, int, str]]


def _run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
        text=True, encoding="utf-8", timeout=600,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("demo-user-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPERT_DISPATCH_DATA_DIR", str(folder))
        mp.delenv("EXPERT_DISPATCH_DB", raising=False)
        yield folder


@pytest.fixture(scope="module")
def built(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    database = open_database(str(path))
    calls: list[tuple[int, int, str]] = []
    summary = create_demo(database, seed=SEED, year=YEAR,
                          progress=lambda done, total, text: calls.append((done, total, text)))
    try:
        yield Built(path, database, summary, calls)
    finally:
        database.close()


@pytest.fixture(scope="module")
def cli_db(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``main.py demo --db X --year YEAR`` in a child process: the path and its stdout."""
    path = tmp_path_factory.mktemp("demo-cli") / "演示县.db"
    env = dict(os.environ, EXPERT_DISPATCH_DATA_DIR=str(data_dir))
    result = _run_cli("demo", "--db", str(path), "--year", str(YEAR), env=env)
    assert result.returncode == 0, result.stderr
    return path, result.stdout


def _rows(database: Database, stmt) -> list[tuple]:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return [tuple(r) for r in s.execute(stmt)]


def _industry(fields: dict[int, tuple[int | None, int]], field_id: int) -> int:
    parent, level = fields[field_id]
    return field_id if level == 2 else parent  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# Size and shape


def test_counts_are_in_the_promised_ranges(built: Built) -> None:
    s = built.summary
    assert 12 <= s.townships <= 20
    assert 150 <= s.villages <= 300
    assert 250 <= s.units <= 350
    assert 130 <= s.experts <= 180
    assert 350 <= s.needs <= 450
    assert s.dispatches >= 250
    with built.database.session() as session:
        for model, expected in ((Township, s.townships), (Village, s.villages), (Unit, s.units),
                                (Expert, s.experts), (Need, s.needs)):
            assert len(session.scalars(select(model.id)).all()) == expected, model.__name__
        standing = session.scalars(select(Dispatch.id).where(Dispatch.status.in_(ACTIVE))).all()
        assert len(standing) == s.dispatches
    assert "乡镇 " in s.text() and "派遣 " in s.text()


def test_progress_reaches_its_total(built: Built) -> None:
    done = [c[0] for c in built.progress]
    assert done == sorted(done)
    assert built.progress[-1][0] == built.progress[-1][1]
    assert all(has_cjk(text) for _, _, text in built.progress)


def test_places_are_inside_the_county_and_villages_near_their_township(built: Built) -> None:
    county = demo.demo_data()["places"]["county"]["bounds"]
    towns = {t[0]: t for t in _rows(built.database, select(
        Township.id, Township.name, Township.latitude, Township.longitude))}
    for lat, lon in [(t[2], t[3]) for t in towns.values()]:
        assert county["lat_min"] <= lat <= county["lat_max"]
        assert county["lon_min"] <= lon <= county["lon_max"]
    for name, township_id, lat, lon in _rows(built.database, select(
            Village.name, Village.township_id, Village.latitude, Village.longitude)):
        assert name.endswith("村")
        assert county["lat_min"] <= lat <= county["lat_max"]
        assert county["lon_min"] <= lon <= county["lon_max"]
        town = towns[township_id]
        assert abs(lat - town[2]) < 0.1 and abs(lon - town[3]) < 0.1, name
    assert all(re.fullmatch(r".+(镇|乡)", t[1]) for t in towns.values())


def test_priority_villages(built: Built) -> None:
    flags = _rows(built.database, select(Village.poverty_alleviated, Village.key_support))
    alleviated = sum(1 for p, _ in flags if p)
    assert 0.15 <= alleviated / len(flags) <= 0.18
    assert 3 <= sum(1 for _, k in flags if k) < alleviated


# ---------------------------------------------------------------------------------------------
# People and numbers


def test_every_id_number_is_valid_and_matches_birth_year_and_gender(built: Built) -> None:
    rows = _rows(built.database, select(Expert.id_number, Expert.birth_year, Expert.gender))
    assert all(number for number, _, _ in rows)
    for number, birth_year, gender in rows:
        assert validation.id_number(number) == number
        assert number.startswith("52")  # born in the province
        assert validation.id_number_birth_date(number).year == birth_year
        assert validation.id_number_gender(number) == gender
    assert len({r[0] for r in rows}) == len(rows)


def test_no_phone_number_is_used_twice(built: Built) -> None:
    phones = [p for (p,) in _rows(built.database, select(Expert.phone))]
    phones += [p for (p,) in _rows(built.database, select(Unit.phone))]
    assert all(phones)
    assert not [p for p, n in Counter(phones).items() if n > 1]
    for phone in phones:
        assert validation.phone(phone) == phone


def test_experts_look_like_a_real_pool(built: Built) -> None:
    rows = _rows(built.database, select(
        Expert.id, Expert.title, Expert.title_name, Expert.honours, Expert.retired,
        Expert.employer_unit_id, Expert.max_days_per_month, Expert.max_days_per_year))
    titles = Counter(r[1] for r in rows)
    assert titles["副高级"] + titles["中级"] > len(rows) / 2
    assert 0 < titles["正高级"] < titles["副高级"]
    honours = Counter(h for r in rows for h in r[3])
    assert honours["院士"] <= 1
    assert 8 <= honours["乡土专家"] <= 16
    assert all(r[1] in ("无", "初级") for r in rows if "乡土专家" in r[3])
    assert all(r[2] for r in rows if r[1] != "无")  # every titled expert has a title name
    assert 0 < sum(1 for r in rows if r[4]) < len(rows) / 3
    assert sum(1 for r in rows if r[5]) >= 10  # employed by a unit of the county
    assert all(r[6] <= r[7] for r in rows)
    assert len({(r[6], r[7]) for r in rows}) >= 5
    with_periods = {e for (e,) in _rows(built.database, select(ExpertUnavailability.expert_id))}
    assert 0.2 <= len(with_periods) / len(rows) <= 0.45
    specialties = Counter(e for e, _ in _rows(built.database, select(
        expert_specialty.c.expert_id, expert_specialty.c.field_id)))
    assert all(1 <= specialties[r[0]] <= 3 for r in rows)


def test_no_placeholder_text(built: Built) -> None:
    texts: list[str] = []
    for stmt in (select(Township.name), select(Village.name),
                 select(Unit.name, Unit.address, Unit.contact_person, Unit.notes),
                 select(Expert.name, Expert.employer, Expert.title_name, Expert.home_place,
                        Expert.notes),
                 select(Need.title, Need.description),
                 select(Dispatch.place, Dispatch.tasks, Dispatch.status_reason),
                 select(NeedEvent.reason)):
        texts += [str(v) for row in _rows(built.database, stmt) for v in row if v]
    bad = [t for t in texts if PLACEHOLDERS.search(t) or "{" in t or "}" in t]
    assert not bad
    names = [n for (n,) in _rows(built.database, select(Expert.name))]
    assert all(2 <= len(n) <= 4 and has_cjk(n) for n in names)
    assert len(set(names)) == len(names)


# ---------------------------------------------------------------------------------------------
# Needs, their steps and their dispatches


def test_windows_are_in_order_and_fit_the_season(built: Built) -> None:
    rows = _rows(built.database, select(Need.code, Need.title, Need.window_start,
                                        Need.window_end, Need.submitted_on))
    for code, _, start, end, submitted in rows:
        assert start is not None and end is not None and start <= end, code
        assert submitted <= start, code
        assert code.startswith(f"XQ-{submitted.year}-")
    months = Counter(r[2].month for r in rows if r[2].year == YEAR)
    assert len(months) == 12  # spread over the whole year
    # Seasonal work stays in its season: picking spring tea never starts in summer.
    assert all(r[2].month in (2, 3) for r in rows if "春茶标准化采摘" in r[1])
    assert all(r[2].month in (5, 6, 7) for r in rows if "油茶夏季抚育" in r[1])


def test_statuses_are_spread_and_follow_time(built: Built) -> None:
    rows = _rows(built.database, select(Need.status, Need.window_start, Need.window_end))
    statuses = Counter(r[0] for r in rows)
    assert len(statuses) >= 5
    assert statuses[S.REJECTED] and statuses[S.WITHDRAWN]
    assert statuses[S.REJECTED] + statuses[S.WITHDRAWN] < len(rows) / 8
    old = [r[0] for r in rows if r[2] < AS_OF - timedelta(days=60)
           and r[0] not in (S.REJECTED, S.WITHDRAWN)]
    assert sum(1 for st in old if st in LATER) >= 0.85 * len(old)
    future = [r[0] for r in rows if r[1] > AS_OF]
    assert future and all(st in (S.SUBMITTED, S.REVIEWED, S.REJECTED, S.WITHDRAWN)
                          for st in future)
    assert S.SUBMITTED in future


def test_every_step_left_an_event(built: Built) -> None:
    events: dict[int, list[tuple]] = defaultdict(list)
    for row in _rows(built.database, select(NeedEvent.need_id, NeedEvent.from_status,
                                            NeedEvent.to_status, NeedEvent.at,
                                            NeedEvent.reason).order_by(NeedEvent.id)):
        events[row[0]].append(row[1:])
    reasons = []
    for need_id, status, submitted in _rows(built.database, select(
            Need.id, Need.status, Need.submitted_on)):
        chain = events[need_id]
        assert chain[0][0] is None and chain[0][1] == S.SUBMITTED
        assert chain[0][2].date() == submitted
        for before, after in pairwise(chain):
            assert after[0] == before[1]  # each step starts where the last one ended
            assert after[2] >= before[2]  # and is not dated before it
        assert chain[-1][1] == status
        assert chain[-1][2].date() <= AS_OF
        reasons += [e[3] for e in chain if e[1] in (S.REJECTED, S.WITHDRAWN)]
    assert reasons and all(has_cjk(r) for r in reasons)


def test_dispatches_fit_their_need(built: Built) -> None:
    fields = {r[0]: (r[1], r[2]) for r in _rows(built.database, select(
        Field.id, Field.parent_id, Field.level))}
    needs = {r[0]: r[1:] for r in _rows(built.database, select(
        Need.id, Need.window_start, Need.window_end, Need.status, Need.field_id, Need.unit_id))}
    experts = {r[0]: r[1] for r in _rows(built.database, select(
        Expert.id, Expert.employer_unit_id))}
    specialties: dict[int, set[int]] = defaultdict(set)
    for expert_id, field_id in _rows(built.database, select(
            expert_specialty.c.expert_id, expert_specialty.c.field_id)):
        specialties[expert_id].add(_industry(fields, field_id))
    per_need: dict[int, list[DispatchStatus]] = defaultdict(list)
    for need_id, expert_id, start, end, status in _rows(built.database, select(
            Dispatch.need_id, Dispatch.expert_id, Dispatch.start_date, Dispatch.end_date,
            Dispatch.status)):
        window_start, window_end, need_status, field_id, unit_id = needs[need_id]
        assert window_start <= start <= end <= window_end
        assert need_status in (S.MATCHED, *LATER)
        assert experts[expert_id] != unit_id  # never at the expert's own employer
        assert _industry(fields, field_id) in specialties[expert_id]
        per_need[need_id].append(status)
    for need_id, (_, _, status, _, _) in needs.items():
        active = [s for s in per_need.get(need_id, []) if s in ACTIVE]
        if status in LATER:
            assert active and all(s == DispatchStatus.COMPLETED for s in active)
        elif status == S.MATCHED:
            assert active
        else:
            assert not per_need.get(need_id)
    assert {DispatchStatus.COMPLETED, DispatchStatus.DECLINED} <= {
        s for statuses in per_need.values() for s in statuses}


def test_no_expert_is_in_two_places_at_once(built: Built) -> None:
    visits: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for expert_id, start, end in _rows(built.database, select(
            Dispatch.expert_id, Dispatch.start_date, Dispatch.end_date)
            .where(Dispatch.status.in_(ACTIVE))):
        visits[expert_id].append((start, end))
    for periods in visits.values():
        periods.sort()
        for (_, end), (start, _) in pairwise(periods):
            assert end < start
    assert len(visits) > 100  # the work is spread over most of the pool


def test_everything_was_written_through_the_audited_services(built: Built) -> None:
    kinds = Counter(r[0] for r in _rows(built.database, select(AuditEntry.entity_type).where(
        AuditEntry.actor == demo.DEMO_ACTOR, AuditEntry.action == "create")))
    s = built.summary
    assert kinds["Township"] == s.townships and kinds["Village"] == s.villages
    assert kinds["Unit"] == s.units and kinds["Expert"] == s.experts
    assert kinds["Need"] == s.needs
    assert kinds["Dispatch"] == sum(s.dispatch_statuses.values()) > s.dispatches


# ---------------------------------------------------------------------------------------------
# Determinism and refusal


def test_same_seed_same_county(built: Built, cli_db: tuple[Path, str]) -> None:
    other = open_database(str(cli_db[0]))
    try:
        for stmt in (
            select(Township.name, Township.code, Township.latitude, Township.longitude),
            select(Village.name, Village.township_id, Village.poverty_alleviated,
                   Village.key_support, Village.latitude, Village.longitude),
            select(Unit.code, Unit.name, Unit.unit_type, Unit.address, Unit.contact_person,
                   Unit.phone),
            select(Expert.code, Expert.name, Expert.id_number, Expert.phone, Expert.employer,
                   Expert.title, Expert.title_name, Expert.honours),
            select(Need.code, Need.title, Need.description, Need.status, Need.window_start,
                   Need.window_end, Need.submitted_on),
            select(NeedEvent.need_id, NeedEvent.to_status, NeedEvent.at, NeedEvent.reason),
            select(Dispatch.code, Dispatch.need_id, Dispatch.expert_id, Dispatch.start_date,
                   Dispatch.end_date, Dispatch.status),
        ):
            stmt = stmt.order_by(*stmt.selected_columns[:2])
            assert _rows(built.database, stmt) == _rows(other, stmt), stmt
    finally:
        other.close()


def test_another_seed_gives_another_county(built: Built) -> None:
    with built.database.session() as session:
        fields = demo._Fields(session)
    names = []
    for seed in (1, 2):
        planner = demo._Planner(demo.demo_data(), fields, random.Random(seed), YEAR, AS_OF)
        planner.plan_places()
        planner.plan_units()
        planner.plan_experts()
        names.append([x.name for x in planner.experts])
    assert names[0] != names[1]


def test_refuses_a_database_that_has_data(built: Built) -> None:
    with pytest.raises(ServiceError) as caught:
        create_demo(built.database, seed=SEED, year=YEAR)
    assert has_cjk(caught.value.message) and "新的文件名" in caught.value.message


def test_refuses_an_unreasonable_year(tmp_path: Path) -> None:
    database = open_database(str(tmp_path / "empty.db"))
    try:
        with pytest.raises(ServiceError):
            create_demo(database, year=date.today().year + 5)
    finally:
        database.close()


# ---------------------------------------------------------------------------------------------
# The command line


def test_cli_demo_then_needs_list(cli_db: tuple[Path, str], data_dir: Path) -> None:
    path, stdout = cli_db
    assert "专家" in stdout and "需求 " in stdout
    env = dict(os.environ, EXPERT_DISPATCH_DATA_DIR=str(data_dir))
    result = _run_cli("needs", "list", "--db", str(path), "--format", "csv", env=env)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:3] == ["code", "title", "status"]
    assert len(rows) - 1 >= 300
    assert all(r[0].startswith("XQ-") and has_cjk(r[1]) for r in rows[1:])


def test_cli_demo_refuses_a_database_with_data(cli_db: tuple[Path, str], data_dir: Path) -> None:
    env = dict(os.environ, EXPERT_DISPATCH_DATA_DIR=str(data_dir))
    result = _run_cli("demo", "--db", str(cli_db[0]), env=env)
    assert result.returncode == 2
    assert "已有数据" in result.stderr


def test_cli_demo_help_is_chinese(data_dir: Path) -> None:
    env = dict(os.environ, EXPERT_DISPATCH_DATA_DIR=str(data_dir))
    result = _run_cli("demo", "--help", env=env)
    assert result.returncode == 0
    assert "--seed" in result.stdout and "演示数据" in result.stdout


def test_cli_demo_without_db_refuses_a_default_database_with_data(tmp_path: Path) -> None:
    """Without --db the demo goes to the user's usual database, but only while it is empty."""
    from services import places
    from services.paths import DB_FILENAME

    folder = tmp_path / "user-data"
    env = dict(os.environ, EXPERT_DISPATCH_DATA_DIR=str(folder))
    env.pop("EXPERT_DISPATCH_DB", None)
    database = open_database(str(folder / DB_FILENAME))
    try:
        with database.unit_of_work("测试员") as uow:
            places.create_township(uow.session, {"name": "青山镇"})
            uow.commit()
    finally:
        database.close()
    result = _run_cli("demo", env=env)
    assert result.returncode == 2
    assert "已有数据" in result.stderr and "乡镇 1 个" in result.stderr
