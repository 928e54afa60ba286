"""The engine adapter (models/dialect.py) and what the program says about a server database:
URLs, connection errors in Chinese, file features that refuse a server, migrations started
by two programs at once. Tests that need PostgreSQL run in the PostgreSQL pass
(``EXPERT_DISPATCH_TEST_PG``, see conftest.py) and are skipped otherwise."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import inspect, select

from models import dialect
from services import paths
from services.cli import run as cli_run
from services.database import Database, current_revision, head_revision, open_database
from services.errors import DatabaseError
from tests.conftest import PG_URL, has_cjk

needs_pg = pytest.mark.skipif(not PG_URL, reason="needs EXPERT_DISPATCH_TEST_PG")


def test_server_urls_get_the_shipped_driver() -> None:
    assert paths.to_url("postgresql://u:p@host/db") == "postgresql+psycopg://u:p@host/db"
    assert paths.to_url("postgres://u@host:5433/db") == "postgresql+psycopg://u@host:5433/db"
    kept = "postgresql+psycopg://u:p@host/db?sslmode=require"
    assert paths.to_url(kept) == kept
    assert paths.is_server_url(kept) and not paths.is_server_url("sqlite:///x.db")
    assert paths.sqlite_path(kept) is None


def test_adapter_knows_file_databases() -> None:
    assert dialect.is_file_url("sqlite:////tmp/a.db")
    assert not dialect.is_file_url("sqlite://")
    assert not dialect.is_file_url("postgresql+psycopg://u@h/db")
    options = dialect.engine_options("postgresql+psycopg://u@h/db")
    assert options["pool_pre_ping"] and "lock_timeout" in options["connect_args"]["options"]
    assert dialect.engine_options("sqlite:///a.db") == {}


def test_unreachable_server_is_a_chinese_error_without_the_password() -> None:
    # Port 1 on loopback: refused at once, no network needed.
    with pytest.raises(DatabaseError) as info:
        open_database("postgresql+psycopg://someone:secret-pw@127.0.0.1:1/nothing")
    message = info.value.message
    assert has_cjk(message) and "secret-pw" not in message
    assert "服务器" in message


def test_file_features_explain_the_server(db: Database, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    """In the SQLite pass the backup works; on a server it says to use pg_dump."""
    code = cli_run(["backup", "--list", "--db", db.url])
    err = capsys.readouterr().err
    if db.engine.dialect.name == "sqlite":
        assert code == 0
    else:
        assert code != 0 and "pg_dump" in err and "SQLite" in err and has_cjk(err)


def test_display_name_hides_the_password(db: Database) -> None:
    if db.engine.dialect.name == "sqlite":
        assert db.display_name == str(paths.sqlite_path(db.url))
    else:
        assert "***" in db.display_name
        assert db.engine.url.password not in db.display_name


def test_list_rows_give_text_dates_on_every_engine(db: Database, uow: Any,
                                                   county: Any) -> None:
    from services import needs

    with uow() as u:
        needs.create_need(u.session, {"title": "茶园春季管理", "unit": county.coop,
                                      "field": "茶叶", "window_start": "2026-04-01",
                                      "window_end": "2026-04-20"}, u.actor)
        u.commit()
    with db.session() as s:
        (row,) = needs.list_rows(s).dicts()
    assert row["window_start"] == "2026-04-01" and row["window_end"] == "2026-04-20"
    assert isinstance(row["updated_at"], str) and row["updated_at"][:4].isdigit()


@needs_pg
def test_two_programs_creating_one_server_database(empty_database_url: str) -> None:
    """Two offices start the program on a new, empty server database at the same moment:
    one migrates, the other waits for it and finds the database current."""
    opened: list[Any] = [None, None]
    start = threading.Barrier(2, timeout=30)

    def worker(index: int) -> None:
        start.wait()
        try:
            opened[index] = open_database(empty_database_url)
        except BaseException as exc:
            opened[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert all(isinstance(d, Database) for d in opened), opened
        assert current_revision(opened[0].engine) == head_revision()
        from models import Field

        with opened[0].session() as s:  # reference data once, not twice
            names = list(s.scalars(select(Field.name).where(Field.level == 1)))
        assert len(names) == len(set(names))
    finally:
        for d in opened:
            if isinstance(d, Database):
                d.close()


@needs_pg
def test_foreign_server_database_is_refused_untouched(empty_database_url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(empty_database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE ledger (id serial PRIMARY KEY, amount numeric)")
    try:
        with pytest.raises(DatabaseError) as info:
            open_database(empty_database_url)
        assert "未作任何改动" in info.value.message and has_cjk(info.value.message)
        assert set(inspect(engine).get_table_names()) == {"ledger"}
    finally:
        engine.dispose()
