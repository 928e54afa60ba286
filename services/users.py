"""User management (管理员 only): add users, change roles, reset passwords, unlock, disable.

Users are never deleted (the audit trail names them); a user who leaves is disabled. The last
active administrator cannot be disabled or demoted: nobody could manage users any more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import User
from models.users import ROLE_ADMIN, ROLES
from services import auth
from services.errors import NotFoundError, ValidationError
from services.validation import normalize_text

USER_COLUMNS = ("id", "username", "display_name", "role", "active", "locked_until",
                "last_login_at", "must_change_password")


def _role(value: Any) -> str:
    role = normalize_text(value)
    if role not in ROLES:
        raise ValidationError.single("role", f"角色“{role}”无效，可选：{'、'.join(ROLES)}。")
    return role


def _username(value: Any) -> str:
    name = normalize_text(value)
    if not name:
        raise ValidationError.single("username", "用户名不能为空。")
    if len(name) > 40 or any(ch.isspace() for ch in name):
        raise ValidationError.single("username", "用户名最多 40 个字，不能含空格。")
    return name


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == normalize_text(username)))
    if user is None:
        raise NotFoundError(f"没有用户“{username}”。")
    return user


def list_users(session: Session) -> list[dict[str, Any]]:
    auth.require(session, ROLE_ADMIN, "管理用户")
    return [{c: getattr(u, c) for c in USER_COLUMNS}
            for u in session.scalars(select(User).order_by(User.username))]


def new_user(session: Session, username: str, password: str, role: str,
             display_name: str = "", *, must_change_password: bool = False) -> User:
    # No role check: also used for the first administrator (services/auth.py).
    name = _username(username)
    role = _role(role)
    auth.check_password_rules(password, name)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise ValidationError.single("username", f"用户名“{name}”已存在。")
    user = User(username=name, display_name=normalize_text(display_name)[:40], role=role,
                password_hash=auth.hash_password(password),
                must_change_password=must_change_password)
    session.add(user)
    session.flush()
    return user


def add_user(session: Session, username: str, password: str, role: str,
             display_name: str = "", *, must_change_password: bool = True) -> User:
    """A new user; by default they must choose their own password at first login."""
    auth.require(session, ROLE_ADMIN, "添加用户")
    return new_user(session, username, password, role, display_name,
                    must_change_password=must_change_password)


def _other_active_admins(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == ROLE_ADMIN, User.active.is_(True), User.id != user.id)) or 0


def set_role(session: Session, username: str, role: str) -> User:
    auth.require(session, ROLE_ADMIN, "修改用户角色")
    user = get_user(session, username)
    role = _role(role)
    if user.role == ROLE_ADMIN and role != ROLE_ADMIN and not _other_active_admins(session, user):
        raise ValidationError.single("role", "这是最后一位管理员，不能改为其他角色。")
    user.role = role
    session.flush()
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    auth.require(session, ROLE_ADMIN, "停用或启用用户")
    user = get_user(session, username)
    if not active and user.role == ROLE_ADMIN and not _other_active_admins(session, user):
        raise ValidationError.single("active", "这是最后一位管理员，不能停用。")
    user.active = bool(active)
    session.flush()
    return user


def reset_password(session: Session, username: str, new_password: str) -> User:
    """An administrator sets a temporary password; the user must change it at next login."""
    auth.require(session, ROLE_ADMIN, "重置密码")
    user = get_user(session, username)
    auth.check_password_rules(new_password, user.username)
    user.password_hash = auth.hash_password(new_password)
    user.must_change_password = True
    user.failed_attempts = 0
    user.locked_until = None
    session.flush()
    return user


def unlock_user(session: Session, username: str) -> User:
    auth.require(session, ROLE_ADMIN, "解锁用户")
    user = get_user(session, username)
    user.failed_attempts = 0
    user.locked_until = None
    session.flush()
    return user


def update_display_name(session: Session, username: str, display_name: str) -> User:
    auth.require(session, ROLE_ADMIN, "修改用户姓名")
    user = get_user(session, username)
    user.display_name = normalize_text(display_name)[:40]
    session.flush()
    return user
