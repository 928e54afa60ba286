"""调度计划: plan a period's visits at once around the farming calendar.

Choose the period and the needs (status, township, crop, 重点村); the optimiser
(``services.matching.plan_season``) runs on a worker with progress and 取消; the proposal shows
as a table and as a timeline per expert, with the objective and gap in plain words, the
unplanned needs with their reasons and, after a re-plan, the changes. Single visits can be
fixed (固定), removed or changed (expert, date — after the conflict check), then the plan is
run again with the fixed ones kept. Accepting all or a selection writes the dispatches. When
an expert drops out, they are marked unavailable and the plan is re-run with the fewest
changes, which are shown before anything is accepted. Proposals can be saved and reopened.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from services import dispatches
from ui import messages
from ui.context import EXPERT, NEED, AppContext, Changes
from ui.pages import Page, PageSpec
from ui.tasks import TaskControl, import_quietly
from ui.timeline_view import Bar, Shade, TimelineView
from ui.widgets import DateEdit, ErrorLabel, heading, muted

_PINYIN_LOCK = threading.Lock()

DISPATCH = "dispatch"
Key = tuple[int, int, date]  # a visit: (need id, expert id, start)
ALL = "全部"
CHANGE_KINDS = {"moved": "改期", "reassigned": "改派", "added": "新增", "removed": "取消"}


class RowsModel(QAbstractTableModel):
    """A read-only table over plain tuples (a proposal is small: a few hundred rows).
    ``colours``: per row, a colour for the text, or None."""

    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[tuple[Any, ...]] = []
        self.tips: list[str] = []
        self.colours: list[QColor | None] = []

    def set_rows(self, rows: list[tuple[Any, ...]], tips: list[str] | None = None,
                 colours: list[QColor | None] | None = None) -> None:
        self.beginResetModel()
        self.rows = rows
        self.tips = tips or [""] * len(rows)
        self.colours = colours or [None] * len(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tips[index.row()] or (str(value) if value is not None else None)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.colours[index.row()]
        return None


def _table(model: QAbstractTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _span(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start:%m-%d}～{end:%m-%d}"


class ChangeVisitDialog(QDialog):
    """Change one visit: another expert (the need's ranked experts) or another start day;
    the conflict check runs on each edit and a hard finding blocks 确定."""

    def __init__(self, page: PlanningPage, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.index = index
        visit = page.plan.visits[index]  # type: ignore[union-attr]
        self.visit = visit
        self.setWindowTitle(self.tr("调整安排：{0}").format(visit.need_code))
        self.expert = QComboBox(self)
        self.expert.addItem(f"{visit.expert_name}（{visit.expert_code}）", visit.expert_id)
        self.start = DateEdit(self)
        self.start.set_value(visit.start)
        self.findings = QLabel(self)
        self.findings.setWordWrap(True)
        self.findings.setMinimumWidth(420)
        self.error = ErrorLabel(self)
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("需求 {0}“{1}”，{2} 天").format(
            visit.need_code, visit.need_title, visit.days), self))
        form.addRow(self.tr("专家："), self.expert)
        form.addRow(self.tr("开始日期："), self.start)
        form.addRow(self.tr("冲突检查："), self.findings)
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton(self.tr("确定调整"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._apply)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.expert.currentIndexChanged.connect(self.check)
        self.start.dateChanged.connect(self.check)
        self._generation = 0
        self._load_experts()
        self.check()

    def _load_experts(self) -> None:
        database, need_id = self.page.ctx.database, self.visit.need_id

        def work(_control: TaskControl) -> list[tuple[int, str]]:
            from services.matching import rank_experts

            with database.session() as session:
                ranking = rank_experts(session, need_id)
            return [(r.expert_id, f"{r.name}（{r.code}）{r.role} {r.score:g} 分")
                    for r in ranking.experts]

        def done(rows: list[tuple[int, str]]) -> None:
            self.expert.blockSignals(True)
            for expert_id, text in rows:
                if expert_id != self.visit.expert_id:
                    self.expert.addItem(text, expert_id)
            self.expert.blockSignals(False)

        self.page.ctx.tasks.run(work, on_done=done, owner=self)

    def check(self) -> None:
        self._generation += 1
        generation = self._generation
        plan, index = self.page.plan, self.index
        expert_id, start = self.expert.currentData(), self.start.value()
        database = self.page.ctx.database
        self.findings.setText(self.tr("正在检查…"))

        def work(_control: TaskControl) -> list[Any]:
            with database.session() as session:
                return dispatches.check_plan_visit(session, plan, index, expert_id, start)

        def done(findings: list[Any]) -> None:
            if generation != self._generation:
                return
            hard = [f.message for f in findings if f.hard]
            soft = [f.message for f in findings if not f.hard]
            lines = [f"<span style='color:#b03a2e'>✗ {m}</span>" for m in hard]
            lines += [f"<span style='color:#8a6d00'>! {m}</span>" for m in soft]
            self.findings.setText("<br>".join(lines) or
                                  "<span style='color:#1e8449'>✓ 没有冲突</span>")
            self.ok.setEnabled(not hard)

        self.page.ctx.tasks.run(work, on_done=done, owner=self)

    def _apply(self) -> None:
        self.page.change_visit(self.index, self.expert.currentData(), self.start.value(),
                               on_error=self.error.setText, on_done=self.accept)


class DropOutDialog(QDialog):
    """An expert drops out: who, from when to when, why."""

    def __init__(self, experts: list[tuple[int, str]], start: date, end: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("专家退出"))
        self.expert = QComboBox(self)
        for expert_id, text in experts:
            self.expert.addItem(text, expert_id)
        self.start = DateEdit(self)
        self.start.set_value(start)
        self.end = DateEdit(self)
        self.end.set_value(end)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("如：住院、外出培训、工作调动"))
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("把专家这段时间标为不可服务，再以最少的改动重新排程；"
                                   "改动先列出来，确认后才写入。"), self))
        form.addRow(self.tr("专家："), self.expert)
        form.addRow(self.tr("不可服务自："), self.start)
        form.addRow(self.tr("至："), self.end)
        form.addRow(self.tr("原因："), self.reason)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.tr("标记并重新排程"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class ChangesDialog(QDialog):
    """The changes a re-plan makes, before they are accepted."""

    def __init__(self, changes: list[Any], summary: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("重新排程的改动"))
        self.resize(720, 360)
        self.model = RowsModel(("改动", "需求", "说明"), self)
        self.model.set_rows([(CHANGE_KINDS.get(c.kind, c.kind), c.need_code, c.text)
                             for c in changes])
        text = QLabel(summary + "\n" + (self.tr("与原安排相比有 {0} 项改动：").format(len(changes))
                                        if changes else self.tr("原安排不需要改动。")), self)
        text.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        self.accept_button = buttons.addButton(self.tr("采纳改动（写入派遣）"),
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("先看看方案"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(_table(self.model, self), 1)
        layout.addWidget(buttons)


class PlanningPage(Page):
    """The planning board. ``plan`` is the proposal on screen (a ``services.matching.Plan``),
    ``pins`` the visits the user fixed, ``proposal_code`` the saved proposal it came from."""

    VISIT_HEADERS = ("固定", "需求编号", "需求", "乡镇", "专家", "日期", "天数", "得分", "状态",
                     "理由")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.plan: Any = None
        self.pins: set[Key] = set()
        self.removed_needs: set[int] = set()
        self.accepted_needs: set[str] = set()
        self.proposal_code: str | None = None
        self.windows: dict[int, tuple[date | None, date | None, str]] = {}
        self.changes: list[Any] = []
        self.task: Any = None
        self.dialog: QDialog | None = None
        self._needs_generation = 0
        self._needs_task: Any = None

        today = date.today()
        first = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        last = date(first.year + (first.month == 12), first.month % 12 + 1, 1) - timedelta(1)
        self.date_from = DateEdit(self)
        self.date_from.set_value(first)
        self.date_to = DateEdit(self)
        self.date_to.set_value(last)
        self.status = QComboBox(self)
        self.status.addItem(self.tr("待安排（已论证）"), ("reviewed",))
        self.status.addItem(self.tr("含已匹配（重新排程）"), ("reviewed", "matched"))
        self.township = QComboBox(self)
        self.crop = QComboBox(self)
        self.priority = QComboBox(self)
        self.priority.addItem(self.tr(ALL), None)
        self.priority.addItem(self.tr("只排脱贫村、重点帮扶村"), True)
        self.priority.addItem(self.tr("只排其他村"), False)
        for combo in (self.township, self.crop):
            combo.addItem(self.tr(ALL), None)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.time_limit = QDoubleSpinBox(self)
        self.time_limit.setRange(1, 600)
        self.time_limit.setValue(10)
        self.time_limit.setSuffix(self.tr(" 秒"))
        self.time_limit.setToolTip(self.tr("最长计算时间；到时给出目前最好的方案"))
        self.run_button = QPushButton(self.tr("排程"), self)
        self.run_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.run_button.setToolTip(self.tr("为所选需求计算方案（固定的安排保持不变）"))
        self.run_button.clicked.connect(lambda: self.run_plan())
        self.cancel_button = QPushButton(self.tr("停止"), self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_run)
        self.needs_label = muted("", self)

        self.proposals = QComboBox(self)
        self.proposals.setMinimumContentsLength(24)
        self.proposals.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.open_button = QPushButton(self.tr("打开"), self)
        self.open_button.clicked.connect(lambda: self.open_proposal(self.proposals.currentData()))
        self.dropout_button = QPushButton(self.tr("专家退出…"), self)
        self.dropout_button.setToolTip(self.tr("某位专家不能去了：标为不可服务，以最少改动重新排程"))
        self.dropout_button.clicked.connect(lambda: self.expert_drop_out())

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.visits_model = RowsModel(self.VISIT_HEADERS, self)
        self.visits_view = _table(self.visits_model, self)
        self.visits_view.doubleClicked.connect(lambda index: self.edit_visit(index.row()))
        self.visits_view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.timeline = TimelineView(self)
        self.timeline.barClicked.connect(self.select_visit)
        self.timeline.barActivated.connect(
            lambda key: self.edit_visit(self.visit_index(key) or 0))
        self.unplanned_model = RowsModel(("需求编号", "需求", "重点", "未安排原因"), self)
        self.unplanned_view = _table(self.unplanned_model, self)
        self.changes_model = RowsModel(("改动", "需求", "说明"), self)
        self.changes_view = _table(self.changes_model, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.visits_view, self.tr("方案表"))
        self.tabs.addTab(self.timeline, self.tr("时间线"))
        self.tabs.addTab(self.unplanned_view, self.tr("未安排"))
        self.tabs.addTab(self.changes_view, self.tr("改动"))

        def button(text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
            b = QPushButton(text, self)
            b.setToolTip(tip)
            b.clicked.connect(lambda: slot())
            return b

        self.pin_button = button(self.tr("固定 / 取消固定"),
                                 self.tr("固定的安排在重新排程时保持不变"), self.toggle_pin)
        self.remove_button = button(self.tr("移除"), self.tr("从方案中去掉选中的安排"),
                                    self.remove_selected)
        self.edit_button = button(self.tr("调整…"), self.tr("换专家或换日期（会做冲突检查）"),
                                  lambda: self.edit_visit(self.current_row()))
        self.save_button = button(self.tr("保存方案"), self.tr("保存这个方案，以后可以再打开"),
                                  self.save_proposal)
        self.accept_selected_button = button(self.tr("采纳所选"),
                                             self.tr("把选中安排所属的需求写入派遣（拟派）"),
                                             self.accept_selected)
        self.accept_all_button = button(self.tr("采纳全部"), self.tr("把整个方案写入派遣（拟派）"),
                                        self.accept_all)

        row1 = QHBoxLayout()
        for w in (QLabel(self.tr("计划期："), self), self.date_from, QLabel("～", self),
                  self.date_to, QLabel(self.tr("需求："), self), self.status,
                  QLabel(self.tr("乡镇："), self), self.township, QLabel(self.tr("作物："), self),
                  self.crop, QLabel(self.tr("重点："), self), self.priority):
            row1.addWidget(w)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        for w in (QLabel(self.tr("计算时间："), self), self.time_limit, self.run_button,
                  self.cancel_button, self.needs_label):
            row2.addWidget(w)
        row2.addStretch(1)
        for w in (QLabel(self.tr("已保存的方案："), self), self.proposals, self.open_button,
                  self.dropout_button):
            row2.addWidget(w)
        actions = QHBoxLayout()
        for w in (self.pin_button, self.remove_button, self.edit_button):
            actions.addWidget(w)
        actions.addStretch(1)
        for w in (self.save_button, self.accept_selected_button, self.accept_all_button):
            actions.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("调度计划"), self))
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(actions)

        for w in (self.date_from, self.date_to):
            w.dateChanged.connect(self.load_needs)
        self.status.currentIndexChanged.connect(self.load_needs)
        for combo in (self.township, self.crop, self.priority):
            combo.currentIndexChanged.connect(self._filters_changed)
        ctx.changed.connect(self._on_changes)
        self._loaded = False
        self._show_plan()

    # -- page hooks -----------------------------------------------------------------------------

    def activate(self, argument: Any = None) -> None:
        if not self._loaded:
            self._loaded = True
            self.load_needs()
            self.load_proposals()
        if isinstance(argument, dict) and "start" in argument:
            self.date_from.set_value(argument["start"])
            self.date_to.set_value(argument.get("end") or argument["start"])

    def refresh(self) -> None:
        self.load_needs()
        self.load_proposals()

    def _on_changes(self, changes: Changes) -> None:
        if self._loaded and changes.touches(NEED, EXPERT, DISPATCH):
            self.load_needs()

    # -- the needs to plan ----------------------------------------------------------------------

    def period(self) -> tuple[date, date]:
        return self.date_from.value(), self.date_to.value()

    def criteria(self) -> dict[str, Any]:
        return {"statuses": self.status.currentData(), "township": self.township.currentData(),
                "crop": self.crop.currentData(), "priority": self.priority.currentData()}

    def load_needs(self) -> None:
        """The needs of the period (for the filters' choices and the count), on a worker."""
        self._needs_generation += 1
        generation = self._needs_generation
        start, end = self.period()
        statuses = self.status.currentData()
        database = self.ctx.database
        self.needs_label.setText(self.tr("正在查找需求…"))

        if self._needs_task is not None:
            self._needs_task.cancel()  # the period changed again: its rows are not wanted

        def work(control: TaskControl) -> Any:
            from services.search import sort_key

            with database.session() as session:
                rows = dispatches.planning_needs(session, start, end, statuses=statuses)
            control.check()
            data = rows.dicts()
            # The filters' choices sorted here, by pinyin: the first sort builds the pinyin
            # tables (a 50 ms json.loads that holds the GIL, then ~70 ms of Python), which
            # must not happen on the GUI thread, nor on both workers at once (setting the
            # period changes two dates: two loads).
            with _PINYIN_LOCK:
                control.check()
                choices = {key: sorted({r[key] for r in data if r[key]}, key=sort_key)
                           for key in ("township", "crop")}
            return data, choices

        def done(result: Any) -> None:
            if generation != self._needs_generation:
                return
            data, choices = result
            for combo, key in ((self.township, "township"), (self.crop, "crop")):
                chosen = combo.currentData()
                combo.blockSignals(True)
                combo.clear()
                combo.addItem(self.tr(ALL), None)
                for value in choices[key]:
                    combo.addItem(value, value)
                combo.setCurrentIndex(max(combo.findData(chosen), 0))
                combo.blockSignals(False)
            self._all_needs = data
            self._filters_changed()

        def failed(exc: Exception) -> bool:
            if generation == self._needs_generation and hasattr(exc, "message"):
                self.needs_label.setText(exc.message)  # type: ignore[attr-defined]
                return True
            return False

        self._needs_task = self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self)
        self._needs_task.ended.connect(lambda task=self._needs_task: self._needs_ended(task))

    def _needs_ended(self, task: Any) -> None:
        if self._needs_task is task:
            self._needs_task = None

    def _filters_changed(self) -> None:
        data = getattr(self, "_all_needs", [])
        c = self.criteria()
        # The count only (the service applies the same criteria when the plan runs).
        shown = [r for r in data if (c["township"] is None or r["township"] == c["township"])
                 and (c["crop"] is None or r["crop"] == c["crop"])
                 and (c["priority"] is None or r["priority"] == c["priority"])]
        self.needs_label.setText(self.tr("符合条件的需求 {0} 条").format(len(shown)))

    # -- running the optimiser ------------------------------------------------------------------

    def run_plan(self, *, dropout: tuple[int, date, date, str] | None = None) -> None:
        """Solve on a worker: the needs the filters choose (minus those removed by hand),
        the fixed visits kept. ``dropout`` (expert id, from, to, reason): mark the expert
        unavailable first, and re-plan with the fewest changes."""
        if self.task is not None:
            return
        start, end = self.period()
        criteria = self.criteria()
        old = self.plan
        replan = dropout is not None or "matched" in criteria["statuses"]
        if dropout is not None:
            criteria["statuses"] = ("reviewed", "matched")
        user_pins = set(self.pins)
        pins = set(user_pins)
        if dropout is not None and old is not None:
            # Fewest changes: every other visit of the proposal stays where it is.
            gone_id, lo, hi = dropout[0], dropout[1], dropout[2]
            pins |= {(v.need_id, v.expert_id, v.start) for v in old.visits
                     if not v.dispatch_code
                     and not (v.expert_id == gone_id and v.start <= hi and v.end >= lo)}
            pins = {p for p in pins if not (p[1] == gone_id and lo <= p[2] <= hi)}
        removed = set(self.removed_needs)
        limit = self.time_limit.value()
        database = self.ctx.database

        def work(control: TaskControl) -> tuple[Any, Any, list[Any]]:
            from services import experts
            from services.matching import plan_season

            # The solver's library (OR-Tools brings pandas) on its first use, without the
            # full garbage collections that would freeze the window (see import_quietly).
            import_quietly("ortools.sat.python.cp_model",
                           native=("ortools.sat.python.cp_model_helper",))

            def progress(done: int, total: int, text: str) -> None:
                if not control.cancelled():
                    control.progress(done, total, text)

            if dropout is not None:
                with database.unit_of_work() as uow:
                    experts.add_unavailability(uow.session, dropout[0], dropout[1], dropout[2],
                                               dropout[3])
                    uow.commit()
            with database.session() as session:
                rows = dispatches.planning_needs(session, start, end, **criteria)
                codes = [r[1] for r in rows.rows if r[0] not in removed]
                pinned = dispatches.plan_pins(old, pins) if old is not None else []
                plan = plan_season(session, start, end, need_codes=codes, replan=replan,
                                   pinned=pinned, time_limit=limit, progress=progress,
                                   cancel=control.cancelled)
            changes = list(plan.changes)
            if old is not None and dropout is not None:
                listed = {(c.need_code, c.kind) for c in changes}
                changes += [c for c in dispatches.plan_changes(old, plan)
                            if (c.need_code, c.kind) not in listed]
            return plan, rows, changes

        def done(result: tuple[Any, Any, list[Any]]) -> None:
            plan, rows, changes = result
            kept = {(v.need_id, v.expert_id, v.start) for v in plan.visits}
            self.pins = {p for p in user_pins if p in kept}
            self.accepted_needs = set()
            self.proposal_code = None
            self.set_plan(plan, rows, changes)
            if dropout is not None:
                self.ctx.notify(Changes.of(EXPERT, [dropout[0]]))
                self._show_changes()

        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.summary.setText(self.tr("正在计算方案…（可以点“停止”，保留原来的方案）"))
        self.task = self.ctx.tasks.run(work, on_done=done, owner=self, progress=True,
                                       label=self.tr("正在排程…"))
        self.task.ended.connect(self._run_ended)

    def _run_ended(self) -> None:
        self.task = None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if self.summary.text().startswith(self.tr("正在计算")):
            self._show_summary()

    def cancel_run(self) -> None:
        if self.task is not None:
            self.task.cancel()

    @property
    def running(self) -> bool:
        return self.task is not None

    # -- showing the plan -----------------------------------------------------------------------

    def set_plan(self, plan: Any, rows: Any = None, changes: list[Any] | None = None) -> None:
        self.plan = plan
        if rows is not None:
            self.windows = {r["id"]: (r["window_start"], r["window_end"],
                                      "·".join(x for x in (r["crop"], r["phase"]) if x))
                            for r in rows.dicts()}
        self.changes = list(plan.changes if changes is None else changes)
        self._show_plan()

    def _show_summary(self) -> None:
        if self.plan is None:
            self.summary.setText(self.tr("选好计划期和需求，点“排程”计算方案。"))
            return
        text = dispatches.plan_summary(self.plan)
        if self.pins:
            text += self.tr("（固定 {0} 项）").format(len(self.pins))
        if self.proposal_code:
            text = self.tr("方案 {0}：").format(self.proposal_code) + text
        if self.accepted_needs:
            text += self.tr(" 已采纳 {0} 条需求。").format(len(self.accepted_needs))
        self.summary.setText(text)

    def _state_of(self, v: Any) -> str:
        if v.need_code in self.accepted_needs:
            return self.tr("已采纳")
        if v.dispatch_code:
            return self.tr("已确认") if v.pinned else self.tr("原拟派")
        return self.tr("拟派")

    def _show_plan(self) -> None:
        plan = self.plan
        self._show_summary()
        visits = plan.visits if plan is not None else []
        rows, tips, colours = [], [], []
        for v in visits:
            fixed = v.pinned and bool(v.dispatch_code)
            pinned = (v.need_id, v.expert_id, v.start) in self.pins
            rows.append(("🔒" if fixed else "📌" if pinned else "", v.need_code, v.need_title,
                         v.township, v.expert_name, _span(v.start, v.end), v.days,
                         f"{v.score:g}", self._state_of(v), v.reasons))
            tips.append(v.reasons)
            colours.append(QColor("#5d6d7e") if fixed else
                           QColor("#b35c00") if pinned else None)
        self.visits_model.set_rows(rows, tips, colours)
        self.visits_view.resizeColumnsToContents()
        self.unplanned_model.set_rows(
            [(u.need_code, u.need_title, "★" if u.priority else "", u.reason)
             for u in (plan.unplanned if plan is not None else [])])
        self.changes_model.set_rows([(CHANGE_KINDS.get(c.kind, c.kind), c.need_code, c.text)
                                     for c in self.changes])
        self.tabs.setTabText(2, self.tr("未安排（{0}）").format(self.unplanned_model.rowCount()))
        self.tabs.setTabText(3, self.tr("改动（{0}）").format(len(self.changes)))
        self._show_timeline()
        has = bool(visits)
        for b in (self.pin_button, self.remove_button, self.edit_button, self.save_button,
                  self.accept_selected_button, self.accept_all_button):
            b.setEnabled(has)

    def _show_timeline(self) -> None:
        plan = self.plan
        if plan is None:
            self.timeline.set_plan(*self.period(), [], [], [])
            return
        # Visits of the plan's needs wholly outside the period (a confirmed one just before)
        # are in the table, not on the period's timeline.
        shown = [v for v in plan.visits if v.end >= plan.start and v.start <= plan.end]
        label = {v.expert_id: f"{v.expert_name}（{v.expert_code}）" for v in shown}
        experts = sorted(set(label.values()), key=lambda t: t[-8:])
        bars, shades = [], []
        for v in shown:
            key = (v.need_id, v.expert_id, v.start)
            kind = ("fixed" if v.pinned and v.dispatch_code else
                    "pinned" if key in self.pins else "new")
            lo, hi, phase = self.windows.get(v.need_id, (None, None, ""))
            window = f"，窗口 {_span(lo, hi)}" if lo and hi else ""
            bars.append(Bar(key, label[v.expert_id], v.start, v.end,
                            f"{v.need_code[-4:]} {v.township}",
                            f"{v.need_code} {v.need_title}\n{v.expert_name}：{_span(v.start, v.end)}"
                            f"（{v.days} 天）{window}\n{self._state_of(v)}"
                            + ("，已固定" if kind == "pinned" else "") + f"\n{v.reasons}"))
            if lo and hi:
                shades.append(Shade(label[v.expert_id], lo, hi,
                                    f"{v.need_code} 的农时窗口 {_span(lo, hi)}"
                                    + (f"（{phase}）" if phase else "")))
        self.timeline.set_plan(plan.start, plan.end, experts, bars, shades)

    def _show_changes(self) -> None:
        dialog = ChangesDialog(self.changes, dispatches.plan_summary(self.plan), self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.accept_all)
        self.dialog = dialog
        self.tabs.setCurrentIndex(3)
        dialog.open()

    # -- selection ------------------------------------------------------------------------------

    def visit_key(self, row: int) -> Key:
        v = self.plan.visits[row]
        return v.need_id, v.expert_id, v.start

    def visit_index(self, key: Key) -> int | None:
        if self.plan is None:
            return None
        return next((i for i, v in enumerate(self.plan.visits)
                     if (v.need_id, v.expert_id, v.start) == key), None)

    def current_row(self) -> int:
        index = self.visits_view.currentIndex()
        return index.row() if index.isValid() else -1

    def selected_rows(self) -> list[int]:
        rows = {i.row() for i in self.visits_view.selectionModel().selectedRows()}
        if not rows and self.current_row() >= 0:
            rows = {self.current_row()}
        return sorted(rows)

    def select_visit(self, key: Key) -> None:
        row = self.visit_index(key)
        if row is not None:
            self.visits_view.selectionModel().setCurrentIndex(
                self.visits_model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

    def select_rows(self, rows: list[int]) -> None:
        selection = self.visits_view.selectionModel()
        selection.clearSelection()
        for row in rows:
            selection.select(self.visits_model.index(row, 0),
                             QItemSelectionModel.SelectionFlag.Select
                             | QItemSelectionModel.SelectionFlag.Rows)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self.plan is not None:
            self.timeline.set_selected(self.visit_key(current.row()))

    # -- editing the proposal -------------------------------------------------------------------

    def toggle_pin(self) -> None:
        rows = self.selected_rows()
        if not rows or self.plan is None:
            return
        keys = [self.visit_key(r) for r in rows if not self.plan.visits[r].dispatch_code]
        if all(k in self.pins for k in keys):
            self.pins -= set(keys)
        else:
            self.pins |= set(keys)
        self._show_plan()
        self.select_rows(rows)

    def remove_selected(self) -> None:
        rows = self.selected_rows()
        if not rows or self.plan is None:
            return
        keys = [self.visit_key(r) for r in rows]
        try:
            plan = dispatches.remove_plan_visits(self.plan, keys)
        except Exception as exc:  # a ServiceError: a confirmed visit
            if not hasattr(exc, "message"):
                raise
            messages.warn(self, exc.message)  # type: ignore[attr-defined]
            return
        self.pins -= set(keys)
        left = {v.need_id for v in plan.visits}
        self.removed_needs |= {k[0] for k in keys if k[0] not in left}
        self.plan = plan
        self._show_plan()

    def edit_visit(self, row: int) -> None:
        if self.plan is None or not 0 <= row < len(self.plan.visits):
            return
        visit = self.plan.visits[row]
        if visit.pinned and visit.dispatch_code:
            messages.inform(self, self.tr("这是已确认的派遣 {0}，排程时不会改动；"
                                          "如需调整请到派遣单或农时日历中处理。").format(
                visit.dispatch_code))
            return
        dialog = ChangeVisitDialog(self, row, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def change_visit(self, row: int, expert_id: int, start: date, *,
                     on_error: Callable[[str], None] | None = None,
                     on_done: Callable[[], None] | None = None) -> None:
        """Move visit ``row`` to ``expert_id`` from ``start`` after the conflict check; the
        changed visit is fixed for the next run."""
        plan = self.plan
        old_key = self.visit_key(row)
        database = self.ctx.database

        def work(_control: TaskControl) -> Any:
            with database.session() as session:
                return dispatches.change_plan_visit(session, plan, row, expert_id, start)

        def done(new: Any) -> None:
            if self.plan is not plan:
                return
            v = next(x for x in new.visits if x.need_id == old_key[0]
                     and x.expert_id == expert_id and x.start == start)
            self.pins.discard(old_key)
            self.pins.add((v.need_id, v.expert_id, v.start))
            self.plan = new
            self._show_plan()
            self.select_visit((v.need_id, v.expert_id, v.start))
            if on_done is not None:
                on_done()

        def failed(exc: Exception) -> bool:
            message = getattr(exc, "message", None)
            if message and on_error is not None:
                on_error(message)
                return True
            return False

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self)

    # -- an expert drops out ---------------------------------------------------------------------

    def expert_drop_out(self, expert_id: int | None = None, start: date | None = None,
                        end: date | None = None, reason: str = "") -> None:
        """Mark the expert unavailable and re-plan with the fewest changes (a dialog asks
        who and when unless given)."""
        if expert_id is not None:
            lo, hi = start or self.period()[0], end or self.period()[1]
            self.run_plan(dropout=(expert_id, lo, hi, reason or self.tr("专家退出")))
            return
        if self.plan is None or not self.plan.visits:
            messages.inform(self, self.tr("先排出一个方案（或打开已保存的方案），再处理专家退出。"))
            return
        experts = sorted({(v.expert_id, f"{v.expert_name}（{v.expert_code}）")
                          for v in self.plan.visits}, key=lambda e: e[1])
        dialog = DropOutDialog(experts, *self.period(), parent=self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        row = self.current_row()
        if row >= 0:
            dialog.expert.setCurrentIndex(max(dialog.expert.findData(
                self.plan.visits[row].expert_id), 0))
        dialog.accepted.connect(lambda: self.expert_drop_out(
            dialog.expert.currentData(), dialog.start.value(), dialog.end.value(),
            dialog.reason.text()))
        self.dialog = dialog
        dialog.open()

    # -- accepting and saving -------------------------------------------------------------------

    def accept_selected(self) -> None:
        rows = self.selected_rows()
        if self.plan is None or not rows:
            return
        self._accept(sorted({self.plan.visits[r].need_code for r in rows}))

    def accept_all(self) -> None:
        if self.plan is None:
            return
        self._accept(sorted({v.need_code for v in self.plan.visits}
                            | {c.need_code for c in self.changes}))

    def _accept(self, codes: list[str]) -> None:
        codes = [c for c in codes if c not in self.accepted_needs]
        if not codes:
            messages.inform(self, self.tr("所选的安排已经采纳过了。"))
            return
        plan, proposal = self.plan, self.proposal_code
        database = self.ctx.database

        def work(_control: TaskControl) -> list[str]:
            with database.unit_of_work() as uow:
                written = dispatches.accept(uow.session, plan, uow.actor, codes, proposal)
                uow.commit()
                return [d.code for d in written]

        def done(written: list[str]) -> None:
            self.accepted_needs |= set(codes)
            self._show_plan()
            self.ctx.notify(Changes.of(DISPATCH) | Changes.of(NEED))
            self.ctx.window.statusBar().showMessage(
                self.tr("已采纳 {0} 条需求，写入 {1} 项派遣（拟派），可到“派遣单”打印。").format(
                    len(codes), len(written)), 10000)
            self.last_written = written

        self.ctx.tasks.run(work, on_done=done, owner=self, progress=True,
                           label=self.tr("正在写入派遣…"))

    def save_proposal(self) -> None:
        if self.plan is None:
            return
        plan, database = self.plan, self.ctx.database

        def work(_control: TaskControl) -> str:
            from services.matching import save_proposal

            with database.unit_of_work() as uow:
                code = save_proposal(uow.session, plan, uow.actor).code
                uow.commit()
                return code

        def done(code: str) -> None:
            self.proposal_code = code
            self._show_summary()
            self.load_proposals()
            self.ctx.window.statusBar().showMessage(self.tr("方案已保存：{0}").format(code), 6000)

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def load_proposals(self) -> None:
        database = self.ctx.database

        def work(_control: TaskControl) -> list[dict[str, Any]]:
            with database.session() as session:
                return dispatches.list_proposals(session)

        def done(rows: list[dict[str, Any]]) -> None:
            self.proposals.clear()
            for p in rows:
                self.proposals.addItem(f"{p['code']} {p['start']:%m-%d}～{p['end']:%m-%d} "
                                       f"{p['status_label']}", p["code"])
                self.proposals.setItemData(self.proposals.count() - 1, p["summary"],
                                           Qt.ItemDataRole.ToolTipRole)
            self.open_button.setEnabled(bool(rows))

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def open_proposal(self, code: str | None) -> None:
        if not code:
            return
        database = self.ctx.database

        def work(_control: TaskControl) -> tuple[Any, Any]:
            with database.session() as session:
                plan = dispatches.open_proposal(session, code)
                rows = dispatches.planning_needs(session, plan.start, plan.end,
                                                 statuses=("reviewed", "matched"))
                return plan, rows

        def done(result: tuple[Any, Any]) -> None:
            plan, rows = result
            self.date_from.set_value(plan.start)
            self.date_to.set_value(plan.end)
            self.pins = {(v.need_id, v.expert_id, v.start) for v in plan.visits
                         if v.pinned and not v.dispatch_code}
            self.accepted_needs = set()
            self.removed_needs = set()
            self.proposal_code = code
            self.set_plan(plan, rows)

        self.ctx.tasks.run(work, on_done=done, owner=self)


PAGE = PageSpec("planning", "调度计划", 70, PlanningPage,
                QStyle.StandardPixmap.SP_FileDialogListView, "Ctrl+7")
