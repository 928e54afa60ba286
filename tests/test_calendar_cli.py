"""``main.py calendar …``: the CSV contracts scripts rely on, and Chinese errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from services.calendar import TERM_NAMES, store
from services.cli import run
from services.database import Database
from tests.conftest import has_cjk

ROOT = Path(__file__).resolve().parent.parent
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def main_py(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``main.py`` as a user would, in a fresh interpreter."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True,
        encoding="utf-8", env=env, timeout=120,
    )  # fmt: skip


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- as a subprocess ----------------------------------------------------------------------------


def test_terms_subprocess() -> None:
    result = main_py("calendar", "terms", "2026")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "term,moment"
    rows = csv_rows(result.stdout)
    assert [r["term"] for r in rows] == list(TERM_NAMES)
    assert all(MOMENT.match(r["moment"]) for r in rows)
    assert rows[2] == {"term": "立春", "moment": "2026-02-04 04:02:08"}


def test_days_subprocess_and_no_database_created(_isolated_data_dir: Path) -> None:
    before = {p.name for p in _isolated_data_dir.glob("*.db")}
    result = main_py("calendar", "days", "2026-02-16", "2026-02-18")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "date,lunar_month,lunar_day,is_leap,solar_term,holiday"
    assert csv_rows(result.stdout) == [
        {"date": "2026-02-16", "lunar_month": "12", "lunar_day": "29", "is_leap": "0",
         "solar_term": "", "holiday": "春节"},
        {"date": "2026-02-17", "lunar_month": "1", "lunar_day": "1", "is_leap": "0",
         "solar_term": "", "holiday": "春节"},
        {"date": "2026-02-18", "lunar_month": "1", "lunar_day": "2", "is_leap": "0",
         "solar_term": "雨水", "holiday": "春节"},
    ]  # fmt: skip
    assert {p.name for p in _isolated_data_dir.glob("*.db")} == before


BAD_ARGUMENTS = [
    ("calendar", "terms", "1800"),
    ("calendar", "terms", "二〇二六"),
    ("calendar", "days", "2026-05-31", "2026-05-01"),
    ("calendar", "days", "2026-13-01", "2026-12-31"),
    ("calendar", "days", "2026-05-01", "五月底"),
    ("calendar", "days", "1899-12-31", "1900-01-02"),
    ("calendar", "phases", "--region", "火星"),
    ("calendar", "upcoming", "--region", "西南", "--days", "很多"),
]


@pytest.mark.parametrize("args", [BAD_ARGUMENTS[0], BAD_ARGUMENTS[2]])
def test_bad_arguments_subprocess(args: tuple[str, ...]) -> None:
    result = main_py(*args)
    assert result.returncode != 0
    assert has_cjk(result.stderr), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


@pytest.mark.parametrize("args", BAD_ARGUMENTS)
def test_bad_arguments_in_process(
    args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(list(args)) != 0
    captured = capsys.readouterr()
    assert has_cjk(captured.err) and captured.err.startswith("错误：")
    assert captured.out == ""


# -- in process ---------------------------------------------------------------------------------


def test_terms_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "terms", "1900"]) == 0
    rows = csv_rows(capsys.readouterr().out)
    assert len(rows) == 24 and rows[0]["term"] == "小寒" and rows[-1]["term"] == "冬至"
    assert all(r["moment"].startswith("1900-") for r in rows)
    assert run(["calendar", "terms", "2100"]) == 0


def test_days_leap_month(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "days", "2033-12-21", "2033-12-22"]) == 0
    rows = csv_rows(capsys.readouterr().out)
    assert [(r["lunar_month"], r["lunar_day"], r["is_leap"], r["solar_term"]) for r in rows] == [
        ("11", "30", "0", "冬至"),
        ("11", "1", "1", ""),
    ]


def test_days_make_up_workday_has_no_holiday_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "days", "2026-02-14", "2026-02-14"]) == 0
    assert csv_rows(capsys.readouterr().out)[0]["holiday"] == ""


def test_days_include_the_databases_own_holidays(
    db: Database, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with db.unit_of_work("测试") as u:
        store.add_holiday(u.session, {"date": "2026-07-15", "name": "县庆"})
        u.commit()
    assert run(["calendar", "days", "--db", str(db_path), "2026-07-14", "2026-07-15"]) == 0
    rows = csv_rows(capsys.readouterr().out)
    assert [r["holiday"] for r in rows] == ["", "县庆"]


def test_days_with_missing_explicit_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "没有.db"
    assert run(["calendar", "days", "--db", str(missing), "2026-07-14", "2026-07-15"]) == 2
    assert "找不到数据库文件" in capsys.readouterr().err
    assert not missing.exists()


def test_phases_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "phases", "--region", "西南", "--crop", "油茶", "--year", "2026",
                "--format", "csv"]) == 0  # fmt: skip
    rows = csv_rows(capsys.readouterr().out)
    summer = next(r for r in rows if r["name"] == "抽夏梢")
    assert (summer["start"], summer["end"]) == ("2026-05-05", "2026-07-07")
    winter = next(r for r in rows if r["name"] == "低产林改造")
    assert winter["end"].startswith("2027-")  # crosses the new year
    assert {r["crop"] for r in rows} == {"油茶"}


def test_phases_use_the_databases_region_and_edits(
    db: Database, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from services import settings

    with db.unit_of_work("测试") as u:
        settings.set_value(u.session, "calendar.region", "长江中下游")
        store.edit_phase(u.session, "长江中下游/茶叶/春茶采摘", {"start": "春分"})
        u.commit()
    assert run(["calendar", "phases", "--db", str(db_path), "--crop", "茶叶", "--year", "2026",
                "--format", "csv"]) == 0  # fmt: skip
    rows = csv_rows(capsys.readouterr().out)
    assert rows and all(r["key"].startswith("长江中下游/") for r in rows)
    tea = next(r for r in rows if r["name"] == "春茶采摘")
    assert tea["start"] == "2026-03-20" and tea["edited"] == "是"


def test_phases_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "phases", "--region", "西南", "--crop", "牦牛"]) == 2
    assert "牦牛" in capsys.readouterr().err
    assert run(["calendar", "phases", "--region", "西南", "--year", "1800"]) == 2
    assert "超出" in capsys.readouterr().err


def test_upcoming(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "upcoming", "--region", "西南", "--crop", "茶叶", "--date",
                "2026-04-25", "--days", "10", "--format", "csv"]) == 0  # fmt: skip
    rows = csv_rows(capsys.readouterr().out)
    assert [(r["name"], r["state"]) for r in rows] == [("春茶采摘", "进行中"),
                                                        ("春茶后修剪", "5天后开始")]


def test_holidays_commands(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "holiday-add", "--db", str(db_path), "2026-07-15", "县庆"]) == 0
    assert "县庆" in capsys.readouterr().out
    assert run(["calendar", "holiday-add", "--db", str(db_path), "2026-07-15", "又一个"]) == 2
    assert "已有" in capsys.readouterr().err
    assert run(["calendar", "holidays", "--db", str(db_path), "2026", "--format", "csv"]) == 0
    rows = csv_rows(capsys.readouterr().out)
    assert {"date": "2026-07-15", "name": "县庆", "kind": "放假", "source": "本单位",
            "note": ""} in rows  # fmt: skip
    assert any(r["date"] == "2026-02-14" and r["kind"] == "上班" for r in rows)
    assert run(["calendar", "holiday-delete", "--db", str(db_path), "2026-07-15"]) == 0
    assert run(["calendar", "holidays", "2027"]) == 0
    assert "尚未公布" in capsys.readouterr().out


def test_today_is_default_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["calendar", "phases", "--region", "青藏", "--crop", "牦牛", "--format",
                "csv"]) == 0  # fmt: skip
    rows = csv_rows(capsys.readouterr().out)
    assert rows and rows[1]["start"].startswith(str(dt.date.today().year))
