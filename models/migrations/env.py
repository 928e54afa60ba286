"""Alembic environment. The program runs migrations itself (services/database.py) and passes
its open connection in ``config.attributes["connection"]``; a developer's
``alembic -c models/migrations/alembic.ini …`` uses the URL from that file or $EXPERT_DISPATCH_DB."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

import models
from models.session import make_engine

config = context.config
target_metadata = models.Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = os.environ.get("EXPERT_DISPATCH_DB") or config.get_main_option("sqlalchemy.url")
    if url and "://" not in url:
        url = f"sqlite:///{url}"
    engine = make_engine(url or "sqlite:///dev.db")
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("离线（--sql）模式不受支持：请对数据库直接执行迁移。")
run_migrations_online()
