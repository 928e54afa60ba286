"""The command line when the office has switched login on: it acts only as a user who logs in
(``--login``, password from EXPERT_DISPATCH_PASSWORD or the terminal), and that user's role is
what the services check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import AuditEntry
from services import auth, settings, users
from services.cli import run
from services.database import Database, open_database
from tests.conftest import County, has_cjk


@pytest.fixture
def shared(db: Database, db_path: Path, county: County) -> Path:
    with db.unit_of_work() as u:
        settings.set_value(u.session, "auth.login_required", True)
        auth.create_first_admin(u.session, "admin", "admin-password-1")
        users.add_user(u.session, "reader", "reader-password-1", "查看")
        u.commit()
    db.close()
    return db_path


def cli(capsys: pytest.CaptureFixture[str], db_path: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run([*argv, "--db", str(db_path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_without_a_login_the_command_is_refused_in_chinese(
        shared: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPERT_DISPATCH_USER", raising=False)
    code, _out, err = cli(capsys, shared, "needs", "list")
    assert code == 2 and "--login" in err and has_cjk(err)


def test_a_user_logs_in_and_their_role_is_checked(
        shared: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, county: County) -> None:
    monkeypatch.setenv("EXPERT_DISPATCH_PASSWORD", "reader-password-1")
    code, out, _err = cli(capsys, shared, "units", "list", "--login", "reader")
    assert code == 0 and county.coop in out
    # 查看 may read but not write, whatever the command.
    code, _out, err = cli(capsys, shared, "places", "add-township", "新乡镇", "--login", "reader")
    assert code == 2 and has_cjk(err)
    monkeypatch.setenv("EXPERT_DISPATCH_PASSWORD", "admin-password-1")
    code, _out, err = cli(capsys, shared, "places", "add-township", "新乡镇", "--login", "admin")
    assert code == 0, err


def test_a_wrong_password_is_refused_and_audited(
        shared: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPERT_DISPATCH_PASSWORD", "not-the-password")
    code, _out, err = cli(capsys, shared, "needs", "list", "--login", "reader")
    assert code == 2 and has_cjk(err)
    database = open_database(str(shared))
    try:
        with database.session() as s:
            actions = s.scalars(select(AuditEntry.action)).all()
        assert "login_failed" in actions
    finally:
        database.close()
