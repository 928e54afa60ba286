"""People who log in when login is switched on (a shared server), and their roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RecordMixin

ROLE_ADMIN = "管理员"
ROLE_CLERK = "经办人"
ROLE_VIEWER = "查看"
#: Strongest first: 管理员 may do all that 经办人 may, 经办人 all that 查看 may.
ROLES = (ROLE_ADMIN, ROLE_CLERK, ROLE_VIEWER)


class User(RecordMixin, Base):
    __tablename__ = "app_user"  # "user" is a reserved word on PostgreSQL
    __table_args__ = (
        CheckConstraint("role IN ('管理员', '经办人', '查看')", name="role"),
    )

    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40), default="")
    role: Mapped[str] = mapped_column(String(10), default=ROLE_CLERK)
    # "scrypt$n$r$p$salt$hash" (services/auth.py); the parameters travel with the hash so
    # they can be raised later without locking anybody out.
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
