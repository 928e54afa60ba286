"""设置 through its widgets: every defined setting is listed, a bad value shows its message
beside the field before saving and is not saved, a good one is, 恢复默认 works."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

from services import settings as settings_service
from tests.ui_support import ignore_offscreen, wait_idle, window  # noqa: F401

pytestmark = ignore_offscreen


def open_settings(qtbot, window):  # noqa: F811
    page = window.show_page("settings")
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: page.loaded)
    return page


def test_every_setting_is_listed_with_its_editor(qtbot, window) -> None:  # noqa: F811
    page = open_settings(qtbot, window)
    keys = {d.key for d in settings_service.definitions()}
    assert set(page.editors) == keys
    assert isinstance(page.editors["county.priority"].editor, QCheckBox)
    assert isinstance(page.editors["bureau.name"].editor, QLineEdit)
    assert page.editors["bureau.name"].value() == "云岭县人力资源和社会保障局"
    assert not page.save_button.isEnabled()
    for definition in settings_service.definitions():
        editor = page.editors[definition.key]
        if definition.choices:  # e.g. the county's farming region: a drop-down of its choices
            assert isinstance(editor.editor, QComboBox)
            assert editor.editor.count() == len(definition.choice_list())
        if isinstance(definition.default, dict | list):  # a table kept by its own screen
            assert editor.editor.isReadOnly() and editor.same_as(definition.default)


def test_a_bad_value_shows_its_message_and_is_not_saved(qtbot, db, window) -> None:  # noqa: F811
    page = open_settings(qtbot, window)
    name = page.editors["bureau.name"]
    name.editor.clear()
    qtbot.keyClicks(name.editor, " ")
    qtbot.waitUntil(lambda: name.error.isVisible(), timeout=10_000)
    assert name.error.text() == "局名称不能为空。"
    assert page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert "未保存" in page.status.text()
    with db.session() as session:
        assert settings_service.get(session, "bureau.name") == "云岭县人力资源和社会保障局"


def test_save_and_restore_defaults(qtbot, db, window) -> None:  # noqa: F811
    page = open_settings(qtbot, window)
    name = page.editors["county.name"]
    name.editor.setText("青山县")
    name.editor.textEdited.emit("青山县")
    page.editors["county.priority"].editor.setChecked(False)
    assert "2 项修改" in page.status.text()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    with db.session() as session:
        assert settings_service.get(session, "county.name") == "青山县"
        assert settings_service.get(session, "county.priority") is False
    assert "设置已保存" in window.statusBar().currentMessage()
    qtbot.mouseClick(page.defaults_button, Qt.MouseButton.LeftButton)
    assert name.value() == "云岭县" and page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    with db.session() as session:
        assert settings_service.get(session, "county.name") == "云岭县"
        assert settings_service.get(session, "county.priority") is True


def test_one_setting_back_to_its_default_and_discard(qtbot, window) -> None:  # noqa: F811
    page = open_settings(qtbot, window)
    prefix = page.editors["bureau.doc_prefix"]
    prefix.editor.setText("青人社派")
    prefix.editor.textEdited.emit("青人社派")
    assert page.discard_button.isEnabled()
    qtbot.mouseClick(prefix.reset_button, Qt.MouseButton.LeftButton)
    assert prefix.value() == "云人社派" and not page.is_dirty()
    prefix.editor.setText("X")
    prefix.editor.textEdited.emit("X")
    qtbot.mouseClick(page.discard_button, Qt.MouseButton.LeftButton)
    assert prefix.value() == "云人社派"
