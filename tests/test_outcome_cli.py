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


@pytest.fixture
def county_codes(db: Database, uow: Callable[..., UnitOfWork], data: Path
                 ) -> tuple[Any, str]:
    """The small county and a completed dispatch whose need has had its summary."""
    from services import dispatches, needs

    small = small_county(uow)
    done = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    with uow() as u:
        need = dispatches.get_dispatch(u.session, done).need
        for target in ("matched", "served", "summarised"):
            if need.status != target:
                needs.set_status(u.session, need.id, target, "测试")
        u.commit()
    db.close()
    return small, done


def test_organisations_from_the_command_line(cli: Any, county_codes: tuple[Any, str]) -> None:
    small, done = county_codes
    rc, _, err = cli("outcome", "team", "add", "--name", "茶产业专家服务团")
    assert rc == 2 and "团长" in err and "Traceback" not in err
    rc, out, err = cli("outcome", "team", "add", "--name", "茶产业专家服务团", "--lead",
                       small.tea, "--members", f"{small.tea}、{small.tea2}", "--kind", "示范团")
    assert rc == 0, err
    assert "已新建专家服务团 TD-0001" in out
    rc, out, _ = cli("outcome", "team", "list")
    assert rc == 0 and "茶产业专家服务团" in out and "示范团" in out
    rc, out, _ = cli("outcome", "team", "show", "TD-0001")
    assert rc == 0 and "张明远" in out and "王春茶" in out

    rc, out, err = cli("outcome", "base", "add", "--name", "石门茶叶基地", "--level", "县级",
                       "--host", small.coop, "--experts", small.tea)
    assert rc == 0 and "JD-0001" in out, err
    rc, out, err = cli("outcome", "base", "evaluate", "JD-0001", "--year", "2025",
                       "--result", "优秀")
    assert rc == 0 and "优秀" in out, err
    rc, out, _ = cli("outcome", "base", "show", "JD-0001")
    assert "2025 年优秀" in out

    rc, out, err = cli("outcome", "workstation", "add", "--name", "茶叶科研工作站",
                       "--expert", small.tea, "--host", small.coop, "--start", "2025-01-01")
    assert rc == 0 and "GZZ-0001" in out, err
    rc, out, err = cli("outcome", "workstation", "log", "GZZ-0001", "--date", "2025-03-02",
                       "--days", "3", "--note", "修剪指导")
    assert rc == 0 and "累计 3 天" in out, err
    rc, _, err = cli("outcome", "workstation", "log", "GZZ-0001", "--date", "2024-03-02",
                     "--days", "3")
    assert rc == 2 and "不在工作站期限" in err

    rc, out, err = cli("outcome", "activity", "add", "--name", "院士专家基层行",
                       "--kind", "院士专家基层行", "--start", "2025-04-01", "--end", "2025-04-30")
    assert rc == 0 and "HD-2025-0001" in out, err
    rc, out, err = cli("outcome", "activity", "link", "HD-2025-0001", done)
    assert rc == 0 and done in out, err
    rc, out, _ = cli("outcome", "activity", "show", "HD-2025-0001")
    assert done in out and "张明远" in out
    rc, out, err = cli("outcome", "activity", "unlink", "HD-2025-0001", done)
    assert rc == 0, err
    rc, _, err = cli("outcome", "activity", "unlink", "HD-2025-0001", done)
    assert rc == 2 and "不属于" in err
    rc, out, err = cli("outcome", "team", "delete", "TD-0001")
    assert rc == 0 and "已删除" in out, err
    rc, out, _ = cli("outcome", "team", "list")
    assert "茶产业专家服务团" not in out
    rc, out, err = cli("outcome", "team", "restore", "TD-0001")
    assert rc == 0, err


def test_agreement_and_publicity_move_the_need(cli: Any, county_codes: tuple[Any, str]
                                               ) -> None:
    _, done = county_codes
    rc, out, err = cli("outcome", "agreement", "add", done, "--signed", "2025-05-01",
                       "--role", "特聘专家")
    assert rc == 0, err
    assert "已登记受聘签约" in out and "已签约" in out
    rc, out, _ = cli("outcome", "agreement", "list", "--dispatch", done)
    assert rc == 0 and "特聘专家" in out
    rc, _, err = cli("outcome", "publicity", "add", done, "--outlet", "县融媒体中心",
                     "--date", "2025-05-10", "--title", "专家进茶园", "--link", "ftp://x")
    assert rc == 2 and "链接" in err
    rc, out, err = cli("outcome", "publicity", "add", done, "--outlet", "县融媒体中心",
                       "--date", "2025-05-10", "--title", "专家进茶园")
    assert rc == 0, err
    assert "已宣传" in out
    rc, out, _ = cli("outcome", "publicity", "list")
    assert "专家进茶园" in out and done in out
    rc, out, _ = cli("outcome", "show", done)
    assert "专家进茶园" in out and "特聘专家" in out
