"""The budget form of the 经费 screen: year, whose budget (the whole programme, a team or an
activity), amount in 元 and a note. It saves off the GUI thread through services/outcomes/
funds.py, shows the service's message when the save is refused, and announces the change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from services.errors import ServiceError
from ui.context import AppContext, Changes
from ui.tasks import TaskControl

FUNDS = "funds"  # Changes kind: a budget or an expense (ids are of either)
OWNER_KINDS = ("whole", "team", "activity")


class BudgetDialog(QDialog):
    """``budget``: the row being edited (a row of ``funds.list_budgets``) or None for a new
    one; ``teams`` and ``activities``: (id, name) to choose from. Attributes: ``year``,
    ``owner_kind`` (data: "whole", "team", "activity"), ``owner``, ``amount``, ``note``,
    ``error``; ``saved_id`` once saved."""

    def __init__(self, ctx: AppContext, year: int, teams: Sequence[tuple[int, str]],
                 activities: Sequence[tuple[int, str]], budget: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.budget_id: int | None = budget["id"] if budget else None
        self.saved_id: int | None = None
        self._choices = {"team": list(teams), "activity": list(activities)}
        self.setWindowTitle(self.tr("修改预算") if budget else self.tr("新增预算"))
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(budget["year"] if budget else year)
        self.year.setSuffix(self.tr(" 年"))
        self.owner_kind = QComboBox(self)
        for kind, label in zip(OWNER_KINDS, ("全县专家服务工作（总预算）", "专家服务团", "专家服务活动"),
                               strict=True):
            self.owner_kind.addItem(self.tr(label), kind)
        self.owner = QComboBox(self)
        self.owner.setMinimumContentsLength(16)
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText(self.tr("元，如 800000 或 12500.50"))
        self.note = QLineEdit(self)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        form = QFormLayout()
        for label, widget in ((self.tr("年度"), self.year), (self.tr("预算归属"), self.owner_kind),
                              (self.tr("服务团/活动"), self.owner),
                              (self.tr("金额（元）"), self.amount), (self.tr("备注"), self.note)):
            form.addRow(label, widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.owner_kind.currentIndexChanged.connect(self._fill_owner)
        if budget:
            kind = ("team" if budget["team_id"] else "activity" if budget["activity_id"]
                    else "whole")
            self.owner_kind.setCurrentIndex(OWNER_KINDS.index(kind))
            self._fill_owner()
            key = budget["team_id"] or budget["activity_id"]
            if key:
                self.owner.setCurrentIndex(max(self.owner.findData(key), 0))
            self.amount.setText(str(budget["amount_fen"] / 100).removesuffix(".0"))
            self.note.setText(budget["note"] or "")
        else:
            self._fill_owner()

    def _fill_owner(self) -> None:
        kind = self.owner_kind.currentData()
        self.owner.clear()
        for key, name in self._choices.get(kind, []):
            self.owner.addItem(name, key)
        self.owner.setEnabled(kind != "whole" and self.owner.count() > 0)

    def form_data(self) -> dict[str, Any]:
        kind = self.owner_kind.currentData()
        key = self.owner.currentData() if kind != "whole" else None
        if kind != "whole" and key is None:
            key = ""  # nothing to choose: the service says which is missing
        return {"year": self.year.value(), "amount": self.amount.text().strip(),
                "team_id": key if kind == "team" else None,
                "activity_id": key if kind == "activity" else None,
                "note": self.note.text()}

    def save(self) -> None:
        data = self.form_data()
        if data["team_id"] == "" or data["activity_id"] == "":
            self.error.setText(self.tr("请选择这笔预算所属的服务团或活动。"))
            return
        budget_id = self.budget_id
        database = self.ctx.database
        self.buttons.setEnabled(False)
        self.error.setText("")

        def work(_c: TaskControl) -> int:
            from services.outcomes import funds

            with database.unit_of_work() as uow:
                if budget_id is None:
                    saved = funds.create_budget(uow.session, data).id
                else:
                    saved = funds.update_budget(uow.session, budget_id, data).id
                uow.commit()
            return saved

        def done(saved: int) -> None:
            self.saved_id = saved
            self.ctx.notify(Changes.of(FUNDS, [saved]))
            self.accept()

        def failed(exc: Exception) -> bool:
            self.buttons.setEnabled(True)
            if isinstance(exc, ServiceError):
                self.error.setText(exc.message)
                return True
            return False

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self,
                           label=self.tr("保存预算"))
