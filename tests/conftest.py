"""Shared fixtures.

Qt must run without a screen and the program must never touch the real user data folder, so
both are settled here, before any test module imports Qt or asks services/paths.py for a path.

Two engines, one flag: with ``EXPERT_DISPATCH_TEST_PG=postgresql+psycopg://user:pw@host/db``
the ``db`` fixture (and ``empty_database_url``, which the migration tests use) give each test
a throw-away PostgreSQL database cloned from a migrated template (``CREATE DATABASE …
TEMPLATE``, ~50 ms), and only the tests that use a database run: the others do not depend on
the engine and ran in the SQLite pass. Tests that work on the SQLite file (they ask for
``db_path``), GUI tests and tests marked ``sqlite_only`` are left out of that pass.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from services.database import Database, open_database
from services.uow import UnitOfWork
from services.validation import id_number_check_char

ACTOR = "测试员"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_CJK = re.compile(r"[\u4e00-\u9fff]")

TEST_PG_ENV = "EXPERT_DISPATCH_TEST_PG"
PG_URL = os.environ.get(TEST_PG_ENV) or None
# Fixtures that give a test its database on the engine under test; in the PostgreSQL pass
# only tests that use one of them (or are marked ``both_engines``) run.
_ENGINE_FIXTURES = {"db", "empty_database_url"}
_SQLITE_ONLY_MODULES = ("test_ui_", "test_gui_", "test_pyside_")


def pytest_configure(config: pytest.Config) -> None:
    # Qt warnings fail a test (qt_log_level_fail in pyproject.toml), but the offscreen platform
    # plugin warns about itself whenever a window is shown; that one says nothing about us.
    if config.pluginmanager.hasplugin("pytest-qt"):
        config.addinivalue_line("qt_log_ignore",
                                r"^This plugin does not support propagateSizeHints\(\)")
    config.addinivalue_line("markers", "sqlite_only: needs SQLite (its file, PRAGMAs); left "
                            f"out when {TEST_PG_ENV} selects PostgreSQL")
    config.addinivalue_line("markers", "both_engines: runs in the PostgreSQL pass although it "
                            "uses none of the database fixtures")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not PG_URL:
        return
    keep, drop = [], []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        module = item.path.name if hasattr(item, "path") else ""
        engine_test = bool(names & _ENGINE_FIXTURES) or item.get_closest_marker("both_engines")
        if (not engine_test or "db_path" in names or item.get_closest_marker("sqlite_only")
                or module.startswith(_SQLITE_ONLY_MODULES)):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> str:
    if PG_URL:
        shown = make_url(PG_URL).render_as_string(hide_password=True)
        return (f"database engine: PostgreSQL ({shown}); tests that do not use a database, "
                "SQLite-file and GUI tests are deselected")
    return "database engine: SQLite"


def has_cjk(text: str) -> bool:
    """True when ``text`` contains a Chinese character (a user-facing message should)."""
    return bool(_CJK.search(text))


def make_id_number(birth: str = "19780315", region: str = "520102", seq: str = "123") -> str:
    """A valid 18-character ID number: region (6) + birth date (8) + sequence (3) + check.

    The last sequence digit decides the gender: odd for 男, even for 女.
    """
    first17 = f"{region}{birth}{seq}"
    assert len(first17) == 17 and first17.isdigit()
    return first17 + id_number_check_char(first17)


@pytest.fixture(scope="session")
def _session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("user-data")


@pytest.fixture(autouse=True)
def _isolated_data_dir(_session_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config, backups and the default database go to a throwaway folder, for this process
    and for every subprocess a test starts; a developer's own database is never used."""
    monkeypatch.setenv("EXPERT_DISPATCH_DATA_DIR", str(_session_data_dir))
    monkeypatch.delenv("EXPERT_DISPATCH_DB", raising=False)
    return _session_data_dir


@pytest.fixture
def subprocess_env(_isolated_data_dir: Path) -> dict[str, str]:
    """The environment for a child Python (``main.py`` …): offscreen Qt, UTF-8 pipes and the
    test data folder. Where bytecode writing is switched off, each child would compile
    SQLAlchemy, Alembic … from source (seconds each); their bytecode is then cached in the
    system's temporary folder instead, never in the source tree."""
    env = dict(os.environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None) and not env.get("PYTHONPYCACHEPREFIX"):
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "expert-dispatch-pycache")
    env |= {"PYTHONIOENCODING": "utf-8", "QT_QPA_PLATFORM": "offscreen"}
    return env


class PgServer:
    """Throw-away databases on the PostgreSQL server named by ``EXPERT_DISPATCH_TEST_PG``.

    Each gets a name with this process id, so two test runs on one server do not collide, and
    is dropped WITH (FORCE) after its test (a leaked connection must not keep it alive)."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self._names = (f"edt_{os.getpid()}_{n}" for n in itertools.count(1))
        self._conn = None

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        if self._conn is None or self._conn.closed:
            conninfo = self.url.set(drivername="postgresql").render_as_string(
                hide_password=False)
            self._conn = psycopg.connect(conninfo, autocommit=True)
        return self._conn

    def create(self, template: str | None = None) -> str:
        """A new database (empty, or a copy of ``template``); returns its URL."""
        name = next(self._names)
        source = template or "template0"
        # FILE_COPY: for small databases much faster than PostgreSQL 15's default WAL_LOG.
        self._admin().execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}" '
                              "STRATEGY FILE_COPY")
        return self.url_of(name)

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    @staticmethod
    def name_of(url: str) -> str:
        return make_url(url).database or ""

    def drop(self, url: str) -> None:
        self._drop(self.name_of(url))

    def _drop(self, name: str) -> None:
        import psycopg

        # Plain DROP first: it stops an autovacuum worker in that database itself, where
        # WITH (FORCE) would need the right to signal it; FORCE for a connection a test leaked.
        try:
            self._admin().execute(f'DROP DATABASE IF EXISTS "{name}"')
        except psycopg.errors.ObjectInUse:
            self._admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_leftovers(self) -> None:
        """Databases of earlier runs whose process is gone (a killed run leaves them)."""
        rows = self._admin().execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'edt\\_%'").fetchall()
        for (name,) in rows:
            pid = name.split("_")[1]
            if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
                self._drop(name)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    """The PostgreSQL server of the PostgreSQL pass, or None in the SQLite pass."""
    if not PG_URL:
        yield None
        return
    server = PgServer(PG_URL)
    server.drop_leftovers()
    try:
        yield server
    finally:
        server.drop_leftovers()
        server.close()


@pytest.fixture
def empty_database_url(tmp_path: Path, pg_server: PgServer | None) -> Iterator[str]:
    """The URL of a new, empty database on the engine under test (nothing migrated)."""
    if pg_server is None:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = pg_server.create()
    try:
        yield url
    finally:
        pg_server.drop(url)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


def _copy_sqlite(source: Path, target: Path) -> None:
    # The online backup copies a consistent state whatever the journal mode.
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


@pytest.fixture
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A fresh database, migrated to head, with the shipped reference data; when the test
    also asks for ``county``, the county is already in it.

    Migrating and loading the reference data takes a second or more, so each kind of database
    is built once per session through ``open_database`` and every test gets its own copy,
    opened through ``open_database`` again (already current: no migration; the reference data
    is already in it)."""
    templates: _Templates = request.getfixturevalue("_templates")
    if PG_URL:
        yield from _pg_db(request, templates)
        return
    # db_path through the request, not as a parameter: a test that asks for it itself works
    # on the SQLite file, and the PostgreSQL pass leaves such tests out.
    db_path: Path = request.getfixturevalue("db_path")
    source = templates.county_db if "county" in request.fixturenames else templates.bare_db
    _copy_sqlite(source, db_path)
    database = open_database(str(db_path), sync_reference=False)
    try:
        yield database
    finally:
        database.close()


def _pg_db(request: pytest.FixtureRequest, templates: _Templates) -> Iterator[Database]:
    pg: _PgTemplates = request.getfixturevalue("_pg_templates")
    pg.reset(county="county" in request.fixturenames)
    database = open_database(pg.url, sync_reference=False)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def uow(db: Database) -> Callable[..., UnitOfWork]:
    """``with uow() as u: …; u.commit()``: a unit of work acting as ``ACTOR``."""

    def make(actor: str = ACTOR) -> UnitOfWork:
        return db.unit_of_work(actor)

    return make


@dataclass(frozen=True)
class County:
    """Plain keys of the small county built by the ``county`` fixture (no ORM objects, so they
    stay valid across sessions)."""

    township_id: int
    township: str
    village_id: int  # ordinary village
    village: str
    poor_village_id: int  # 脱贫村
    poor_village: str
    coop: str  # unit code: a cooperative in the ordinary village
    clinic: str  # unit code: the township health centre (卫生院), employer of the doctor
    tea_expert: str  # expert codes
    doctor: str
    vet: str
    tea_expert_id_number: str
    tea_expert_phone: str


def build_county(database: Database) -> County:
    """One township, two villages (one 脱贫村), two units, three experts with specialties,
    all created through the services."""
    from services import experts, places, units

    with database.unit_of_work(ACTOR) as u:
        s = u.session
        township = places.create_township(
            s, {"name": "青山镇", "code": "520121101", "latitude": 26.9, "longitude": 106.7}
        )
        village = places.create_village(s, {"name": "石门村", "township_id": township.id})
        poor = places.create_village(
            s, {"name": "茶山村", "township_id": township.id, "poverty_alleviated": True}
        )
        coop = units.create_unit(s, {
            "name": "青山镇石门村茶叶专业合作社", "unit_type": "合作社", "township_id": township.id,
            "village_id": village.id, "contact_person": "王建国", "phone": "13908510001",
        })
        clinic = units.create_unit(s, {
            "name": "青山镇卫生院", "unit_type": "卫生院", "township_id": township.id,
            "contact_person": "李芳", "phone": "0851-85520001",
        })
        tea_id = make_id_number("19700512", seq="131")
        tea = experts.create_expert(s, {
            "name": "张明远", "id_number": tea_id, "phone": "13885000001",
            "employer": "省茶叶研究所", "title": "正高级", "title_name": "研究员",
            "honours": ["省级专家"], "specialties": ["茶叶", "种植业 › 茶叶 › 茶园管理"],
        })
        doctor = experts.create_expert(s, {
            "name": "刘慧", "gender": "女", "birth_year": 1982, "phone": "13885000002",
            "employer": "青山镇卫生院", "employer_unit_id": clinic.id, "title": "副高级",
            "title_name": "副主任医师", "specialties": ["全科"],
        })
        vet = experts.create_expert(s, {
            "name": "杨志强", "gender": "男", "birth_year": 1965, "title": "中级",
            "title_name": "兽医师", "honours": "乡土专家", "specialties": "生猪、家禽",
            "retired": True,
        })
        u.commit()
        return County(
            township_id=township.id, township=township.name,
            village_id=village.id, village=village.name,
            poor_village_id=poor.id, poor_village=poor.name,
            coop=coop.code, clinic=clinic.code,
            tea_expert=tea.code, doctor=doctor.code, vet=vet.code,
            tea_expert_id_number=tea_id, tea_expert_phone="13885000001",
        )


@dataclass(frozen=True)
class _Templates:
    bare_db: Path
    county_db: Path
    county: County


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory, _session_data_dir: Path) -> _Templates:
    folder = tmp_path_factory.mktemp("templates")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPERT_DISPATCH_DATA_DIR", str(_session_data_dir))
        mp.delenv("EXPERT_DISPATCH_DB", raising=False)
        bare = open_database(str(folder / "bare.db"))
        bare.close()
        _copy_sqlite(folder / "bare.db", folder / "county.db")
        database = open_database(str(folder / "county.db"))
        try:
            county = build_county(database)
        finally:
            database.close()
    return _Templates(folder / "bare.db", folder / "county.db", county)


class _PgTemplates:
    """One migrated PostgreSQL database for the whole pass, with copies of its rows in two
    schemas (``tmpl_bare``: reference data; ``tmpl_county``: plus the county). Before each test
    the tables are emptied and refilled from one of them in one transaction, skipping the
    big reference tables (field tree, crop phases …) when their rows are still those of the
    template: ~20 ms, where ``CREATE DATABASE … TEMPLATE`` takes ~0.5 s for a database with
    200 relations (it copies every file)."""

    BIG = 50  # rows in the template from which a table is compared before it is refilled

    def __init__(self, server: PgServer) -> None:
        import psycopg

        self.url = server.create()
        conninfo = make_url(self.url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._tables: list[str] = []  # in foreign-key order
        self._refers: dict[str, set[str]] = {}  # table → the tables it points at
        self._serial: dict[str, str] = {}  # table → its integer key with a sequence
        self._guarded: set[str] = set()
        self._big: dict[str, dict[str, str]] = {}  # schema → {table: fingerprint}

    @staticmethod
    def _fingerprint(schema: str, table: str) -> str:
        return (f"(SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) "
                f'FROM {schema}."{table}" x)')

    def snapshot(self, schema: str) -> None:
        """Copy every table's rows into ``schema``."""
        from sqlalchemy import Integer, MetaData, create_engine

        engine = create_engine(self.url)
        try:
            meta = MetaData()
            meta.reflect(engine)
        finally:
            engine.dispose()
        tables = [t for t in meta.sorted_tables if t.name != "alembic_version"]
        self._tables = [t.name for t in tables]
        self._refers = {t.name: {fk.column.table.name for fk in t.foreign_keys} - {t.name}
                        for t in tables}
        self._serial = {t.name: t.primary_key.columns[0].name for t in tables
                        if len(t.primary_key.columns) == 1
                        and isinstance(t.primary_key.columns[0].type, Integer)}
        copy = [f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}"]
        copy += [f'CREATE TABLE {schema}."{t}" AS TABLE public."{t}"' for t in self._tables]
        self._conn.execute(";".join(copy))
        # Triggers that guard rows (the audit trail is immutable) would refuse the reset.
        self._guarded = {name for (name,) in self._conn.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT g.tgisinternal AND n.nspname = 'public'")}
        counts = self._conn.execute("SELECT " + ", ".join(
            f'(SELECT count(*) FROM {schema}."{t}")' for t in self._tables)).fetchone()
        big = [t for t, n in zip(self._tables, counts or (), strict=True) if n >= self.BIG]
        prints = self._conn.execute("SELECT " + ", ".join(
            self._fingerprint(schema, t) for t in big)).fetchone() if big else ()
        self._big[schema] = dict(zip(big, prints or (), strict=True))

    def reset(self, county: bool) -> None:
        schema = "tmpl_county" if county else "tmpl_bare"
        big = self._big[schema]
        keep: set[str] = set()
        if big:
            now = self._conn.execute("SELECT " + ", ".join(
                self._fingerprint("public", t) for t in big)).fetchone() or ()
            keep = {t for t, value in zip(big, now, strict=True) if value == big[t]}
        changed = True
        while changed:  # a kept table must not point at rows that are deleted
            changed = False
            for t in list(keep):
                if self._refers[t] - keep:
                    keep.discard(t)
                    changed = True
        tables = [t for t in self._tables if t not in keep]
        guarded = [t for t in tables if t in self._guarded]
        sql = ["BEGIN", *(f'ALTER TABLE public."{t}" DISABLE TRIGGER USER' for t in guarded),
               # DELETE, not TRUNCATE: the tables are small, and TRUNCATE replaces the files
               # of every table and index (ten times slower here).
               *(f'DELETE FROM public."{t}"' for t in reversed(tables)),
               *(f'INSERT INTO public."{t}" SELECT * FROM {schema}."{t}"' for t in tables)]
        for t in tables:
            if t in self._serial:
                key, name = self._serial[t], f"'public.\"{t}\"'"
                sql.append(f"SELECT setval(pg_get_serial_sequence({name}, '{key}'), "
                           f'(SELECT coalesce(max("{key}"), 0) + 1 FROM public."{t}"), false) '
                           f"WHERE pg_get_serial_sequence({name}, '{key}') IS NOT NULL")
        sql += [f'ALTER TABLE public."{t}" ENABLE TRIGGER USER' for t in guarded]
        sql.append("COMMIT")
        self._conn.execute(";".join(sql))

    def close(self) -> None:
        self._conn.close()


@pytest.fixture(scope="session")
def _pg_templates(pg_server: PgServer | None, _templates: _Templates,
                  _session_data_dir: Path) -> Iterator[_PgTemplates]:
    """The PostgreSQL database of the pass, built like the SQLite templates; the county must
    have the same codes and ids as ``_templates.county`` (tests read them from there)."""
    assert pg_server is not None
    pg = _PgTemplates(pg_server)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPERT_DISPATCH_DATA_DIR", str(_session_data_dir))
        mp.delenv("EXPERT_DISPATCH_DB", raising=False)
        bare = open_database(pg.url)
        bare.close()
        pg.snapshot("tmpl_bare")
        database = open_database(pg.url)
        try:
            county = build_county(database)
        finally:
            database.close()
        pg.snapshot("tmpl_county")
    assert county == _templates.county, "the PostgreSQL county differs from the SQLite one"
    try:
        yield pg
    finally:
        pg.close()


@pytest.fixture
def county(db: Database, _templates: _Templates) -> County:
    """The small county of ``build_county``, already in ``db`` (see the ``db`` fixture)."""
    return _templates.county
