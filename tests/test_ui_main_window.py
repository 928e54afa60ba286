"""The main window: navigation over the page registry (only screens that exist), status bar
(database, solar term), about dialog, Chinese Qt dialogs, remembered layout as plain JSON,
opening the database off the GUI thread, shortcuts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from services.about import APP_VERSION
from tests.conftest import PROJECT_ROOT
from tests.ui_support import ignore_offscreen, open_window, wait_idle, window  # noqa: F401
from ui.app import install_chinese_translations
from ui.main_window import MainWindow, term_text
from ui.pages import PAGE_MODULES, load_pages
from ui.state import UiState

pytestmark = ignore_offscreen
CORE = ["工作台", "需求清单", "专家库", "需求单位", "乡镇与村", "设置"]


def nav_titles(main: MainWindow) -> list[str]:
    return [main.nav.item(i).text() for i in range(main.nav.count())]


def test_navigation_shows_the_screens_that_exist_in_order(qtbot, window) -> None:  # noqa: F811
    titles = nav_titles(window)
    assert titles == [s.title for s in load_pages()]
    assert [t for t in titles if t in CORE] == CORE
    assert titles[0] == "工作台" and titles[-1] == "设置"
    assert window.current_key == "dashboard"
    window.nav.setCurrentRow(titles.index("专家库"))
    wait_idle(qtbot, window)
    assert window.current_key == "experts"
    assert window.stack.currentWidget() is window.pages["experts"]


def test_registry_skips_screens_not_in_this_build() -> None:
    specs = load_pages(("ui.pages.needs", "ui.pages.no_such_screen", "ui.pages.dashboard"))
    assert [s.key for s in specs] == ["dashboard", "needs"]
    assert "ui.pages.settings" in PAGE_MODULES


def test_shortcuts_switch_screens_and_find_focuses_search(qtbot, window) -> None:  # noqa: F811
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert window.current_key == "needs"
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.pages["needs"].search.hasFocus()


def test_status_bar_shows_the_database_and_the_solar_term(qtbot, db, window) -> None:  # noqa: F811
    assert window.db_label.text() == f"数据库：{db.display_name}"
    text = term_text(date(2026, 5, 9))
    try:
        from services.calendar import TERM_NAMES
    except ImportError:  # the calendar is not installed: the label stays hidden
        assert text == "" and not window.term_label.isVisible()
        return
    assert text.startswith("2026年5月9日") and "立夏第 5 天" in text and "农历" in text
    assert any(name in window.term_label.text() for name in TERM_NAMES)
    assert window.term_label.isVisible()


def test_without_the_calendar_the_term_is_left_out(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "services.calendar", None)  # import fails
    assert term_text(date(2026, 5, 9)) == ""


def test_about_dialog_names_the_version(qtbot, window) -> None:  # noqa: F811
    dialog = window.show_about()
    assert dialog.isVisible()
    assert dialog.findChild(QLabel, "version").text() == f"版本 {APP_VERSION}"
    texts = [w.text() for w in dialog.findChildren(QLabel)]
    assert any("PySide6" in t and "数据库" in t for t in texts)
    dialog.accept()


def test_qt_dialogs_speak_chinese(qtbot) -> None:
    app = QApplication.instance()
    translators = install_chinese_translations(app)
    try:
        assert translators, "qtbase_zh_CN.qm ships with PySide6"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
        assert QCoreApplication.translate("QFileDialog", "Open") == "打开"
    finally:
        for translator in translators:
            app.removeTranslator(translator)


def test_high_dpi_scale_is_not_rounded() -> None:
    assert (QGuiApplication.highDpiScaleFactorRoundingPolicy()
            == Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)


def test_layout_is_remembered_as_plain_json(qtbot, db, county, tmp_path) -> None:
    path = tmp_path / "ui-state.json"
    first = open_window(qtbot, db, path, page="needs")
    first.resize(777, 555)
    first.splitter.setSizes([150, 900])
    needs = first.pages["needs"]
    header = needs.table.horizontalHeader()
    header.resizeSection(needs.model.column_of("title"), 333)
    header.setSectionHidden(needs.model.column_of("village"), True)
    header.moveSection(header.visualIndex(needs.model.column_of("status")), 0)
    needs.table.sortByColumn(needs.model.column_of("title"), Qt.SortOrder.DescendingOrder)
    first.close()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["page"] == "needs"
    assert saved["window"]["width"] == 777 and saved["window"]["height"] == 555
    columns = saved["columns.needs"]
    assert columns["widths"]["title"] == 333 and "village" in columns["hidden"]
    assert columns["order"][0] == "status" and columns["sort"] == ["title", "desc"]
    assert isinstance(saved["splitter.main"], list)

    second = open_window(qtbot, db, path, resize=False)
    try:
        assert second.current_key == "needs"
        assert (second.width(), second.height()) == (777, 555)  # the offscreen screen is 800×600
        needs = second.pages["needs"]
        header = needs.table.horizontalHeader()
        assert header.sectionSize(needs.model.column_of("title")) == 333
        assert header.isSectionHidden(needs.model.column_of("village"))
        assert header.logicalIndex(0) == needs.model.column_of("status")
        assert needs.model.sort_state == (needs.model.column_of("title"),
                                          Qt.SortOrder.DescendingOrder)
    finally:
        second.close()


def test_a_damaged_layout_file_is_ignored(qtbot, db, county, tmp_path) -> None:
    path = tmp_path / "ui-state.json"
    path.write_text("{not json", encoding="utf-8")
    assert UiState(path).get("window") is None
    window = open_window(qtbot, db, path)  # noqa: F811
    assert window.current_key == "dashboard"
    window.close()
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


def test_database_opens_off_the_gui_thread(qtbot, db_path, tmp_path) -> None:
    window = MainWindow(state=UiState(tmp_path / "ui.json"))  # noqa: F811
    qtbot.addWidget(window)
    window.show()
    assert window.start_label.text() == "正在打开数据库…" and window.nav.count() == 0
    with qtbot.waitSignal(window.databaseReady, timeout=30_000):
        window.open_database_async(str(db_path))
    wait_idle(qtbot, window)
    assert nav_titles(window)[:2] == ["工作台", "需求清单"]
    assert window.database is not None and window._owns_database
    window.close()


def test_a_database_that_cannot_open_is_said_plainly(qtbot, tmp_path) -> None:
    window = MainWindow(state=UiState(None))  # noqa: F811
    qtbot.addWidget(window)
    window.show()
    window.open_database_async(str(tmp_path))  # a folder, not a file
    qtbot.waitUntil(lambda: "无法打开数据库" in window.start_label.text(), timeout=30_000)
    box = window.last_message
    assert isinstance(box, QMessageBox) and "文件夹" in box.text()
    box.accept()
    window.close()


def test_the_window_imports_nothing_heavy_before_its_first_paint() -> None:
    """SQLAlchemy, reportlab and OR-Tools load after the window shows (or never)."""
    code = ("import sys, ui.app, ui.main_window; "
            "print(sorted(m for m in ('sqlalchemy', 'alembic', 'reportlab', 'ortools') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, check=True, env=os.environ | {"PYTHONPATH": str(PROJECT_ROOT)})
    assert out.stdout.strip() == "[]"
