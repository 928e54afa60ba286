"""The list screen every record type shares: quick search, column filters, counts, the table,
multi-select with bulk actions, delete with undo, a recycle bin, an optional detail panel,
and the remembered column layout.

A subclass says what to load and how to edit (``load``, ``load_ids``, ``search_spec``,
``delete``, ``restore``, ``open_editor``); everything here is Qt and calls services only
through those hooks, inside a background task.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSplitter,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from services.records import BulkResult, RowSet
from services.search import SearchIndex, SearchSpec, sort_key
from ui import messages
from ui.context import AppContext, Changes
from ui.pages import Page
from ui.table_model import Column, FilterTest, RecordTableModel, sort_keys
from ui.tasks import TaskControl
from ui.widgets import SearchBox, UndoBar, heading, muted

ALL = "全部"


@dataclass(frozen=True)
class FilterDef:
    """A column filter: a list of options (label → test) built from the loaded rows.
    ``name``: its key in the saved state; ``key``: the row column it tests."""

    name: str
    label: str
    key: str
    options: Callable[[RecordTableModel], list[tuple[str, FilterTest]]]


def choice_filter(name: str, label: str, key: str,
                  display: Callable[[Any], str] | None = None,
                  order: Callable[[Any], Any] | None = None) -> FilterDef:
    """One option per distinct value of the column, in pinyin order (or ``order``)."""

    def options(model: RecordTableModel) -> list[tuple[str, FilterTest]]:
        values = [v for v in model.distinct(key) if v not in (None, "")]
        text = display or str
        values.sort(key=order or (lambda v: sort_key(text(v))))
        return [(text(v), frozenset({v})) for v in values]

    return FilterDef(name, label, key, options)


def yes_no_filter(name: str, label: str, key: str) -> FilterDef:
    def options(_model: RecordTableModel) -> list[tuple[str, FilterTest]]:
        return [("是", frozenset({1})), ("否", frozenset({0, None}))]  # True == 1, False == 0

    return FilterDef(name, label, key, options)


class FilterBar(QWidget):
    """The filters above a list, one drop-down each, and 清除筛选. Signal: ``changed``."""

    changed = Signal()

    def __init__(self, filters: Sequence[FilterDef], model: RecordTableModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.filters = list(filters)
        self.combos: dict[str, QComboBox] = {}
        self._tests: dict[str, list[FilterTest | None]] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for definition in self.filters:
            layout.addWidget(QLabel(definition.label + self.tr("："), self))
            combo = QComboBox(self)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setAccessibleName(definition.label)
            combo.addItem(self.tr(ALL))
            combo.currentIndexChanged.connect(
                lambda _i, d=definition: self._apply(d))
            layout.addWidget(combo)
            self.combos[definition.name] = combo
        self.clear_button = QToolButton(self)
        self.clear_button.setText(self.tr("清除筛选"))
        self.clear_button.clicked.connect(self.clear)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self.setVisible(bool(self.filters))

    def rebuild(self) -> None:
        """New options after the rows changed; each drop-down keeps its choice if it can."""
        for definition in self.filters:
            combo = self.combos[definition.name]
            chosen = combo.currentText()
            options = definition.options(self.model)
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr(ALL))
            tests: list[FilterTest | None] = [None]
            for text, test in options:
                combo.addItem(text)
                tests.append(test)
            self._tests[definition.name] = tests
            index = combo.findText(chosen)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
            self._apply(definition, emit=False)
        self.changed.emit()

    def select(self, name: str, text: str) -> bool:
        combo = self.combos.get(name)
        if combo is None:
            return False
        index = combo.findText(text)
        if index < 0:
            return False
        combo.setCurrentIndex(index)
        return True

    def clear(self) -> None:
        for combo in self.combos.values():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.model.clear_filters()
        self.changed.emit()

    def active(self) -> dict[str, str]:
        return {n: c.currentText() for n, c in self.combos.items() if c.currentIndex() > 0}

    def _apply(self, definition: FilterDef, emit: bool = True) -> None:
        combo = self.combos[definition.name]
        tests = self._tests.get(definition.name, [None])
        index = combo.currentIndex()
        test = tests[index] if 0 <= index < len(tests) else None
        self.model.set_filter(definition.name, definition.key if test is not None else None, test)
        if emit:
            self.changed.emit()


class RecordListPage(Page):
    """A list of records. Signals: ``currentIdChanged(id)`` (0 when none).

    Class attributes a subclass sets: ``kind`` (the ``Changes`` kind it shows), ``depends``
    (kinds whose change means a full reload, e.g. a unit renamed changes the needs list),
    ``title``, ``noun`` (需求/专家 …, for messages), ``state_key``, ``columns``,
    ``search_placeholder``, ``fallback_search`` (row columns searched before the pinyin index
    is ready).
    """

    currentIdChanged = Signal(int)

    kind = ""
    depends: tuple[str, ...] = ()
    title = ""
    noun = "记录"
    state_key = ""
    columns: tuple[Column, ...] = ()
    search_placeholder = "搜索：名称、拼音首字母、编号、电话"
    fallback_search: tuple[str, ...] = ("code",)
    has_recycle_bin = True

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = RecordTableModel(self.make_columns(), self)
        self._generation = 0
        self._stale = True
        self._loaded = False
        self._pending_ids: set[int] = set()
        self._deleted_view = False
        self._restore_ids: list[int] = []
        self._undo_ids: list[int] = []
        self._initial_filters: dict[str, str] | None = None
        self._initial_select: int | None = None
        self._selected_count = 0
        self.extra: Any = None  # what ``load`` returned besides the rows (e.g. the field tree)

        self.heading = heading(self.tr(self.title), self)
        self.counts = muted("", self)
        self.counts.setWordWrap(False)
        self.counts.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.search = SearchBox(self.tr(self.search_placeholder), self)
        self.search.setAccessibleName(self.tr("搜索"))
        self.search.textChanged.connect(self._on_search)

        self.toolbar = QHBoxLayout()
        self.new_button = self._tool(self.tr("新建"), QStyle.StandardPixmap.SP_FileDialogNewFolder,
                                     self.new_record, self.tr("新建一条（Ctrl+N）"))
        self.edit_button = self._tool(self.tr("编辑"), QStyle.StandardPixmap.SP_FileDialogDetailedView,
                                      self.edit_current, self.tr("编辑选中的一条（回车）"))
        self.delete_button = self._tool(self.tr("删除"), QStyle.StandardPixmap.SP_TrashIcon,
                                        self.delete_selected,
                                        self.tr("删除选中的记录，可撤销（Delete）"))
        self.restore_button = self._tool(self.tr("恢复"), QStyle.StandardPixmap.SP_DialogResetButton,
                                         self.restore_selected, self.tr("恢复选中的已删除记录"))
        self.restore_button.hide()
        if self.read_only:
            self.new_button.setEnabled(False)
            self.new_button.setToolTip(self.tr("只读用户（查看）不能新建或修改记录"))
        self.bulk_button = QToolButton(self)
        self.bulk_button.setText(self.tr("批量操作"))
        self.bulk_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bulk_menu = QMenu(self.bulk_button)
        self.bulk_button.setMenu(self.bulk_menu)
        self.bulk_menu.aboutToShow.connect(self._fill_bulk_menu)
        self.toolbar.addWidget(self.new_button)
        self.toolbar.addWidget(self.edit_button)
        self.toolbar.addWidget(self.delete_button)
        self.toolbar.addWidget(self.restore_button)
        self.toolbar.addWidget(self.bulk_button)
        self.bin_check = QCheckBox(self.tr("回收站"), self)
        self.bin_check.setToolTip(self.tr("只显示已删除的记录，可以恢复"))
        self.bin_check.toggled.connect(self.set_deleted_view)
        self.bin_check.setVisible(self.has_recycle_bin)
        self.toolbar.addWidget(self.bin_check)
        self.toolbar.addStretch(1)
        self.toolbar.addWidget(self.search, 2)

        self.filter_bar = FilterBar(self.filters(), self.model, self)
        self.filter_bar.changed.connect(self._save_filters_later)

        self.table = QTableView(self)
        self.table.setObjectName(f"{self.state_key}-table")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(
            self.fontMetrics().height() + self.fontMetrics().height() // 2)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self.table.doubleClicked.connect(lambda _index: self.edit_current())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.model.countsChanged.connect(self._show_counts)
        self.model.modelReset.connect(self._selection_changed)

        for key, slot in ((QKeySequence.StandardKey.Delete, self.delete_selected),
                          (Qt.Key.Key_Return, self.edit_current),
                          (Qt.Key.Key_Enter, self.edit_current)):
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.table.addAction(action)

        self.undo_bar = UndoBar(self)
        self.undo_bar.undo.connect(self.undo_delete)

        self.detail = self.make_detail()
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName(f"{self.state_key}-splitter")
        self.splitter.addWidget(self.table)
        if self.detail is not None:
            self.splitter.addWidget(self.detail)
            self.splitter.setStretchFactor(0, 3)
            self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.counts)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.undo_bar)

        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(120)
        self._detail_timer.timeout.connect(self._emit_current)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(500)
        self._filter_timer.timeout.connect(self._save_filters)
        self._restore_layout()
        self._selection_changed()
        ctx.changed.connect(self._on_changes)

    # -- hooks for subclasses ------------------------------------------------------------------

    def make_columns(self) -> tuple[Column, ...]:
        return self.columns

    def filters(self) -> list[FilterDef]:
        return []

    def load(self, session: Any, deleted: bool) -> tuple[RowSet, Any]:
        """(rows, extra) — runs on a worker with its own session."""
        raise NotImplementedError

    def load_ids(self, session: Any, ids: list[int]) -> RowSet:
        raise NotImplementedError

    def search_spec(self, rowset: RowSet, extra: Any) -> SearchSpec:
        return SearchSpec(codes=(rowset.index("code"),))

    def delete(self, uow: Any, ids: list[int]) -> BulkResult:
        raise NotImplementedError

    def restore(self, uow: Any, ids: list[int]) -> BulkResult:
        raise NotImplementedError

    def open_editor(self, record_id: int | None) -> QWidget | None:
        return None

    def make_detail(self) -> QWidget | None:
        return None

    def bulk_actions(self, ids: list[int]) -> list[QAction]:
        """Page-specific actions on the selection (the export feature adds its own)."""
        return []

    def show_detail(self, record_id: int | None) -> None:
        pass

    # -- loading --------------------------------------------------------------------------------

    def activate(self, argument: Any = None) -> None:
        if self._stale:
            self.reload()
        elif self._pending_ids:
            self._refresh_ids(sorted(self._pending_ids))
        if argument:
            self.apply_argument(argument)

    def apply_argument(self, argument: Any) -> None:
        """Another screen asked to show something: ``{"filter": {name: text}}`` or
        ``{"select": id}``."""
        if not isinstance(argument, dict):
            return
        filters = argument.get("filter") or {}
        if filters:
            if self._loaded:
                self.filter_bar.clear()
                for name, text in filters.items():
                    self.filter_bar.select(name, text)
            else:
                self._initial_filters = dict(filters)
        if "select" in argument:
            record_id = argument["select"]
            if self._loaded and self.model.has_id(record_id) \
                    and self.model.row_of_id(record_id) is None:
                self.search.clear()  # it is hidden by the search or a filter: show it
                self.filter_bar.clear()
            self.select_id(record_id)

    def refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read every row again (off the GUI thread), then build the pinyin index."""
        self._generation += 1
        generation = self._generation
        self._stale = False
        self._pending_ids.clear()
        deleted = self._deleted_view
        database = self.ctx.database
        load, spec_for = self.load, self.search_spec
        self.counts.setText(self.tr("正在载入…"))

        shown = threading.Event()
        columns = self.model.columns

        def work(control: TaskControl) -> tuple[SearchIndex, dict[int, list[Any]]]:
            with database.session() as session:
                rowset, extra = load(session, deleted)
            control.publish((rowset, extra))
            # Let the GUI thread put the rows on screen before this thread competes with it
            # for the interpreter (the index is plain Python work).
            deadline = time.monotonic() + 30
            while not shown.wait(0.1) and time.monotonic() < deadline:
                control.check()
            index = SearchIndex(rowset.rows, spec_for(rowset, extra), progress=control.progress)
            control.check()
            return index, sort_keys(columns, rowset)

        version = [0]

        def loaded(data: tuple[RowSet, Any]) -> None:
            if generation == self._generation:
                self._apply_rows(*data)
                version[0] = self.model.rows_version
            shown.set()

        def indexed(result: tuple[SearchIndex, dict[int, list[Any]]]) -> None:
            if generation != self._generation:
                return
            if self.model.rows_version != version[0]:
                self._rebuild_index()  # rows were edited meanwhile: index what is there now
                return
            index, keys = result
            self.model.set_sort_keys(keys)
            self.model.set_search_index(index)

        self.ctx.tasks.run(work, on_partial=loaded, on_done=indexed, owner=self,
                           label=self.tr("正在载入{0}…").format(self.tr(self.title)),
                           progress=True)

    def _rebuild_index(self) -> None:
        generation = self._generation
        version, rowset = self.model.rows_snapshot()
        spec = self.search_spec(rowset, self.extra)
        columns = self.model.columns

        def work(control: TaskControl) -> tuple[SearchIndex, dict[int, list[Any]]]:
            return SearchIndex(rowset.rows, spec, progress=control.progress), \
                sort_keys(columns, rowset)

        def done(result: tuple[SearchIndex, dict[int, list[Any]]]) -> None:
            if generation != self._generation:
                return
            if self.model.rows_version != version:
                self._rebuild_index()
                return
            index, keys = result
            self.model.set_sort_keys(keys)
            self.model.set_search_index(index)

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def _apply_rows(self, rowset: RowSet, extra: Any) -> None:
        selected = self.selected_ids()
        current = self.current_id()
        self.extra = extra
        self.model.set_rowset(rowset, fallback_search=self.fallback_search)
        first_load = not self._loaded
        self._loaded = True
        self.filter_bar.rebuild()
        if first_load:
            self._restore_filters()
        self._restore_selection(selected, current)
        self.rows_loaded()
        self._show_counts(self.model.total, self.model.shown)

    def rows_loaded(self) -> None:
        """Called after every (re)load, on the GUI thread."""

    @property
    def loaded(self) -> bool:
        return self._loaded

    def _refresh_ids(self, ids: list[int]) -> None:
        """Re-read just these rows (after an edit elsewhere) and put them in place."""
        self._pending_ids.difference_update(ids)
        generation = self._generation
        database = self.ctx.database
        load_ids = self.load_ids

        def work(_control: TaskControl) -> RowSet:
            with database.session() as session:
                return load_ids(session, ids)

        def done(rowset: RowSet) -> None:
            if generation != self._generation:
                return
            deleted_at = rowset.columns.index("deleted_at")
            wanted = self._deleted_view
            self.model.upsert(rowset, keep=lambda row: (row[deleted_at] is not None) == wanted)
            self.filter_bar.rebuild()
            if self._initial_select is not None and self.model.has_id(self._initial_select):
                wanted_id, self._initial_select = self._initial_select, None
                self.select_id(wanted_id)  # a record just created here
            current = self.current_id()
            if current in ids:
                self.show_detail(current)

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(*self.depends) or (self.kind and changes.ids(self.kind) is None):
            self._stale = True
        elif self.kind and changes.touches(self.kind):
            self._pending_ids.update(changes.ids(self.kind) or ())
        else:
            return
        if not self._loaded and not self.isVisible():
            return
        if self.isVisible():
            if self._stale:
                self.reload()
            elif self._pending_ids:
                self._refresh_ids(sorted(self._pending_ids))

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self._loaded and (self._stale or self._pending_ids):
            self.activate()

    # -- selection ------------------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        """Ids of the selected rows in view order (read from the selection's ranges, so a
        select-all of 100,000 rows costs no 100,000 index objects)."""
        rows: list[int] = []
        for selection_range in self.table.selectionModel().selection():
            rows.extend(range(selection_range.top(), selection_range.bottom() + 1))
        return [self.model.row_id(r) for r in sorted(set(rows))]

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.row_id(index.row()) if index.isValid() else None

    def select_id(self, record_id: int) -> bool:
        row = self.model.row_of_id(record_id)
        if row is None:
            self._initial_select = record_id
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    def select_ids(self, ids: Sequence[int]) -> None:
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for record_id in ids:
            row = self.model.row_of_id(record_id)
            if row is not None:
                selection.select(self.model.index(row, 0), flags)

    def _restore_selection(self, selected: list[int], current: int | None) -> None:
        wanted = self._initial_select
        if wanted is not None:
            self._initial_select = None
            if self.select_id(wanted):
                return
        if len(selected) > 1:
            self.select_ids(selected)
        if current is not None and self.model.row_of_id(current) is not None:
            row = self.model.row_of_id(current)
            flag = (QItemSelectionModel.SelectionFlag.NoUpdate if len(selected) > 1 else
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows)
            self.table.selectionModel().setCurrentIndex(self.model.index(row, 0), flag)

    @property
    def read_only(self) -> bool:
        """The logged-in user may only read (role 查看): the services refuse their writes
        anyway; the buttons say so before they try."""
        from services import auth

        user = getattr(self.ctx.database, "user", None)
        return user is not None and not auth.role_allows(user.role, auth.ROLE_CLERK)

    def _selection_changed(self, *_args: Any) -> None:
        count = len(self.table.selectionModel().selectedRows()) if self.model.shown < 5000 \
            else len(self.selected_ids())
        writable = not self.read_only
        self.edit_button.setEnabled(writable and count == 1 and not self._deleted_view)
        self.delete_button.setEnabled(writable and count > 0 and not self._deleted_view)
        self.restore_button.setEnabled(writable and count > 0 and self._deleted_view)
        self.bulk_button.setEnabled(count > 0)
        self._selected_count = count
        self._show_counts(self.model.total, self.model.shown)

    def _current_changed(self, *_args: Any) -> None:
        self._detail_timer.start()

    def _emit_current(self) -> None:
        current = self.current_id()
        self.currentIdChanged.emit(current or 0)
        self.show_detail(current)

    def _show_counts(self, total: int, shown: int) -> None:
        if not self._loaded:
            return
        where = self.tr("回收站中") if self._deleted_view else self.tr("共")
        text = self.tr("{0} {1} 条").format(where, f"{total:,}")
        if shown != total:
            text += self.tr("，筛选出 {0} 条").format(f"{shown:,}")
        selected = self._selected_count
        if selected:
            text += self.tr("，已选 {0} 条").format(f"{selected:,}")
        self.counts.setText(text)

    # -- actions -------------------------------------------------------------------------------

    def _tool(self, text: str, icon: QStyle.StandardPixmap, slot: Callable[[], None],
              tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setIcon(self.style().standardIcon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def new_record(self) -> None:
        if not self._deleted_view:
            self.open_editor(None)

    def edit_current(self) -> None:
        if self._deleted_view:
            return
        current = self.current_id()
        if current is not None:
            self.open_editor(current)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search(self, text: str) -> None:
        self.model.set_query(text)

    def set_deleted_view(self, on: bool) -> None:
        if on == self._deleted_view:
            return
        self._deleted_view = on
        self.bin_check.setChecked(on)
        self.delete_button.setVisible(not on)
        self.restore_button.setVisible(on)
        self.new_button.setEnabled(not on)
        self.reload()

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids or self._deleted_view:
            return
        delete, database = self.delete, self.ctx.database

        def work(_control: TaskControl) -> BulkResult:
            with database.unit_of_work() as uow:
                result = delete(uow, ids)
                uow.commit()
                return result

        def done(result: BulkResult) -> None:
            self._undo_ids = ids
            self.ctx.notify(Changes.of(self.kind, ids))
            text = self.tr("已删除 {0} 条{1}。").format(len(result.done), self.tr(self.noun))
            if result.refused:
                text += " " + result.summary
            self.undo_bar.show_message(text)

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在删除…"))

    def undo_delete(self) -> None:
        ids = self._undo_ids
        if ids:
            self._run_restore(ids, undo=True)

    def restore_selected(self) -> None:
        ids = self.selected_ids()
        if ids and self._deleted_view:
            self._run_restore(ids, undo=False)

    def _run_restore(self, ids: list[int], *, undo: bool) -> None:
        restore, database = self.restore, self.ctx.database

        def work(_control: TaskControl) -> BulkResult:
            with database.unit_of_work() as uow:
                result = restore(uow, ids)
                uow.commit()
                return result

        def done(result: BulkResult) -> None:
            self.ctx.notify(Changes.of(self.kind, ids))
            if undo:
                self._undo_ids = []
                self.undo_bar.hide()
                self.ctx.window.statusBar().showMessage(
                    self.tr("已撤销删除，恢复 {0} 条{1}。").format(len(result.done),
                                                            self.tr(self.noun)), 5000)
            else:
                messages.inform(self, self.tr("已恢复 {0} 条{1}。").format(
                    len(result.done), self.tr(self.noun)))

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在恢复…"))

    def _fill_bulk_menu(self) -> None:
        self.bulk_menu.clear()
        ids = self.selected_ids()
        if not ids:
            return
        count = len(ids)
        if self._deleted_view:
            action = self.bulk_menu.addAction(self.tr("恢复选中的 {0} 条").format(count))
            action.triggered.connect(self.restore_selected)
            return
        for action in self.bulk_actions(ids):
            self.bulk_menu.addAction(action)
        if not self.bulk_menu.isEmpty():
            self.bulk_menu.addSeparator()
        delete = self.bulk_menu.addAction(self.tr("删除选中的 {0} 条").format(count))
        delete.triggered.connect(self.delete_selected)
        select_all = self.bulk_menu.addAction(self.tr("全选当前列表（{0} 条）").format(
            f"{self.model.shown:,}"))
        select_all.triggered.connect(self.table.selectAll)

    def _table_menu(self, position: Any) -> None:
        menu = QMenu(self)
        if not self._deleted_view:
            menu.addAction(self.tr("新建"), self.new_record)
            if self.current_id() is not None:
                menu.addAction(self.tr("编辑"), self.edit_current)
        self._fill_bulk_menu()
        if not self.bulk_menu.isEmpty():
            menu.addSeparator()
            for action in self.bulk_menu.actions():
                menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(position))

    # -- remembered layout ----------------------------------------------------------------------

    def _header_menu(self, position: Any) -> None:
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        menu.addSection(self.tr("显示的列"))
        for logical, column in enumerate(self.model.columns):
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(logical))
            action.toggled.connect(lambda on, i=logical: self._show_column(i, on))
        menu.addSeparator()
        menu.addAction(self.tr("恢复默认列"), self._default_columns)
        menu.popup(header.mapToGlobal(position))

    def _show_column(self, logical: int, on: bool) -> None:
        header = self.table.horizontalHeader()
        if not on and header.count() - header.hiddenSectionCount() <= 1:
            return  # keep at least one column
        header.setSectionHidden(logical, not on)

    def _default_width(self, column: Column) -> int:
        return column.width * self.fontMetrics().horizontalAdvance("中") + 16

    def _default_columns(self) -> None:
        header = self.table.horizontalHeader()
        for logical, column in enumerate(self.model.columns):
            header.moveSection(header.visualIndex(logical), logical)
            header.setSectionHidden(logical, column.hidden)
            header.resizeSection(logical, self._default_width(column))

    def _restore_layout(self) -> None:
        header = self.table.horizontalHeader()
        self._default_columns()
        saved = self.ctx.state.get(f"columns.{self.state_key}") or {}
        keys = [c.key for c in self.model.columns]
        widths = saved.get("widths") or {}
        for logical, key in enumerate(keys):
            if isinstance(widths.get(key), int) and widths[key] > 10:
                header.resizeSection(logical, widths[key])
        if isinstance(saved.get("hidden"), list):
            for logical, key in enumerate(keys):
                header.setSectionHidden(logical, key in saved["hidden"])
        order = [k for k in saved.get("order") or [] if k in keys]
        for visual, key in enumerate(order):
            header.moveSection(header.visualIndex(keys.index(key)), visual)
        sort = saved.get("sort")
        if isinstance(sort, list) and len(sort) == 2 and sort[0] in keys:
            direction = (Qt.SortOrder.DescendingOrder if sort[1] == "desc"
                         else Qt.SortOrder.AscendingOrder)
            self.table.sortByColumn(keys.index(sort[0]), direction)
        else:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        sizes = self.ctx.state.get(f"splitter.{self.state_key}")
        if isinstance(sizes, list) and len(sizes) == self.splitter.count() and all(
                isinstance(s, int) for s in sizes) and sum(sizes) > 0:
            self.splitter.setSizes(sizes)

    def _save_filters_later(self) -> None:
        self._filter_timer.start()

    def _save_filters(self) -> None:
        if self._loaded:
            self.ctx.state.set(f"filters.{self.state_key}", self.filter_bar.active())

    def _restore_filters(self) -> None:
        wanted = self._initial_filters
        if wanted is None:
            wanted = self.ctx.state.get(f"filters.{self.state_key}") or {}
        self._initial_filters = None
        for name, text in wanted.items():
            self.filter_bar.select(name, text)

    def save_state(self) -> None:
        header = self.table.horizontalHeader()
        keys = [c.key for c in self.model.columns]
        sort = self.model.sort_state
        self.ctx.state.set(f"columns.{self.state_key}", {
            "order": [keys[header.logicalIndex(v)] for v in range(header.count())],
            "widths": {k: header.sectionSize(i) for i, k in enumerate(keys)
                       if not header.isSectionHidden(i)},
            "hidden": [k for i, k in enumerate(keys) if header.isSectionHidden(i)],
            "sort": [keys[sort[0]], "desc" if sort[1] == Qt.SortOrder.DescendingOrder
                     else "asc"] if sort else None,
        })
        if self.detail is not None:
            self.ctx.state.set(f"splitter.{self.state_key}", self.splitter.sizes())
        self._save_filters()
