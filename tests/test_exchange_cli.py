"""The command line of the issue: template, import (exit 0/1/2, report path), export,
package export|import|show. Run in-process (``services.cli.run``): starting Python for every
command would cost most of these tests' time; the kill test starts a real process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models import AuditEntry, Need
from services import cli
from services.database import Database, open_database
from services.exchange.templates import HEADER_ROW
from services.uow import UnitOfWork
from tests.conftest import County, _copy_sqlite, _Templates, has_cjk
from tests.exchange_books import COOP, fill_template, messy_needs

UowFactory = Callable[..., UnitOfWork]
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def call(*args: str) -> tuple[int, str, str]:
        code = cli.run(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def needs_count(db_path: Path) -> int:
    database = open_database(str(db_path))
    try:
        with database.session() as s:
            return s.scalar(select(func.count()).select_from(Need)) or 0
    finally:
        database.close()


def test_template_then_import(db: Database, county: County, db_path: Path, tmp_path: Path,
                              run: Run) -> None:
    db.close()
    target = tmp_path / "需求模板.xlsx"
    code, out, _ = run("template", "needs", "--out", str(target), "--db", str(db_path))
    assert code == 0 and str(target) in out
    assert load_workbook(target).worksheets[0].cell(row=HEADER_ROW, column=2).value == "需求标题"
    fill_template(target, [[None, "茶园修剪", "", COOP, None, None, None, None, None, "茶叶"]])
    code, out, err = run("import", "needs", str(target), "--db", str(db_path))
    assert code == 0, err
    assert "新增 1" in out and needs_count(db_path) == 1


def test_import_exit_codes_dry_run_and_report(db: Database, county: County, db_path: Path,
                                              tmp_path: Path, run: Run) -> None:
    db.close()
    path, expected = messy_needs(tmp_path / "n.xlsx")
    errors = sum(1 for f in expected.values() if "error" in f)
    code, out, _ = run("import", "needs", str(path), "--db", str(db_path), "--dry-run",
                       "--year", "2026")
    assert code == 1 and "预览" in out and needs_count(db_path) == 0
    report = tmp_path / "报告.xlsx"
    code, out, _ = run("import", "needs", str(path), "--db", str(db_path), "--year", "2026",
                       "--report", str(report), "--on-duplicate", "update",
                       "--map-place", "白云乡=新建")
    assert code == 1, "some rows were refused"
    assert f"导入报告：{report}" in out and report.exists()
    assert out.count("第 ") >= errors
    assert needs_count(db_path) == len(expected) - errors
    assert "乡镇“白云乡”不在库中，将新建" in out
    code, out, err = run("import", "needs", str(tmp_path / "missing.xlsx"), "--db",
                         str(db_path))
    assert code == 2 and has_cjk(err) and "Traceback" not in err


def test_import_column_mapping_option(db: Database, county: County, db_path: Path,
                                      tmp_path: Path, run: Run) -> None:
    db.close()
    wb = Workbook()
    wb.active.append(["问题", "主体", "方向", "备注栏"])
    wb.active.append(["茶园修剪", COOP, "茶叶", "随便"])
    wb.save(tmp_path / "a.xlsx")
    code, _, err = run("import", "needs", str(tmp_path / "a.xlsx"), "--db", str(db_path),
                       "--map", "问题=需求标题", "--map", "主体=unit", "--map", "方向=专业领域",
                       "--map", "备注栏=")
    assert code == 0, err
    code, _, err = run("import", "needs", str(tmp_path / "a.xlsx"), "--db", str(db_path),
                       "--map", "问题=不存在的列")
    assert code == 2 and "不存在的列" in err


def test_export_and_its_audit(db: Database, county: County, db_path: Path, tmp_path: Path,
                              run: Run) -> None:
    db.close()
    for kind in ("needs", "experts", "units", "dispatches"):
        code, out, err = run("export", kind, "--db", str(db_path), "--out",
                             str(tmp_path / f"{kind}.xlsx"))
        assert code == 0, err
        assert "已遮盖" in out
    code, out, _ = run("export", "experts", "--full", "--db", str(db_path), "--out",
                       str(tmp_path / "full.xlsx"))
    assert code == 0 and "完整" in out
    database = open_database(str(db_path))
    try:
        with database.session() as s:
            reveals = [e.after["reveal_personal"] for e in s.scalars(
                select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id))]
    finally:
        database.close()
    assert reveals == [False, False, False, False, True]


def test_package_commands(db: Database, county: County, uow: UowFactory, db_path: Path,
                          tmp_path: Path, _templates: _Templates, run: Run) -> None:
    from services import needs

    with uow() as u:
        needs.create_need(u.session, {"title": "茶园修剪", "unit": county.coop, "field": "茶叶",
                                      "submitted_on": date(2026, 4, 1)}, u.actor)
        u.commit()
    db.close()
    package = tmp_path / "p.zip"
    code, out, err = run("package", "export", "--db", str(db_path), "--year", "2026",
                         "--out", str(package))
    assert code == 0, err
    assert "申报需求（条）：1" in out
    code, out, _ = run("package", "show", str(package))
    assert code == 0 and "完好" in out
    city = tmp_path / "city.db"
    _copy_sqlite(_templates.bare_db, city)
    code, out, err = run("package", "import", str(package), "--db", str(city), "--dry-run")
    assert code == 0 and "预览" in out and needs_count(city) == 0, err
    code, out, _ = run("package", "import", str(package), "--db", str(city))
    assert code == 0 and needs_count(city) == 1
    code, out, err = run("package", "import", str(package), "--db", str(db_path))
    assert code == 2 and "本库自己" in err
