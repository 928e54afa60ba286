"""``main.py report`` and ``main.py ledger``: the forms the issue names, kept exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from services.cli import run
from tests.conftest import County
from tests.stats_support import build_outcomes


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db: Any, county: County, db_path: Path) -> Any:
    build_outcomes(db, county)
    db.close()

    def call(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = run([*argv, "--db", str(db_path)])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_report_prints_figures_and_paragraph(cli) -> None:
    code, out, err = cli("report", "--year", "2026")
    assert code == 0, err
    assert "解决各类难题" in out and "13" in out
    assert "共开展专家服务活动 1 场，邀请专家 3 名" in out
    code, out, _ = cli("report", "--year", "2026", "--quarter", "1")
    assert code == 0 and "2026年一季度" in out and "邀请专家 1 名" in out
    code, out, _ = cli("report", "--year", "2026", "--slice", "township=白岩乡")
    assert code == 0 and "白岩乡共开展" in out


def test_report_drill_down_and_errors(cli) -> None:
    code, out, _ = cli("report", "--year", "2026", "--drill", "experts", "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 4 and "张明远" in out  # header + 3 experts
    code, _, err = cli("report", "--year", "2026", "--drill", "nonsense")
    assert code == 2 and "没有“nonsense”这项统计" in err
    code, _, err = cli("report", "--year", "2026", "--out", "x.txt")
    assert code == 2 and ".pdf 或 .xlsx" in err


def test_report_out_pdf_and_xlsx(cli, tmp_path: Path) -> None:
    code, out, err = cli("report", "--year", "2026", "--out", str(tmp_path / "r.pdf"))
    assert code == 0, err
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF") and "已保存统计报表" in out
    code, out, _ = cli("report", "--year", "2026", "--quarter", "2", "--out",
                       str(tmp_path / "r.xlsx"))
    assert code == 0 and load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "总计"


def test_report_funds(cli, tmp_path: Path) -> None:
    code, out, _ = cli("report", "--year", "2026", "--funds", "--out", str(tmp_path / "f.xlsx"))
    assert code == 0 and "合计：2,500.00 元" in out and "预算：10,000.00 元" in out


def test_ledger_forms(cli) -> None:
    code, out, err = cli("ledger", "张明远", "--year", "2026")
    assert code == 0, err
    assert "合计：12 天（派遣 8 天，工作站 4 天）" in out and "GZZ-0001" in out
    code, out, _ = cli("ledger", "ZJ-0003", "--year", "2026", "--format", "json")
    assert code == 0 and '"days": 2' in out
    code, out, _ = cli("ledger", "--cards", "--year", "2026")
    assert code == 0 and "张明远" in out
    code, _, err = cli("ledger", "无此人", "--year", "2026")
    assert code == 2 and "找不到专家" in err
