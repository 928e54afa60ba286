"""专家库: the county's expert pool."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QStyle, QWidget

from services import experts
from services import fields as fields_service
from services.records import BulkResult, RowSet
from services.search import SearchSpec
from ui.context import EXPERT, FIELD, AppContext
from ui.export_dialog import add_exchange_tools, export_selected_action
from ui.pages import PageSpec
from ui.pages.needs import field_filter
from ui.record_forms import ExpertForm
from ui.record_list import FilterDef, RecordListPage, choice_filter, yes_no_filter
from ui.table_model import Column

TITLE_ORDER = {t: i for i, t in enumerate(experts.TITLES)}


def masked_id(number: str | None) -> str:
    """身份证号 in a list: enough to tell people apart, not enough to copy (personal data)."""
    if not number:
        return ""
    return number[:6] + "********" + number[-4:] if len(number) == 18 else number


class ExpertsPage(RecordListPage):
    kind = EXPERT
    depends = (FIELD,)
    title = "专家库"
    noun = "专家"
    state_key = "experts"
    search_placeholder = "搜索：姓名、拼音首字母、单位、专长、电话、身份证号片段"
    fallback_search = ("code", "name", "employer", "specialties", "phone")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        add_exchange_tools(self, "experts")

    def bulk_actions(self, ids: list[int]) -> list[QAction]:
        return [export_selected_action(self, "experts", ids)]

    def make_columns(self) -> tuple[Column, ...]:
        return (
            Column("code", "编号", 5),
            Column("name", "姓名", 4, sort="pinyin"),
            Column("gender", "性别", 2, align="center"),
            Column("birth_year", "出生年份", 4, sort="number", align="right", hidden=True),
            Column("title", "职称级别", 4, sort=lambda v: TITLE_ORDER.get(v, 99)),
            Column("title_name", "职称", 5, sort="pinyin"),
            Column("employer", "工作单位", 10, sort="pinyin", tooltip=True),
            Column("specialties", "专长", 10, sort="pinyin", tooltip=True),
            Column("honours", "荣誉称号", 6, tooltip=True),
            Column("phone", "电话", 7),
            Column("id_number", "身份证号", 9, display=masked_id, hidden=True),
            Column("retired", "退休", 2, display=lambda v: "是" if v else "", align="center"),
            Column("home_place", "常住地", 8, sort="pinyin", hidden=True),
        )

    def load(self, session: Any, deleted: bool) -> tuple[RowSet, Any]:
        return experts.list_rows(session, deleted=deleted), {
            "fields": fields_service.all_fields(session)}

    def load_ids(self, session: Any, ids: list[int]) -> RowSet:
        return experts.list_rows(session, ids=ids)

    def search_spec(self, rowset: RowSet, extra: Any) -> SearchSpec:
        i = rowset.index
        return SearchSpec(text=(i("name"), i("specialties"), i("honours"), i("title_name")),
                          codes=(i("code"), i("phone"), i("id_number")),
                          shared=((i("employer"),), (i("home_place"),)))

    def filters(self) -> list[FilterDef]:
        return [
            choice_filter("title", "职称级别", "title", order=lambda v: TITLE_ORDER.get(v, 99)),
            field_filter("field", "专长领域", "field_ids", self, multiple=True),
            yes_no_filter("retired", "退休", "retired"),
        ]

    def open_editor(self, record_id: int | None) -> ExpertForm:
        form = ExpertForm(self.ctx, record_id, self.window())
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.saved.connect(lambda i: self.select_id(i) or setattr(self, "_initial_select", i))
        self.editor = form
        form.open()
        return form

    def delete(self, uow: Any, ids: list[int]) -> BulkResult:
        return experts.delete_many(uow.session, ids)

    def restore(self, uow: Any, ids: list[int]) -> BulkResult:
        return experts.restore_many(uow.session, ids)


PAGE = PageSpec("experts", "专家库", 30, ExpertsPage, QStyle.StandardPixmap.SP_DirHomeIcon,
                "Ctrl+3")
