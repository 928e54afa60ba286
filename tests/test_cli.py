"""The command line: in process through ``services.cli.run`` and, for a few commands, as a
user runs it (``python main.py …`` in a subprocess)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.cli import run
from tests.conftest import PROJECT_ROOT, County, has_cjk, make_id_number


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db: Any, db_path: Path) -> Any:
    """``cli("needs", "list")`` → (exit code, stdout, stderr), always on the test database.
    The fixture's own connection is closed first, as when a user runs the command."""
    db.close()

    def call(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = run([*argv, "--db", str(db_path)])
        except SystemExit as exc:  # argparse refusing the command line
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def main_py(subprocess_env: dict[str, str]) -> Any:
    """``main_py("needs", "list", …)``: run main.py as a user does, in a child process."""

    def call(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "main.py", *argv], cwd=PROJECT_ROOT, env=subprocess_env,
            capture_output=True, text=True, encoding="utf-8", timeout=180,
        )

    return call


def assert_refused(code: int, out: str, err: str) -> None:
    assert code != 0
    assert has_cjk(err), err
    assert "Traceback" not in err + out


def add_need(cli: Any, county: County, title: str = "油茶林夏季抽梢期养护指导") -> str:
    code, out, err = cli("needs", "add", "--title", title, "--unit", county.coop,
                         "--field", "油茶", "--from", "2026-06-01", "--to", "2026-07-10",
                         "--experts", "2", "--title-level", "中级", "--beneficiaries", "80")
    assert (code, err) == (0, ""), err
    assert "已录入需求" in out
    return out.split()[1].split("：")[0]


# --- in process -----------------------------------------------------------------------------


def test_needs_round_trip(cli: Any, county: County) -> None:
    need = add_need(cli, county)
    assert need.startswith("XQ-") and len(need) == len("XQ-2026-0001")

    code, out, _ = cli("needs", "list")
    assert code == 0
    assert need in out and "油茶林夏季抽梢期养护指导" in out and "已申报" in out
    assert out.rstrip().endswith("共 1 条")

    code, out, _ = cli("needs", "show", need)
    assert code == 0
    for text in (need, "油茶", "2026-06-01", "中级", "青山镇", "石门村", "（新建）→已申报"):
        assert text in out, text

    code, out, err = cli("needs", "set-status", need, "reviewed")
    assert (code, err) == (0, "")
    assert "已论证" in out
    code, out, _ = cli("needs", "set-status", need, "已撤回", "--reason", "不在服务范围")
    assert code == 0
    code, out, _ = cli("needs", "list", "--status", "已撤回")
    assert need in out
    code, out, _ = cli("needs", "list", "--status", "submitted")
    assert need not in out and "共 0 条" in out
    code, out, _ = cli("needs", "show", need, "--format", "json")
    history = json.loads(out)["流转记录"]
    assert len(history) == 3 and history[-1].endswith("：不在服务范围")

    code, out, _ = cli("needs", "delete", need)
    assert code == 0 and "needs restore" in out
    code, out, _ = cli("needs", "list")
    assert need not in out
    code, out, _ = cli("needs", "list", "--deleted")
    assert need in out
    code, out, _ = cli("needs", "restore", need)
    assert code == 0
    code, out, _ = cli("needs", "list")
    assert need in out


def test_experts_round_trip(cli: Any, county: County) -> None:
    id_number = make_id_number("19860420", region="530102", seq="242")
    code, out, err = cli("experts", "add", "--name", "周晓梅", "--id-number", id_number,
                         "--phone", "139 0871 2233", "--employer", "省林业科学院",
                         "--title", "副高级", "--title-name", "副研究员",
                         "--honours", "市级专家,乡土专家", "--specialties", "油茶,核桃",
                         "--max-days-month", "6", "--max-days-year", "40")
    assert (code, err) == (0, ""), err
    assert "ZJ-0004" in out and "周晓梅" in out

    code, out, _ = cli("experts", "show", "ZJ-0004")
    assert code == 0
    for text in ("周晓梅", "女", "1986", "13908712233", "副研究员（副高级）", "市级专家、乡土专家",
                 "林业 › 油茶", "6 / 40"):
        assert text in out, text

    code, out, _ = cli("experts", "list")
    assert code == 0
    assert all(name in out for name in ("张明远", "刘慧", "杨志强", "周晓梅"))
    assert "共 4 条" in out

    code, out, _ = cli("experts", "delete", "ZJ-0004")
    assert code == 0
    code, out, _ = cli("experts", "list")
    assert "周晓梅" not in out
    code, out, _ = cli("experts", "restore", "ZJ-0004")
    assert code == 0
    code, out, _ = cli("experts", "list", "--format", "json")
    assert [e["code"] for e in json.loads(out)] == ["ZJ-0001", "ZJ-0002", "ZJ-0003", "ZJ-0004"]


def test_csv_and_json_output(cli: Any, county: County) -> None:
    first = add_need(cli, county)
    second = add_need(cli, county, "茶叶加工与品牌营销培训")

    code, out, _ = cli("needs", "list", "--format", "csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert [r["code"] for r in table] == [first, second]
    assert table[1]["title"] == "茶叶加工与品牌营销培训"
    assert table[0]["status"] == "submitted" and table[0]["status_label"] == "已申报"
    assert table[0]["window_start"] == "2026-06-01" and table[0]["experts_wanted"] == "2"

    code, out, _ = cli("needs", "list", "--format", "json")
    data = json.loads(out)
    assert [r["code"] for r in data] == [first, second]
    assert data[0]["experts_wanted"] == 2 and data[0]["priority"] is False
    assert data[0]["window_end"] == "2026-07-10"

    code, out, _ = cli("experts", "list", "--format", "csv")
    experts = list(csv.DictReader(io.StringIO(out)))
    assert [(r["code"], r["name"]) for r in experts] == [
        ("ZJ-0001", "张明远"), ("ZJ-0002", "刘慧"), ("ZJ-0003", "杨志强")]
    assert experts[0]["specialties"] == "茶叶、茶园管理"
    assert experts[2]["retired"] == "是"

    code, out, _ = cli("experts", "show", "ZJ-0001", "--format", "json")
    record = json.loads(out)
    assert record["姓名"] == "张明远" and record["职称"] == "研究员（正高级）"
    code, out, _ = cli("needs", "show", first, "--format", "csv")
    assert dict(csv.reader(io.StringIO(out)))["编号"] == first


@pytest.mark.parametrize(
    "argv",
    [
        ("needs", "show", "XQ-2026-9999"),
        ("needs", "set-status", "XQ-2026-9999", "reviewed"),
        ("needs", "delete", "XQ-2026-9999"),
        ("needs", "list", "--status", "进行中"),
        ("needs", "add", "--title", "无单位", "--unit", "DW-9999", "--field", "茶叶"),
        ("needs", "add", "--title", "日期颠倒", "--unit", "DW-0001", "--field", "茶叶",
         "--from", "2026-06-01", "--to", "2026-05-01"),
        ("experts", "show", "ZJ-9999"),
        ("experts", "add", "--name", "王五", "--id-number", "123456789012345678"),
        ("experts", "add", "--name", "王五", "--gender", "男", "--phone", "12345"),
        ("experts", "add", "--name", "张明远", "--phone", "13885000001", "--gender", "男"),
        ("experts", "restore", "ZJ-0001"),
    ],
    ids=lambda argv: " ".join(argv[:2]) + ":" + argv[2],
)
def test_errors_are_chinese_without_traceback(cli: Any, county: County,
                                              argv: tuple[str, ...]) -> None:
    code, out, err = cli(*argv)
    assert_refused(code, out, err)
    assert err.startswith("错误：")


def test_illegal_transition(cli: Any, county: County) -> None:
    need = add_need(cli, county)
    code, out, err = cli("needs", "set-status", need, "publicised")
    assert_refused(code, out, err)
    assert "不能改为“已宣传”" in err
    code, out, err = cli("needs", "set-status", need, "rejected")  # no reason
    assert_refused(code, out, err)
    assert "原因" in err
    code, out, _ = cli("needs", "show", need)
    assert "已申报（submitted）" in out


def test_bad_id_number_changes_nothing(cli: Any, county: County) -> None:
    bad = make_id_number("19860420")[:17] + "0"
    if bad == make_id_number("19860420"):
        bad = bad[:17] + "1"
    code, out, err = cli("experts", "add", "--name", "王五", "--id-number", bad)
    assert_refused(code, out, err)
    assert "校验位" in err
    code, out, _ = cli("experts", "list")
    assert "王五" not in out and "共 3 条" in out


@pytest.mark.parametrize(
    "argv",
    [("needs", "frobnicate"), ("frobnicate",), ("needs", "add", "--title", "缺少单位"),
     ("needs", "list", "--format", "xml"), ("needs", "list", "--no-such-option")],
)
def test_bad_command_line(cli: Any, argv: tuple[str, ...]) -> None:
    code, out, err = cli(*argv)
    assert code == 2
    assert_refused(code, out, err)
    assert "错误" in err


def test_help_is_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["needs", "--help"], ["experts", "add", "--help"]):
        with pytest.raises(SystemExit):
            code = run(argv)
            raise SystemExit(code)
        out = capsys.readouterr().out
        assert "用法" in out and has_cjk(out)


# --- as a user runs it ----------------------------------------------------------------------


def test_selftest_subprocess(main_py: Any) -> None:
    result = main_py("selftest")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "OK"
    assert "Traceback" not in result.stderr


def test_needs_subprocess_round_trip(main_py: Any, db: Any, db_path: Path,
                                     county: County) -> None:
    db.close()
    result = main_py("needs", "add", "--db", str(db_path), "--title", "马铃薯晚疫病统防统治",
                     "--unit", county.coop, "--field", "马铃薯", "--village", "茶山村",
                     "--township", "青山镇")
    assert result.returncode == 0, result.stderr
    code = result.stdout.split()[1].split("：")[0]
    result = main_py("needs", "list", "--db", str(db_path), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["code"], r["village"], r["priority"]) for r in rows] == [(code, "茶山村", "是")]


def test_error_subprocess(main_py: Any, tmp_path: Path) -> None:
    result = main_py("experts", "add", "--name", "王五", "--id-number", "1234",
                     "--db", str(tmp_path / "new.db"))
    assert result.returncode == 2
    assert result.stderr.startswith("错误：") and "身份证号" in result.stderr
    assert "Traceback" not in result.stderr
