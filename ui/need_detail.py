"""A need beside the list: its particulars, where it stands in the seven steps (七步法), the
workflow actions legal now (``services.workflow.allowed_transitions``), and its history of
``NeedEvent``s — who moved it, when, and why."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from services import needs, workflow
from services.errors import ValidationError
from services.workflow import NeedStatus
from ui.context import NEED, AppContext, Changes
from ui.tasks import TaskControl
from ui.widgets import ErrorLabel, heading, muted

STEPS = [s for s in NeedStatus if s in workflow.STEP_NAMES]
ACCENT = "#1f6fb2"


def step_label(status: NeedStatus) -> str:
    return workflow.STATUS_LABELS[status].removeprefix("已")


class Stepper(QWidget):
    """申报 › 论证 › 匹配 › 服务 › 总结 › 签约 › 宣传, the steps done so far in colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.labels: dict[NeedStatus, QLabel] = {}
        for i, status in enumerate(STEPS):
            if i:
                arrow = QLabel("›", self)
                arrow.setForegroundRole(QPalette.ColorRole.PlaceholderText)
                layout.addWidget(arrow)
            label = QLabel(step_label(status), self)
            label.setToolTip(f"第{i + 1}步：{workflow.STEP_NAMES[status]}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setMargin(3)
            layout.addWidget(label)
            self.labels[status] = label
        self.outcome = QLabel(self)
        layout.addWidget(self.outcome)
        layout.addStretch(1)

    def set_status(self, status: NeedStatus) -> None:
        reached = STEPS.index(status) if status in STEPS else -1
        for i, (step, label) in enumerate(self.labels.items()):
            font = QFont(label.font())
            font.setBold(step == status)
            label.setFont(font)
            if i <= reached:
                label.setStyleSheet(f"color: white; background: {ACCENT}; border-radius: 3px;")
            else:
                label.setStyleSheet("")
        if status in (NeedStatus.REJECTED, NeedStatus.WITHDRAWN):
            self.outcome.setText(workflow.status_label(status))
            self.outcome.setStyleSheet("color: white; background: #8e2c2c; border-radius: 3px;"
                                       " padding: 3px;")
            self.outcome.show()
        else:
            self.outcome.hide()


class ReasonDialog(QDialog):
    """Asks the reason a move needs (驳回, 撤回 …) and makes the move; the service's message
    shows under the text box when the reason is missing."""

    def __init__(self, ctx: AppContext, need_id: int, code: str, target: str, action: str,
                 required: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.need_id = need_id
        self.target = target
        self.setWindowTitle(self.tr("{0}：需求 {1}").format(action, code))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText(self.tr("请写明原因（必填）") if required
                                     else self.tr("备注（可不填）"))
        self.error = ErrorLabel(self)
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("原因：") if required else self.tr("备注："), self))
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 30,
                    self.fontMetrics().height() * 12)

    def accept(self) -> None:
        self.ok.setEnabled(False)
        run_transition(self.ctx, self.need_id, self.target, self.text.toPlainText(), self,
                       on_done=lambda: QDialog.accept(self), on_invalid=self._invalid)

    def _invalid(self, message: str) -> None:
        self.ok.setEnabled(True)
        self.error.set_error(message)


def run_transition(ctx: AppContext, need_id: int, target: str, reason: str, owner: QWidget,
                   *, on_done: Any = None, on_invalid: Any = None) -> None:
    """Move one need (off the GUI thread) and tell every screen."""
    database = ctx.database

    def work(_control: TaskControl) -> str:
        with database.unit_of_work() as uow:
            need = needs.set_status(uow.session, need_id, target, uow.actor, reason)
            uow.commit()
            return f"需求 {need.code} 已改为“{workflow.status_label(need.status)}”。"

    def done(message: str) -> None:
        ctx.notify(Changes.of(NEED, [need_id]))
        ctx.window.statusBar().showMessage(message, 6000)
        if on_done is not None:
            on_done()

    def failed(exc: Exception) -> bool:
        if isinstance(exc, ValidationError) and on_invalid is not None:
            on_invalid(exc.message)
            return True
        return False

    ctx.tasks.run(work, on_done=done, on_error=failed, owner=owner,
                  label=owner.tr("正在改变需求状态…"))


class NeedDetail(QScrollArea):
    """Signals: ``editRequested(need id)``. Attributes: ``need`` (the plain dict shown, or
    None), ``action_buttons`` (target status → button)."""

    editRequested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.need: dict[str, Any] | None = None
        self._generation = 0
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self)
        self.setWidget(body)
        self.placeholder = muted(self.tr("在左侧选择一条需求，这里显示详情、可以进行的操作和流转记录。"),
                                 body)
        self.code = muted("", body)
        self.title = heading("", body, scale=1.2)
        self.title.setWordWrap(True)
        self.stepper = Stepper(body)
        self.actions_row = QHBoxLayout()
        self.edit_button = QPushButton(self.tr("编辑"), body)
        self.edit_button.clicked.connect(
            lambda: self.need and self.editRequested.emit(self.need["id"]))
        self.match_button = QPushButton(self.tr("推荐专家"), body)
        self.match_button.setToolTip(self.tr("按专业、空闲日子等排序的专家，可一键指派"))
        self.match_button.clicked.connect(lambda: self.need and self.open_match())
        self.action_buttons: dict[str, QPushButton] = {}
        self.info = QFormLayout()
        self.info.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, QLabel] = {}
        for key, label in (("unit", "需求单位"), ("contact", "联系人"), ("place", "地点"),
                           ("field_path", "专业领域"), ("window", "希望时间"),
                           ("experts", "专家与天数"), ("required_title", "职称要求"),
                           ("beneficiaries", "预计受益"), ("source", "来源"),
                           ("description", "需求描述")):
            value = QLabel(body)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.info.addRow(self.tr(label) + "：", value)
            self.values[key] = value
        self.history = QTreeWidget(body)
        self.history.setHeaderLabels([self.tr("时间"), self.tr("操作人"), self.tr("变化"),
                                      self.tr("原因")])
        self.history.setRootIsDecorated(False)
        self.history.setMinimumHeight(self.fontMetrics().height() * 8)
        self.history.setAlternatingRowColors(True)
        layout = QVBoxLayout(body)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.code)
        layout.addWidget(self.title)
        layout.addWidget(self.stepper)
        layout.addLayout(self.actions_row)
        layout.addLayout(self.info)
        self.history_heading = heading(self.tr("流转记录"), body, scale=1.05)
        layout.addWidget(self.history_heading)
        layout.addWidget(self.history, 1)
        layout.addStretch(0)
        self.content = [self.code, self.title, self.stepper, self.history_heading, self.history]
        self._set_visible(False)
        ctx.changed.connect(self._on_changes)

    def _set_visible(self, on: bool) -> None:
        self.placeholder.setVisible(not on)
        for widget in self.content:
            widget.setVisible(on)
        self.edit_button.setVisible(on)
        self.match_button.setVisible(on)
        for i in range(self.info.rowCount()):
            self.info.setRowVisible(i, on)

    def show_need(self, need_id: int | None) -> None:
        self._generation += 1
        if not need_id:
            self.need = None
            self._set_visible(False)
            return
        generation = self._generation
        database = self.ctx.database

        def work(_control: TaskControl) -> dict[str, Any]:
            with database.session() as session:
                return needs.detail(session, need_id)

        def done(detail: dict[str, Any]) -> None:
            if generation == self._generation:
                self._fill(detail)

        def failed(exc: Exception) -> bool:
            from services.errors import NotFoundError

            if isinstance(exc, NotFoundError) and generation == self._generation:
                self.show_need(None)
                return True
            return False

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self)

    def _on_changes(self, changes: Changes) -> None:
        if self.need is None:
            return
        ids = changes.ids(NEED)
        if ids is None or self.need["id"] in ids or changes.touches("unit", "place"):
            self.show_need(self.need["id"])

    def _fill(self, d: dict[str, Any]) -> None:
        self.need = d
        self._set_visible(True)
        status = NeedStatus(d["status"])
        self.code.setText(f"{d['code']} · {d['status_label']}"
                          + (self.tr(" · 已删除") if d["deleted"] else ""))
        self.title.setText(d["title"])
        self.stepper.set_status(status)
        v = self.values
        v["unit"].setText(f"{d['unit']}（{d['unit_code']}）")
        v["contact"].setText(" ".join(x for x in (d["contact_person"], d["phone"]) if x) or "—")
        place = d["township"] + (f" {d['village']}" if d["village"] else "")
        v["place"].setText(place + (self.tr("（重点帮扶）") if d["priority"] else ""))
        v["field_path"].setText(d["field_path"])
        start, end = d["window_start"], d["window_end"]
        v["window"].setText(f"{start or self.tr('未定')} 至 {end or self.tr('未定')}")
        v["experts"].setText(self.tr("{0} 名，每次 {1} 天").format(d["experts_wanted"],
                                                                  d["days_wanted"]))
        v["required_title"].setText(d["required_title"] or self.tr("不限"))
        v["beneficiaries"].setText(str(d["beneficiaries_estimate"] or "—"))
        v["source"].setText(f"{d['source']}，{d['submitted_on'] or ''}")
        v["description"].setText(d["description"] or "—")
        self._fill_actions(d)
        self.history.clear()
        for e in reversed(d["events"]):
            change = (workflow.status_label(e["from_status"]) if e["from_status"]
                      else self.tr("（新建）")) + " → " + workflow.status_label(e["to_status"])
            at = e["at"].strftime("%Y-%m-%d %H:%M") if e["at"] else ""
            item = QTreeWidgetItem([at, e["actor"], change, e["reason"]])
            item.setToolTip(3, e["reason"])
            self.history.addTopLevelItem(item)
        for column in range(3):
            self.history.resizeColumnToContents(column)

    def _fill_actions(self, d: dict[str, Any]) -> None:
        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            widget = item.widget()
            if widget is not None and widget not in (self.edit_button, self.match_button):
                widget.deleteLater()
        self.action_buttons = {}
        for t in d["transitions"]:
            button = QPushButton(t["action"], self.widget())
            button.setToolTip(self.tr("改为“{0}”").format(workflow.status_label(t["target"]))
                              + (self.tr("，需填写原因") if t["reason_required"] else ""))
            button.clicked.connect(lambda _c=False, t=t: self.run_action(t))
            self.actions_row.addWidget(button)
            self.action_buttons[t["target"]] = button
        if not d["transitions"] and not d["deleted"]:
            done = muted(self.tr("该需求已办结，没有可进行的操作。"), self.widget())
            self.actions_row.addWidget(done)
        self.actions_row.addStretch(1)
        self.actions_row.addWidget(self.match_button)
        self.match_button.setEnabled(not d["deleted"] and d["status"] in ("reviewed", "matched",
                                                                           "served"))
        self.actions_row.addWidget(self.edit_button)
        editable = not d["deleted"] and d["status"] not in ("rejected", "withdrawn")
        self.edit_button.setEnabled(editable)

    def open_match(self) -> QDialog | None:
        """推荐专家 for the need shown (ui/match_panel.py), in its own window."""
        if self.need is None:
            return None
        from ui.match_panel import MatchDialog

        dialog = MatchDialog(self.ctx, self.need["id"], self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.match_dialog = dialog
        dialog.show()
        return dialog

    def run_action(self, transition: dict[str, Any]) -> QDialog | None:
        """One click moves the need; a move that needs a reason asks for it first."""
        if self.need is None:
            return None
        need_id, code = self.need["id"], self.need["code"]
        if transition["reason_required"]:
            dialog = ReasonDialog(self.ctx, need_id, code, transition["target"],
                                  transition["action"], True, self.window())
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.reason_dialog = dialog
            dialog.open()
            return dialog
        for button in self.action_buttons.values():
            button.setEnabled(False)
        run_transition(self.ctx, need_id, transition["target"], "", self,
                       on_invalid=lambda message: self.show_need(need_id))
        return None
