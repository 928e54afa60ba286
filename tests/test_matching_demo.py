"""``main.py match`` and ``main.py schedule`` on the demo county (云岭县, ~400 needs, ~150
experts, a year of dispatches), seen from the last day of a past year so that its reviewed
needs lie in the coming season."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Need, NeedStatus
from services.cli import run
from services.database import open_database
from services.demo import create_demo
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

YEAR = 2025
AS_OF = date(YEAR, 12, 31)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    data = tmp_path_factory.mktemp("matching-demo-data")
    env = dict(os.environ, EXPERT_DISPATCH_DATA_DIR=str(data))
    env.pop("EXPERT_DISPATCH_DB", None)
    path = tmp_path_factory.mktemp("matching-demo") / "demo.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPERT_DISPATCH_DATA_DIR", str(data))
        database = open_database(str(path))
        create_demo(database, year=YEAR, today=AS_OF)
        database.close()
    yield path, env


def main_py(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *argv], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def reviewed(path: Path) -> list[tuple[str, date | None]]:
    database = open_database(str(path))
    try:
        with database.session() as s:
            return list(s.execute(select(Need.code, Need.window_start)
                                  .where(Need.status == NeedStatus.REVIEWED)
                                  .order_by(Need.window_start)).all())
    finally:
        database.close()


def cli(capsys: pytest.CaptureFixture[str], env: dict[str, str], *argv: str
        ) -> tuple[int, str]:
    """The command in process (a child process costs seconds of imports each time)."""
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPERT_DISPATCH_DATA_DIR", env["EXPERT_DISPATCH_DATA_DIR"])
        code = run(list(argv))
    return code, capsys.readouterr().out


def test_match_on_the_demo_county(demo_db: tuple[Path, dict[str, str]],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    path, env = demo_db
    for need_code, _ in reviewed(path)[:3]:
        code, out = cli(capsys, env, "match", need_code, "--db", str(path))
        assert code == 0
        assert need_code in out and "得分" in out


def test_schedule_on_the_demo_county(demo_db: tuple[Path, dict[str, str]]) -> None:
    path, env = demo_db
    season = [c for c, start in reviewed(path) if start and start > AS_OF]
    assert season, "the demo should have reviewed needs in the coming season"
    args = ("schedule", "--db", str(path), "--from", "2026-01-01", "--to", "2026-06-30",
            "--time-limit", "10")
    result = main_py(env, *args, "--format", "json", "--apply")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    stats = plan["stats"]
    assert stats["needs_served"] > 0
    assert stats["weight_served"] >= stats["greedy_weight"]
    assert stats["gap"] <= 0.01
    assert len(plan["applied"]) == len([v for v in plan["visits"] if not v["pinned"]])
    for item in plan["unplanned"]:
        assert item["reason"]
    matched = {c for c, _ in reviewed(path)}
    assert not ({v["need_code"] for v in plan["visits"]} & matched)  # all moved to matched



def test_schedule_text_on_the_demo_county(demo_db: tuple[Path, dict[str, str]],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path, env = demo_db
    code, out = cli(capsys, env, "schedule", "--db", str(path), "--from", "2026-07-01",
                    "--to", "2026-12-31", "--time-limit", "5")
    assert code == 0
    assert "计划期 2026-07-01 至 2026-12-31" in out
