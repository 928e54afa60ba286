"""Opening a database: create or upgrade its schema (Alembic), with a backup copy before any
upgrade, and refuse one written by a newer program. Also syncs shipped reference data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

import models
from models import dialect
from models.session import enable_wal, make_engine, make_session_factory
from services import audit, paths
from services.errors import DatabaseError, DatabaseTooNewError
from services.uow import UnitOfWork, translate_db_error

MIGRATIONS_DIR = Path(models.__file__).parent / "migrations"

# Functions that bring shipped reference data (field tree, crop catalogue …) into a database
# after every open. Each must insert what is missing and never overwrite a user's edits.
ReferenceSync = Callable[[Session], None]
_reference_syncs: list[ReferenceSync] = []


def register_reference_sync(fn: ReferenceSync) -> ReferenceSync:
    if fn not in _reference_syncs:
        _reference_syncs.append(fn)
    return fn


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class Database:
    """An open, up-to-date database.

    Attributes: ``url``, ``engine``, ``session_factory`` (audited), ``backup_path`` (the copy
    taken before an upgrade in this open, or None).
    """

    def __init__(self, url: str, engine: Engine, backup_path: Path | None = None) -> None:
        self.url = url
        self.engine = engine
        self.session_factory: sessionmaker[Session] = make_session_factory(engine)
        audit.install(self.session_factory)
        self.backup_path = backup_path
        self.user: Any = None  # services.auth.CurrentUser after a login; None = local admin

    def session(self) -> Session:
        """A plain session for reading; use ``unit_of_work`` for anything that writes."""
        session = self.session_factory()
        if self.user is not None:
            session.info.update(actor=self.user.name, role=self.user.role)
        return session

    def unit_of_work(self, actor: str | None = None, user: Any = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, actor, user or self.user)

    @property
    def display_name(self) -> str:
        path = paths.sqlite_path(self.url)
        return str(path) if path else self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()


def _backup_sqlite(db_path: Path, revision: str | None) -> Path:
    # The copy before an upgrade is one of the automatic backups (services/backup.py: online
    # backup API, named, kept by the retention rule).
    from services import backup

    return backup.before_migration(db_path, revision)


def open_database(
    db: str | None = None, *, upgrade: bool = True, sync_reference: bool = True
) -> Database:
    """Open (creating if needed) the database named by ``db`` or the usual precedence
    (see services/paths.py), migrate it to this program's schema and return it."""
    url = paths.resolve_database_url(db)
    file = paths.sqlite_path(url)
    if file is not None:
        if file.exists() and file.is_dir():
            raise DatabaseError(f"“{file}”是一个文件夹，不是数据库文件。请换一个文件名。")
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"无法创建数据文件夹“{file.parent}”：{exc.strerror}。") from exc
    engine = make_engine(url)
    try:
        backup = None
        if upgrade:
            backup = _migrate(engine, file)
            enable_wal(engine)  # only now: the checks above must leave a foreign file untouched
        database = Database(url, engine, backup)
        if sync_reference:
            sync_reference_data(database)
    except SQLAlchemyError as exc:
        engine.dispose()
        translated = translate_db_error(exc)
        if translated is not None:
            raise translated from exc
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"无法打开数据库“{shown}”：{exc}") from exc
    except Exception:
        engine.dispose()
        raise
    return database


def _migrate(engine: Engine, file: Path | None) -> Path | None:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    current = current_revision(engine)
    if current == head:
        return None
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise DatabaseTooNewError(
            "这个数据库由更新版本的程序创建（结构版本 "
            f"{current}），本程序无法安全打开，数据未作任何改动。请安装最新版本的程序后再打开。"
        )
    has_tables = bool(inspect(engine).get_table_names())
    if current is None and has_tables:
        what = "这个文件" if file is not None else "这个数据库里已有其他程序的表，它"
        raise DatabaseError(f"{what}不是本程序的数据库（缺少结构版本信息），未作任何改动。"
                            + ("" if file is not None else "请为本程序新建一个空数据库。"))
    backup = None
    if current is not None and file is not None and file.exists():
        backup = _backup_sqlite(file, current)
    cfg = alembic_config()
    with engine.connect() as conn, dialect.migration_connection(conn), conn.begin():
        # Several offices may start the program on a new server database at once: one
        # migrates, the others wait and then find it current.
        dialect.lock_for_migration(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if dialect.references_broken(conn):
            raise DatabaseError("升级后发现数据引用不一致，升级已撤销。请从备份恢复后联系技术支持。")
    return backup


def sync_reference_data(database: Database) -> None:
    # Imported here so that each module registers its sync when first imported.
    from services import fields  # noqa: F401
    from services.calendar import catalogue  # noqa: F401

    with database.unit_of_work(actor="系统") as uow:
        # Two programs opening one server database at once would both insert what is
        # missing; the second waits here and then finds it there.
        dialect.lock_for_migration(uow.session.connection())
        for fn in _reference_syncs:
            fn(uow.session)
        uow.commit()
