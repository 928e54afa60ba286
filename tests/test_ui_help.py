"""帮助 › 使用说明 (F1): the Chinese user guide of docs/ with its screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from services.database import Database
from tests.conftest import County
from tests.ui_support import ignore_offscreen, open_window, wait_idle
from ui.help_dialog import HelpDialog, docs_dir, guide_path
from ui.main_window import MainWindow

pytestmark = ignore_offscreen


@pytest.fixture
def win(qtbot: QtBot, db: Database, county: County, tmp_path: Path) -> Iterator[MainWindow]:
    """The main window over the small county of tests/conftest.py."""
    main = open_window(qtbot, db, tmp_path / "ui-state.json")
    yield main
    main.close()


def test_f1_opens_the_guide_with_its_pictures(qtbot: QtBot, win: MainWindow) -> None:
    win.activateWindow()
    win.setFocus()
    qtbot.keyClick(win, Qt.Key.Key_F1)
    wait_idle(qtbot, win)
    dialog = getattr(win, "help_dialog", None)
    assert isinstance(dialog, HelpDialog) and dialog.isVisible()
    text = dialog.browser.toPlainText()
    for part in ("导入", "论证", "农时日历", "打印", "回执", "备份"):
        assert part in text
    document = dialog.browser.document()
    images = re.findall(r"\]\((guide-[a-z]+\.png)\)", guide_path().read_text(encoding="utf-8"))
    assert len(images) >= 4
    for name in images:
        assert (docs_dir() / name).is_file(), name
        image = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
        assert image is not None and not image.isNull(), name
    dialog.close()


def test_help_menu_lists_the_guide_and_about(win: MainWindow) -> None:
    menus = {a.text(): a.menu() for a in win.menuBar().actions() if a.menu() is not None}
    help_menu = menus["帮助(&H)"]
    texts = [a.text() for a in help_menu.actions()]
    assert "使用说明(&U)" in texts and "关于(&A)" in texts
    guide = next(a for a in help_menu.actions() if a.text() == "使用说明(&U)")
    assert guide.shortcut().toString() == "F1"


def test_a_missing_guide_is_said_in_chinese(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = HelpDialog(None, tmp_path / "user-guide.md")
    qtbot.addWidget(dialog)
    assert "找不到使用说明文件" in dialog.browser.toPlainText()
