"""One unit of work per user action: it rolls back unless ``commit()`` was called, and turns
database errors into typed, Chinese ``ServiceError``s."""

from __future__ import annotations

import getpass
from types import TracebackType
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from services.errors import ConflictError, DatabaseError, DuplicateError, ServiceError


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return "本机用户"


def translate_db_error(exc: Exception) -> ServiceError | None:
    """A database exception as the message a user can act on, or None if it is a bug."""
    text = str(getattr(exc, "orig", exc)).lower()
    if isinstance(exc, StaleDataError):
        return ConflictError("该记录已被其他人修改或删除。请重新打开后再保存。")
    if isinstance(exc, IntegrityError):
        if "unique" in text or "duplicate" in text:
            return DuplicateError.single("", "与已有记录重复（编号、身份证号或电话相同）。请检查后再保存。")
        if "foreign key" in text:
            return ServiceError("该记录仍被其他记录引用，或引用了不存在的记录，未保存。")
        if "check" in text or "not null" in text or "not-null" in text:
            return ServiceError(f"数据不符合规则，未保存。请检查填写的内容。（{text[:120]}）")
    if isinstance(exc, DBAPIError) and ("could not serialize" in text or "deadlock" in text):
        # PostgreSQL: two offices wrote the same rows at the same moment; one must retry.
        return ConflictError("其他人正在同时修改相同的数据，本次保存未完成。请重新载入后再试。")
    if isinstance(exc, OperationalError):
        if "locked" in text or "busy" in text or "lock timeout" in text:
            return DatabaseError("数据库正被其他程序占用。请稍候再试；如一直如此，请关闭其他打开本数据库的程序。")
        if ("could not connect" in text or "connection refused" in text
                or "server closed the connection" in text or "connection timeout" in text
                or "timeout expired" in text or "name or service not known" in text
                or "could not translate host name" in text or "no route to host" in text):
            return DatabaseError("无法连接数据库服务器。请检查网络、服务器地址和端口，"
                                 "以及服务器上的 PostgreSQL 是否在运行、防火墙是否放行。")
        if "password authentication failed" in text or "no pg_hba.conf entry" in text:
            return DatabaseError("数据库服务器拒绝登录：用户名或密码不对，或服务器不允许从本机连接"
                                 "（pg_hba.conf）。请联系服务器管理员。")
        if "does not exist" in text and "database" in text:
            return DatabaseError("服务器上没有这个数据库。请检查数据库名称，或请管理员先创建它。")
        if "disk" in text and "full" in text:
            return DatabaseError("磁盘空间已满，数据未保存。请清理磁盘后重试。")
        if "readonly" in text or "read-only" in text:
            return DatabaseError("数据库文件是只读的，无法保存。请检查文件权限或换一个数据文件夹。")
        if "unable to open" in text:
            return DatabaseError("无法打开数据库文件。请检查路径是否存在、是否有权限。")
        if "malformed" in text or "not a database" in text:
            return DatabaseError("数据库文件已损坏或不是本程序的数据库。请从备份恢复。")
    return None


class UnitOfWork:
    """``with db.unit_of_work() as uow: …; uow.commit()``.

    Attributes: ``session`` (the SQLAlchemy session of this action), ``actor`` (who acts,
    written into every audit entry and need event).
    """

    def __init__(self, factory: sessionmaker[Session], actor: str | None = None,
                 user: Any = None) -> None:
        self._factory = factory
        # ``user``: the logged-in services.auth.CurrentUser (name, role); none = local admin.
        self.actor = actor or (user.name if user is not None else None) or default_actor()
        self.role: str = user.role if user is not None else "管理员"
        self.session: Session
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.session.info["actor"] = self.actor
        self.session.info["role"] = self.role
        return self

    def commit(self) -> None:
        try:
            self.session.commit()
        except Exception as exc:
            translated = translate_db_error(exc)
            if translated is not None:
                raise translated from exc
            raise
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()
        if isinstance(exc, Exception) and not isinstance(exc, ServiceError):
            translated = translate_db_error(exc)
            if translated is not None:
                raise translated from exc
        return False
