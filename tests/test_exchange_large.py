"""The big ones: a 20,000-row workbook imports whole, and killing the import process in the
middle of writing leaves the database exactly as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.exchange_data import HEADER, build_county, need_rows, write_workbook
from models import AuditEntry, Need, NeedEvent, Unit
from services.database import Database, open_database
from services.exchange.importer import ImportOptions, Outcome, import_file
from tests.conftest import PROJECT_ROOT


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("need", "need_event", "unit", "township", "village", "audit_entry",
                          "setting")}
    finally:
        conn.close()


@pytest.mark.slow
def test_twenty_thousand_rows(db: Database, tmp_path: Path) -> None:
    county = build_county(db, townships=6, villages=4, unit_count=60)
    path = write_workbook(tmp_path / "big.xlsx", HEADER, need_rows(county, 20_000),
                          "2026年全县需求汇总表")
    seen: list[int] = []
    result = import_file(db, "needs", path, ImportOptions(year=2026),
                         progress=lambda done, total, text: seen.append(done))
    assert result.all_accepted, [r.message for r in result.refused[:5]]
    assert result.count(Outcome.NEW) == 20_000 and result.header_row == 2
    assert seen and max(seen) == 20_000
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Need)) == 20_000
        assert s.scalar(select(func.count()).select_from(NeedEvent)) == 20_000
        creations = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity_type == "Need", AuditEntry.action == "create"))
        assert creations == 20_000, "every new record is audited"
        assert s.scalar(select(func.count()).select_from(Unit)) == 60
        codes = list(s.scalars(select(Need.code).order_by(Need.id)))
    assert codes[0] == "XQ-2026-0001" and codes[-1] == "XQ-2026-20000"
    assert len(set(codes)) == 20_000


@pytest.mark.slow
def test_killing_the_import_midway_changes_nothing(db: Database, db_path: Path,
                                                   tmp_path: Path) -> None:
    county = build_county(db, townships=4, villages=3, unit_count=30)
    db.close()
    path = write_workbook(tmp_path / "big.xlsx", HEADER, need_rows(county, 6_000))
    before = table_counts(db_path)
    proc = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "main.py"), "import", "needs", str(path),
         "--db", str(db_path), "--year", "2026", "--progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=PROJECT_ROOT,
        env=os.environ | {"PYTHONIOENCODING": "utf-8"},
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 600
    lines = []
    try:
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            # The second batch is starting: the first 1,000 needs have been flushed into the
            # open transaction (and the new places and units before them).
            if "正在写入第 2001" in line:
                break
            assert time.monotonic() < deadline, "the import never reached the write phase"
        else:
            pytest.fail("the import ended before it could be killed:\n" + "".join(lines[-5:]))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert table_counts(db_path) == before
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    reopened = open_database(str(db_path))
    try:
        with reopened.session() as s:
            assert s.scalar(select(func.count()).select_from(Need)) == 0
    finally:
        reopened.close()
