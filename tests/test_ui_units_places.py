"""需求单位 and 乡镇与村 through their widgets: create and edit with live checks, a place in
use cannot be deleted, the village list follows the township, pinyin search of villages."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import County
from tests.ui_support import ignore_offscreen, type_text, wait_idle, window  # noqa: F401

pytestmark = ignore_offscreen


def ready(qtbot, form):
    with qtbot.waitSignal(form.ready, timeout=10_000):
        pass
    return form


def test_units_list_counts_needs_and_edits(qtbot, qtmodeltester, window, county: County) -> None:  # noqa: F811
    page = window.show_page("units")
    wait_idle(qtbot, window)
    qtmodeltester.check(page.model)
    assert page.model.total == 2
    column = page.model.column_of("name")
    assert page.model.index(0, column).data() == "青山镇石门村茶叶专业合作社"
    qtbot.waitUntil(lambda: page.model.search_index is not None)
    qtbot.keyClicks(page.search, "wjg")  # the contact person 王建国
    assert page.model.shown == 1
    page.search.clear()
    form = ready(qtbot, page.open_editor(None))
    type_text(qtbot, form.fields["name"].widget, "青山镇茶山村村民委员会")
    form.fields["unit_type"].set("村委会")
    form.fields["township_id"].set(county.township_id)
    form.fields["village_id"].set(county.poor_village_id)
    qtbot.keyClicks(form.fields["phone"].widget, "12345")
    qtbot.waitUntil(lambda: form.field_error("phone") != "", timeout=10_000)
    assert "格式不对" in form.field_error("phone")
    form.fields["phone"].widget.setText("0851-85520002")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.total == 3, timeout=10_000)
    village = page.model.column_of("village")
    row = page.current_id() and page.model.row_of_id(page.current_id())
    assert page.model.index(row, village).data() == "茶山村"


def test_unit_form_requires_a_township(qtbot, window) -> None:  # noqa: F811
    page = window.show_page("units")
    wait_idle(qtbot, window)
    form = ready(qtbot, page.open_editor(None))
    type_text(qtbot, form.fields["name"].widget, "新单位")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.field_error("township_id") != "", timeout=10_000)
    assert form.field_error("township_id") == "请选择乡镇。"
    form._closing = True
    form.reject()


def test_places_villages_follow_the_township(qtbot, qtmodeltester, window,  # noqa: F811
                                            county: County) -> None:
    page = window.show_page("places")
    wait_idle(qtbot, window)
    qtmodeltester.check(page.townships)
    qtmodeltester.check(page.villages)
    assert page.townships.total == 1 and page.villages.total == 2
    page.township_table.selectRow(0)
    assert page.villages.shown == 2
    page.priority_only.setChecked(True)
    assert page.villages.shown == 1
    page.priority_only.setChecked(False)
    qtbot.waitUntil(lambda: page.villages.search_index is not None)
    qtbot.keyClicks(page.search, "csc")  # 茶山村
    assert page.villages.shown == 1
    page.search.clear()
    page.show_all_villages()
    assert page.villages.shown == 2


def test_new_township_and_village_and_a_duplicate(qtbot, window, county: County) -> None:  # noqa: F811
    page = window.show_page("places")
    wait_idle(qtbot, window)
    form = ready(qtbot, page.new_township())
    type_text(qtbot, form.fields["name"].widget, county.township)
    qtbot.waitUntil(lambda: form.field_error("name") != "", timeout=10_000)
    assert form.field_error("name") == f"乡镇“{county.township}”已存在。"
    form.fields["name"].widget.setText("白云镇")
    qtbot.keyClicks(form.fields["latitude"].widget, "95")
    qtbot.keyClicks(form.fields["longitude"].widget, "106")
    qtbot.waitUntil(lambda: "超出范围" in form.field_error("latitude"), timeout=10_000)
    form.fields["latitude"].widget.setText("26.5")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.townships.total == 2, timeout=10_000)
    page.township_table.selectRow(page.townships.row_of_id(form.record_id))
    village = ready(qtbot, page.new_village())
    assert village.fields["township_id"].get() == form.record_id
    type_text(qtbot, village.fields["name"].widget, "白云村")
    village.fields["poverty_alleviated"].widget.setChecked(True)
    with qtbot.waitSignal(village.saved, timeout=10_000):
        qtbot.mouseClick(village.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.villages.total == 3, timeout=10_000)
    assert page.villages.shown == 1


def test_a_township_in_use_cannot_be_deleted(qtbot, window, county: County) -> None:  # noqa: F811
    page = window.show_page("places")
    wait_idle(qtbot, window)
    page.township_table.selectRow(0)
    page.delete_township()
    box = page.question
    delete = next(b for b in box.buttons() if b.text() == "删除")
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox)
                    and "不能删除" in QApplication.activeModalWidget().text(), timeout=10_000)
    QApplication.activeModalWidget().accept()
    assert page.townships.total == 1
