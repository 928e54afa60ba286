"""专家库 through its widgets: the expert form with a bad ID number (the message appears next
to the field before saving), the specialty picker over the field tree, the availability
editor, search by pinyin and ID fragments, delete with undo."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from services import experts as experts_service
from tests.conftest import County, make_id_number
from tests.ui_support import ignore_offscreen, type_text, wait_idle, window  # noqa: F401
from ui.pages.experts import ExpertsPage, masked_id

pytestmark = ignore_offscreen


@pytest.fixture
def page(qtbot, window) -> ExpertsPage:  # noqa: F811
    shown = window.show_page("experts")
    wait_idle(qtbot, window)
    return shown


def names(page: ExpertsPage) -> list[str]:
    column = page.model.column_of("name")
    return [page.model.index(r, column).data() for r in range(page.model.rowCount())]


def open_form(qtbot, page: ExpertsPage, record_id: int | None):
    form = page.open_editor(record_id)
    with qtbot.waitSignal(form.ready, timeout=10_000):
        pass
    return form


def test_list_and_search_by_pinyin_phone_and_id(qtbot, qtmodeltester, window, page,  # noqa: F811
                                               county: County) -> None:
    assert names(page) == ["张明远", "刘慧", "杨志强"]
    qtmodeltester.check(page.model)
    qtbot.waitUntil(lambda: page.model.search_index is not None)
    qtbot.keyClicks(page.search, "zmy")
    assert names(page) == ["张明远"]
    page.search.clear()
    qtbot.keyClicks(page.search, "liuhui")
    assert names(page) == ["刘慧"]
    page.search.clear()
    # The list holds masked numbers (personal data, services/privacy.py): the visible ends
    # of an ID number or a phone find the person, the hidden birth date does not.
    qtbot.keyClicks(page.search, county.tea_expert_id_number[-4:])
    assert names(page) == ["张明远"]
    page.search.clear()
    qtbot.keyClicks(page.search, county.tea_expert_id_number[6:12])
    assert names(page) == []
    page.search.clear()
    qtbot.keyClicks(page.search, "0002")  # the visible end of a phone
    assert names(page) == ["刘慧"]
    page.search.clear()
    type_text(qtbot, page.search, "茶园")  # a specialty
    assert names(page) == ["张明远"]


def test_id_number_is_masked_in_the_list() -> None:
    assert masked_id("520102197005121314") == "520102********1314"
    assert masked_id("") == ""


def test_bad_id_number_shows_its_message_next_to_the_field(qtbot, window, page,  # noqa: F811
                                                           county: County) -> None:
    page.select_id(page.model.row_id(0))
    form = open_form(qtbot, page, page.current_id())
    assert form.fields["name"].get() == "张明远"
    id_field = form.fields["id_number"].widget
    id_field.clear()
    qtbot.keyClicks(id_field, "52010219700512131")  # 17 characters
    qtbot.waitUntil(lambda: form.field_error("id_number") != "", timeout=10_000)
    assert form.field_error("id_number") == "身份证号应为 18 位，现在是 17 位。请核对后重新填写。"
    assert form.fields["id_number"].error.isVisible()
    qtbot.keyClicks(id_field, "5")  # 18 characters, wrong check digit
    qtbot.waitUntil(lambda: "校验位" in form.field_error("id_number"), timeout=10_000)
    assert form.field_error("name") == ""  # untouched fields stay quiet
    id_field.setText(county.tea_expert_id_number)
    form._edited("id_number")
    qtbot.waitUntil(lambda: form.field_error("id_number") == "", timeout=10_000)
    form.reject()


def test_duplicate_phone_is_refused_on_save(qtbot, window, page, county: County) -> None:  # noqa: F811
    form = open_form(qtbot, page, None)
    type_text(qtbot, form.fields["name"].widget, "王五")
    form.fields["gender"].set("男")
    qtbot.keyClicks(form.fields["phone"].widget, county.tea_expert_phone)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.field_error("phone") != "", timeout=10_000)
    assert "张明远" in form.field_error("phone")
    assert form.isVisible() and page.model.total == 3
    form.fields["phone"].widget.setText("13885000099")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.total == 4, timeout=10_000)


def test_id_number_fills_gender_and_birth_year(qtbot, window, page) -> None:  # noqa: F811
    form = open_form(qtbot, page, None)
    number = make_id_number("19800101", seq="222")  # even: 女
    qtbot.keyClicks(form.fields["id_number"].widget, number)
    form.fields["id_number"].widget.editingFinished.emit()
    assert form.fields["gender"].get() == "女"
    assert form.fields["birth_year"].get() == "1980"
    form._closing = True
    form.reject()


def test_specialty_picker_over_the_field_tree(qtbot, window, page) -> None:  # noqa: F811
    form = open_form(qtbot, page, None)
    selector = form.specialties
    dialog = selector.open_picker()
    assert dialog.tree.topLevelItemCount() >= 10  # 种植业, 林业, 畜牧 …
    qtbot.keyClicks(dialog.search, "cygl")  # 茶园管理 by its initials (茶叶加工 too)
    visible = [item.text(0) for item in dialog.items.values() if not item.isHidden()]
    assert "茶园管理" in visible and "种植业" in visible and "林业" not in visible
    tea = next(i for i, item in dialog.items.items() if item.text(0) == "茶园管理")
    dialog.items[tea].setCheckState(0, Qt.CheckState.Checked)
    assert dialog.summary.text() == "已选 1 项"
    dialog.accept()
    assert selector.value() == [tea]
    assert selector.text.text() == "茶园管理"
    assert "种植业 › 茶叶 › 茶园管理" in selector.text.toolTip()
    form._closing = True
    form.reject()


def test_availability_editor_checks_and_saves_periods(qtbot, db, window, page,  # noqa: F811
                                                      county: County) -> None:
    expert_id = next(page.model.row_id(r) for r in range(page.model.rowCount())
                     if page.model.value(r, "code") == county.vet)
    form = open_form(qtbot, page, expert_id)
    editor = form.availability
    assert editor.add_period(date(2026, 6, 1), date(2026, 6, 10), "出国访学")
    assert not editor.add_period(date(2026, 6, 8), date(2026, 6, 12), "")
    assert "重叠" in editor.error.text() and editor.error.isVisible()
    assert not editor.add_period(date(2026, 7, 9), date(2026, 7, 1), "")
    assert "早于开始日期" in editor.error.text()
    editor.start.set_value(date(2026, 8, 1))
    editor.end.set_value(date(2026, 8, 3))
    editor.reason.setText("手术排班")
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert editor.table.rowCount() == 2 and editor.error.text() == ""
    assert form.is_dirty()
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    with db.session() as session:
        periods = experts_service.form_values(session, expert_id)["unavailability"]
    assert [(p["start_date"], p["reason"]) for p in periods] == [
        (date(2026, 6, 1), "出国访学"), (date(2026, 8, 1), "手术排班")]
    # Remove one again in a second edit.
    form = open_form(qtbot, page, expert_id)
    form.availability.table.selectRow(0)
    form.availability.remove_selected()
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    with db.session() as session:
        periods = experts_service.form_values(session, expert_id)["unavailability"]
    assert [p["reason"] for p in periods] == ["手术排班"]


def test_filters_by_title_and_specialty_field(qtbot, window, page) -> None:  # noqa: F811
    title = page.filter_bar.combos["title"]
    assert [title.itemText(i) for i in range(title.count())] == ["全部", "正高级", "副高级",
                                                                 "中级"]
    title.setCurrentIndex(2)
    assert names(page) == ["刘慧"]
    page.filter_bar.clear()
    field = page.filter_bar.combos["field"]
    field.setCurrentIndex(field.findText("畜牧"))
    assert names(page) == ["杨志强"]
    retired = page.filter_bar.combos["retired"]
    retired.setCurrentIndex(retired.findText("是"))
    assert names(page) == ["杨志强"]


def test_delete_and_undo_with_ctrl_z(qtbot, window, page) -> None:  # noqa: F811
    page.select_id(page.model.row_id(1))
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: page.model.total == 2, timeout=10_000)
    assert page.undo_bar.isVisible()
    qtbot.keyClick(page.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.model.total == 3, timeout=10_000)
    assert "已撤销删除" in window.statusBar().currentMessage()
