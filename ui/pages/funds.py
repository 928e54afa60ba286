"""经费: the year's budgets (with what is spent and the warning state; added, changed and
deleted through the budget form), the expenses, an entry form that shows the dispatch's
standard and warns while the amount is typed (and edits a chosen expense), and the statements
(year, team, dispatch) exported as PDF or Excel. Every read, save and export runs off the GUI
thread; a save is announced to the other screens (``Changes`` of kind ``funds``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from models import EXPENSE_CATEGORIES
from services.errors import ServiceError
from ui.context import AppContext, Changes
from ui.funds_forms import FUNDS, BudgetDialog
from ui.messages import Role, ask
from ui.pages import Page, PageSpec
from ui.pages.reports import RowsModel, table_view
from ui.tasks import TaskControl
from ui.widgets import heading, muted


class FundsPage(Page):
    """Attributes: ``budget_model``, ``expense_model``, the form (``dispatch_edit``,
    ``category``, ``amount``, ``spent_on``), ``standard_label``, ``warning_label``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._stale = True
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("经费"), self))
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.year.setSuffix(self.tr(" 年"))
        self.year.valueChanged.connect(self.refresh)
        top.addWidget(self.year)
        top.addStretch(1)
        top.addWidget(QLabel(self.tr("经费明细"), self))
        # Which statement the two export buttons make: the year's, a team's, or the dispatch
        # of the chosen expense (or of the code in the entry form).
        self.statement_scope = QComboBox(self)
        self.statement_scope.setMinimumContentsLength(12)
        self.pdf_button = QPushButton(self.tr("导出 PDF…"), self)
        self.xlsx_button = QPushButton(self.tr("导出 Excel…"), self)
        self.pdf_button.clicked.connect(lambda: self.export_statement("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.export_statement("xlsx"))
        top.addWidget(self.statement_scope)
        top.addWidget(self.pdf_button)
        top.addWidget(self.xlsx_button)
        layout.addLayout(top)
        # What the last action did (saved, deleted, exported); the warnings below are
        # rewritten by every refresh.
        self.status = muted("", self)
        layout.addWidget(self.status)
        self.warnings = muted("", self)
        self.warnings.setWordWrap(True)
        layout.addWidget(self.warnings)

        layout.addWidget(QLabel(self.tr("预算"), self))
        self.budget_model = RowsModel([("owner", self.tr("预算归属")), ("amount", self.tr("预算（元）")),
                                       ("spent", self.tr("已支出（元）")),
                                       ("percent", self.tr("已用 %")), ("state", self.tr("状态")),
                                       ("note", self.tr("备注"))], self)
        self.budget_view = table_view(self.budget_model, self)
        self.budget_view.doubleClicked.connect(lambda _i: self.edit_budget())
        layout.addWidget(self.budget_view, 1)
        budget_bar = QHBoxLayout()
        self.add_budget_button = QPushButton(self.tr("新增预算…"), self)
        self.edit_budget_button = QPushButton(self.tr("修改预算…"), self)
        self.delete_budget_button = QPushButton(self.tr("删除预算"), self)
        self.add_budget_button.clicked.connect(lambda: self.open_budget_form(None))
        self.edit_budget_button.clicked.connect(self.edit_budget)
        self.delete_budget_button.clicked.connect(self.ask_delete_budget)
        for button in (self.add_budget_button, self.edit_budget_button,
                       self.delete_budget_button):
            budget_bar.addWidget(button)
        budget_bar.addStretch(1)
        layout.addLayout(budget_bar)
        layout.addWidget(QLabel(self.tr("支出"), self))
        self.expense_model = RowsModel([("spent_on", self.tr("日期")), ("dispatch", self.tr("派遣")),
                                        ("expert", self.tr("专家")), ("team", self.tr("服务团")),
                                        ("category", self.tr("类别")),
                                        ("amount", self.tr("金额（元）")),
                                        ("payee", self.tr("收款人")), ("note", self.tr("备注"))],
                                       self)
        self.expense_view = table_view(self.expense_model, self)
        self.expense_view.doubleClicked.connect(lambda _i: self.edit_expense())
        layout.addWidget(self.expense_view, 2)
        expense_bar = QHBoxLayout()
        self.edit_expense_button = QPushButton(self.tr("修改所选支出"), self)
        self.delete_expense_button = QPushButton(self.tr("删除所选支出"), self)
        self.edit_expense_button.clicked.connect(self.edit_expense)
        self.delete_expense_button.clicked.connect(self.ask_delete_expense)
        expense_bar.addWidget(self.edit_expense_button)
        expense_bar.addWidget(self.delete_expense_button)
        expense_bar.addStretch(1)
        layout.addLayout(expense_bar)

        box = QGroupBox(self.tr("登记支出"), self)
        self.expense_box = box
        self.editing_id: int | None = None  # the expense the form edits; None: a new one
        form = QFormLayout(box)
        self.dispatch_edit = QLineEdit(box)
        self.dispatch_edit.setPlaceholderText(self.tr("派遣编号，如 PQ-2026-0001"))
        self.category = QComboBox(box)
        self.category.addItems(list(EXPENSE_CATEGORIES))
        self.amount = QLineEdit(box)
        self.amount.setPlaceholderText(self.tr("元，如 1200 或 85.50"))
        self.spent_on = QDateEdit(QDate.currentDate(), box)
        self.spent_on.setCalendarPopup(True)
        self.spent_on.setDisplayFormat("yyyy-MM-dd")
        self.payee = QLineEdit(box)
        self.standard_label = muted("", box)
        self.standard_label.setWordWrap(True)
        self.warning_label = QLabel("", box)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #b3261e;")
        self.save_button = QPushButton(self.tr("保存支出"), box)
        self.save_button.clicked.connect(self.save_expense)
        self.cancel_edit_button = QPushButton(self.tr("取消修改"), box)
        self.cancel_edit_button.clicked.connect(self.clear_form)
        self.cancel_edit_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_edit_button)
        buttons.addStretch(1)
        for label, widget in ((self.tr("派遣"), self.dispatch_edit),
                              (self.tr("类别"), self.category), (self.tr("金额"), self.amount),
                              (self.tr("日期"), self.spent_on), (self.tr("收款人"), self.payee),
                              (self.tr("标准"), self.standard_label),
                              ("", self.warning_label)):
            form.addRow(label, widget)
        form.addRow("", buttons)
        layout.addWidget(box)

        # The standard and the warning follow the typing, computed off the GUI thread after a
        # short pause so a fast typist does not start one query per key.
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(250)
        self._preview_timer.timeout.connect(self.preview)
        # A save's outcome must not be overwritten by a preview of the same form that was
        # still on a worker (or still waiting on the timer) when the save began.
        self._saves = 0
        for signal in (self.dispatch_edit.textChanged, self.amount.textChanged,
                       self.category.currentIndexChanged, self.spent_on.dateChanged):
            signal.connect(self._preview_timer.start)
        self.teams: list[tuple[int, str]] = []
        self.activities: list[tuple[int, str]] = []
        self.last_dialog: BudgetDialog | None = None
        self.last_export: str | None = None
        self._fill_scopes()
        ctx.changed.connect(self._on_changes)

    def form_data(self) -> dict[str, Any]:
        return {"dispatch": self.dispatch_edit.text().strip(),
                "category": self.category.currentText(), "amount": self.amount.text(),
                "spent_on": self.spent_on.date().toPython(), "payee": self.payee.text()}

    def activate(self, argument: Any = None) -> None:
        if self._stale:
            self.refresh()

    def _on_changes(self, _changes: Changes) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        year = self.year.value()
        database = self.ctx.database

        def work(_c: TaskControl) -> dict[str, Any]:
            from services.outcomes import funds

            with database.session() as s:
                from services.outcomes import organisations

                return {"budgets": funds.list_budgets(s, year),
                        "expenses": funds.list_expenses(s, year=year),
                        "warnings": [w.message for w in funds.warnings(s, year)],
                        "teams": [(t["id"], t["name"]) for t in organisations.list_teams(s)],
                        "activities": [(a["id"], a["name"])
                                       for a in organisations.list_activities(s)]}

        self.ctx.tasks.run(work, on_done=self._show, owner=self)

    def _show(self, data: dict[str, Any]) -> None:
        self.budget_model.set_rows(data["budgets"])
        self.expense_model.set_rows(data["expenses"])
        self.warnings.setText("\n".join(data["warnings"]) or self.tr("没有超标准或超预算的支出。"))
        if data["teams"] != self.teams:
            self.teams = data["teams"]
            self._fill_scopes()
        self.activities = data["activities"]

    def _fill_scopes(self) -> None:
        current = self.statement_scope.currentData()
        self.statement_scope.clear()
        # Item data is text ("year", "dispatch", "team:<id>"): findData compares it reliably.
        self.statement_scope.addItem(self.tr("本年度全部"), "year")
        self.statement_scope.addItem(self.tr("所选支出的派遣"), "dispatch")
        for team_id, name in self.teams:
            self.statement_scope.addItem(self.tr("服务团：{0}").format(name), f"team:{team_id}")
        if current is not None:
            self.statement_scope.setCurrentIndex(max(self.statement_scope.findData(current), 0))

    # -- budgets ----------------------------------------------------------------------------

    def _selected(self, view: Any, model: RowsModel) -> dict[str, Any] | None:
        rows = view.selectionModel().selectedRows()
        return model.row_data(rows[0].row()) if rows else None

    def open_budget_form(self, budget: dict[str, Any] | None) -> BudgetDialog:
        dialog = BudgetDialog(self.ctx, self.year.value(), self.teams, self.activities,
                              budget, self)
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def edit_budget(self) -> None:
        budget = self._selected(self.budget_view, self.budget_model)
        if budget is None:
            self.status.setText(self.tr("请先在预算表中选择一项预算。"))
            return
        self.open_budget_form(budget)

    def ask_delete_budget(self) -> None:
        budget = self._selected(self.budget_view, self.budget_model)
        if budget is None:
            self.status.setText(self.tr("请先在预算表中选择一项预算。"))
            return
        ask(self, self.tr("删除 {0} 年“{1}”的预算（{2} 元）？").format(
                budget["year"], budget["owner"], budget["amount"]),
            [(self.tr("删除"), Role.DestructiveRole), (self.tr("取消"), Role.RejectRole)],
            lambda i: self.delete_budget(budget["id"]) if i == 0 else None, default=1)

    def delete_budget(self, budget_id: int) -> None:
        self._write(lambda s, funds: funds.delete_budget(s, budget_id), budget_id,
                    self.tr("预算已删除。"), self.status)

    # -- expenses ---------------------------------------------------------------------------

    def edit_expense(self) -> None:
        """Load the chosen expense into the entry form; 保存 then changes it."""
        row = self._selected(self.expense_view, self.expense_model)
        if row is None:
            self.warning_label.setText(self.tr("请先在支出表中选择一笔支出。"))
            return
        self.editing_id = row["id"]
        self.dispatch_edit.setText(row["dispatch"])
        self.category.setCurrentText(row["category"])
        self.amount.setText(str(row["amount_fen"] / 100).removesuffix(".0"))
        self.spent_on.setDate(QDate(row["spent_on"]))
        self.payee.setText(row["payee"])
        self.expense_box.setTitle(self.tr("修改支出（{0} {1}）").format(
            row["spent_on"].isoformat(), row["category"]))
        self.save_button.setText(self.tr("保存修改"))
        self.cancel_edit_button.show()
        self.warning_label.setText("")

    def clear_form(self) -> None:
        self.editing_id = None
        self.amount.clear()
        self.payee.clear()
        self.expense_box.setTitle(self.tr("登记支出"))
        self.save_button.setText(self.tr("保存支出"))
        self.cancel_edit_button.hide()

    def ask_delete_expense(self) -> None:
        row = self._selected(self.expense_view, self.expense_model)
        if row is None:
            self.warning_label.setText(self.tr("请先在支出表中选择一笔支出。"))
            return
        ask(self, self.tr("删除 {0} 的{1} {2} 元？").format(
                row["spent_on"].isoformat(), row["category"], row["amount"]),
            [(self.tr("删除"), Role.DestructiveRole), (self.tr("取消"), Role.RejectRole)],
            lambda i: self.delete_expense(row["id"]) if i == 0 else None, default=1)

    def delete_expense(self, expense_id: int) -> None:
        if self.editing_id == expense_id:
            self.clear_form()
        self._write(lambda s, funds: funds.delete_expense(s, expense_id), expense_id,
                    self.tr("支出已删除。"), self.warning_label)

    def _write(self, action: Any, record_id: int, message: str, label: QLabel) -> None:
        """Run a write off the GUI thread, then tell every screen."""
        database = self.ctx.database

        def work(_c: TaskControl) -> int:
            from services.outcomes import funds

            with database.unit_of_work() as uow:
                action(uow.session, funds)
                uow.commit()
            return record_id

        def done(rid: int) -> None:
            label.setText(message)
            self.ctx.notify(Changes.of(FUNDS, [rid]))

        def failed(exc: Exception) -> bool:
            if isinstance(exc, ServiceError):
                label.setText(exc.message)
                return True
            return False

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self)

    def preview(self) -> None:
        data = self.form_data()
        database = self.ctx.database
        editing = self.editing_id  # counted once: as typed, not also as saved
        saves = self._saves

        def work(_c: TaskControl) -> dict[str, Any]:
            from services.outcomes import funds

            with database.session() as s:
                return funds.preview_expense(s, data, exclude=editing)

        def shown(result: dict[str, Any]) -> None:
            if saves != self._saves:
                return
            self.standard_label.setText(result["standard"])
            self.warning_label.setText("\n".join(result["warnings"]))

        self.ctx.tasks.run(work, on_done=shown, owner=self)

    def save_expense(self) -> None:
        """Save the form (a new expense, or the one being edited) off the GUI thread."""
        data = self.form_data()
        expense_id = self.editing_id
        if expense_id is not None:
            # The service keeps what the form does not say (the expense's team or activity);
            # the dispatch is the one typed now, or none.
            data["dispatch_id"] = data.pop("dispatch") or None
        database = self.ctx.database
        self.save_button.setEnabled(False)
        self._saves += 1
        self._preview_timer.stop()

        def work(_c: TaskControl) -> int:
            from services.outcomes import funds

            with database.unit_of_work() as uow:
                if expense_id is None:
                    saved = funds.create_expense(uow.session, data).id
                else:
                    saved = funds.update_expense(uow.session, expense_id, data).id
                uow.commit()
            return saved

        def done(saved: int) -> None:
            self.save_button.setEnabled(True)
            self.clear_form()
            self.warning_label.setText(self.tr("已保存。"))
            self.ctx.notify(Changes.of(FUNDS, [saved]))

        def failed(exc: Exception) -> bool:
            self.save_button.setEnabled(True)
            if isinstance(exc, ServiceError):
                self.warning_label.setText(exc.message)
                return True
            return False

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self,
                           label=self.tr("保存支出"))

    def export_statement(self, kind: str, target: str | None = None,
                         scope: tuple[str, int | str | None] | None = None) -> None:
        """The statement chosen in ``statement_scope`` (or ``scope``: ("year", None),
        ("team", id), ("dispatch", id or code)) as a PDF or a workbook, off the GUI thread."""
        year = self.year.value()
        if scope is None:
            what, _, team = (self.statement_scope.currentData() or "year").partition(":")
            scope = (what, int(team) if team else None)
        what, key = scope
        if what == "dispatch" and key is None:
            row = self._selected(self.expense_view, self.expense_model)
            key = (row or {}).get("dispatch_id") or self.dispatch_edit.text().strip() or None
            if key is None:
                self.status.setText(self.tr("请先在支出表中选择一笔派遣的支出，或在表单中填写派遣编号。"))
                return
        if target is None:
            pattern = "PDF 文件 (*.pdf)" if kind == "pdf" else "Excel 工作簿 (*.xlsx)"
            target, _ = QFileDialog.getSaveFileName(self, self.tr("导出经费明细"),
                                                    f"{year}年经费明细.{kind}", self.tr(pattern))
            if not target:
                return
        database = self.ctx.database
        out = target

        def work(_c: TaskControl) -> str:
            from services.outcomes import funds

            with database.session() as s:
                if what == "team":
                    statement = funds.team_statement(s, key, year)
                elif what == "dispatch":
                    statement = funds.dispatch_statement(s, key)
                else:
                    statement = funds.year_statement(s, year)
                if kind == "pdf":
                    funds.statement_pdf(s, statement, out)
                else:
                    funds.statement_xlsx(statement, out)
            return out

        def done(path: str) -> None:
            self.last_export = path
            self.status.setText(self.tr("已导出：{0}").format(path))

        def failed(exc: Exception) -> bool:
            if isinstance(exc, ServiceError):
                self.status.setText(exc.message)
                return True
            return False

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self,
                           label=self.tr("导出经费明细"))


PAGE = PageSpec("funds", "经费", 88, FundsPage, QStyle.StandardPixmap.SP_FileDialogDetailedView)
