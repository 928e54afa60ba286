"""Fixtures and helpers of the GUI tests (tests/test_ui_*.py import them).

Every window gets its own layout file in the test's temporary folder, and is closed — its
background tasks finished — before the test's database is closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from services.database import Database
from tests.conftest import County
from ui.main_window import MainWindow
from ui.state import UiState

# Qt's offscreen platform (the tests' QT_QPA_PLATFORM) cannot pass a window's size limits to a
# window system and says so as a warning whenever a layout changes them; a real platform (xcb,
# windows) does not. Only that message is ignored: every other Qt warning still fails a test.
OFFSCREEN_SIZE_HINTS = r"This plugin does not support propagateSizeHints\(\)"
ignore_offscreen = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)


def wait_idle(qtbot: QtBot, window: MainWindow, timeout: int = 15_000) -> None:
    """Until no background task runs (and the callbacks have run)."""
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=timeout)
    qtbot.wait(10)


def open_window(qtbot: QtBot, db: Database, path: Path, page: str | None = None, *,
                resize: bool = True) -> MainWindow:
    window = MainWindow(db, state=UiState(path))
    qtbot.addWidget(window)
    if resize:
        window.resize(1300, 820)
    window.show()
    wait_idle(qtbot, window)
    if page is not None:
        window.show_page(page)
        wait_idle(qtbot, window)
    return window


@pytest.fixture
def window(qtbot: QtBot, db: Database, county: County, tmp_path: Path) -> Iterator[MainWindow]:
    """The main window over the small county of tests/conftest.py."""
    main = open_window(qtbot, db, tmp_path / "ui-state.json")
    yield main
    main.close()  # waits for its tasks: the database closes after this fixture


def type_text(qtbot: QtBot, widget: Any, text: str) -> None:
    """Type into a widget as a person does: Latin letters and digits as key presses, Chinese
    as an input method commits it (QTest cannot press a key for 茶)."""
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)
