"""Attachments of a service record: photos, sign-in sheets, scanned receipts.

A file is **copied** into the data folder (``attachments/`` beside the database's backups,
see services/paths.py) under a content-addressed name — ``ab/abcdef…(64 hex).jpg``, its
SHA-256 — and the checksum and size are stored with the record. The user's original can then
be moved or deleted without loss, and ``verify`` tells a file that went missing or was
altered in the folder from one that is intact.

One file (one content) is kept once per database: attaching the same photo again is refused
with the dispatch it is already attached to. A removed attachment's file is deleted only
once the removal is committed, so a rolled-back removal never loses the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import Dispatch
from models.outcomes import ATTACHMENT_KINDS, Attachment, ServiceRecord
from services import validation as v
from services.errors import NotFoundError, ServiceError, ValidationError
from services.outcomes.records import record_of
from services.paths import data_dir

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # a phone photo or a scanned page; no videos
_CHUNK = 1 << 16


def attachments_dir() -> Path:
    """The attachments folder in the data folder (created on demand)."""
    path = data_dir() / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_path(stored_name: str) -> Path:
    return attachments_dir() / stored_name


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    # Only a plain extension; anything odd is dropped rather than carried into a file name.
    return suffix if 1 < len(suffix) <= 10 and suffix[1:].isalnum() else ""


def _store_stream(read: Any, file_name: str) -> tuple[str, str, int]:
    """Copy a stream into the folder under its content address: (stored_name, sha256, size)."""
    folder = attachments_dir()
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := read(_CHUNK):
                size += len(chunk)
                if size > MAX_ATTACHMENT_BYTES:
                    raise ValidationError.single(
                        "file", f"文件“{file_name}”超过 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB，"
                        "太大了。请压缩照片或扫描件后再添加。")
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        stored_name = f"{sha[:2]}/{sha}{_suffix(file_name)}"
        target = folder / stored_name
        target.parent.mkdir(exist_ok=True)
        if target.exists() and file_sha256(target) == sha:
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, target)
        return stored_name, sha, size
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _record(session: Session, dispatch_key: int | str) -> ServiceRecord:
    record = record_of(session, dispatch_key)
    if record is None:
        raise ValidationError.single("file", "请先登记这次派遣的服务记录，再添加附件。")
    return record


def _add(session: Session, record: ServiceRecord, stored: tuple[str, str, int], file_name: str,
         kind: str, note: str) -> Attachment:
    stored_name, sha, size = stored
    clash = session.scalars(select(Attachment).where(Attachment.stored_name == stored_name)).first()
    if clash is not None:
        code = session.scalar(select(Dispatch.code).join(
            ServiceRecord, ServiceRecord.dispatch_id == Dispatch.id).where(
            ServiceRecord.id == clash.record_id))
        raise ValidationError.single(
            "file", f"同样内容的文件已作为附件“{clash.file_name}”保存在派遣 {code} 中，无需重复添加。")
    attachment = Attachment(record_id=record.id, kind=kind, file_name=file_name,
                            stored_name=stored_name, sha256=sha, size=size, note=note)
    session.add(attachment)
    session.flush()
    return attachment


def _checked(kind: str, note: str, file_name: str) -> tuple[str, str, str]:
    c = v.Collector()
    kind = c.check(v.choice, kind or "其他", "kind", "附件类别", ATTACHMENT_KINDS)
    note = c.check(v.optional_text, "note", "说明", note, 500)
    name = c.check(v.required, "file", "文件名", file_name, 255)
    c.raise_if_any()
    return kind, note, name


def add_attachment(session: Session, dispatch_key: int | str, source: str | Path,
                   kind: str = "其他", note: str = "", file_name: str | None = None
                   ) -> Attachment:
    """Copy ``source`` into the attachments folder and attach it to the dispatch's service
    record (which must exist)."""
    path = Path(source)
    kind, note, name = _checked(kind, note, file_name or path.name)
    record = _record(session, dispatch_key)
    if not path.is_file():
        raise ValidationError.single("file", f"找不到文件“{path}”，或它不是一个文件。")
    if path.stat().st_size > MAX_ATTACHMENT_BYTES:
        raise ValidationError.single(
            "file", f"文件“{name}”超过 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB，太大了。"
            "请压缩照片或扫描件后再添加。")
    try:
        with path.open("rb") as f:
            stored = _store_stream(f.read, name)
    except OSError as exc:
        raise ServiceError(f"无法读取或保存文件“{name}”：{exc.strerror or exc}。") from exc
    return _add(session, record, stored, name, kind, note)


def add_attachment_bytes(session: Session, dispatch_key: int | str, file_name: str,
                         content: bytes, kind: str = "其他", note: str = "") -> Attachment:
    """Attach content made by the program (a generated sign-in sheet, the demo's photos)."""
    kind, note, name = _checked(kind, note, file_name)
    record = _record(session, dispatch_key)
    view = memoryview(content)
    position = 0

    def read(n: int) -> bytes:
        nonlocal position
        chunk = bytes(view[position:position + n])
        position += len(chunk)
        return chunk

    return _add(session, record, _store_stream(read, name), name, kind, note)


def get_attachment(session: Session, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFoundError(f"找不到附件（编号 {attachment_id}），可能已被删除。")
    return attachment


@dataclass(frozen=True)
class AttachmentCheck:
    """The state of one attachment's file: ``ok``, ``missing`` or ``altered``."""

    id: int
    dispatch_code: str
    file_name: str
    kind: str
    state: str
    message: str

    @property
    def ok(self) -> bool:
        return self.state == "ok"


CHECK_LABELS = {"ok": "完好", "missing": "文件丢失", "altered": "文件已被改动"}


def _check_one(attachment_id: int, code: str, file_name: str, kind: str, stored_name: str,
               sha: str, size: int) -> AttachmentCheck:
    path = stored_path(stored_name)
    where = f"派遣 {code} 的附件“{file_name}”"
    if not path.is_file():
        return AttachmentCheck(attachment_id, code, file_name, kind, "missing",
                               f"{where}的文件不见了（应在 {path}）。请从备份恢复附件文件夹，"
                               "或删除该附件后重新添加。")
    if path.stat().st_size != size or file_sha256(path) != sha:
        return AttachmentCheck(attachment_id, code, file_name, kind, "altered",
                               f"{where}的文件内容与登记时不一致（校验码不符），可能被修改或损坏。"
                               "请从备份恢复，或删除后重新添加原件。")
    return AttachmentCheck(attachment_id, code, file_name, kind, "ok", f"{where}完好。")


def verify(session: Session, ids: Collection[int] | None = None) -> list[AttachmentCheck]:
    """Check the files of every attachment (or ``ids``) against their stored checksums."""
    stmt = (select(Attachment.id, Dispatch.code, Attachment.file_name, Attachment.kind,
                   Attachment.stored_name, Attachment.sha256, Attachment.size)
            .join(ServiceRecord, Attachment.record_id == ServiceRecord.id)
            .join(Dispatch, ServiceRecord.dispatch_id == Dispatch.id)
            .order_by(Dispatch.code, Attachment.id))
    if ids is not None:
        stmt = stmt.where(Attachment.id.in_(list(ids)))
    return [_check_one(*row) for row in session.execute(stmt)]


def list_attachments(session: Session, dispatch_key: int | str) -> list[dict[str, Any]]:
    """The attachments of a dispatch's record with the state of their files."""
    record = record_of(session, dispatch_key)
    if record is None:
        return []
    checks = {c.id: c for c in verify(session, [a.id for a in record.attachments])}
    return [{"id": a.id, "kind": a.kind, "file_name": a.file_name, "size": a.size,
             "sha256": a.sha256, "note": a.note, "created_at": a.created_at,
             "state": checks[a.id].state, "state_label": CHECK_LABELS[checks[a.id].state],
             "message": checks[a.id].message}
            for a in record.attachments]


def open_path(session: Session, attachment_id: int) -> Path:
    """The stored file to open in another program, after checking it is intact (an altered
    file must not be shown as the evidence it no longer is)."""
    attachment = get_attachment(session, attachment_id)
    code = attachment.record.dispatch.code
    result = _check_one(attachment.id, code, attachment.file_name, attachment.kind,
                        attachment.stored_name, attachment.sha256, attachment.size)
    if not result.ok:
        raise ServiceError(result.message)
    return stored_path(attachment.stored_name)


def export_attachment(session: Session, attachment_id: int, target: str | Path) -> Path:
    """Copy the file out under the name the user gave it (into ``target`` when that is a
    folder)."""
    source = open_path(session, attachment_id)
    attachment = get_attachment(session, attachment_id)
    out = Path(target)
    if out.is_dir():
        out = out / attachment.file_name
    try:
        shutil.copyfile(source, out)
    except OSError as exc:
        raise ServiceError(f"无法导出附件到“{out}”：{exc.strerror or exc}。") from exc
    return out


def remove_attachment(session: Session, attachment_id: int) -> None:
    """Delete the attachment; its file goes once the unit of work commits."""
    attachment = get_attachment(session, attachment_id)
    stored_name = attachment.stored_name
    session.delete(attachment)
    session.flush()

    def drop_file(_session: Session) -> None:
        # A file that cannot be deleted now only costs disk space.
        with contextlib.suppress(OSError):
            stored_path(stored_name).unlink(missing_ok=True)

    event.listen(session, "after_commit", drop_file, once=True)
