"""Opening, creating and upgrading databases (services/database.py, models/migrations).

Written over ``ScriptDirectory.walk_revisions()`` so that each new migration is tested from
the day it is added: a database at every earlier revision, with a row in every table that
can take one, must upgrade to head with its rows intact and a backup copy taken first.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    Table,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

import models
from models.session import make_engine
from services import paths
from services.database import (
    _backup_sqlite,
    alembic_config,
    current_revision,
    head_revision,
    open_database,
)
from services.errors import DatabaseError, DatabaseTooNewError
from tests.conftest import has_cjk

SCRIPT = ScriptDirectory.from_config(alembic_config())
REVISIONS = [r.revision for r in SCRIPT.walk_revisions()]  # head first
HEAD = SCRIPT.get_current_head()


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def engine_at(empty_database_url: str) -> Iterator[Any]:
    """``engine_at(revision)``: an engine on a fresh database (a file, or a throw-away
    PostgreSQL database: conftest.py) migrated to ``revision``, and its URL."""
    engines: list[Engine] = []

    def make(revision: str) -> tuple[Engine, str]:
        engine = make_engine(empty_database_url)
        engines.append(engine)
        migrate(engine, "upgrade", revision)
        return engine, empty_database_url

    yield make
    for engine in engines:
        engine.dispose()


def migrate(engine: Engine, direction: str, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, revision)


def schema_differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "render_as_batch": True})
    return compare_metadata(context, models.Base.metadata)


def test_revisions_form_one_line() -> None:
    assert HEAD is not None and head_revision() == HEAD
    assert len(SCRIPT.get_heads()) == 1, "two migration heads: merge them"
    assert REVISIONS[0] == HEAD and SCRIPT.get_revision(REVISIONS[-1]).down_revision is None


def test_upgrade_empty_database_to_head(empty_database_url: str) -> None:
    database = open_database(empty_database_url)
    try:
        assert database.backup_path is None  # a new database needs no backup
        assert current_revision(database.engine) == HEAD
        with database.engine.connect() as conn:
            assert schema_differences(conn) == []
            tables = set(inspect(conn).get_table_names())
        assert set(models.Base.metadata.tables) <= tables
    finally:
        database.close()


def test_schema_equals_models(db: Any) -> None:
    with db.engine.connect() as conn:
        assert schema_differences(conn) == []


def test_downgrade_to_base_and_up_again(engine_at: Any) -> None:
    engine, _ = engine_at(HEAD)
    migrate(engine, "downgrade", "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        assert MigrationContext.configure(conn).get_current_revision() is None
    migrate(engine, "upgrade", "head")
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == HEAD
        assert schema_differences(conn) == []


@pytest.mark.parametrize("revision", REVISIONS)
def test_each_revision_downgrades_one_step(engine_at: Any, revision: str) -> None:
    engine, _ = engine_at(revision)
    migrate(engine, "downgrade", "-1")
    migrate(engine, "upgrade", revision)
    assert current_revision(engine) == revision


# --- upgrading a database with data in it --------------------------------------------------

# Values for columns whose CHECK constraint the generic values below (and the values read
# from ``col IN (…)`` / ``col BETWEEN a AND b`` checks) would not satisfy; "table.column" or
# "column".
_HINTS: dict[str, Any] = {
    "budget.activity_id": None,  # a budget belongs to a team or an activity, not both
}
# SQLite keeps the text as written; PostgreSQL gives its own form back:
# ``((gender)::text = ANY ((ARRAY['男'::character varying, …])::text[]))`` and
# ``((level >= 1) AND (level <= 3))``.
_CHECK_IN = re.compile(r"(\w+)\s+IN\s*\(\s*'([^']*)'"
                       r"|\(?(\w+)\)?::text\s*=\s*ANY\s*\(+ARRAY\['([^']*)'", re.IGNORECASE)
_CHECK_BETWEEN = re.compile(r"(\w+)\s+BETWEEN\s+(-?\d+)\s+AND"
                            r"|\((\w+)\s*>=\s*\(?(-?\d+)\)?\)", re.IGNORECASE)


def _check_values(conn: Connection, table: str) -> dict[str, Any]:
    """A value each constrained column accepts, read from the table's CHECK constraints."""
    values: dict[str, Any] = {}
    for check in inspect(conn).get_check_constraints(table):
        for a, b, c, d in _CHECK_IN.findall(check["sqltext"]):
            values.setdefault(a or c, b or d)
        for a, b, c, d in _CHECK_BETWEEN.findall(check["sqltext"]):
            values.setdefault(a or c, int(b or d))
    return values


def _value_for(table: Table, column: Any, row_ids: dict[str, int],
               checked: dict[str, Any]) -> Any:
    for key in (f"{table.name}.{column.name}", column.name):
        if key in _HINTS:
            return _HINTS[key]
    if column.name in checked and not column.foreign_keys:
        return checked[column.name]
    for fk in column.foreign_keys:
        return row_ids.get(fk.column.table.name)
    if column.name == "uuid":
        return str(uuid.uuid4())
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, Float | Numeric):
        return 1.5
    if isinstance(kind, DateTime):
        return datetime(2026, 5, 1, 8, 30)
    if isinstance(kind, Date):
        return date(2026, 5, 1)
    if isinstance(kind, JSON):
        return ["迁移测试"]
    length = getattr(kind, "length", None) or 20
    return "迁移测试"[:length]


def fill_every_table(conn: Connection) -> dict[str, dict[str, Any]]:
    """Insert one row into each table that can take one (foreign keys pointing at the rows
    already inserted); return the rows by table name, with their primary key."""
    meta = MetaData()
    meta.reflect(conn)
    inserted: dict[str, dict[str, Any]] = {}
    row_ids: dict[str, int] = {}
    for table in meta.sorted_tables:
        if table.name == "alembic_version":
            continue
        values = {}
        checked = _check_values(conn, table.name)
        for column in table.columns:
            if column.primary_key and isinstance(column.type, Integer) and len(
                    table.primary_key.columns) == 1:
                continue
            if column.nullable and not column.foreign_keys and column.server_default is None:
                continue
            if column.server_default is not None and not column.foreign_keys:
                continue
            values[column.name] = _value_for(table, column, row_ids, checked)
        if any(v is None for k, v in values.items() if not table.columns[k].nullable):
            continue
        savepoint = conn.begin_nested()
        try:
            result = conn.execute(insert(table).values(**values))
        except IntegrityError:
            savepoint.rollback()
            continue
        savepoint.commit()
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].name not in values:
            key = {pk[0].name: result.inserted_primary_key[0]}
            row_ids[table.name] = result.inserted_primary_key[0]
        else:
            key = {c.name: values[c.name] for c in pk}
        inserted[table.name] = {"key": key, "values": values}
    return inserted


@pytest.mark.parametrize("revision", REVISIONS)
def test_upgrade_from_each_revision_keeps_data(engine_at: Any, revision: str) -> None:
    engine, url = engine_at(revision)
    with engine.begin() as conn:
        inserted = fill_every_table(conn)
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert set(inserted) == tables, (
        f"no test row in {sorted(tables - set(inserted))}: add a value to _HINTS")

    database = open_database(url)
    try:
        assert current_revision(database.engine) == HEAD
        with database.engine.connect() as conn:
            assert schema_differences(conn) == []
            meta = MetaData()
            meta.reflect(conn)
            for name, row in inserted.items():
                table = meta.tables[name]
                where = [table.c[k] == v for k, v in row["key"].items()]
                stored = conn.execute(select(table).where(*where)).mappings().one_or_none()
                assert stored is not None, f"row of {name} lost"
                for column, value in row["values"].items():
                    if column in stored and isinstance(value, str):
                        assert stored[column] == value, (name, column)
        if revision == HEAD or not url.startswith("sqlite"):
            # A server database is backed up with its own tools (docs/deployment.md).
            assert database.backup_path is None
        else:
            backup = database.backup_path
            assert backup is not None and backup.exists()
            assert backup.parent == paths.backup_dir()
            assert revision in backup.name and "升级前" in backup.name
            copy = sqlite3.connect(backup)
            try:
                version = copy.execute("SELECT version_num FROM alembic_version").fetchone()
                assert version == (revision,)
                count = copy.execute("SELECT count(*) FROM township").fetchone()
                assert count == (1,)
            finally:
                copy.close()
    finally:
        database.close()


def test_reopening_a_current_database_takes_no_backup(db: Any, db_path: Path) -> None:
    db.close()
    before = set(paths.backup_dir().iterdir())
    database = open_database(str(db_path))
    try:
        assert database.backup_path is None
    finally:
        database.close()
    assert set(paths.backup_dir().iterdir()) == before


def test_backup_copies_committed_data_still_in_the_wal(db: Any, db_path: Path) -> None:
    from services import places

    with db.unit_of_work("测试员") as u:
        places.create_township(u.session, {"name": "备份镇"})
        u.commit()
    # The engine is still open, so the new row may live only in the -wal file.
    backup = _backup_sqlite(db_path, "0001")
    try:
        assert backup.parent == paths.backup_dir()
        assert backup.name.startswith(f"{db_path.stem}-升级前-0001-")
        assert backup.suffix == ".db"
        copy = sqlite3.connect(backup)
        try:
            names = [r[0] for r in copy.execute("SELECT name FROM township")]
            assert names == ["备份镇"]
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            copy.close()
    finally:
        backup.unlink()
    assert _backup_sqlite(db_path, None).name.startswith(f"{db_path.stem}-升级前-unknown-")


# --- databases this program must not touch --------------------------------------------------


def _stamp(path: Path, revision: str, journal_mode: str = "wal") -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.commit()
        assert conn.execute(f"PRAGMA journal_mode={journal_mode}").fetchone() == (journal_mode,)
    finally:
        conn.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_newer_database_is_refused_untouched(db: Any, db_path: Path, journal_mode: str) -> None:
    db.close()
    _stamp(db_path, "9999_from_a_newer_program", journal_mode)
    before = _files(db_path.parent)
    backups = set(paths.backup_dir().iterdir())
    with pytest.raises(DatabaseTooNewError) as info:
        open_database(str(db_path))
    assert has_cjk(info.value.message) and "9999_from_a_newer_program" in info.value.message
    assert isinstance(info.value, DatabaseError)
    assert _files(db_path.parent) == before
    assert set(paths.backup_dir().iterdir()) == backups


def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "账本.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount REAL)")
    conn.execute("INSERT INTO ledger (amount) VALUES (12.5)")
    conn.commit()
    conn.close()
    before = _files(tmp_path)
    with pytest.raises(DatabaseError) as info:
        open_database(str(path))
    assert has_cjk(info.value.message)
    assert "未作任何改动" in info.value.message
    assert _files(tmp_path) == before


def test_not_a_database_file(tmp_path: Path) -> None:
    path = tmp_path / "需求清单.xlsx"
    path.write_bytes(b"PK\x03\x04 this is a spreadsheet, not a database " * 50)
    before = path.read_bytes()
    with pytest.raises(DatabaseError) as info:
        open_database(str(path))
    assert has_cjk(info.value.message)
    assert "Traceback" not in info.value.message
    assert path.read_bytes() == before


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as info:
        open_database(str(tmp_path))
    assert has_cjk(info.value.message) and "文件夹" in info.value.message


def test_folder_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "不是文件夹.txt"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DatabaseError) as info:
        open_database(str(blocker / "sub" / "data.db"))
    assert has_cjk(info.value.message)


# --- connection settings --------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_sqlite_connections_use_wal_and_foreign_keys(db: Any) -> None:
    for _ in range(2):  # every pooled connection, not only the first
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    with db.session() as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        with pytest.raises(IntegrityError):
            session.execute(text(
                "INSERT INTO village (township_id, name, key_support, poverty_alleviated, uuid, "
                "version) VALUES (9999, '无主村', 0, 0, 'u-1', 1)"))
            session.flush()


def test_database_url_and_display_name(db: Any, db_path: Path) -> None:
    assert db.url == url_of(db_path.resolve())
    assert db.display_name == str(db_path.resolve())
    assert paths.sqlite_path("sqlite://") is None
    assert paths.sqlite_path("postgresql://u:p@host/db") is None


def test_in_memory_database() -> None:
    database = open_database("sqlite://", sync_reference=False)
    try:
        assert current_revision(database.engine) == HEAD
        assert database.backup_path is None
    finally:
        database.close()


def test_environment_variable_chooses_the_database(db: Any, db_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db.close()
    monkeypatch.setenv("EXPERT_DISPATCH_DB", str(db_path))
    database = open_database()
    try:
        assert database.display_name == str(db_path.resolve())
    finally:
        database.close()
    # --db wins over the variable.
    other = db_path.with_name("other.db")
    assert paths.resolve_database_url(str(other)) == url_of(other.resolve())
