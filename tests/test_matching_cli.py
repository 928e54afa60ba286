"""``main.py match`` and ``main.py schedule`` on a small county, in process."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.cli import run
from services.database import Database
from services.uow import UnitOfWork
from tests.conftest import has_cjk
from tests.matching_support import SmallCounty, add_need, build_county


@pytest.fixture
def county_db(db: Database, uow: Callable[..., UnitOfWork]) -> tuple[SmallCounty, list[str]]:
    with uow() as u:
        county = build_county(u.session)
        codes = [add_need(u.session, county.coop, "茶园管理", "2026-05-06", "2026-05-20"),
                 add_need(u.session, county.forest_firm, "夏梢管理", "2026-05-06", "2026-05-20",
                          days_wanted=2),
                 add_need(u.session, county.clinic, "全科", "2026-05-06", "2026-05-20")]
        u.commit()
    db.close()
    return county, codes


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_path: Path) -> Callable[..., tuple[int, str, str]]:
    def call(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = run([*argv, "--db", str(db_path)])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_match_lists_experts_with_reasons(cli: Any, county_db: Any) -> None:
    _, (tea, _, clinic) = county_db
    code, out, err = cli("match", tea)
    assert code == 0, err
    assert "张明远" in out and "推荐" in out and "专业完全匹配 +40" in out
    code, out, _ = cli("match", tea, "--format", "json")
    data = json.loads(out)
    assert data["need"] == tea and data["experts"][0]["factors"][0]["points"] == 40
    code, out, _ = cli("match", clinic)
    assert code == 0 and "已排除：刘慧" in out and "利益冲突" in out


def test_match_refuses_unknown_need(cli: Any, county_db: Any) -> None:
    code, _, err = cli("match", "XQ-2026-9999")
    assert code == 2 and has_cjk(err) and "Traceback" not in err
    code, _, err = cli("match")
    assert code == 2 and "--published" in err


def test_published_list_and_application(cli: Any, county_db: Any, tmp_path: Path) -> None:
    county, (tea, _, _) = county_db
    code, out, err = cli("match", tea, "--apply-by", county.tea2, "--plan", "现场指导")
    assert code == 0 and "已登记揭榜" in out, err
    code, out, _ = cli("match", tea)
    assert "揭榜" in out.splitlines()[5]  # the applicant heads the list
    target = tmp_path / "榜单.csv"
    code, out, _ = cli("match", "--published", "--out", str(target))
    assert code == 0 and "3 条需求" in out
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "需求编号" and len(rows) == 4


def test_schedule_proposes_then_applies(cli: Any, county_db: Any) -> None:
    _, (tea, oil, clinic) = county_db
    code, out, err = cli("schedule", "--from", "2026-05-01", "--to", "2026-05-31",
                         "--time-limit", "5")
    assert code == 0, err
    assert "已证明最优" in out and "安排 2/3 条需求" in out
    assert "未安排的需求" in out and clinic in out and "利益冲突" in out
    assert "尚未写入" in out
    code, out, err = cli("schedule", "--from", "2026-05-01", "--to", "2026-05-31",
                         "--time-limit", "5", "--apply", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert len(data["applied"]) == 2
    assert data["stats"]["gap"] == 0 and data["stats"]["status_text"] == "已证明最优"
    assert {v["need_code"] for v in data["visits"]} == {tea, oil}
    assert data["unplanned"][0]["need_code"] == clinic
    code, out, _ = cli("needs", "list", "--status", "matched", "--format", "csv")
    assert tea in out and oil in out


def test_schedule_refuses_bad_dates(cli: Any, county_db: Any) -> None:
    code, _, err = cli("schedule", "--from", "2026-05-31", "--to", "2026-05-01")
    assert code == 2 and "早于" in err
    code, out, err = cli("schedule", "--from", "明天", "--to", "2026-05-01")
    assert code == 2 and has_cjk(err) and "Traceback" not in err + out
