"""What every subcommand shares: the --db and --format options, opening the database, and
printing rows as aligned text, CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import enum
import getpass
import io
import json
import os
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from services.database import Database, open_database

Columns = Sequence[tuple[str, str]]  # (row key, Chinese header)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="路径",
        help="数据库文件路径或数据库 URL（默认：环境变量 EXPERT_DISPATCH_DB，或用户数据文件夹中的数据库）",
    )
    parser.add_argument(
        "--login",
        metavar="用户名",
        default=os.environ.get(USER_ENV) or None,
        help=f"数据库已开启登录时，以该用户身份操作（默认：环境变量 {USER_ENV}）；密码在提示时输入，"
             f"或放在环境变量 {PASSWORD_ENV} 中",
    )


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "csv", "json"),
        default="text",
        help="输出格式：text 对齐文本（默认）、csv、json",
    )


USER_ENV = "EXPERT_DISPATCH_USER"
PASSWORD_ENV = "EXPERT_DISPATCH_PASSWORD"


def open_db(args: argparse.Namespace) -> Database:
    """The database of ``--db``, with its acting user: when the office has switched login on
    (a shared server), the command line acts only as a user who logs in, exactly as the
    window does — roles are checked in the services, so a read-only user's commands cannot
    write. With login off (one PC) it acts as the local user, as before."""
    database = open_database(getattr(args, "db", None))
    try:
        _sign_in(database, getattr(args, "login", None))
    except BaseException:
        database.close()
        raise
    return database


def _sign_in(database: Database, username: str | None) -> None:
    from services import auth
    from services.errors import AuthenticationError

    with database.session() as session:
        if not auth.login_required(session) or auth.needs_first_admin(session):
            return  # one PC, or the first administrator is still to be created
    if not username:
        raise AuthenticationError(
            "本数据库已开启登录：请用 --login 用户名 指定操作人（密码在提示时输入，"
            f"或放在环境变量 {PASSWORD_ENV} 中）。")
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            raise AuthenticationError(
                f"需要用户 {username} 的密码：请在终端中运行以便输入，或放在环境变量 {PASSWORD_ENV} 中。")
        password = getpass.getpass(f"用户 {username} 的密码：")
    auth.login(database, username, password)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return value


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def render(rows: Sequence[dict[str, Any]], columns: Columns, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(
            [{key: _json_value(row.get(key)) for key, _ in columns} for row in rows],
            ensure_ascii=False,
            indent=2,
        ) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([key for key, _ in columns])
        for row in rows:
            writer.writerow([_cell(row.get(key)) for key, _ in columns])
        return out.getvalue()
    table = [[header for _, header in columns]]
    table += [[str(_cell(row.get(key))) for key, _ in columns] for row in rows]
    widths = [max(display_width(r[i]) for r in table) for i in range(len(columns))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(r)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"共 {len(rows)} 条")
    return "\n".join(lines) + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def emit(rows: Sequence[dict[str, Any]], columns: Columns, fmt: str) -> None:
    sys.stdout.write(render(rows, columns, fmt))


def emit_record(pairs: Sequence[tuple[str, Any]], fmt: str) -> None:
    """One record as label: value lines (text) or a JSON object."""
    if fmt == "json":
        sys.stdout.write(json.dumps({k: _json_value(v) for k, v in pairs}, ensure_ascii=False,
                                    indent=2) + "\n")
        return
    if fmt == "csv":
        emit([{"key": k, "value": v} for k, v in pairs], [("key", "项目"), ("value", "内容")], "csv")
        return
    width = max(display_width(k) for k, _ in pairs)
    for key, value in pairs:
        sys.stdout.write(f"{_pad(key, width)}  {_cell(value)}\n")
