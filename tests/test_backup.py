"""Backups (online backup API, daily, before migrations and restores, retention, manual) and
restore (integrity first, the current database kept), and the start-up check of a damaged
database offering the newest good backup."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import Township
from services import backup, cli, paths, places
from services.database import Database, open_database
from services.errors import ServiceError
from services.uow import UnitOfWork
from tests.conftest import has_cjk

UowFactory = Callable[..., UnitOfWork]


def townships(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM township ORDER BY id")]
    finally:
        conn.close()


def add_township(uow: UowFactory, name: str) -> None:
    with uow() as u:
        places.create_township(u.session, {"name": name})
        u.commit()


def corrupt(path: Path) -> None:
    """Overwrite pages in the middle of the file, as a failing disk would."""
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 4096 * 3):
        data[offset + 100: offset + 600] = b"\xa5" * 500
    path.write_bytes(bytes(data))


def test_a_backup_holds_what_is_still_in_the_wal(db: Database, db_path: Path,
                                                 uow: UowFactory, tmp_path: Path) -> None:
    add_township(uow, "白云镇")
    assert Path(f"{db_path}-wal").exists(), "the change sits in the WAL, not yet in the file"
    made = backup.backup_database(db_path, "手动", folder=tmp_path / "b")
    assert "白云镇" in townships(made)
    assert not Path(f"{made}-wal").exists(), "a backup is one self-contained file"
    assert backup.check_integrity(made).ok
    info = backup.parse_name(made)
    assert info is not None and info.kind == "手动" and info.source == backup.source_tag(db_path)


def test_daily_backup_once_a_day_with_retention(db: Database, db_path: Path) -> None:
    day = datetime(2026, 1, 1, 9, 0)
    made = []
    for n in range(75):  # two and a half months of working days
        when = day + timedelta(days=n)
        first, _ = backup.daily_backup(db_path, now=when)
        again, _ = backup.daily_backup(db_path, now=when + timedelta(hours=3))
        assert first is not None and again is None
        made.append(first)
    kept = [b for b in backup.list_backups(db_path) if b.kind == "每日"]
    newest = sorted(made)[-30:]
    assert {b.path for b in kept} >= set(newest), "the last 30 are kept"
    months = {(b.taken_at.year, b.taken_at.month) for b in kept}
    assert months == {(2026, 1), (2026, 2), (2026, 3)}, "plus one of every month"
    assert len(kept) == 31, "January's newest stays beside the last 30"


def test_manual_backup_to_a_folder_or_a_file(db: Database, db_path: Path,
                                             tmp_path: Path) -> None:
    stick = tmp_path / "U盘"
    stick.mkdir()
    to_folder = backup.manual_backup(db_path, stick)
    assert to_folder.parent == stick and backup.check_integrity(to_folder).ok
    to_file = backup.manual_backup(db_path, stick / "县人社局备份")
    assert to_file.name == "县人社局备份.db" and backup.check_integrity(to_file).ok
    with pytest.raises(backup.BackupError):
        backup.manual_backup(db_path, db_path)


def test_restore_keeps_the_current_database(db: Database, db_path: Path, uow: UowFactory,
                                            tmp_path: Path) -> None:
    saved = backup.backup_database(db_path, "手动", folder=tmp_path)
    add_township(uow, "后来加的镇")
    db.close()
    result = backup.restore_backup(db_path, saved)
    assert "后来加的镇" not in townships(db_path)
    assert result.previous_saved_as is not None
    assert "后来加的镇" in townships(result.previous_saved_as)
    assert "恢复前" in result.previous_saved_as.name
    reopened = open_database(str(db_path))
    try:
        with reopened.session() as s:
            assert s.scalar(select(func.count()).select_from(Township)) == 0
    finally:
        reopened.close()


def test_a_damaged_or_foreign_backup_is_refused(db: Database, db_path: Path,
                                                tmp_path: Path) -> None:
    bad = backup.backup_database(db_path, "手动", folder=tmp_path)
    corrupt(bad)
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    newer = backup.backup_database(db_path, "手动", folder=tmp_path / "n")
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.commit()
    conn.close()
    text = tmp_path / "text.db"
    text.write_text("hello", encoding="utf-8")
    db.close()
    before = db_path.read_bytes()
    for path in (bad, foreign, newer, text, tmp_path / "missing.db"):
        with pytest.raises(ServiceError) as info:
            backup.restore_backup(db_path, path)
        assert has_cjk(info.value.message), path
    assert db_path.read_bytes() == before


def test_a_damaged_database_at_start_offers_the_newest_good_backup(
    db: Database, db_path: Path, uow: UowFactory
) -> None:
    add_township(uow, "白云镇")
    good = backup.startup_check(str(db_path), now=datetime(2026, 3, 1, 8))
    assert good.ok and good.daily is not None
    older = backup.daily_backup(db_path, now=datetime(2026, 2, 1, 8))[0]
    assert older is not None
    db.close()
    damaged_newer = backup.backup_database(db_path, "升级前", "0001")
    corrupt(damaged_newer)  # the newest backup is itself damaged: it must be passed over
    corrupt(db_path)
    Path(f"{db_path}-wal").unlink(missing_ok=True)
    Path(f"{db_path}-shm").unlink(missing_ok=True)
    check = backup.startup_check(str(db_path))
    assert not check.ok and has_cjk(check.message)
    assert check.candidate is not None and check.candidate.path == good.daily
    result = backup.restore_backup(db_path, check.candidate.path)
    assert result.previous_saved_as is not None and "损坏" in result.previous_saved_as.name
    assert townships(db_path) == ["白云镇"]
    assert backup.startup_check(str(db_path)).ok


def test_migration_backups_go_through_the_backup_module(db_path: Path) -> None:
    made = backup.before_migration(db_path, "0001") if db_path.exists() else None
    assert made is None or made.parent == paths.backup_dir()


def test_cli_backup_and_restore(db: Database, db_path: Path, uow: UowFactory, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    add_township(uow, "白云镇")
    db.close()

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.run([*args, "--db", str(db_path)])
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = run("backup", "--out", str(tmp_path / "手动.db"))
    assert code == 0, err
    assert backup.check_integrity(tmp_path / "手动.db").ok
    code, out, _ = run("backup", "--check")
    assert code == 0 and "完好" in out
    code, out, _ = run("backup", "--list")
    assert code == 0 and "每日" in out
    database = open_database(str(db_path))
    with database.unit_of_work() as u:
        places.create_township(u.session, {"name": "后来加的镇"})
        u.commit()
    database.close()
    code, _, err = run("restore", str(tmp_path / "手动.db"))
    assert code == 0, err
    assert townships(db_path) == ["白云镇"]
    code, _, err = run("restore")
    assert code == 2 and has_cjk(err)
    code, out, err = run("restore", "--latest")
    assert code == 0, err
    assert "使用备份" in out


# ---------------------------------------------------------------------------------------------
# Attachment files travel with the backups (services/backup.py, "Attachments")


@pytest.fixture
def own_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of this test's own: attachment files and backups/ are not shared."""
    data = tmp_path / "data"
    monkeypatch.setenv("EXPERT_DISPATCH_DATA_DIR", str(data))
    return data


def _with_photos(uow: UowFactory, contents: list[bytes]) -> tuple[str, list[Path]]:
    """A completed dispatch with a service record and one photo per content."""
    from datetime import date

    from services.outcomes import attachments, records
    from tests.outcomes_support import make_dispatch, small_county

    small = small_county(uow)
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    stored = []
    with uow() as u:
        records.save_record(u.session, code, {"trainings": 1}, today=date(2025, 12, 31))
        for n, content in enumerate(contents):
            a = attachments.add_attachment_bytes(u.session, code, f"照片{n}.jpg", content, "照片")
            stored.append(attachments.stored_path(a.stored_name))
        u.commit()
    return code, stored


def _states(db_path: Path) -> list[str]:
    from services.outcomes import attachments

    database = open_database(str(db_path))
    try:
        with database.session() as s:
            return [c.state for c in attachments.verify(s)]
    finally:
        database.close()


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_a_manual_backup_carries_the_attachment_files_and_restore_puts_them_back(
    db: Database, db_path: Path, uow: UowFactory, own_data: Path, tmp_path: Path
) -> None:
    photos = [b"\xff\xd8 tea garden", b"\xff\xd8 sign-in sheet"]
    _, stored = _with_photos(uow, photos)
    stick = tmp_path / "U盘"
    stick.mkdir()
    made = backup.manual_backup(db_path, stick)
    assert [p.name for p in stick.iterdir()] == [made.name], "still one file for the stick"
    assert backup.check_integrity(made).ok
    assert backup.CARRIER_TABLE in _tables(made)
    db.close()
    stored[0].unlink()  # lost from the data folder
    stored[1].write_bytes(b"overwritten by a photo editor")  # altered in place
    assert _states(db_path) == ["missing", "altered"]
    result = backup.restore_backup(db_path, made)
    assert result.attachments_restored == 2 and result.attachments_missing == ()
    assert "2 个附件" in result.summary
    assert [p.read_bytes() for p in stored] == photos
    assert backup.CARRIER_TABLE not in _tables(db_path), "the carrier is not part of the schema"
    assert _states(db_path) == ["ok", "ok"]


def test_automatic_backups_copy_attachments_incrementally_and_restore_uses_them(
    db: Database, db_path: Path, uow: UowFactory, own_data: Path
) -> None:
    _, stored = _with_photos(uow, [b"first photo"])
    daily, _ = backup.daily_backup(db_path, now=datetime(2026, 3, 1, 8))
    assert daily is not None and backup.CARRIER_TABLE not in _tables(daily)
    mirror = backup.attachments_mirror_dir()
    copied = mirror / stored[0].relative_to(own_data / "attachments")
    assert copied.read_bytes() == b"first photo"
    before = copied.stat().st_mtime_ns
    assert backup.mirror_attachments(daily) == 0, "a file already there is not copied again"
    assert copied.stat().st_mtime_ns == before
    db.close()
    stored[0].unlink()
    result = backup.restore_backup(db_path, daily)
    assert result.attachments_restored == 1
    assert stored[0].read_bytes() == b"first photo"
    # Lost from the data folder and the mirror alike: the restore says so instead of failing.
    stored[0].unlink()
    copied.unlink()
    result = backup.restore_backup(db_path, daily)
    assert result.attachments_missing == (stored[0].relative_to(own_data / "attachments")
                                          .as_posix(),)
    assert has_cjk(result.summary) and "文件丢失" in result.summary
    assert _states(db_path) == ["missing"]


def test_an_altered_file_is_neither_carried_nor_mirrored(
    db: Database, db_path: Path, uow: UowFactory, own_data: Path, tmp_path: Path
) -> None:
    _, stored = _with_photos(uow, [b"original"])
    stored[0].write_bytes(b"tampered")
    made = backup.manual_backup(db_path, tmp_path / "手动备份")
    conn = sqlite3.connect(made)
    try:
        assert conn.execute(f"SELECT count(*) FROM {backup.CARRIER_TABLE}").fetchone() == (0,)
    finally:
        conn.close()
    daily, _ = backup.daily_backup(db_path, now=datetime(2026, 3, 2, 8))
    assert daily is not None
    assert not list(backup.attachments_mirror_dir().rglob("*.*"))
