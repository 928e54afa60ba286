"""乡镇与村: the county's townships and their villages (脱贫村, 重点帮扶村 marked).

Places are not soft-deleted (needs and units point at them): a place still in use cannot be
deleted — the service says so — and deleting an unused one asks first.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from services import places
from services.records import RowSet
from services.search import SearchIndex, SearchSpec
from ui import messages
from ui.context import PLACE, AppContext, Changes
from ui.pages import Page, PageSpec
from ui.record_forms import TownshipForm, VillageForm
from ui.table_model import Column, RecordTableModel
from ui.tasks import TaskControl
from ui.widgets import SearchBox, heading, muted

TOWNSHIP_COLUMNS = ("id", "name", "code", "villages", "latitude", "longitude")
VILLAGE_COLUMNS = ("id", "name", "township", "township_id", "key_support",
                   "poverty_alleviated", "latitude", "longitude")


def _yes(value: Any) -> str:
    return "是" if value else ""


class PlacesPage(Page):
    """Townships on the left, the chosen township's villages on the right. Attributes:
    ``townships`` and ``villages`` (the two models and their tables)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._generation = 0
        self._stale = True
        self.loaded = False
        self.townships = RecordTableModel((
            Column("name", "乡镇", 6, sort="pinyin"),
            Column("code", "区划代码", 6),
            Column("villages", "村数", 3, sort="number", align="right"),
            Column("latitude", "纬度", 4, sort="number", align="right", hidden=True),
            Column("longitude", "经度", 4, sort="number", align="right", hidden=True),
        ), self)
        self.villages = RecordTableModel((
            Column("name", "村", 6, sort="pinyin"),
            Column("township", "乡镇", 6, sort="pinyin"),
            Column("poverty_alleviated", "脱贫村", 3, display=_yes, sort="number",
                   align="center"),
            Column("key_support", "重点帮扶村", 4, display=_yes, sort="number", align="center"),
        ), self)
        self.township_table = self._table(self.townships, "townships")
        self.village_table = self._table(self.villages, "villages")
        self.township_table.selectionModel().currentRowChanged.connect(self._township_chosen)
        self.township_table.doubleClicked.connect(lambda *_: self.edit_township())
        self.village_table.doubleClicked.connect(lambda *_: self.edit_village())

        self.search = SearchBox(self.tr("搜索村或乡镇：名称、拼音首字母"), self)
        self.search.textChanged.connect(self.villages.set_query)
        self.priority_only = QCheckBox(self.tr("只看脱贫村、重点帮扶村"), self)
        self.priority_only.toggled.connect(self._filter_priority)
        self.counts = muted("", self)
        self.counts.setWordWrap(False)
        self.villages.countsChanged.connect(self._show_counts)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_tools = QHBoxLayout()
        left_tools.addWidget(QLabel(self.tr("乡镇"), left))
        left_tools.addStretch(1)
        for text, slot, icon in ((self.tr("新建乡镇"), self.new_township,
                                  QStyle.StandardPixmap.SP_FileDialogNewFolder),
                                 (self.tr("编辑"), self.edit_township,
                                  QStyle.StandardPixmap.SP_FileDialogDetailedView),
                                 (self.tr("删除"), self.delete_township,
                                  QStyle.StandardPixmap.SP_TrashIcon)):
            left_tools.addWidget(self._button(text, slot, icon))
        left_layout.addLayout(left_tools)
        left_layout.addWidget(self.township_table)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_tools = QHBoxLayout()
        right_tools.addWidget(QLabel(self.tr("村"), right))
        self.all_button = self._button(self.tr("显示全部乡镇的村"), self.show_all_villages,
                                       QStyle.StandardPixmap.SP_FileDialogListView)
        right_tools.addWidget(self.all_button)
        right_tools.addWidget(self.priority_only)
        right_tools.addStretch(1)
        for text, slot, icon in ((self.tr("新建村"), self.new_village,
                                  QStyle.StandardPixmap.SP_FileDialogNewFolder),
                                 (self.tr("编辑"), self.edit_village,
                                  QStyle.StandardPixmap.SP_FileDialogDetailedView),
                                 (self.tr("删除"), self.delete_village,
                                  QStyle.StandardPixmap.SP_TrashIcon)):
            right_tools.addWidget(self._button(text, slot, icon))
        right_layout.addLayout(right_tools)
        right_layout.addWidget(self.village_table)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        sizes = ctx.state.get("splitter.places")
        if isinstance(sizes, list) and len(sizes) == 2 and all(isinstance(s, int) for s in sizes):
            self.splitter.setSizes(sizes)

        top = QHBoxLayout()
        top.addWidget(heading(self.tr("乡镇与村"), self))
        top.addStretch(1)
        top.addWidget(self.counts)
        search_row = QHBoxLayout()
        search_row.addStretch(1)
        search_row.addWidget(self.search, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(search_row)
        layout.addWidget(self.splitter, 1)
        ctx.changed.connect(self._on_changes)

    def _table(self, model: RecordTableModel, name: str) -> QTableView:
        table = QTableView(self)
        table.setObjectName(f"{name}-table")
        table.setModel(model)
        table.setSortingEnabled(True)
        table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(
            self.fontMetrics().height() + self.fontMetrics().height() // 2)
        table.horizontalHeader().setStretchLastSection(True)
        em = self.fontMetrics().horizontalAdvance("中")
        for i, column in enumerate(model.columns):
            table.setColumnWidth(i, column.width * em + 16)
            table.setColumnHidden(i, column.hidden)
        return table

    def _button(self, text: str, slot: Any, icon: QStyle.StandardPixmap) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setIcon(self.style().standardIcon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.clicked.connect(slot)
        return button

    # -- loading --------------------------------------------------------------------------------

    def activate(self, argument: Any = None) -> None:
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._generation += 1
        generation = self._generation
        self._stale = False
        database = self.ctx.database

        def work(_control: TaskControl) -> tuple[RowSet, RowSet, SearchIndex]:
            with database.session() as session:
                towns = RowSet.from_dicts(places.list_townships(session), TOWNSHIP_COLUMNS)
                villages = RowSet.from_dicts(places.list_villages(session), VILLAGE_COLUMNS)
            index = SearchIndex(villages.rows, SearchSpec(text=(1,), shared=((2,),)))
            return towns, villages, index

        def done(result: tuple[RowSet, RowSet, SearchIndex]) -> None:
            if generation != self._generation:
                return
            current = self.current_township()
            village = self.current_village()
            towns, villages, index = result
            self.townships.set_rowset(towns)
            self.villages.set_rowset(villages, fallback_search=("name", "township"))
            self.villages.set_search_index(index)
            self.loaded = True
            if current is not None and self.townships.row_of_id(current) is not None:
                self.township_table.selectRow(self.townships.row_of_id(current))
            else:
                self._township_chosen()
            if village is not None and self.villages.row_of_id(village) is not None:
                self.village_table.selectRow(self.villages.row_of_id(village))

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在载入乡镇与村…"))

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(PLACE):
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self.loaded and self._stale:
            self.refresh()

    def _township_chosen(self, *_args: Any) -> None:
        township = self.current_township()
        self.villages.set_filter("township", "township_id",
                                 None if township is None else frozenset({township}))

    def show_all_villages(self) -> None:
        self.township_table.selectionModel().clear()
        self.township_table.setCurrentIndex(QModelIndex())
        self._township_chosen()

    def _filter_priority(self, on: bool) -> None:
        if not on:
            self.villages.set_filter("priority", None, None)
            return
        key_support = VILLAGE_COLUMNS.index("key_support")
        alleviated = VILLAGE_COLUMNS.index("poverty_alleviated")
        self.villages.set_filter("priority", "id", frozenset(
            row[0] for row in self.villages.rows() if row[key_support] or row[alleviated]))

    def _show_counts(self, total: int, shown: int) -> None:
        self.counts.setText(self.tr("乡镇 {0} 个，村 {1} 个，显示 {2} 个").format(
            self.townships.total, total, shown))

    def current_township(self) -> int | None:
        index = self.township_table.currentIndex()
        return self.townships.row_id(index.row()) if index.isValid() else None

    def current_village(self) -> int | None:
        index = self.village_table.currentIndex()
        return self.villages.row_id(index.row()) if index.isValid() else None

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def new_record(self) -> None:
        self.new_village()

    # -- editing --------------------------------------------------------------------------------

    def _open(self, form: Any) -> Any:
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor = form
        form.open()
        return form

    def new_township(self) -> TownshipForm:
        return self._open(TownshipForm(self.ctx, None, self.window()))

    def edit_township(self) -> TownshipForm | None:
        township = self.current_township()
        return self._open(TownshipForm(self.ctx, township, self.window())) if township else None

    def new_village(self) -> VillageForm:
        return self._open(VillageForm(self.ctx, None, self.window(),
                                      township_id=self.current_township()))

    def edit_village(self) -> VillageForm | None:
        village = self.current_village()
        return self._open(VillageForm(self.ctx, village, self.window())) if village else None

    def delete_township(self) -> None:
        township = self.current_township()
        if township is not None:
            name = self.townships.value(self.township_table.currentIndex().row(), "name")
            self._confirm_delete(self.tr("删除乡镇“{0}”？").format(name),
                                 lambda s: places.delete_township(s, township))

    def delete_village(self) -> None:
        village = self.current_village()
        if village is not None:
            name = self.villages.value(self.village_table.currentIndex().row(), "name")
            self._confirm_delete(self.tr("删除“{0}”？").format(name),
                                 lambda s: places.delete_village(s, village))

    def _confirm_delete(self, question: str, delete: Any) -> None:
        database = self.ctx.database

        def answer(index: int) -> None:
            if index != 0:
                return

            def work(_control: TaskControl) -> None:
                with database.unit_of_work() as uow:
                    delete(uow.session)
                    uow.commit()

            self.ctx.tasks.run(work, on_done=lambda _r: self.ctx.notify(Changes.of(PLACE)),
                               owner=self)

        self.question = messages.ask(
            self, question,
            [(self.tr("删除"), messages.Role.DestructiveRole),
             (self.tr("取消"), messages.Role.RejectRole)], answer, default=1,
            informative=self.tr("乡镇和村删除后不能撤销；还有单位或需求的不能删除。"))

    def save_state(self) -> None:
        self.ctx.state.set("splitter.places", self.splitter.sizes())


PAGE = PageSpec("places", "乡镇与村", 50, PlacesPage, QStyle.StandardPixmap.SP_DriveNetIcon,
                "Ctrl+5")
