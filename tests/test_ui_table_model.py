"""ui/table_model.py: the list model — qtmodeltester, sorting (pinyin), search, filters,
single-row updates that keep the selection."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt

from services.records import RowSet
from services.search import SearchIndex, SearchSpec
from ui.table_model import Column, RecordTableModel

COLUMNS = ("id", "code", "name", "township", "score", "phone")
ROWS = [
    (1, "ZJ-0001", "张华山", "青山镇", 3, "13885000001"),
    (2, "ZJ-0002", "刘慧", "白云镇", None, "13885000002"),
    (3, "ZJ-0003", "王志强", "青山镇", 10, ""),
    (4, "ZJ-0004", "陈晓东", "龙泉镇", 7, "0851-85520001"),
]
MODEL_COLUMNS = (
    Column("code", "编号"),
    Column("name", "姓名", sort="pinyin"),
    Column("township", "乡镇", sort="pinyin"),
    Column("score", "分数", sort="number", align="right"),
    Column("phone", "电话", tooltip=True),
)
SPEC = SearchSpec(text=(2,), codes=(1, 5), shared=((3,),))


@pytest.fixture
def model(qtmodeltester) -> RecordTableModel:
    m = RecordTableModel(MODEL_COLUMNS)
    m.set_rowset(RowSet(COLUMNS, list(ROWS)), fallback_search=("code", "name"))
    qtmodeltester.check(m)
    return m


def names(model: RecordTableModel) -> list[str]:
    return [model.index(r, 1).data() for r in range(model.rowCount())]


def test_model_passes_qtmodeltester_through_every_change(qtmodeltester, model) -> None:
    model.sort(1, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    model.set_search_index(SearchIndex(ROWS, SPEC))
    model.set_query("qsz")
    qtmodeltester.check(model)
    model.set_filter("town", "township", frozenset({"青山镇"}))
    qtmodeltester.check(model)
    model.upsert(RowSet(COLUMNS, [(5, "ZJ-0005", "赵红", "青山镇", 1, "")]), keep=lambda r: True)
    qtmodeltester.check(model)


def test_display_alignment_tooltip_and_ids(model) -> None:
    assert model.headerData(1, Qt.Orientation.Horizontal) == "姓名"
    assert model.index(0, 0).data() == "ZJ-0001"
    assert model.index(1, 3).data() == ""  # None shows as empty
    assert model.index(0, 3).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole) == "13885000001"
    assert model.index(2, 0).data(RecordTableModel.IdRole) == 3
    assert model.row_id(3) == 4 and model.row_of_id(4) == 3
    assert (model.total, model.shown) == (4, 4)


def test_sort_chinese_by_pinyin_and_numbers_with_empty_last(model) -> None:
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert names(model) == ["陈晓东", "刘慧", "王志强", "张华山"]
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert names(model) == ["张华山", "王志强", "刘慧", "陈晓东"]
    model.sort(3, Qt.SortOrder.AscendingOrder)
    assert names(model) == ["张华山", "陈晓东", "王志强", "刘慧"]


def test_search_falls_back_without_index_then_uses_pinyin(model) -> None:
    counts: list[tuple[int, int]] = []
    model.countsChanged.connect(lambda total, shown: counts.append((total, shown)))
    model.set_query("华山")
    assert names(model) == ["张华山"]
    model.set_query("zhs")
    assert names(model) == []  # no pinyin before the index arrives
    model.set_search_index(SearchIndex(ROWS, SPEC))
    assert names(model) == ["张华山"]
    model.set_query("8552")
    assert names(model) == ["陈晓东"]
    assert counts[-1] == (4, 1)


def test_filters_combine_with_search_and_sort(model) -> None:
    model.set_search_index(SearchIndex(ROWS, SPEC))
    model.sort(1, Qt.SortOrder.AscendingOrder)
    model.set_filter("town", "township", frozenset({"青山镇"}))
    assert names(model) == ["王志强", "张华山"]
    model.set_filter("score", "score", lambda v: v is not None and v > 5)
    assert names(model) == ["王志强"]
    model.set_filter("score", None, None)
    model.set_query("zh")
    assert names(model) == ["王志强", "张华山"]
    model.clear_filters()
    model.set_query("")
    assert names(model) == ["陈晓东", "刘慧", "王志强", "张华山"]


def test_upsert_replaces_adds_and_drops_keeping_the_selection(model) -> None:
    from PySide6.QtCore import QItemSelection

    model.sort(1, Qt.SortOrder.AscendingOrder)
    model.set_search_index(SearchIndex(list(ROWS), SPEC))
    selection = QItemSelectionModel(model)
    row = model.row_of_id(3)
    selection.select(QItemSelection(model.index(row, 0), model.index(row, 4)),
                     QItemSelectionModel.SelectionFlag.Select)
    selection.setCurrentIndex(model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    model.upsert(RowSet(COLUMNS, [
        (1, "ZJ-0001", "安华山", "青山镇", 3, ""),  # renamed: moves to the top
        (2, "ZJ-0002", "刘慧", "白云镇", None, "", ),  # deleted
        (9, "ZJ-0009", "赵红", "青山镇", 1, ""),  # new
    ]), keep=lambda r: r[0] != 2)
    assert names(model) == ["安华山", "陈晓东", "王志强", "赵红"]
    assert (model.total, model.shown) == (4, 4)
    selected = [model.row_id(i.row()) for i in selection.selectedRows()]
    assert selected == [3]
    assert model.row_id(selection.currentIndex().row()) == 3
    model.set_query("anhuashan")
    assert names(model) == ["安华山"]
    assert not model.has_id(2) and model.row_of_id(2) is None


def test_invalid_parent_and_empty_model(qtmodeltester) -> None:
    empty = RecordTableModel(MODEL_COLUMNS)
    qtmodeltester.check(empty)
    assert empty.rowCount() == 0
    empty.sort(0)
    empty.set_rowset(RowSet(COLUMNS, []))
    assert empty.rowCount(QModelIndex()) == 0 and empty.total == 0
