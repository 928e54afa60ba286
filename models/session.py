"""Engine and session factory. SQLite gets foreign keys and a busy timeout on every connection
and WAL once the file is known to be ours; other engines (PostgreSQL) are used as they come."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 10_000


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


def make_engine(url: str, **kwargs: Any) -> Engine:
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def enable_wal(engine: Engine) -> None:
    """Switch a SQLite file to write-ahead logging; the mode is kept in the file, so once per
    open is enough. WAL cannot be set on an in-memory database; SQLite ignores it there."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: services hand plain values back to the caller after commit.
    return sessionmaker(engine, expire_on_commit=False)
