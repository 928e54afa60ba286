"""需求单位: the villages' committees, cooperatives, firms … that ask for help."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QStyle, QWidget

from services import units
from services.records import BulkResult, RowSet
from services.search import SearchSpec
from ui.context import NEED, PLACE, UNIT, AppContext
from ui.export_dialog import add_exchange_tools, export_selected_action
from ui.pages import PageSpec
from ui.record_forms import UnitForm
from ui.record_list import FilterDef, RecordListPage, choice_filter
from ui.table_model import Column


class UnitsPage(RecordListPage):
    kind = UNIT
    depends = (PLACE, NEED)  # the count of needs per unit
    title = "需求单位"
    noun = "需求单位"
    state_key = "units"
    search_placeholder = "搜索：单位名称、拼音首字母、联系人、电话、编号"
    fallback_search = ("code", "name", "contact_person", "phone", "township", "village")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        add_exchange_tools(self, "units")

    def bulk_actions(self, ids: list[int]) -> list[QAction]:
        return [export_selected_action(self, "units", ids)]

    def make_columns(self) -> tuple[Column, ...]:
        return (
            Column("code", "编号", 5),
            Column("name", "单位名称", 14, sort="pinyin", tooltip=True),
            Column("unit_type", "类型", 4, sort="pinyin"),
            Column("township", "乡镇", 5, sort="pinyin"),
            Column("village", "村", 5, sort="pinyin"),
            Column("contact_person", "联系人", 4, sort="pinyin"),
            Column("phone", "电话", 7),
            Column("needs", "需求数", 3, sort="number", align="right"),
            Column("address", "地址", 10, sort="pinyin", hidden=True, tooltip=True),
        )

    def load(self, session: Any, deleted: bool) -> tuple[RowSet, Any]:
        return units.list_rows(session, deleted=deleted), None

    def load_ids(self, session: Any, ids: list[int]) -> RowSet:
        return units.list_rows(session, ids=ids)

    def search_spec(self, rowset: RowSet, extra: Any) -> SearchSpec:
        i = rowset.index
        return SearchSpec(text=(i("name"), i("contact_person"), i("address")),
                          codes=(i("code"), i("phone")),
                          shared=((i("township"), i("village")), (i("unit_type"),)))

    def filters(self) -> list[FilterDef]:
        return [
            choice_filter("unit_type", "类型", "unit_type",
                          order=lambda v: units.UNIT_TYPES.index(v)
                          if v in units.UNIT_TYPES else 99),
            choice_filter("township", "乡镇", "township"),
        ]

    def open_editor(self, record_id: int | None) -> UnitForm:
        form = UnitForm(self.ctx, record_id, self.window())
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.saved.connect(lambda i: self.select_id(i) or setattr(self, "_initial_select", i))
        self.editor = form
        form.open()
        return form

    def delete(self, uow: Any, ids: list[int]) -> BulkResult:
        return units.delete_many(uow.session, ids)

    def restore(self, uow: Any, ids: list[int]) -> BulkResult:
        return units.restore_many(uow.session, ids)


PAGE = PageSpec("units", "需求单位", 40, UnitsPage, QStyle.StandardPixmap.SP_DirIcon, "Ctrl+4")
