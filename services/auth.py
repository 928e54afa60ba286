"""Login, roles and passwords.

Login is optional (setting ``auth.login_required``): on a single office PC it is off and
everyone acts as a built-in local administrator under the operating-system login name; on a
shared server it is on and each person logs in with a role:

- 管理员: everything, plus users, settings and restoring backups;
- 经办人: records, plans, printing;
- 查看: reading only.

The services check the role, not only the screens: the acting user's name and role ride on
the session (``session.info["actor"]``, ``session.info["role"]``, set by the unit of work),
a ``before_flush`` listener refuses any write by a 查看 user, and admin-only services call
``require(session, "管理员")``.

Passwords are hashed with scrypt (memory-hard; in the standard library), the parameters
stored with each hash: ``scrypt$N$r$p$salt$hash`` (base64). N=2**15, r=8, p=1 need 32 MiB
and about 0.1 s per try, which makes guessing offline expensive; a stored hash with weaker
parameters is upgraded at the next successful login. Failed logins count per user; after
``auth.max_failed_attempts`` the account is locked for ``auth.lockout_minutes``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from models import AuditEntry, User
from models.users import ROLE_ADMIN, ROLE_CLERK, ROLE_VIEWER, ROLES

# Re-exported: callers write auth.ROLE_CLERK without importing the schema.
__all__ = ["ROLES", "ROLE_ADMIN", "ROLE_CLERK", "ROLE_VIEWER"]
from services import audit, settings
from services.errors import AuthenticationError, PermissionDeniedError, ValidationError
from services.uow import default_actor

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 8
# What a user may change on their own record while read-only: logging in and their password.
_SELF_SERVICE = frozenset({"failed_attempts", "locked_until", "last_login_at", "password_hash",
                           "must_change_password"})



GROUP = "用户与安全"
settings.define("auth.login_required", "需要登录", False, settings.bool_setting,
                "单机使用时选“否”：本机用户即管理员。多人共用服务器数据库时选“是”：每人用自己的"
                "用户名和密码登录，按角色（管理员、经办人、查看）限制操作。", GROUP)
settings.define("auth.max_failed_attempts", "连续输错密码几次后锁定", 5,
                settings.int_setting(3, 20, "锁定前允许输错的次数"), "", GROUP)
settings.define("auth.lockout_minutes", "锁定分钟数", 15, settings.int_setting(1, 1440, "锁定分钟数"),
                "账户因连续输错密码被锁定的时长。", GROUP)
settings.define("auth.idle_lock_minutes", "无操作多少分钟后锁定窗口", 15,
                settings.int_setting(0, 480, "无操作锁定分钟数"),
                "启用登录时，窗口无操作超过这个时间就锁定，需要重新输入密码；0 表示不锁定。", GROUP)



def _reveal_role(value: Any) -> str:
    text = str(value or "").strip()
    if text not in (ROLE_ADMIN, ROLE_CLERK):
        raise ValidationError.single("value", "请选择“管理员”或“经办人”。")
    return text


# Read by services/privacy.py; defined here so the settings screen lists it with the others.
settings.define(
    "privacy.reveal_role", "可查看完整身份证号和电话的最低角色", ROLE_CLERK, _reveal_role,
    "列表、导出和打印默认遮盖身份证号和电话；显示完整号码需要此角色，且每次都记入审计日志。"
    "（未启用登录时，本机用户视为管理员。）", GROUP, choices=(ROLE_ADMIN, ROLE_CLERK))

# -- passwords ---------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # OpenSSL refuses more than 32 MiB unless told; 128·n·r·p is what scrypt needs.
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=2 * 128 * n * r * p + 1024 * 1024)


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R,
                  p: int = SCRYPT_P) -> str:
    """``scrypt$N$r$p$salt$hash`` for ``password`` with a fresh random salt."""
    salt = os.urandom(SALT_BYTES)
    key = _scrypt(password, salt, n, r, p, KEY_BYTES)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def hash_parameters(stored: str) -> dict[str, int]:
    """The scrypt parameters of a stored hash: ``{"n": …, "r": …, "p": …}``."""
    scheme, n, r, p, _salt, _key = stored.split("$")
    if scheme != "scrypt":
        raise ValueError(stored[:10])
    return {"n": int(n), "r": int(r), "p": int(p)}


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; compared in constant time."""
    try:
        params = hash_parameters(stored)
        _, _, _, _, salt, key = stored.split("$")
        expected = base64.b64decode(salt), base64.b64decode(key)
    except (ValueError, TypeError):
        return False
    actual = _scrypt(password, expected[0], params["n"], params["r"], params["p"],
                     len(expected[1]))
    return hmac.compare_digest(actual, expected[1])


def needs_rehash(stored: str) -> bool:
    try:
        params = hash_parameters(stored)
    except ValueError:
        return True
    return (params["n"], params["r"], params["p"]) < (SCRYPT_N, SCRYPT_R, SCRYPT_P)


def check_password_rules(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError.single("password", f"密码至少 {MIN_PASSWORD_LENGTH} 位。")
    if username and password.lower() == username.lower():
        raise ValidationError.single("password", "密码不能与用户名相同。")
    if password.isdigit() and len(set(password)) <= 2:
        raise ValidationError.single("password", "密码过于简单，请换一个。")


# -- the acting user ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentUser:
    """Who acts: ``name`` (username, or the OS login name when login is off) and ``role``.
    ``Database.user`` holds one after login; each unit of work copies it to its session."""

    name: str
    role: str
    display_name: str = ""
    local: bool = False  # the built-in administrator of a single-PC office (login off)

    @property
    def label(self) -> str:
        shown = self.display_name or self.name
        return f"{shown}（{self.role}）"


def local_user() -> CurrentUser:
    return CurrentUser(default_actor(), ROLE_ADMIN, local=True)


def role_of(session: Session) -> str:
    """The acting role; a session nobody logged in to belongs to the local administrator
    (login off, the command line on the machine that holds the database, the system)."""
    return session.info.get("role") or ROLE_ADMIN


def actor_of(session: Session) -> str:
    return session.info.get("actor") or default_actor()


def role_allows(role: str, minimum: str) -> bool:
    """``role`` is ``minimum`` or stronger (管理员 > 经办人 > 查看)."""
    return ROLES.index(role) <= ROLES.index(minimum)


def has_role(session: Session, minimum: str) -> bool:
    return role_allows(role_of(session), minimum)


def require_role(role: str | None, minimum: str, what: str = "此操作") -> None:
    role = role or ROLE_ADMIN
    if not role_allows(role, minimum):
        raise PermissionDeniedError(f"{what}需要“{minimum}”角色，当前角色是“{role}”。"
                                    "请联系管理员。")


def require(session: Session, minimum: str, what: str = "此操作") -> None:
    """Raise ``PermissionDeniedError`` unless the session's user has ``minimum`` or better."""
    require_role(role_of(session), minimum, what)


# -- the read-only guard -----------------------------------------------------------------------


def _own_login_record(session: Session, obj: Any) -> bool:
    if not isinstance(obj, User) or obj.username != actor_of(session):
        return False
    changed = {a.key for a in sa_inspect(obj).attrs if a.history.has_changes()}
    return changed <= _SELF_SERVICE


def _refuse_read_only_flush(session: Session, _context: Any, _instances: Any) -> None:
    if role_of(session) != ROLE_VIEWER:
        return
    writes = [
        *(o for o in session.new if not isinstance(o, AuditEntry)),
        *(o for o in session.dirty
          if session.is_modified(o) and not _own_login_record(session, o)),
        *session.deleted,
    ]
    if writes:
        raise PermissionDeniedError(
            f"当前用户“{actor_of(session)}”是“查看”角色，只能查看，不能修改数据"
            f"（{type(writes[0]).__name__}）。如需修改，请联系管理员。")


def _refuse_read_only_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if role_of(state.session) != ROLE_VIEWER:
        return
    table = getattr(getattr(state.statement, "table", None), "name", "")
    if state.is_insert and table == AuditEntry.__tablename__:
        return
    raise PermissionDeniedError(
        f"当前用户“{actor_of(state.session)}”是“查看”角色，只能查看，不能修改数据。"
        "如需修改，请联系管理员。")


def install(factory: sessionmaker[Session]) -> None:
    """Register the read-only guard on every session of ``factory`` (services/audit.py
    ``install`` calls this, once per database)."""
    if not event.contains(factory, "before_flush", _refuse_read_only_flush):
        event.listen(factory, "before_flush", _refuse_read_only_flush)
        event.listen(factory, "do_orm_execute", _refuse_read_only_statement)


# -- login -------------------------------------------------------------------------------------


def login_required(session: Session) -> bool:
    return bool(settings.get(session, "auth.login_required"))


def _find(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip()))


def has_active_admin(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User).where(
        User.role == ROLE_ADMIN, User.active.is_(True))))


def needs_first_admin(session: Session) -> bool:
    """Login is on but nobody could log in as administrator: the GUI asks to create one."""
    return login_required(session) and not has_active_admin(session)


def create_first_admin(session: Session, username: str, password: str,
                       display_name: str = "") -> User:
    """The first administrator. Allowed only while no active administrator exists (nobody
    can log in to create one otherwise); afterwards users come from ``services.users``."""
    if has_active_admin(session):
        raise PermissionDeniedError("已经有管理员了。新用户请由管理员在“用户管理”中添加。")
    from services import users

    return users.new_user(session, username, password, ROLE_ADMIN, display_name)


@dataclass(frozen=True)
class LoginOutcome:
    """What ``attempt_login`` found: ``user`` on success, else the Chinese ``message``."""

    user: CurrentUser | None
    message: str = ""
    must_change_password: bool = False


_WRONG = "用户名或密码不正确。"


def attempt_login(session: Session, username: str, password: str, *,
                  now: datetime | None = None) -> LoginOutcome:
    """Check a login and record it (counters, lockout, an audit entry) in ``session``;
    the caller commits whatever the outcome, so failures are counted too."""
    now = now or datetime.now()
    username = (username or "").strip()
    user = _find(session, username) if username else None
    if user is None or not user.active:
        # The same message as a wrong password: a stranger learns nothing about usernames.
        audit.record(session, "login_failed", "用户名不存在或已停用", actor=username or "（空）",
                     entity_type="User", entity_id=user.id if user else None)
        return LoginOutcome(None, _WRONG)
    if user.locked_until is not None and now < user.locked_until:
        minutes = max(1, int((user.locked_until - now).total_seconds() + 59) // 60)
        audit.record(session, "login_failed", "账户已锁定", actor=username,
                     entity_type="User", entity_id=user.id)
        return LoginOutcome(None, f"连续输错密码次数过多，账户已锁定，请 {minutes} 分钟后再试，"
                                  "或请管理员解锁。")
    if not verify_password(password or "", user.password_hash):
        user.failed_attempts += 1
        limit = int(settings.get(session, "auth.max_failed_attempts"))
        note = f"密码错误（第 {user.failed_attempts} 次）"
        message = _WRONG
        if user.failed_attempts >= limit:
            minutes = int(settings.get(session, "auth.lockout_minutes"))
            user.locked_until = now + timedelta(minutes=minutes)
            user.failed_attempts = 0
            note += f"，账户锁定 {minutes} 分钟"
            message = f"连续 {limit} 次输错密码，账户已锁定 {minutes} 分钟。"
        else:
            message += f"再错 {limit - user.failed_attempts} 次账户将被锁定。"
        audit.record(session, "login_failed", note, actor=username,
                     entity_type="User", entity_id=user.id)
        session.flush()
        return LoginOutcome(None, message)
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, "login", "登录", actor=username, entity_type="User",
                 entity_id=user.id)
    session.flush()
    return LoginOutcome(CurrentUser(user.username, user.role, user.display_name),
                        must_change_password=user.must_change_password)


def login(database: Any, username: str, password: str, *,
          now: datetime | None = None) -> CurrentUser:
    """Log in on ``database`` (a services.database.Database) and make the user its acting
    user; raises ``AuthenticationError`` (after recording the failure) otherwise."""
    with database.unit_of_work(user=local_user(), actor="系统") as uow:
        outcome = attempt_login(uow.session, username, password, now=now)
        uow.commit()
    if outcome.user is None:
        raise AuthenticationError(outcome.message)
    database.user = outcome.user
    return outcome.user


def unlock(database: Any, password: str, *, now: datetime | None = None) -> CurrentUser:
    """Unlock the window locked after idle time: the same user's password again."""
    current = database.user
    if current is None or current.local:
        raise AuthenticationError("没有登录的用户，请重新登录。")
    return login(database, current.name, password, now=now)


def record_session_event(session: Session, action: str, user: CurrentUser) -> None:
    """``logout`` or ``lock`` (the window locked after idle time or by the user)."""
    notes = {"logout": "退出登录", "lock": "锁定窗口"}
    audit.record(session, action, notes[action], actor=user.name, entity_type="User")


def logout(database: Any) -> None:
    current = database.user
    if current is not None and not current.local:
        with database.unit_of_work(user=local_user(), actor=current.name) as uow:
            record_session_event(uow.session, "logout", current)
            uow.commit()
    database.user = None


def lock(database: Any) -> None:
    current = database.user
    if current is not None and not current.local:
        with database.unit_of_work(user=local_user(), actor=current.name) as uow:
            record_session_event(uow.session, "lock", current)
            uow.commit()


def change_password(session: Session, username: str, old_password: str,
                    new_password: str) -> None:
    """A user changes their own password (the old one is asked again)."""
    user = _find(session, username)
    if user is None or not user.active:
        raise AuthenticationError(_WRONG)
    if actor_of(session) != user.username:
        require(session, ROLE_ADMIN, "修改他人的密码")
    if not verify_password(old_password, user.password_hash):
        audit.record(session, "login_failed", "修改密码时原密码错误", actor=username,
                     entity_type="User", entity_id=user.id)
        raise AuthenticationError("原密码不正确。")
    check_password_rules(new_password, user.username)
    if verify_password(new_password, user.password_hash):
        raise ValidationError.single("password", "新密码不能与原密码相同。")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    session.flush()

