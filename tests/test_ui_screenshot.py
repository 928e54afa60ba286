"""The real window on a real (virtual) X server: the main window over the demo county is
rendered under Xvfb, grabbed from the screen, and must not be blank, with a Chinese font
installed so that Chinese shows as Chinese, not boxes. ``.ci/run`` installs xvfb and
fonts-wqy-microhei; without Xvfb the test is skipped and says why."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.conftest import PROJECT_ROOT
from ui.screenshot import image_is_blank

XVFB = shutil.which("Xvfb")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(XVFB is None, reason="没有安装 Xvfb，跳过真实窗口截图检查"
                       "（.ci/run 会安装 xvfb 和 fonts-wqy-microhei）"),
]


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh Xvfb; it tells its display number through a pipe (no guessing of a free one)."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [XVFB, "-displayfd", str(write_end), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], 30)
            if not ready:
                pytest.fail("Xvfb 在 30 秒内没有启动")
            chunk = os.read(read_end, 16)
            if not chunk:
                pytest.fail("Xvfb 启动失败")
            number += chunk
        yield f":{number.decode().strip()}"
    finally:
        os.close(read_end)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """The demo county (services/demo.py), or the tests' small county if it is absent."""
    from services.database import open_database

    path = tmp_path / "demo.db"
    database = open_database(str(path))
    try:
        try:
            from services.demo import create_demo
        except ImportError:
            _small_county(database)
        else:
            create_demo(database)
    finally:
        database.close()
    return path


def _small_county(database) -> None:  # type: ignore[no-untyped-def]
    from services import experts, needs, places, units

    with database.unit_of_work("截图") as uow:
        s = uow.session
        township = places.create_township(s, {"name": "青山镇"})
        village = places.create_village(s, {"name": "茶山村", "township_id": township.id,
                                            "poverty_alleviated": True})
        unit = units.create_unit(s, {"name": "茶山村茶叶专业合作社", "unit_type": "合作社",
                                     "township_id": township.id, "village_id": village.id})
        experts.create_expert(s, {"name": "张华山", "gender": "男", "title": "正高级",
                                  "specialties": ["茶叶"]})
        needs.create_need(s, {"title": "茶园春季病虫害绿色防控", "unit": unit.code,
                              "field": "茶叶"}, uow.actor)
        uow.commit()


def test_main_window_renders_under_xvfb(display: str, demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    env = os.environ | {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
                        "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "ui.screenshot", "--db", str(demo_db), "--out", str(out),
         "--pages", "dashboard,needs", "--check"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "中文字体：无" not in result.stdout
    for key in ("dashboard", "needs"):
        image = QImage(str(out / f"screen-{key}.png"))
        assert (image.width(), image.height()) == (1400, 880)
        assert not image_is_blank(image), f"screen-{key}.png is blank"


def test_blank_detection() -> None:
    image = QImage(200, 100, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    assert image_is_blank(image)
    for x in range(0, 200, 7):
        for y in range(0, 100, 5):
            image.setPixel(x, y, (x * 1237 + y * 31) & 0xFFFFFF)
    assert not image_is_blank(image)
