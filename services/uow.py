"""One unit of work per user action: it rolls back unless ``commit()`` was called, and turns
database errors into typed, Chinese ``ServiceError``s."""

from __future__ import annotations

import getpass
from types import TracebackType

from sqlalchemy.exc import IntegrityError, OperationalError
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
        if "check" in text or "not null" in text:
            return ServiceError(f"数据不符合规则，未保存。请检查填写的内容。（{text[:120]}）")
    if isinstance(exc, OperationalError):
        if "locked" in text or "busy" in text:
            return DatabaseError("数据库正被其他程序占用。请稍候再试；如一直如此，请关闭其他打开本数据库的程序。")
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

    def __init__(self, factory: sessionmaker[Session], actor: str | None = None) -> None:
        self._factory = factory
        self.actor = actor or default_actor()
        self.session: Session
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.session.info["actor"] = self.actor
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
