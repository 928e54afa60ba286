"""Where the program keeps its data and which database it opens.

Order of precedence for the database: ``--db`` on the command line, then the environment
variable ``EXPERT_DISPATCH_DB``, then ``database_url`` in the local config file, then
``专家服务基层调度.db`` in the user's data folder. A value without ``://`` is a file path.
The config file is plain JSON because the database URL cannot be stored in the database.

A shared installation points at a PostgreSQL server instead (docs/deployment.md):
``postgresql+psycopg://user:password@host:5432/dbname`` (``postgresql://`` and
``postgres://`` are taken to mean the same driver, psycopg 3, the one the program ships).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "ExpertDispatch"
APP_AUTHOR = "ExpertDispatch"
DB_FILENAME = "expert-dispatch.db"
ENV_DB = "EXPERT_DISPATCH_DB"
ENV_DATA_DIR = "EXPERT_DISPATCH_DATA_DIR"


def data_dir() -> Path:
    """The user's data folder (created on demand). $EXPERT_DISPATCH_DATA_DIR overrides it."""
    override = os.environ.get(ENV_DATA_DIR)
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def backup_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_file() -> Path:
    return data_dir() / "config.json"


def read_config() -> dict[str, Any]:
    try:
        return json.loads(config_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        # A damaged config file must not stop the program; the defaults apply.
        return {}


def write_config(config: dict[str, Any]) -> None:
    target = config_file()
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(target)


# What the file features say when the database is on a server.
SERVER_BACKUP_MESSAGE = (
    "备份、完整性检查和从备份恢复只适用于本机的 SQLite 数据库文件。当前使用的是 PostgreSQL "
    "服务器上的共享数据库：请由服务器管理员用数据库自带的工具备份和恢复（pg_dump / pg_restore，"
    "见部署说明 docs/deployment.md）。")

_SERVER_SCHEMES = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def to_url(db: str) -> str:
    """A database argument as a SQLAlchemy URL: file paths become ``sqlite:///…``; a
    PostgreSQL URL without a driver gets psycopg 3 (SQLAlchemy would pick psycopg2, which the
    program does not ship)."""
    if "://" in db:
        scheme, rest = db.split("://", 1)
        return f"{_SERVER_SCHEMES.get(scheme.lower(), scheme)}://{rest}"
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def is_server_url(url: str) -> bool:
    """A database on a server (PostgreSQL), shared by several offices."""
    return url.split("://", 1)[0].split("+", 1)[0].lower() in _SERVER_SCHEMES


def resolve_database_url(cli_db: str | None = None) -> str:
    for candidate in (cli_db, os.environ.get(ENV_DB), read_config().get("database_url")):
        if candidate:
            return to_url(candidate)
    return to_url(str(data_dir() / DB_FILENAME))


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other engines and in-memory databases."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix):].split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)
