"""需求清单 driven through its widgets: quick search (Chinese, pinyin, codes), filters and
counts, the seven-step actions with the history timeline, bulk status, delete with undo,
the recycle bin, the need form with live checks and the unsaved-changes guard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from services import needs as needs_service
from tests.conftest import ACTOR, County
from tests.ui_support import ignore_offscreen, type_text, wait_idle, window  # noqa: F401
from ui.pages.needs import NeedsPage

pytestmark = ignore_offscreen

TITLES = ("茶园春季病虫害绿色防控", "油茶低产林改造", "马铃薯晚疫病防治", "茶叶加工工艺改进")


@pytest.fixture
def need_ids(uow, county: County) -> list[int]:
    ids = []
    with uow() as u:
        for i, title in enumerate(TITLES):
            data = {"title": title, "unit": county.coop if i != 2 else county.clinic,
                    "field": "茶叶" if i != 2 else "马铃薯", "window_start": "2026-04-01",
                    "window_end": "2026-04-30"}
            if i == 3:
                data["village_id"] = county.poor_village_id
            ids.append(needs_service.create_need(u.session, data, ACTOR).id)
        u.commit()
    return ids


@pytest.fixture
def page(qtbot, window, need_ids) -> NeedsPage:  # noqa: F811
    shown = window.show_page("needs")
    wait_idle(qtbot, window)
    assert isinstance(shown, NeedsPage)
    return shown


def titles(page: NeedsPage) -> list[str]:
    column = page.model.column_of("title")
    return [page.model.index(r, column).data() for r in range(page.model.rowCount())]


def select(page: NeedsPage, *rows: int) -> None:
    selection = page.table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        selection.select(page.model.index(row, 0), flags)
    selection.setCurrentIndex(page.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)


def test_list_shows_rows_counts_and_passes_modeltester(qtbot, qtmodeltester, window, page) -> None:  # noqa: F811
    assert titles(page) == list(TITLES)
    assert "共 4 条" in page.counts.text()
    qtmodeltester.check(page.model)
    status = page.model.column_of("status")
    assert page.model.index(0, status).data() == "已申报"
    priority = page.model.column_of("priority")
    assert page.model.index(3, priority).data() == "是"  # 茶山村 is a 脱贫村


def test_typing_in_search_finds_chinese_pinyin_and_codes(qtbot, window, page) -> None:  # noqa: F811
    qtbot.waitUntil(lambda: page.model.search_index is not None)
    type_text(qtbot, page.search, "茶")
    assert titles(page) == [TITLES[0], TITLES[1], TITLES[3]]
    assert "筛选出 3 条" in page.counts.text()
    page.search.clear()
    qtbot.keyClicks(page.search, "mls")  # 马铃薯, by pinyin initials
    assert titles(page) == [TITLES[2]]
    page.search.clear()
    qtbot.keyClicks(page.search, "youcha")  # 油茶, full pinyin
    assert titles(page) == [TITLES[1]]
    page.search.clear()
    qtbot.keyClicks(page.search, "0004")  # a fragment of XQ-2026-0004
    assert titles(page) == [TITLES[3]]
    page.search.clear()
    type_text(qtbot, page.search, "卫生院")  # the unit's name
    assert titles(page) == [TITLES[2]]
    qtbot.keyClick(page.search, Qt.Key.Key_Escape)
    assert len(titles(page)) == 4


def test_column_filters_and_sorting(qtbot, window, page) -> None:  # noqa: F811
    combo = page.filter_bar.combos["field"]
    assert [combo.itemText(i) for i in range(combo.count())] == ["全部", "种植业", "　茶叶",
                                                                 "　马铃薯"]
    combo.setCurrentIndex(combo.findText("　马铃薯"))
    assert titles(page) == [TITLES[2]]
    page.filter_bar.clear()
    priority = page.filter_bar.combos["priority"]
    priority.setCurrentIndex(priority.findText("是"))
    assert titles(page) == [TITLES[3]]
    page.filter_bar.clear()
    page.table.sortByColumn(page.model.column_of("title"), Qt.SortOrder.AscendingOrder)
    assert titles(page) == ["茶叶加工工艺改进", "茶园春季病虫害绿色防控", "马铃薯晚疫病防治",
                            "油茶低产林改造"]  # pinyin order: cha-ye, cha-yuan, ma, you


def test_workflow_action_moves_the_need_and_the_timeline_shows_it(qtbot, window, page,  # noqa: F811
                                                                  need_ids) -> None:
    select(page, 0)
    detail = page.detail
    qtbot.waitUntil(lambda: detail.need is not None and detail.need["id"] == need_ids[0])
    assert set(detail.action_buttons) == {"reviewed", "rejected", "withdrawn"}
    assert detail.history.topLevelItemCount() == 1
    qtbot.mouseClick(detail.action_buttons["reviewed"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.need["status"] == "reviewed", timeout=10_000)
    assert set(detail.action_buttons) == {"matched", "withdrawn"}
    assert detail.history.topLevelItemCount() == 2
    newest = detail.history.topLevelItem(0)
    assert newest.text(1) == detail.need["events"][-1]["actor"]
    assert newest.text(2) == "已申报 → 已论证"
    status = page.model.column_of("status")
    qtbot.waitUntil(lambda: page.model.index(0, status).data() == "已论证")
    assert "已改为“已论证”" in window.statusBar().currentMessage()


def test_a_move_that_needs_a_reason_asks_for_it(qtbot, window, page, need_ids) -> None:  # noqa: F811
    select(page, 1)
    detail = page.detail
    qtbot.waitUntil(lambda: detail.need is not None and detail.need["id"] == need_ids[1])
    qtbot.mouseClick(detail.action_buttons["rejected"], Qt.MouseButton.LeftButton)
    dialog = detail.reason_dialog
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "必须填写原因" in dialog.error.text()
    type_text(qtbot, dialog.text, "与 XQ-2026-0001 重复")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.need["status"] == "rejected", timeout=10_000)
    assert detail.history.topLevelItem(0).text(3) == "与 XQ-2026-0001 重复"
    assert set(detail.action_buttons) == {"submitted"}  # 重新申报
    assert not detail.edit_button.isEnabled()


def test_bulk_status_change_reports_what_it_could_not_do(qtbot, window, page, uow,  # noqa: F811
                                                          need_ids) -> None:
    with uow() as u:
        needs_service.set_status(u.session, need_ids[0], "reviewed", ACTOR)
        u.commit()
    page.refresh()  # F5: another computer changed the data
    qtbot.waitUntil(lambda: page.model.value_of_id(need_ids[0], "status") == "reviewed")
    page.table.selectAll()
    moves = {t["target"]: t for t in page.transitions_for(page.selected_ids())}
    assert moves["reviewed"]["count"] == 3 and moves["matched"]["count"] == 1
    page.bulk_status(moves["reviewed"], page.selected_ids())
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=10_000)
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    assert "已处理 3 条" in box.text() and "未处理" in box.text()
    box.accept()
    qtbot.waitUntil(lambda: {page.model.value_of_id(i, "status") for i in need_ids}
                    == {"reviewed"})


def test_bulk_reason_dialog_keeps_the_service_message(qtbot, window, page, need_ids) -> None:  # noqa: F811
    page.table.selectAll()
    moves = {t["target"]: t for t in page.transitions_for(page.selected_ids())}
    dialog = page.bulk_status(moves["withdrawn"], page.selected_ids())
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "原因" in dialog.error.text()
    type_text(qtbot, dialog.text, "单位已自行解决")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: {page.model.value_of_id(i, "status") for i in need_ids}
                    == {"withdrawn"}, timeout=10_000)


def test_delete_with_undo_and_the_recycle_bin(qtbot, window, page, need_ids) -> None:  # noqa: F811
    select(page, 0, 1)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.total == 2, timeout=10_000)
    assert page.undo_bar.isVisible() and "已删除 2 条需求" in page.undo_bar.label.text()
    qtbot.mouseClick(page.undo_bar.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.total == 4, timeout=10_000)
    assert not page.undo_bar.isVisible()
    select(page, 3)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.total == 3, timeout=10_000)
    page.bin_check.setChecked(True)
    wait_idle(qtbot, window)
    assert titles(page) == [TITLES[3]] and "回收站中 1 条" in page.counts.text()
    assert page.restore_button.isVisible() and not page.delete_button.isVisible()
    select(page, 0)
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.total == 0, timeout=10_000)
    QApplication.activeModalWidget().accept()  # "已恢复 1 条需求。"
    page.bin_check.setChecked(False)
    wait_idle(qtbot, window)
    assert page.model.total == 4


def test_need_form_checks_fields_before_saving_and_saves(qtbot, window, page, county) -> None:  # noqa: F811
    form = page.open_editor(None)
    with qtbot.waitSignal(form.ready, timeout=10_000):
        pass
    type_text(qtbot, form.fields["title"].widget, "黑土地保护与利用技术培训")
    form.fields["unit_id"].set(form.unit.itemData(0))
    form.fields["field_id"].widget.set_value(
        next(f.id for f in form.field.fields if f.name == "茶叶"))
    start, end = form.fields["window_start"].widget, form.fields["window_end"].widget
    start.check.setChecked(True)
    end.check.setChecked(True)
    start.edit.set_value(__import__("datetime").date(2026, 5, 10))
    end.edit.set_value(__import__("datetime").date(2026, 5, 1))
    qtbot.waitUntil(lambda: form.field_error("window_end") != "", timeout=10_000)
    assert "早于开始日期" in form.field_error("window_end")
    assert form.field_error("title") == ""
    assert page.model.total == 4  # nothing saved yet
    end.edit.set_value(__import__("datetime").date(2026, 5, 20))
    qtbot.waitUntil(lambda: form.field_error("window_end") == "", timeout=10_000)
    with qtbot.waitSignal(form.saved, timeout=10_000) as saved:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    new_id = saved.args[0]
    qtbot.waitUntil(lambda: page.model.has_id(new_id), timeout=10_000)
    assert page.model.total == 5
    qtbot.waitUntil(lambda: page.current_id() == new_id)


def test_saving_an_incomplete_need_shows_every_message(qtbot, window, page) -> None:  # noqa: F811
    form = page.open_editor(None)
    with qtbot.waitSignal(form.ready, timeout=10_000):
        pass
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.field_error("title") != "", timeout=10_000)
    assert form.field_error("title") == "请填写需求标题。"
    assert form.field_error("unit_id") == "请选择需求单位。"
    assert form.field_error("field_id") == "请选择专业领域。"
    assert form.isVisible()
    form.reject()  # nothing typed: closes without asking
    assert not form.isVisible()


def test_unsaved_changes_guard(qtbot, window, page, need_ids) -> None:  # noqa: F811
    form = page.open_editor(need_ids[0])
    with qtbot.waitSignal(form.ready, timeout=10_000):
        pass
    assert form.fields["title"].get() == TITLES[0]
    type_text(qtbot, form.fields["title"].widget, "（修改）")
    assert form.is_dirty()
    qtbot.mouseClick(form.cancel_button, Qt.MouseButton.LeftButton)
    box = form.guard
    assert box.isVisible() and "还没有保存" in box.text()
    keep = next(b for b in box.buttons() if b.text() == "继续编辑")
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    assert form.isVisible()
    form.close()
    box = form.guard
    discard = next(b for b in box.buttons() if b.text() == "不保存")
    qtbot.mouseClick(discard, Qt.MouseButton.LeftButton)
    assert not form.isVisible()
    wait_idle(qtbot, window)
    assert page.model.value_of_id(need_ids[0], "title") == TITLES[0]


def test_guard_can_save(qtbot, window, page, need_ids) -> None:  # noqa: F811
    form = page.open_editor(need_ids[1])
    with qtbot.waitSignal(form.ready, timeout=10_000):
        pass
    form.fields["title"].widget.setText("油茶低产林改造二期")
    form.reject()
    save = next(b for b in form.guard.buttons() if b.text() == "保存")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.value_of_id(need_ids[1], "title")
                    == "油茶低产林改造二期", timeout=10_000)


def test_dashboard_opens_the_list_filtered_by_status(qtbot, need_ids, window) -> None:  # noqa: F811
    dashboard = window.show_page("dashboard")
    wait_idle(qtbot, window)
    card = dashboard.step_cards[next(iter(dashboard.step_cards))]
    assert card.number.text() == "4"
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert window.current_key == "needs"
    page = window.pages["needs"]
    assert page.filter_bar.combos["status"].currentText() == "已申报"
    assert page.model.shown == 4


def test_an_edit_during_indexing_is_indexed_too(qtbot, window, page, uow, county) -> None:  # noqa: F811
    qtbot.waitUntil(lambda: page.model.search_index is not None)
    page.model._index = None  # as if the index were still being built
    with uow() as u:
        new_id = needs_service.create_need(u.session, {"title": "黑土地保护性耕作", "unit": county.coop,
                                                       "field": "茶叶"}, ACTOR).id
        u.commit()
    page._refresh_ids([new_id])
    qtbot.waitUntil(lambda: page.model.has_id(new_id), timeout=10_000)
    page._rebuild_index()
    qtbot.waitUntil(lambda: page.model.search_index is not None, timeout=10_000)
    qtbot.keyClicks(page.search, "htd")  # 黑土地, by its initials
    assert titles(page) == ["黑土地保护性耕作"]
