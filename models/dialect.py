"""Everything that differs between the two database engines, in one place.

The program runs on a local SQLite file (one office) or on a PostgreSQL server (several
offices sharing one database). Models, migrations and services are written in portable
SQLAlchemy; the few things that cannot be are here, so that no other module needs an
``if sqlite``:

- connection set-up: SQLite pragmas (foreign keys, busy timeout, WAL); PostgreSQL timeouts
  and a liveness check of pooled connections (a server restarts, a network drops);
- migrations: SQLite rebuilds tables to alter them, with foreign keys off meanwhile and a
  reference check before commit;
- savepoints: pysqlite starts its transaction only at the first write, so a SAVEPOINT before
  any write would not be inside it;
- whether the database is a local file (backups, integrity check and restore work on the
  file; a server is backed up with its own tools, pg_dump);
- dates and times read as text for list screens (``as_text``): SQLite stores them as ISO
  text already, PostgreSQL must cast;
- case-insensitive substring match (``ILIKE`` on PostgreSQL, where ``LIKE`` is
  case-sensitive; SQLite's ``LIKE`` already ignores ASCII case).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, String, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

BUSY_TIMEOUT_MS = 10_000
# PostgreSQL: wait this long for a row another office has locked, then say so (as SQLite's
# busy timeout does), instead of hanging the window.
LOCK_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_S = 10


def is_sqlite(bind: Engine | Connection | Any) -> bool:
    return bool(getattr(getattr(bind, "dialect", None), "name", "") == "sqlite")


def is_postgresql(bind: Engine | Connection | Any) -> bool:
    return bool(getattr(getattr(bind, "dialect", None), "name", "") == "postgresql")


def url_backend(url: str) -> str:
    """``sqlite``, ``postgresql`` … for a database URL (the part before ``+driver``)."""
    return make_url(url).get_backend_name()


def is_file_url(url: str) -> bool:
    """A database kept in one local file (SQLite, not in memory): the file features
    (backups, integrity check, restore) apply to it."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def engine_options(url: str) -> dict[str, Any]:
    """Keyword arguments for ``create_engine`` on this engine."""
    if url_backend(url) == "postgresql":
        return {
            # A pooled connection may have been dropped by the server or the network since
            # its last use: test it before handing it out.
            "pool_pre_ping": True,
            "connect_args": {
                "connect_timeout": CONNECT_TIMEOUT_S,
                "application_name": "expert-dispatch",
                "options": f"-c lock_timeout={LOCK_TIMEOUT_MS}",
            },
        }
    return {}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # No journal_mode here: switching to WAL rewrites the file header, and a file that
        # turns out not to be ours (or to be newer than us) must be left untouched.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def configure_engine(engine: Engine) -> None:
    """Per-connection settings of this engine."""
    if is_sqlite(engine):
        event.listen(engine, "connect", _sqlite_pragmas)


def enable_wal(engine: Engine) -> None:
    """Switch a SQLite file to write-ahead logging; the mode is kept in the file, so once per
    open is enough. WAL cannot be set on an in-memory database; SQLite ignores it there.
    Nothing to do on a server."""
    if is_sqlite(engine):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")


@contextmanager
def migration_connection(conn: Connection) -> Iterator[None]:
    """Around running migrations on ``conn`` (the caller opens the transaction inside).

    SQLite: a migration may rebuild a table that others point at (SQLite cannot ALTER a
    constraint); dropping the old copy would fail with foreign keys on. SQLite changes this
    setting only outside a transaction; ``check_references`` runs before commit."""
    sqlite = is_sqlite(conn)
    if sqlite:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
    try:
        yield
    finally:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


# Any fixed number: the key of the PostgreSQL advisory lock held while migrating.
_MIGRATION_LOCK = 0x45585044  # "EXPD"


def lock_for_migration(conn: Connection) -> None:
    """Inside the transaction of a migration or of the reference-data sync: one program at
    a time per database (released at commit). SQLite needs nothing (its write lock does
    it)."""
    if is_postgresql(conn):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")


def references_broken(conn: Connection) -> bool:
    """After migrating with foreign keys off (SQLite): does any row point nowhere? A server
    checks every reference itself, so there it is always False."""
    if is_sqlite(conn):
        return conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None
    return False


def begin_for_savepoint(conn: Connection) -> None:
    """Make sure the database transaction has really begun before a SAVEPOINT.

    pysqlite (the sqlite3 module) sends BEGIN only before an INSERT/UPDATE/DELETE; a
    SAVEPOINT issued before that would open a transaction of its own, and releasing it would
    commit. A write that changes nothing makes pysqlite send its BEGIN. Other engines begin
    with the first statement."""
    if is_sqlite(conn):
        conn.exec_driver_sql("UPDATE setting SET key = key WHERE 0")


def icontains(column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case, with ``%`` and ``_`` taken literally."""
    return column.icontains(text, autoescape=True)


class as_text(FunctionElement[str]):
    """A date, time, code or JSON column read as its text (``2026-04-01``,
    ``2026-11-29 10:49:50.214013``, ``["省级专家"]``), for list screens that keep 100,000 rows
    as plain tuples.

    SQLite stores these values as that text: the column is read as it is, skipping
    SQLAlchemy's per-row parsing (what ``type_coerce(column, String)`` did). PostgreSQL has
    real date types, so there the value is cast. Not for booleans (PostgreSQL: ``true``)."""

    type = String()
    inherit_cache = True
    name = "as_text"


@compiles(as_text)
def _as_text_plain(element: as_text, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(as_text, "postgresql")
def _as_text_cast(element: as_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS VARCHAR)"
