"""Login, passwords and lockout (services/auth.py, services/users.py)."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from models import AuditEntry, User
from services import auth, settings, users
from services.database import Database
from services.errors import AuthenticationError, PermissionDeniedError, ValidationError
from tests.conftest import has_cjk

T0 = datetime(2026, 5, 1, 9, 0, 0)


def add(db: Database, name: str, role: str = "经办人", password: str = "correct-horse") -> None:
    with db.unit_of_work() as u:
        users.add_user(u.session, name, password, role, must_change_password=False)
        u.commit()


def entries(db: Database, action: str) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)))


def test_hash_carries_memory_hard_parameters_and_verifies() -> None:
    stored = auth.hash_password("正确的密码123")
    scheme, n, r, p, salt, key = stored.split("$")
    assert scheme == "scrypt"
    assert (int(n), int(r), int(p)) == (auth.SCRYPT_N, auth.SCRYPT_R, auth.SCRYPT_P)
    # At least the floor of the requirement: N=2**14, r=8, p=1 (16 MiB per guess).
    assert int(n) >= 2**14 and int(r) >= 8 and int(p) >= 1
    assert 128 * int(n) * int(r) >= 16 * 1024 * 1024
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(key)) == 32
    # It is plain scrypt: anyone can check the hash with the standard library.
    expected = hashlib.scrypt("正确的密码123".encode(), salt=base64.b64decode(salt), n=int(n),
                              r=int(r), p=int(p), dklen=32, maxmem=2**26)
    assert base64.b64decode(key) == expected
    assert auth.verify_password("正确的密码123", stored)
    assert not auth.verify_password("正确的密码124", stored)
    assert not auth.verify_password("", stored)
    assert not auth.verify_password("x", "not-a-hash")
    # A fresh salt each time: equal passwords do not give equal hashes.
    assert auth.hash_password("正确的密码123") != stored


def test_weaker_hashes_verify_and_are_flagged_for_rehash() -> None:
    weak = auth.hash_password("password-1", n=2**10, r=8, p=1)
    assert auth.hash_parameters(weak) == {"n": 1024, "r": 8, "p": 1}
    assert auth.verify_password("password-1", weak)
    assert auth.needs_rehash(weak)
    assert not auth.needs_rehash(auth.hash_password("password-1"))


def test_password_rules() -> None:
    for bad in ("short", "11111111", "alice"):
        with pytest.raises(ValidationError) as exc:
            auth.check_password_rules(bad, "ALICE" if bad == "alice" else "")
        assert has_cjk(exc.value.message)
    auth.check_password_rules("alice-2026", "alice")


def test_login_records_success_and_failure(db: Database) -> None:
    add(db, "alice")
    user = auth.login(db, "alice", "correct-horse", now=T0)
    assert (user.name, user.role) == ("alice", "经办人")
    assert db.user == user
    with pytest.raises(AuthenticationError) as exc:
        auth.login(db, "alice", "wrong", now=T0)
    assert "用户名或密码不正确" in exc.value.message
    with pytest.raises(AuthenticationError) as unknown:
        auth.login(db, "nobody", "whatever", now=T0)
    # An unknown name gets the same answer: no hint which usernames exist.
    assert unknown.value.message.startswith("用户名或密码不正确")
    assert [e.actor for e in entries(db, "login")] == ["alice"]
    failed = entries(db, "login_failed")
    assert [e.actor for e in failed] == ["alice", "nobody"]
    with db.session() as s:
        row = s.scalar(select(User).where(User.username == "alice"))
        assert row is not None and row.last_login_at == T0 and row.failed_attempts == 1


def test_lockout_after_failures_and_its_expiry(db: Database) -> None:
    add(db, "bob")
    with db.unit_of_work() as u:
        settings.set_value(u.session, "auth.max_failed_attempts", 3)
        settings.set_value(u.session, "auth.lockout_minutes", 10)
        u.commit()
    for i in range(2):
        with pytest.raises(AuthenticationError) as exc:
            auth.login(db, "bob", "wrong", now=T0 + timedelta(seconds=i))
        assert f"再错 {2 - i} 次" in exc.value.message
    with pytest.raises(AuthenticationError) as exc:
        auth.login(db, "bob", "wrong", now=T0 + timedelta(seconds=2))
    assert "已锁定 10 分钟" in exc.value.message
    # Locked: even the right password is refused until the time is up …
    with pytest.raises(AuthenticationError) as exc:
        auth.login(db, "bob", "correct-horse", now=T0 + timedelta(minutes=9, seconds=59))
    assert "已锁定" in exc.value.message and "1 分钟" in exc.value.message
    # … and accepted after it.
    assert auth.login(db, "bob", "correct-horse", now=T0 + timedelta(minutes=10, seconds=3))
    with db.session() as s:
        row = s.scalar(select(User).where(User.username == "bob"))
        assert row is not None and row.failed_attempts == 0 and row.locked_until is None
    notes = [e.note for e in entries(db, "login_failed")]
    assert any("账户锁定 10 分钟" in n for n in notes) and "账户已锁定" in notes


def test_admin_unlocks_a_locked_user(db: Database) -> None:
    add(db, "carol")
    with db.unit_of_work() as u:
        settings.set_value(u.session, "auth.max_failed_attempts", 3)
        u.commit()
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            auth.login(db, "carol", "wrong", now=T0)
    with db.unit_of_work() as u:
        users.unlock_user(u.session, "carol")
        u.commit()
    assert auth.login(db, "carol", "correct-horse", now=T0).name == "carol"


def test_disabled_user_cannot_log_in(db: Database) -> None:
    add(db, "dave")
    add(db, "root", "管理员")
    with db.unit_of_work() as u:
        users.set_active(u.session, "dave", False)
        u.commit()
    with pytest.raises(AuthenticationError):
        auth.login(db, "dave", "correct-horse")


def test_first_run_admin(db: Database) -> None:
    with db.session() as s:
        assert not auth.needs_first_admin(s)  # login off: nobody needs to be created
    with db.unit_of_work() as u:
        settings.set_value(u.session, "auth.login_required", True)
        u.commit()
    with db.session() as s:
        assert auth.needs_first_admin(s)
    with db.unit_of_work() as u:
        auth.create_first_admin(u.session, "admin", "first-admin-pw", "局管理员")
        u.commit()
    with db.session() as s:
        assert not auth.needs_first_admin(s)
    with db.unit_of_work() as u, pytest.raises(PermissionDeniedError):
        auth.create_first_admin(u.session, "admin2", "second-admin-pw")
    user = auth.login(db, "admin", "first-admin-pw")
    assert user.role == "管理员" and user.label == "局管理员（管理员）"


def test_change_password(db: Database) -> None:
    add(db, "erin", password="old-password")
    user = auth.login(db, "erin", "old-password")
    with db.unit_of_work() as u:
        assert u.actor == "erin" and u.role == user.role
        with pytest.raises(AuthenticationError):
            auth.change_password(u.session, "erin", "not-the-old-one", "new-password-1")
        with pytest.raises(ValidationError):
            auth.change_password(u.session, "erin", "old-password", "short")
        with pytest.raises(ValidationError):
            auth.change_password(u.session, "erin", "old-password", "old-password")
        auth.change_password(u.session, "erin", "old-password", "new-password-1")
        u.commit()
    with pytest.raises(AuthenticationError):
        auth.login(db, "erin", "old-password")
    assert auth.login(db, "erin", "new-password-1").name == "erin"
    # The trail says the password changed, never what it is.
    with db.session() as s:
        changes = [e for e in s.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "User", AuditEntry.action == "update"))]
        assert changes and all(e.after and e.after.get("password_hash") == "（已更改）"
                               for e in changes if e.after and "password_hash" in e.after)
        assert all("scrypt" not in str(e.before) + str(e.after) for e in s.scalars(
            select(AuditEntry)))


def test_reset_password_forces_a_change(db: Database) -> None:
    add(db, "frank")
    with db.unit_of_work() as u:
        users.reset_password(u.session, "frank", "temporary-1")
        u.commit()
    with db.session() as s:
        outcome = auth.attempt_login(s, "frank", "temporary-1")
        assert outcome.user is not None and outcome.must_change_password


def test_weak_hash_upgraded_at_login(db: Database) -> None:
    add(db, "gina")
    with db.unit_of_work() as u:
        row = users.get_user(u.session, "gina")
        row.password_hash = auth.hash_password("correct-horse", n=2**10)
        u.commit()
    auth.login(db, "gina", "correct-horse")
    with db.session() as s:
        assert not auth.needs_rehash(users.get_user(s, "gina").password_hash)


def test_last_admin_cannot_be_removed(db: Database) -> None:
    add(db, "root", "管理员")
    with db.unit_of_work() as u:
        with pytest.raises(ValidationError):
            users.set_role(u.session, "root", "经办人")
        with pytest.raises(ValidationError):
            users.set_active(u.session, "root", False)
        with pytest.raises(ValidationError):
            users.add_user(u.session, "root", "another-pass", "查看")  # duplicate name
        with pytest.raises(ValidationError):
            users.add_user(u.session, "someone", "another-pass", "超级用户")


def test_logout_and_lock_are_recorded(db: Database) -> None:
    add(db, "hank")
    auth.login(db, "hank", "correct-horse")
    auth.lock(db)
    assert db.user is not None
    assert auth.unlock(db, "correct-horse").name == "hank"
    auth.logout(db)
    assert db.user is None
    assert [e.actor for e in entries(db, "lock")] == ["hank"]
    assert [e.actor for e in entries(db, "logout")] == ["hank"]
    assert [e.note for e in entries(db, "login")] == ["登录", "登录"]
