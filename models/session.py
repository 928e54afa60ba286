"""Engine and session factory. Per-engine settings (SQLite pragmas and WAL, PostgreSQL
timeouts and pooled-connection checks) live in models/dialect.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from models import dialect
from models.dialect import BUSY_TIMEOUT_MS, enable_wal

__all__ = ["BUSY_TIMEOUT_MS", "enable_wal", "make_engine", "make_session_factory"]


def make_engine(url: str, **kwargs: Any) -> Engine:
    engine = create_engine(url, **(dialect.engine_options(url) | kwargs))
    dialect.configure_engine(engine)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: services hand plain values back to the caller after commit.
    return sessionmaker(engine, expire_on_commit=False)
