"""``main.py outcome``: record a receipt, attach a file, show, list, verify — Chinese output,
errors without tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models import DispatchStatus
from services.cli import run
from services.database import Database
from services.uow import UnitOfWork
from tests.conftest import has_cjk
from tests.outcomes_support import make_dispatch, small_county


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("EXPERT_DISPATCH_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def codes(db: Database, uow: Callable[..., UnitOfWork], data: Path) -> tuple[str, str]:
    small = small_county(uow)
    done = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09",
                         status=DispatchStatus.CONFIRMED)
    planned = make_dispatch(uow, small.coop, "茶园管理", small.tea2, "2025-05-08", "2025-05-08",
                            status=DispatchStatus.PLANNED)
    db.close()
    return done, planned


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


def test_record_attach_show_verify(cli: Any, codes: tuple[str, str], data: Path,
                                   tmp_path: Path) -> None:
    code, _ = codes
    rc, out, _ = cli("outcome", "list", "--state", "none")
    assert rc == 0 and code in out and "未登记" in out
    rc, out, err = cli("outcome", "record", code, "--days", "2", "--trainings", "2",
                       "--trained", "40", "--problems", "3", "--problem", "茶小绿叶蝉防治",
                       "--problem", "修剪时机", "--satisfaction", "5",
                       "--receipt-date", "2025-04-20", "--signed-by", "王建国")
    assert rc == 0, err
    assert "已登记" in out and "40 人次" in out and "已完成" in out
    photo = tmp_path / "现场.png"
    photo.write_bytes(b"\x89PNG fake")
    rc, out, err = cli("outcome", "attach", code, str(photo), "--kind", "照片")
    assert rc == 0, err
    assert "现场.png" in out and str(data / "attachments") in out
    rc, out, _ = cli("outcome", "show", code)
    assert rc == 0
    for text in ("茶小绿叶蝉防治", "非常满意", "王建国", "[照片] 现场.png", "完好", "已完成"):
        assert text in out
    rc, out, _ = cli("outcome", "verify")
    assert rc == 0 and "全部完好" in out
    stored = next((data / "attachments").rglob("*.png"))
    stored.unlink()
    rc, out, _ = cli("outcome", "verify")
    assert rc == 1 and "现场.png" in out and "不见了" in out


def test_errors_are_chinese_and_without_traceback(cli: Any, codes: tuple[str, str]) -> None:
    code, planned = codes
    rc, _, err = cli("outcome", "record", planned, "--trained", "10", "--trainings", "1")
    assert rc == 2 and has_cjk(err) and "Traceback" not in err
    rc, _, err = cli("outcome", "record", code, "--satisfaction", "9")
    assert rc == 2 and "满意度" in err
    rc, _, err = cli("outcome", "show", "PQ-1999-0001")
    assert rc == 2 and "找不到" in err
    rc, out, _ = cli("outcome", "--help")
    assert rc == 0 and "回执" in out
