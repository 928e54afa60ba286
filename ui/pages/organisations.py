"""团队与基地: expert service teams, service bases, grassroots workstations and collective
activities, one tab each, as lists read from services/outcomes/organisations.py. The members,
experts and dispatches of the selected row show beside the list; 新建 / 编辑 / 删除 / 恢复 on
every tab (the forms of ui/organisation_forms.py), 登记考核 on bases, 登记 / 删除服务天数 on
workstations. Deleted records show with 显示已删除 and can be restored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from services.errors import ServiceError
from services.outcomes import organisations as org
from services.records import RowSet
from ui.context import AppContext, Changes
from ui.forms import RecordForm
from ui.organisation_forms import (
    ORGANISATION,
    ActivityForm,
    BaseForm,
    EvaluationForm,
    TeamForm,
    WorkstationForm,
    WorkstationLogForm,
    WorkstationLogRemoveForm,
)
from ui.outcome_forms import DISPATCH, OUTCOME
from ui.pages import PageSpec
from ui.pages.outcomes import _selected_id, _table
from ui.table_model import Column, RecordTableModel
from ui.widgets import ErrorLabel

_FORMS: dict[str, type[RecordForm]] = {
    "teams": TeamForm, "bases": BaseForm, "workstations": WorkstationForm,
    "activities": ActivityForm}
_DELETE: dict[str, Callable[..., Any]] = {
    "teams": org.delete_team, "bases": org.delete_base,
    "workstations": org.delete_workstation, "activities": org.delete_activity}
_RESTORE: dict[str, Callable[..., Any]] = {
    "teams": org.restore_team, "bases": org.restore_base,
    "workstations": org.restore_workstation, "activities": org.restore_activity}

_TABS: tuple[tuple[str, str, Callable[..., list[dict[str, Any]]],
                   Callable[..., dict[str, Any]], tuple[Column, ...]], ...] = (
    ("teams", "专家服务团", org.list_teams, org.team_values, (
        Column("code", "编号", 6), Column("name", "名称", 18, sort="pinyin", tooltip=True),
        Column("kind", "类型", 6), Column("lead", "团长", 5, sort="pinyin"),
        Column("focus", "服务产业", 14, tooltip=True),
        Column("members", "成员", 3, sort="number", align="right"),
        Column("state", "状态", 4))),
    ("bases", "专家服务基地", org.list_bases, org.base_values, (
        Column("code", "编号", 6), Column("name", "名称", 20, sort="pinyin", tooltip=True),
        Column("level", "级别", 4), Column("host_unit", "依托单位", 14, tooltip=True),
        Column("experts", "专家", 3, sort="number", align="right"),
        Column("evaluation", "最近考核", 7), Column("state", "状态", 4))),
    ("workstations", "专家基层科研工作站", org.list_workstations, org.workstation_values, (
        Column("code", "编号", 7), Column("name", "名称", 18, sort="pinyin", tooltip=True),
        Column("expert", "专家", 5), Column("host_unit", "建站单位", 14, tooltip=True),
        Column("start_date", "建站", 7), Column("end_date", "期满", 7),
        Column("days", "服务天数", 4, sort="number", align="right"),
        Column("state", "状态", 4))),
    ("activities", "专家服务活动", org.list_activities, org.activity_values, (
        Column("code", "编号", 9), Column("name", "名称", 20, sort="pinyin", tooltip=True),
        Column("kind", "类型", 7), Column("start_date", "开始", 7), Column("end_date", "结束", 7),
        Column("places", "地点", 10, tooltip=True),
        Column("experts", "专家", 3, sort="number", align="right"),
        Column("dispatches", "派遣", 3, sort="number", align="right"),
        Column("state", "状态", 4))),
)


def _detail_text(key: str, values: dict[str, Any]) -> str:
    if key == "teams":
        return "成员：" + "、".join(values["member_names"])
    if key == "bases":
        evaluations = "；".join(f"{e['year']} 年 {e['result']}" for e in values["evaluations"])
        return "专家：" + "、".join(values["expert_names"]) + (
            f"\n考核：{evaluations}" if evaluations else "")
    if key == "workstations":
        logs = "\n".join(f"{log['served_on']}  {log['days']} 天  {log['note']}"
                         for log in values["logs"])
        return f"专家：{values['expert_name']}\n服务记录：\n{logs}"
    return ("专家：" + "、".join(values["expert_names"]) + "\n派遣："
            + "、".join(values["dispatches"]))


class OrganisationsPage(QWidget):
    """Signals and forms carry the ids of teams, bases, workstations and activities."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editor: RecordForm | None = None
        self.tabs = QTabWidget(self)
        self.models: dict[str, RecordTableModel] = {}
        self.views: dict[str, QTableView] = {}
        self.details: dict[str, QLabel] = {}
        self.buttons: dict[str, dict[str, QPushButton]] = {}
        self.show_deleted = QCheckBox(self.tr("显示已删除"), self)
        self.show_deleted.toggled.connect(lambda _on: self.reload())
        self.error = ErrorLabel(self)
        for key, title, _list, values, columns in _TABS:
            model = RecordTableModel(columns, self)
            view = _table(self, model)
            view.setSortingEnabled(True)
            view.doubleClicked.connect(
                lambda index, k=key, m=model: self.open_form(k, m.row_id(index.row())))
            detail = QLabel(self)
            detail.setWordWrap(True)
            detail.setMinimumWidth(detail.fontMetrics().horizontalAdvance("中") * 18)
            detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            view.selectionModel().currentRowChanged.connect(
                lambda cur, _prev, k=key, m=model, fn=values: self._show(k, m, fn, cur))
            splitter = QSplitter(Qt.Orientation.Horizontal, self)
            splitter.addWidget(view)
            splitter.addWidget(detail)
            splitter.setStretchFactor(0, 3)
            splitter.setStretchFactor(1, 1)
            tab = QWidget(self)
            column = QVBoxLayout(tab)
            column.addLayout(self._bar(key))
            column.addWidget(splitter, 1)
            self.tabs.addTab(tab, self.tr(title))
            self.models[key], self.views[key], self.details[key] = model, view, detail
            self._update_buttons(key)
        top = QHBoxLayout()
        top.addWidget(self.error, 1)
        top.addWidget(self.show_deleted)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs)
        ctx.changed.connect(self._changed)
        self.reload()

    def _bar(self, key: str) -> QHBoxLayout:
        bar = QHBoxLayout()
        made: dict[str, QPushButton] = {}

        def add(name: str, text: str, slot: Callable[[], Any]) -> None:
            button = QPushButton(self.tr(text), self)
            button.clicked.connect(lambda _checked=False: slot())
            bar.addWidget(button)
            made[name] = button

        add("new", "新建…", lambda: self.open_form(key, None))
        add("edit", "编辑…", lambda: self.open_form(key, self.current_id(key)))
        add("delete", "删除", lambda: self.delete(key))
        add("restore", "恢复", lambda: self.restore(key))
        if key == "bases":
            add("evaluate", "登记考核…",
                lambda: self._open(EvaluationForm(self.ctx, self.current_id(key), self.window())))
        if key == "workstations":
            add("log", "登记服务天数…", lambda: self._open(
                WorkstationLogForm(self.ctx, self.current_id(key), self.window())))
            add("unlog", "删除服务天数…", lambda: self._open(
                WorkstationLogRemoveForm(self.ctx, self.current_id(key), self.window())))
        bar.addStretch(1)
        self.buttons[key] = made
        return bar

    def current_id(self, key: str) -> Any:
        return _selected_id(self.views[key], self.models[key])

    def _update_buttons(self, key: str) -> None:
        record_id = self.current_id(key)
        deleted = record_id is not None and bool(
            self.models[key].value_of_id(record_id, "state"))
        for name, button in self.buttons[key].items():
            if name == "new":
                continue
            if name == "restore":
                button.setEnabled(deleted)
            else:
                button.setEnabled(record_id is not None and not deleted)

    def select_id(self, key: str, record_id: int) -> None:
        row = self.models[key].row_of_id(record_id)
        if row is not None:
            self.views[key].setCurrentIndex(self.models[key].index(row, 0))

    def reload(self) -> None:
        database = self.ctx.database
        include_deleted = self.show_deleted.isChecked()
        deleted = self.tr("已删除")

        def work(_control: Any) -> dict[str, RowSet]:
            out = {}
            with database.session() as session:
                for key, _title, list_fn, _values, columns in _TABS:
                    rows = [r | {"state": deleted if r.get("deleted_at") else ""}
                            for r in list_fn(session, include_deleted=include_deleted)]
                    out[key] = RowSet.from_dicts(rows, ("id", *(c.key for c in columns)))
            return out

        def done(result: dict[str, RowSet]) -> None:
            for key, rowset in result.items():
                current = self.current_id(key)
                self.models[key].set_rowset(rowset)
                if current is not None:
                    self.select_id(key, current)
                self._update_buttons(key)

        self.ctx.tasks.run(work, on_done=done, owner=self)

    # -- forms and actions ----------------------------------------------------------------------

    def open_form(self, key: str, record_id: int | None) -> RecordForm:
        """The create (``record_id`` None) or edit form of the tab ``key``."""
        self.tabs.setCurrentIndex([k for k, *_ in _TABS].index(key))
        return self._open(_FORMS[key](self.ctx, record_id, self.window()))

    def _open(self, form: RecordForm) -> RecordForm:
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor = form
        form.open()
        return form

    def _act(self, key: str, action: Callable[..., Any]) -> None:
        record_id = self.current_id(key)
        if record_id is None:
            return
        database = self.ctx.database
        self.error.set_error("")

        def work(_control: Any) -> int:
            with database.unit_of_work() as uow:
                action(uow.session, record_id)
                uow.commit()
            return int(record_id)

        def failed(exc: Exception) -> bool:
            if isinstance(exc, ServiceError):
                self.error.set_error(exc.message)
                return True
            return False

        self.ctx.tasks.run(
            work, on_done=lambda rid: self.ctx.notify(Changes.of(ORGANISATION, [rid])),
            on_error=failed, owner=self)

    def delete(self, key: str) -> None:
        """Soft delete: the record stays restorable (显示已删除, then 恢复)."""
        self._act(key, _DELETE[key])

    def restore(self, key: str) -> None:
        self._act(key, _RESTORE[key])

    def _show(self, key: str, model: RecordTableModel,
              values_fn: Callable[..., dict[str, Any]], current: QModelIndex) -> None:
        self._update_buttons(key)
        if not current.isValid():
            self.details[key].setText("")
            return
        record_id = model.row_id(current.row())
        with self.ctx.database.session() as session:
            values = values_fn(session, record_id)
        self.details[key].setText(_detail_text(key, values))

    def _changed(self, changes: Changes) -> None:
        if changes.touches(OUTCOME, DISPATCH, "expert", "unit", ORGANISATION):
            self.reload()


PAGE = PageSpec("organisations", "团队与基地", 86, OrganisationsPage,
                QStyle.StandardPixmap.SP_DirHomeIcon)
