"""需求清单: every need of the county, with the seven-step actions beside the list."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu, QStyle, QWidget

from services import fields as fields_service
from services import needs, workflow
from services.records import BulkResult, RowSet
from services.search import SearchSpec, sort_key
from services.workflow import NeedStatus
from ui import messages
from ui.context import FIELD, NEED, PLACE, UNIT, AppContext, Changes
from ui.export_dialog import add_exchange_tools, export_selected_action
from ui.need_detail import NeedDetail, ReasonDialog
from ui.pages import PageSpec
from ui.record_forms import NeedForm
from ui.record_list import FilterDef, RecordListPage, choice_filter, yes_no_filter
from ui.table_model import Column, FilterTest, RecordTableModel
from ui.tasks import TaskControl

STATUS_LABELS = {s.value: label for s, label in workflow.STATUS_LABELS.items()}
STATUS_ORDER = {s.value: i for i, s in enumerate(NeedStatus)}


def field_filter(name: str, label: str, key: str, page: Any, *, multiple: bool) -> FilterDef:
    """专业领域 as a tree filter: choosing 种植业 keeps every need (or expert) under it."""

    def options(model: RecordTableModel) -> list[tuple[str, FilterTest]]:
        infos = page.extra.get("fields", []) if isinstance(page.extra, dict) else []
        if not infos:
            return []
        parent = {f.id: f.parent_id for f in infos}
        used: set[int] = set()
        for value in model.distinct(key):
            for field_id in (value if multiple else (value,)) or ():
                while field_id is not None:
                    used.add(field_id)
                    field_id = parent.get(field_id)
        below: dict[int, set[int]] = {f.id: {f.id} for f in infos}
        for f in sorted(infos, key=lambda f: -f.level):
            if f.parent_id is not None:
                below[f.parent_id] |= below[f.id]
        result: list[tuple[str, FilterTest]] = []
        for f in sorted(infos, key=lambda f: sort_key(f.path)):
            if f.id not in used or f.level > 2:
                continue
            ids = frozenset(below[f.id])
            text = f.name if f.level == 1 else "　" + f.name
            if multiple:
                result.append((text, lambda v, ids=ids: bool(v) and not ids.isdisjoint(v)))
            else:
                result.append((text, ids))
        return result

    return FilterDef(name, label, key, options)


def status_filter() -> FilterDef:
    open_steps = frozenset(s.value for s in (NeedStatus.SUBMITTED, NeedStatus.REVIEWED,
                                             NeedStatus.MATCHED, NeedStatus.SERVED))

    def options(model: RecordTableModel) -> list[tuple[str, FilterTest]]:
        result: list[tuple[str, FilterTest]] = [("办理中（申报至服务）", open_steps)]
        result += [(label, frozenset({value})) for value, label in STATUS_LABELS.items()]
        return result

    return FilterDef("status", "状态", "status", options)


class NeedsPage(RecordListPage):
    kind = NEED
    depends = (UNIT, PLACE, FIELD)
    title = "需求清单"
    noun = "需求"
    state_key = "needs"
    search_placeholder = "搜索：标题、单位、村、编号，支持拼音首字母"
    fallback_search = ("code", "title", "unit", "township", "village")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.detail.editRequested.connect(self.open_editor)  # type: ignore[union-attr]
        self.status_button = self._tool(self.tr("改状态"), QStyle.StandardPixmap.SP_ArrowForward,
                                        self._status_menu_at_button,
                                        self.tr("把选中的需求一起推进到下一步"))
        self.toolbar.insertWidget(4, self.status_button)
        add_exchange_tools(self, "needs")
        self._selection_changed()

    def make_columns(self) -> tuple[Column, ...]:
        self._field_names: dict[int, str] = {}
        self._field_paths: dict[int, str] = {}
        return (
            Column("code", "编号", 7),
            Column("title", "标题", 14, sort="pinyin", tooltip=True),
            Column("status", "状态", 4, display=lambda v: STATUS_LABELS.get(v, v or ""),
                   sort=lambda v: STATUS_ORDER.get(v, 99)),
            Column("unit", "需求单位", 12, sort="pinyin", tooltip=True),
            Column("township", "乡镇", 5, sort="pinyin"),
            Column("village", "村", 5, sort="pinyin"),
            Column("field_id", "专业领域", 6,
                   display=lambda v: self._field_names.get(v, ""),
                   sort=lambda v: self._field_paths.get(v, "")),
            Column("window_start", "希望开始", 6),
            Column("window_end", "希望结束", 6),
            Column("experts_wanted", "专家数", 3, sort="number", align="right"),
            Column("days_wanted", "天数", 3, sort="number", align="right", hidden=True),
            Column("required_title", "职称要求", 4, hidden=True),
            Column("beneficiaries_estimate", "预计受益", 4, sort="number", align="right",
                   hidden=True),
            Column("priority", "重点帮扶", 4, display=lambda v: "是" if v else "",
                   sort="number", align="center"),
            Column("source", "来源", 5, hidden=True),
            Column("submitted_on", "申报日期", 6),
            Column("updated_at", "最后修改", 8, display=lambda v: (v or "")[:16], hidden=True),
        )

    # -- loading --------------------------------------------------------------------------------

    def load(self, session: Any, deleted: bool) -> tuple[RowSet, Any]:
        return needs.list_rows(session, deleted=deleted), {
            "fields": fields_service.all_fields(session)}

    def load_ids(self, session: Any, ids: list[int]) -> RowSet:
        return needs.list_rows(session, ids=ids)

    def rows_loaded(self) -> None:
        infos = self.extra["fields"]
        self._field_names = {f.id: f.name for f in infos}
        self._field_paths = {f.id: f.path for f in infos}

    def search_spec(self, rowset: RowSet, extra: Any) -> SearchSpec:
        i = rowset.index
        return SearchSpec(text=(i("title"),), codes=(i("code"),),
                          shared=((i("unit"), i("unit_code"), i("township"), i("village")),),
                          lookups={i("field_id"): {f.id: f.path for f in extra["fields"]}})

    def filters(self) -> list[FilterDef]:
        return [
            status_filter(),
            choice_filter("township", "乡镇", "township"),
            field_filter("field", "专业领域", "field_id", self, multiple=False),
            yes_no_filter("priority", "重点帮扶", "priority"),
        ]

    # -- records ---------------------------------------------------------------------------------

    def make_detail(self) -> QWidget | None:
        return NeedDetail(self.ctx, self)

    def show_detail(self, record_id: int | None) -> None:
        self.detail.show_need(record_id)  # type: ignore[union-attr]

    def open_editor(self, record_id: int | None) -> NeedForm:
        form = NeedForm(self.ctx, record_id, self.window())
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.saved.connect(self._select_after_save)
        self.editor = form
        form.open()
        return form

    def _select_after_save(self, record_id: int) -> None:
        if self.model.has_id(record_id):
            self.select_id(record_id)
        else:
            self._initial_select = record_id

    def delete(self, uow: Any, ids: list[int]) -> BulkResult:
        return needs.delete_many(uow.session, ids)

    def restore(self, uow: Any, ids: list[int]) -> BulkResult:
        return needs.restore_many(uow.session, ids)

    # -- bulk status -----------------------------------------------------------------------------

    def transitions_for(self, ids: list[int]) -> list[dict[str, Any]]:
        """The moves legal for at least one selected need: target, action, how many."""
        counts: dict[str, dict[str, Any]] = {}
        for need_id in ids:
            status = self.model.value_of_id(need_id, "status")
            if status is None:
                continue
            for t in workflow.allowed_transitions(NeedStatus(status)):
                entry = counts.setdefault(t.target.value, {
                    "target": t.target.value, "action": t.action, "count": 0,
                    "reason_required": t.reason_required})
                entry["count"] += 1
        return sorted(counts.values(), key=lambda e: STATUS_ORDER[e["target"]])

    def status_actions(self, ids: list[int]) -> list[QAction]:
        actions = []
        for t in self.transitions_for(ids):
            action = QAction(self.tr("{0}（→{1}，{2} 条可改）").format(
                t["action"], STATUS_LABELS[t["target"]], t["count"]), self)
            action.triggered.connect(lambda _c=False, t=t: self.bulk_status(t, ids))
            actions.append(action)
        return actions

    def bulk_actions(self, ids: list[int]) -> list[QAction]:
        return [*self.status_actions(ids), export_selected_action(self, "needs", ids)]

    def _status_menu_at_button(self) -> None:
        ids = self.selected_ids()
        menu = QMenu(self)
        for action in self.status_actions(ids):
            menu.addAction(action)
        if menu.isEmpty():
            menu.addAction(self.tr("选中的需求没有可进行的操作")).setEnabled(False)
        menu.popup(self.status_button.mapToGlobal(self.status_button.rect().bottomLeft()))
        self.status_menu = menu

    def _selection_changed(self, *args: Any) -> None:
        super()._selection_changed(*args)
        if hasattr(self, "status_button"):
            self.status_button.setEnabled(self._selected_count > 0 and not self._deleted_view)

    def bulk_status(self, transition: dict[str, Any], ids: list[int]) -> QDialog | None:
        """Move the selected needs; a move that needs a reason asks for one first."""
        if transition["reason_required"]:
            dialog = BulkReasonDialog(self, transition, ids)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.reason_dialog = dialog
            dialog.open()
            return dialog
        self.run_bulk_status(transition["target"], ids, "")
        return None

    def run_bulk_status(self, target: str, ids: list[int], reason: str,
                        on_all_refused: Any = None, on_done: Any = None) -> None:
        """Move ``ids`` to ``target``. When none could move and ``on_all_refused`` is given,
        nothing is written and it gets the first reason (a dialog shows it and stays open)."""
        database = self.ctx.database

        def work(control: TaskControl) -> BulkResult:
            with database.unit_of_work() as uow:
                result = needs.set_status_many(uow.session, ids, target, uow.actor, reason)
                control.check()  # a cancel before the commit leaves everything as it was
                if result.done:
                    uow.commit()
                return result

        def done(result: BulkResult) -> None:
            if not result.done and on_all_refused is not None and result.refused:
                on_all_refused(next(iter(result.refused.values())))
                return
            self.ctx.notify(Changes.of(NEED, ids))
            text = self.tr("改为“{0}”：").format(STATUS_LABELS[target]) + result.summary
            if result.refused:
                messages.inform(self, text)
            else:
                self.ctx.window.statusBar().showMessage(text, 8000)
            if on_done is not None:
                on_done()

        self.ctx.tasks.run(work, on_done=done, owner=self, progress=True,
                           label=self.tr("正在批量改变状态…"))


class BulkReasonDialog(ReasonDialog):
    """The reason for a bulk move (驳回 … several needs at once)."""

    def __init__(self, page: NeedsPage, transition: dict[str, Any], ids: list[int]) -> None:
        super().__init__(page.ctx, 0, "", transition["target"], transition["action"], True,
                         page.window())
        self.setWindowTitle(self.tr("{0}：选中的 {1} 条需求").format(transition["action"],
                                                                  len(ids)))
        self.page = page
        self.ids = ids

    def accept(self) -> None:
        self.ok.setEnabled(False)
        self.page.run_bulk_status(self.target, self.ids, self.text.toPlainText(),
                                  on_all_refused=self._invalid,
                                  on_done=lambda: QDialog.accept(self))


PAGE = PageSpec("needs", "需求清单", 20, NeedsPage, QStyle.StandardPixmap.SP_FileDialogListView,
                "Ctrl+2")
