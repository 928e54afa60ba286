"""团队与基地: expert service teams, service bases, grassroots workstations and collective
activities, one tab each, as lists read from services/outcomes/organisations.py. The members,
experts and dispatches of the selected row show beside the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QLabel, QSplitter, QStyle, QTabWidget, QVBoxLayout, QWidget

from services.outcomes import organisations as org
from services.records import RowSet
from ui.context import AppContext, Changes
from ui.outcome_forms import DISPATCH, OUTCOME
from ui.pages import PageSpec
from ui.pages.outcomes import _table
from ui.table_model import Column, RecordTableModel

_TABS: tuple[tuple[str, str, Callable[..., list[dict[str, Any]]],
                   Callable[..., dict[str, Any]], tuple[Column, ...]], ...] = (
    ("teams", "专家服务团", org.list_teams, org.team_values, (
        Column("code", "编号", 6), Column("name", "名称", 18, sort="pinyin", tooltip=True),
        Column("kind", "类型", 6), Column("lead", "团长", 5, sort="pinyin"),
        Column("focus", "服务产业", 14, tooltip=True),
        Column("members", "成员", 3, sort="number", align="right"))),
    ("bases", "专家服务基地", org.list_bases, org.base_values, (
        Column("code", "编号", 6), Column("name", "名称", 20, sort="pinyin", tooltip=True),
        Column("level", "级别", 4), Column("host_unit", "依托单位", 14, tooltip=True),
        Column("experts", "专家", 3, sort="number", align="right"),
        Column("evaluation", "最近考核", 7))),
    ("workstations", "专家基层科研工作站", org.list_workstations, org.workstation_values, (
        Column("code", "编号", 7), Column("name", "名称", 18, sort="pinyin", tooltip=True),
        Column("expert", "专家", 5), Column("host_unit", "建站单位", 14, tooltip=True),
        Column("start_date", "建站", 7), Column("end_date", "期满", 7),
        Column("days", "服务天数", 4, sort="number", align="right"))),
    ("activities", "专家服务活动", org.list_activities, org.activity_values, (
        Column("code", "编号", 9), Column("name", "名称", 20, sort="pinyin", tooltip=True),
        Column("kind", "类型", 7), Column("start_date", "开始", 7), Column("end_date", "结束", 7),
        Column("places", "地点", 10, tooltip=True),
        Column("experts", "专家", 3, sort="number", align="right"),
        Column("dispatches", "派遣", 3, sort="number", align="right"))),
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
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget(self)
        self.models: dict[str, RecordTableModel] = {}
        self.details: dict[str, QLabel] = {}
        for key, title, _list, values, columns in _TABS:
            model = RecordTableModel(columns, self)
            view = _table(self, model)
            view.setSortingEnabled(True)
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
            self.tabs.addTab(splitter, self.tr(title))
            self.models[key], self.details[key] = model, detail
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        ctx.changed.connect(self._changed)
        self.reload()

    def reload(self) -> None:
        database = self.ctx.database

        def work(_control: Any) -> dict[str, RowSet]:
            out = {}
            with database.session() as session:
                for key, _title, list_fn, _values, columns in _TABS:
                    rows = list_fn(session)
                    out[key] = RowSet.from_dicts(rows, ("id", *(c.key for c in columns)))
            return out

        def done(result: dict[str, RowSet]) -> None:
            for key, rowset in result.items():
                self.models[key].set_rowset(rowset)

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def _show(self, key: str, model: RecordTableModel,
              values_fn: Callable[..., dict[str, Any]], current: QModelIndex) -> None:
        if not current.isValid():
            self.details[key].setText("")
            return
        record_id = model.row_id(current.row())
        with self.ctx.database.session() as session:
            values = values_fn(session, record_id)
        self.details[key].setText(_detail_text(key, values))

    def _changed(self, changes: Changes) -> None:
        if changes.touches(OUTCOME, DISPATCH, "expert", "unit", "organisation"):
            self.reload()


PAGE = PageSpec("organisations", "团队与基地", 86, OrganisationsPage,
                QStyle.StandardPixmap.SP_DirHomeIcon)
