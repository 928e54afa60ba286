"""Backups of the SQLite database, and restoring one.

Every copy is made with SQLite's online backup API (``sqlite3.Connection.backup``), never by
copying the file: a live database in WAL mode keeps committed data in its ``-wal`` file, and a
file copy taken while someone writes is torn. Each copy is then switched to an ordinary
rollback journal, so a backup is ONE self-contained file that can go on a USB stick.

Automatic backups go to ``backups/`` in the data folder (services/paths.py):

- ``每日``: the first start of the program on a day (``daily_backup``, called from
  ``startup_check``);
- ``升级前``: before every schema migration (services/database.py calls ``before_migration``);
- ``恢复前``: the current database, before a restore replaces it.

Of these, the newest ``keep_last`` (30) are kept, plus the newest of every month (monthly
ones are kept for ``keep_months``, 36). Manual backups (``manual_backup``) go where the user
says and are never deleted by the program.

Attachments (photos, sign-in sheets; services/outcomes/attachments.py) live as files in
``attachments/`` of the data folder, not in the database, so a backup of the database alone
would restore rows pointing at files that may be gone:

- a **manual** backup (``手动``) carries them *inside* the backup file: the copy gets an extra
  table ``backup_attachment_file`` (stored name, checksum, content) holding every file the
  database refers to. The backup stays ONE ``.db`` file for a USB stick, is still checked and
  listed like any other, and a backup without that table (an old one) restores as before;
- the **automatic** backups copy the attachment files into ``backups/attachments/``
  incrementally (``mirror_attachments``): a stored file is named by its SHA-256 and never
  changes, so copying the files not yet there is a complete copy;
- a **restore** puts back every attachment file of the restored database that is missing or
  altered in the data folder — from inside the backup, else from ``backups/attachments/`` —
  each checked against its stored checksum, drops the carrier table, and reports the files it
  could not find (``RestoreResult.attachments_missing``). Files already there are never
  touched or deleted: content-addressed files of the replaced database do no harm.

A file name says what the backup is: ``{stem}-{kind}[-{detail}]-{YYYYmmdd-HHMMSS}-{source}``
where ``source`` is a short hash of the database's full path, so two databases with the same
file name in different folders never take each other's backups.

``startup_check`` is what the GUI and the CLI call before opening the database: it runs
``PRAGMA integrity_check``; a damaged database is reported with the newest backup that is
itself whole, which ``restore_backup`` puts back (keeping the damaged file beside it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from services import paths, settings
from services.errors import DatabaseError, ServiceError

Kind = Literal["每日", "升级前", "恢复前", "手动", "损坏"]
AUTOMATIC: tuple[Kind, ...] = ("每日", "升级前", "恢复前")
KEEP_LAST = 30
KEEP_MONTHS = 36
_STAMP = "%Y%m%d-%H%M%S"
CARRIER_TABLE = "backup_attachment_file"
_log = logging.getLogger(__name__)
_NAME = re.compile(
    r"^(?P<stem>.+?)-(?P<kind>每日|升级前|恢复前|手动|损坏)(?:-(?P<detail>[^-]+))?"
    r"-(?P<stamp>\d{8}-\d{6})(?:-(?P<source>[0-9a-f]{6}))?(?:_(?P<n>\d+))?\.db$"
)



settings.define("backup.keep_last", "自动备份保留份数", KEEP_LAST,
                settings.int_setting(3, 365, "自动备份保留份数"),
                "每天第一次启动时自动备份；保留最近这么多份（另外每月保留一份）。", "备份")
settings.define("backup.keep_months", "每月备份保留月数", KEEP_MONTHS,
                settings.int_setting(0, 240, "每月备份保留月数"),
                "除最近的备份外，每个月再保留最后一份，保留这么多个月。", "备份")


class BackupError(ServiceError):
    """A backup cannot be made, read or restored."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file: ``path``, ``kind``, ``taken_at``, ``stem`` (the database's file name
    without extension), ``source`` (hash of the database's path, "" for old names),
    ``detail`` (the schema revision of a 升级前 backup), ``size`` in bytes."""

    path: Path
    kind: str
    taken_at: datetime
    stem: str
    source: str
    detail: str
    size: int

    @property
    def label(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M} {self.kind}备份（{self.size / 1024 / 1024:.1f} MB）"


@dataclass(frozen=True)
class IntegrityReport:
    """``ok`` when SQLite finds the file whole and it is a database of this program;
    ``message`` says what is wrong (Chinese); ``revision`` its schema revision."""

    ok: bool
    message: str = ""
    revision: str | None = None


@dataclass
class StartupCheck:
    """What ``startup_check`` found: ``ok``; if not, ``message`` and ``candidate`` (the newest
    whole backup, or None); ``daily`` the backup taken today, if one was; ``pruned`` files
    removed by the retention rule."""

    path: Path | None
    ok: bool
    message: str = ""
    candidate: BackupInfo | None = None
    daily: Path | None = None
    pruned: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class RestoreResult:
    """``attachments_restored``: attachment files put back into the data folder;
    ``attachments_missing``: the stored names of files neither the folder, the backup nor
    ``backups/attachments/`` holds intact (their rows then show 文件丢失)."""

    restored_from: Path
    previous_saved_as: Path | None
    attachments_restored: int = 0
    attachments_missing: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        text = f"已从“{self.restored_from.name}”恢复数据库。"
        if self.previous_saved_as:
            text += f"恢复前的数据库已另存为“{self.previous_saved_as}”。"
        if self.attachments_restored:
            text += f"已恢复 {self.attachments_restored} 个附件文件。"
        if self.attachments_missing:
            text += (f"有 {len(self.attachments_missing)} 个附件文件在备份中也找不到，"
                     "这些附件将显示为“文件丢失”。")
        return text


# ---------------------------------------------------------------------------------------------
# Copies


def source_tag(db_path: Path) -> str:
    return hashlib.sha1(str(Path(db_path).resolve()).encode("utf-8")).hexdigest()[:6]


def online_copy(source: Path, target: Path) -> Path:
    """Copy a consistent state of the SQLite database ``source`` to ``target`` (a new file,
    written beside it first and renamed, so a failure never leaves half a backup)."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupError(f"找不到数据库文件“{source}”。")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"无法创建文件夹“{target.parent}”：{exc.strerror or exc}。") from exc
    tmp = target.with_name(f".~{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                # One self-contained file: no -wal beside a backup on a USB stick.
                dst.execute("PRAGMA journal_mode=DELETE")
                dst.commit()
            finally:
                dst.close()
        finally:
            src.close()
        _fsync(tmp)
        os.replace(tmp, target)
    except sqlite3.DatabaseError as exc:
        tmp.unlink(missing_ok=True)
        text = str(exc).lower()
        if "malformed" in text or "not a database" in text:
            raise BackupError(f"数据库“{source.name}”已损坏，无法备份。") from exc
        if "locked" in text or "busy" in text:
            raise BackupError("数据库正被其他程序写入，暂时无法备份。请稍后再试。") from exc
        raise BackupError(f"备份失败：{exc}") from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if getattr(exc, "errno", None) == 28:
            raise BackupError(f"“{target.parent}”空间不足，无法保存备份。") from exc
        raise BackupError(f"无法写入备份“{target}”：{exc.strerror or exc}。") from exc
    return target


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError), path.open("rb") as fh:
        os.fsync(fh.fileno())


def _name(db_path: Path, kind: Kind, detail: str = "", when: datetime | None = None) -> str:
    stamp = (when or datetime.now()).strftime(_STAMP)
    middle = f"-{detail}" if detail else ""
    return f"{db_path.stem}-{kind}{middle}-{stamp}-{source_tag(db_path)}.db"


def _unique(folder: Path, name: str) -> Path:
    target = folder / name
    n = 2
    while target.exists():
        target = folder / name.replace(".db", f"_{n}.db")
        n += 1
    return target


def backup_database(db_path: Path, kind: Kind, detail: str = "",
                    folder: Path | None = None) -> Path:
    """A backup of ``db_path`` in ``folder`` (default: backups/ in the data folder)."""
    db_path = Path(db_path)
    folder = folder or paths.backup_dir()
    made = online_copy(db_path, _unique(folder, _name(db_path, kind, detail)))
    if kind == "手动":
        embed_attachments(made)
    elif kind in AUTOMATIC:
        mirror_attachments(made)
    return made


def before_migration(db_path: Path, revision: str | None) -> Path:
    """The copy taken before a schema upgrade (services/database.py)."""
    return backup_database(db_path, "升级前", revision or "unknown")


def manual_backup(db_path: Path, target: Path) -> Path:
    """A backup where the user chose: a folder (a name is made up) or a file name."""
    db_path, target = Path(db_path), Path(target).expanduser()
    if target.is_dir() or str(target).endswith(("/", "\\")):
        target = _unique(target, _name(db_path, "手动"))
    elif target.suffix.lower() not in (".db", ".sqlite", ".bak"):
        target = target.with_name(target.name + ".db")
    if target.exists() and target.resolve() == db_path.resolve():
        raise BackupError("备份文件不能与数据库是同一个文件。")
    made = online_copy(db_path, target)
    embed_attachments(made)
    return made


# ---------------------------------------------------------------------------------------------
# Attachment files


def _attachment_rows(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """(stored_name, sha256, size) of every attachment the database refers to."""
    try:
        return [(str(r[0]), str(r[1]), int(r[2])) for r in conn.execute(
            "SELECT stored_name, sha256, size FROM attachment ORDER BY id")]
    except sqlite3.Error:
        return []  # a database from before attachments existed


def _intact(path: Path, sha: str, size: int | None = None) -> bool:
    from services.outcomes.attachments import file_sha256

    try:
        return path.is_file() and (size is None or path.stat().st_size == size) \
            and file_sha256(path) == sha
    except OSError:
        return False


def embed_attachments(backup_file: Path) -> list[str]:
    """Put the attachment files the backup's database refers to into the backup file itself
    (table ``backup_attachment_file``). Returns the stored names of files that could not be
    carried (missing or altered in the data folder: a backup cannot save what is lost). A
    failure removes the backup rather than leaving one that looks complete."""
    from services.outcomes.attachments import stored_path

    backup_file = Path(backup_file)
    skipped: list[str] = []
    try:
        conn = sqlite3.connect(backup_file)
        try:
            rows = _attachment_rows(conn)
            if not rows:
                return []
            conn.execute(f"CREATE TABLE IF NOT EXISTS {CARRIER_TABLE} ("
                         "stored_name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, "
                         "content BLOB NOT NULL)")
            for stored_name, sha, size in rows:
                source = stored_path(stored_name)
                if not _intact(source, sha, size):
                    skipped.append(stored_name)
                    continue
                conn.execute(f"INSERT OR REPLACE INTO {CARRIER_TABLE} VALUES (?, ?, ?)",
                             (stored_name, sha, source.read_bytes()))
            conn.commit()
        finally:
            conn.close()
        _fsync(backup_file)
    except (sqlite3.Error, OSError) as exc:
        backup_file.unlink(missing_ok=True)
        if getattr(exc, "errno", None) == 28 or "full" in str(exc).lower():
            raise BackupError(f"“{backup_file.parent}”空间不足，无法保存备份（含附件）。") from exc
        raise BackupError(f"无法把附件写入备份“{backup_file}”：{exc}。") from exc
    if skipped:
        _log.warning("备份 %s 未含 %d 个丢失或被改动的附件文件", backup_file, len(skipped))
    return skipped


def attachments_mirror_dir() -> Path:
    """``backups/attachments/``: the automatic backups' copy of the attachment files."""
    return paths.backup_dir() / "attachments"


def mirror_attachments(backup_file: Path) -> int:
    """Copy the attachment files that ``backup_file``'s database refers to and that are not
    yet in ``backups/attachments/`` there. Files are content-addressed and never change, so
    this incremental copy is a complete one. A file whose content no longer matches its
    checksum (altered) is not copied. Returns the number of files copied."""
    from services.outcomes.attachments import attachments_dir

    source_dir = attachments_dir()
    conn = sqlite3.connect(backup_file)
    try:
        names = [(n, sha) for n, sha, _ in _attachment_rows(conn)]
    finally:
        conn.close()
    target_dir = attachments_mirror_dir()
    copied = 0
    for stored_name, sha in names:
        target = target_dir / stored_name
        source = source_dir / stored_name
        if target.exists() or not _intact(source, sha):
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".~{target.name}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
            copied += 1
        except OSError as exc:
            # The database backup itself is made; a missing copy is taken the next time.
            _log.warning("无法复制附件 %s 到备份文件夹：%s", stored_name, exc)
    return copied


def _restore_attachments(database_file: Path) -> tuple[int, tuple[str, ...]]:
    """Put back the attachment files of ``database_file`` (the staged restore) that are
    missing or altered in the data folder, from its carrier table or from
    ``backups/attachments/``; then drop the carrier table. Returns (restored, missing)."""
    from services.outcomes.attachments import stored_path

    conn = sqlite3.connect(database_file)
    try:
        rows = _attachment_rows(conn)
        carrier = _has_table(conn, CARRIER_TABLE)  # absent: automatic or old backup
        restored, missing = 0, []
        for stored_name, sha, size in rows:
            target = stored_path(stored_name)
            if _intact(target, sha, size):
                continue
            content: bytes | None = None
            if carrier:
                row = conn.execute(f"SELECT content FROM {CARRIER_TABLE} WHERE stored_name = ?",
                                   (stored_name,)).fetchone()
                if row is not None and hashlib.sha256(bytes(row[0])).hexdigest() == sha:
                    content = bytes(row[0])
            mirrored = attachments_mirror_dir() / stored_name
            if content is None and _intact(mirrored, sha, size):
                content = mirrored.read_bytes()
            if content is None:
                missing.append(stored_name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".~{target.name}.tmp")
            tmp.write_bytes(content)
            os.replace(tmp, target)
            restored += 1
        if carrier:
            conn.execute(f"DROP TABLE {CARRIER_TABLE}")
            conn.commit()
            conn.execute("VACUUM")  # the photos' pages would otherwise stay in the file
        return restored, tuple(missing)
    finally:
        conn.close()


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (name,)).fetchone() is not None


# ---------------------------------------------------------------------------------------------
# Listing and retention


def parse_name(path: Path) -> BackupInfo | None:
    match = _NAME.match(path.name)
    if not match:
        return None
    try:
        taken = datetime.strptime(match["stamp"], _STAMP)
        size = path.stat().st_size
    except (ValueError, OSError):
        return None
    return BackupInfo(path, match["kind"], taken, match["stem"], match["source"] or "",
                      match["detail"] or "", size)


def list_backups(db_path: Path | None = None, folder: Path | None = None) -> list[BackupInfo]:
    """The backups in ``folder`` (default backups/), newest first; only those of ``db_path``
    when given (same source; old names without a source tag by the file name)."""
    folder = folder or paths.backup_dir()
    found = [info for p in folder.glob("*.db") if (info := parse_name(p)) is not None]
    if db_path is not None:
        db_path = Path(db_path)
        tag = source_tag(db_path)
        found = [b for b in found if b.source == tag or (not b.source and b.stem == db_path.stem)]
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def prune(db_path: Path, keep_last: int = KEEP_LAST, keep_months: int = KEEP_MONTHS,
          today: date | None = None) -> list[Path]:
    """Delete the automatic backups of ``db_path`` beyond the newest ``keep_last``, except the
    newest of each of the last ``keep_months`` months. Returns the files removed."""
    today = today or date.today()
    auto = [b for b in list_backups(db_path) if b.kind in AUTOMATIC]
    keep = {b.path for b in auto[:keep_last]}
    oldest_month = (today.year * 12 + today.month - 1) - (keep_months - 1)
    monthly: dict[tuple[int, int], BackupInfo] = {}
    for b in auto:  # newest first: the first seen of a month is its newest
        month = (b.taken_at.year, b.taken_at.month)
        if b.taken_at.year * 12 + b.taken_at.month - 1 >= oldest_month:
            monthly.setdefault(month, b)
    keep |= {b.path for b in monthly.values()}
    removed = []
    for b in auto:
        if b.path not in keep:
            with contextlib.suppress(OSError):
                b.path.unlink()
                removed.append(b.path)
    return removed


def daily_backup(db_path: Path, *, now: datetime | None = None, keep_last: int = KEEP_LAST,
                 keep_months: int = KEEP_MONTHS) -> tuple[Path | None, list[Path]]:
    """Today's automatic backup, unless one exists; then the retention rule. Returns the new
    backup (or None) and the files pruned."""
    now = now or datetime.now()
    db_path = Path(db_path)
    if any(b.kind == "每日" and b.taken_at.date() == now.date() for b in list_backups(db_path)):
        return None, []
    target = _unique(paths.backup_dir(), _name(db_path, "每日", when=now))
    made = online_copy(db_path, target)
    mirror_attachments(made)
    return made, prune(db_path, keep_last, keep_months, now.date())


# ---------------------------------------------------------------------------------------------
# Integrity, start-up and restore


def check_integrity(path: Path) -> IntegrityReport:
    """Whether ``path`` is a whole SQLite database of this program (``PRAGMA integrity_check``
    plus the schema revision table)."""
    path = Path(path)
    if not path.is_file():
        return IntegrityReport(False, f"找不到文件“{path}”。")
    try:
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return IntegrityReport(False, f"“{path.name}”不是 SQLite 数据库文件。")
        # A read-only URI cannot open a WAL database whose -shm file is gone; a plain
        # connection reads the same and writes nothing for these queries.
        conn = sqlite3.connect(path)
    except (OSError, sqlite3.Error) as exc:
        return IntegrityReport(False, f"无法读取“{path.name}”：{exc}。")
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        if [r[0] for r in rows] != ["ok"]:
            detail = "；".join(str(r[0]) for r in rows[:3])
            return IntegrityReport(False, f"“{path.name}”已损坏（{detail}）。")
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return IntegrityReport(False, f"“{path.name}”不是本程序的数据库。")
        return IntegrityReport(True, "", revision[0] if revision else None)
    except sqlite3.DatabaseError as exc:
        return IntegrityReport(False, f"“{path.name}”已损坏或不是数据库（{exc}）。")
    finally:
        conn.close()


def newest_good_backup(db_path: Path) -> BackupInfo | None:
    for info in list_backups(db_path):
        if info.kind != "损坏" and check_integrity(info.path).ok:
            return info
    return None


def _setting(db_path: Path, key: str, default: int) -> int:
    """A retention setting read straight from the file (the database is not open yet)."""
    try:
        conn = sqlite3.connect(db_path)
        try:
            row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
        value = json.loads(row[0]) if row else default
        return int(value) if isinstance(value, int | float | str) and str(value).isdigit() \
            else default
    except (sqlite3.Error, ValueError, TypeError):
        return default


def startup_check(db: str | None = None, *, daily: bool = True,
                  now: datetime | None = None) -> StartupCheck:
    """Run before opening the database at start-up (GUI and CLI): check its integrity; if it
    is damaged, say so and name the newest whole backup; else take today's backup once."""
    url = paths.resolve_database_url(db)
    path = paths.sqlite_path(url)
    if path is None or not path.is_file():
        # A server database or a new file: nothing to check. Not a file at all (a folder):
        # opening it says so in its own words.
        return StartupCheck(path, True)
    report = check_integrity(path)
    if not report.ok:
        candidate = newest_good_backup(path)
        advice = (f"最近一份完好的备份是 {candidate.label}，可以用它恢复。" if candidate
                  else "没有找到完好的备份。请联系技术支持，不要删除这个文件。")
        return StartupCheck(path, False, f"数据库“{path.name}”检查未通过：{report.message}{advice}",
                            candidate)
    result = StartupCheck(path, True)
    if daily:
        keep_last = _setting(path, "backup.keep_last", KEEP_LAST)
        keep_months = _setting(path, "backup.keep_months", KEEP_MONTHS)
        try:
            result.daily, result.pruned = daily_backup(path, now=now, keep_last=keep_last,
                                                       keep_months=keep_months)
        except BackupError as exc:
            # A failed daily backup must not keep the office from working; say it instead.
            result.message = f"今天的自动备份没有完成：{exc.message}"
    return result


def restore_backup(db_path: Path, backup_path: Path, *, role: str | None = None) -> RestoreResult:
    """Put ``backup_path`` back as the database ``db_path``.

    The backup is checked first (whole, a database of this program, not from a newer
    program); the current database is kept as a 恢复前 backup (a damaged one is copied as a
    file, 损坏, since SQLite cannot read it). Close the database first (``Database.close()``):
    the restored file replaces it. A restored older schema is upgraded by the next open.
    """
    from alembic.script import ScriptDirectory

    from services import auth
    from services.database import alembic_config

    # ``role``: the logged-in user's (Database.user.role); None is the local administrator.
    auth.require_role(role, "管理员", "恢复备份")
    db_path, backup_path = Path(db_path), Path(backup_path)
    report = check_integrity(backup_path)
    if not report.ok:
        raise BackupError(f"不能用这个备份恢复：{report.message}")
    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if report.revision is not None and report.revision not in known:
        raise BackupError("这个备份由更新版本的程序创建，本程序无法使用。请安装最新版本后再恢复。")
    if backup_path.resolve() == db_path.resolve():
        raise BackupError("备份文件就是当前数据库本身。")
    saved: Path | None = None
    if db_path.exists():
        if check_integrity(db_path).ok:
            saved = backup_database(db_path, "恢复前")
        else:
            saved = _unique(paths.backup_dir(), _name(db_path, "损坏"))
            try:
                shutil.copy2(db_path, saved)  # SQLite cannot read it: keep the bytes as they are
                wal = Path(f"{db_path}-wal")
                if wal.exists():
                    shutil.copy2(wal, Path(f"{saved}-wal"))
            except OSError as exc:
                raise BackupError(f"无法保存当前（已损坏的）数据库：{exc.strerror or exc}。"
                                  "恢复未进行。") from exc
    staged = db_path.with_name(f".~{db_path.name}.restore")
    online_copy(backup_path, staged)
    try:
        restored, missing = _restore_attachments(staged)
    except (sqlite3.Error, OSError) as exc:
        staged.unlink(missing_ok=True)
        raise BackupError(f"无法恢复附件文件：{exc}。当前数据库未改动。") from exc
    try:
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        os.replace(staged, db_path)
    except PermissionError as exc:
        staged.unlink(missing_ok=True)
        raise DatabaseError("数据库正在使用中，无法恢复。请关闭所有打开这个数据库的窗口后再试。") from exc
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise BackupError(f"恢复失败：{exc.strerror or exc}。当前数据库未改动。") from exc
    return RestoreResult(backup_path, saved, restored, missing)
