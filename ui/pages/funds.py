"""经费: the year's budgets (with what is spent and the warning state), the expenses, an entry
form that shows the dispatch's standard and warns while the amount is typed, and the
statements (year, team, dispatch) exported as PDF or Excel off the GUI thread."""

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
        self.pdf_button = QPushButton(self.tr("年度经费明细 PDF…"), self)
        self.xlsx_button = QPushButton(self.tr("年度经费明细 Excel…"), self)
        self.pdf_button.clicked.connect(lambda: self.export_statement("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.export_statement("xlsx"))
        top.addStretch(1)
        top.addWidget(self.pdf_button)
        top.addWidget(self.xlsx_button)
        layout.addLayout(top)
        self.warnings = muted("", self)
        self.warnings.setWordWrap(True)
        layout.addWidget(self.warnings)

        layout.addWidget(QLabel(self.tr("预算"), self))
        self.budget_model = RowsModel([("owner", self.tr("预算归属")), ("amount", self.tr("预算（元）")),
                                       ("spent", self.tr("已支出（元）")),
                                       ("percent", self.tr("已用 %")), ("state", self.tr("状态")),
                                       ("note", self.tr("备注"))], self)
        layout.addWidget(table_view(self.budget_model, self), 1)
        layout.addWidget(QLabel(self.tr("支出"), self))
        self.expense_model = RowsModel([("spent_on", self.tr("日期")), ("dispatch", self.tr("派遣")),
                                        ("expert", self.tr("专家")), ("team", self.tr("服务团")),
                                        ("category", self.tr("类别")),
                                        ("amount", self.tr("金额（元）")),
                                        ("payee", self.tr("收款人")), ("note", self.tr("备注"))],
                                       self)
        layout.addWidget(table_view(self.expense_model, self), 2)

        box = QGroupBox(self.tr("登记支出"), self)
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
        for label, widget in ((self.tr("派遣"), self.dispatch_edit),
                              (self.tr("类别"), self.category), (self.tr("金额"), self.amount),
                              (self.tr("日期"), self.spent_on), (self.tr("收款人"), self.payee),
                              (self.tr("标准"), self.standard_label),
                              ("", self.warning_label), ("", self.save_button)):
            form.addRow(label, widget)
        layout.addWidget(box)

        # The standard and the warning follow the typing, computed off the GUI thread after a
        # short pause so a fast typist does not start one query per key.
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(250)
        self._preview_timer.timeout.connect(self.preview)
        for signal in (self.dispatch_edit.textChanged, self.amount.textChanged,
                       self.category.currentIndexChanged, self.spent_on.dateChanged):
            signal.connect(self._preview_timer.start)
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
                return {"budgets": funds.list_budgets(s, year),
                        "expenses": funds.list_expenses(s, year=year),
                        "warnings": [w.message for w in funds.warnings(s, year)]}

        self.ctx.tasks.run(work, on_done=self._show, owner=self)

    def _show(self, data: dict[str, Any]) -> None:
        self.budget_model.set_rows(data["budgets"])
        self.expense_model.set_rows(data["expenses"])
        self.warnings.setText("\n".join(data["warnings"]) or self.tr("没有超标准或超预算的支出。"))

    def preview(self) -> None:
        data = self.form_data()
        database = self.ctx.database

        def work(_c: TaskControl) -> dict[str, Any]:
            from services.outcomes import funds

            with database.session() as s:
                return funds.preview_expense(s, data)

        def shown(result: dict[str, Any]) -> None:
            self.standard_label.setText(result["standard"])
            self.warning_label.setText("\n".join(result["warnings"]))

        self.ctx.tasks.run(work, on_done=shown, owner=self)

    def save_expense(self) -> None:
        data = self.form_data()
        try:
            with self.ctx.database.unit_of_work() as uow:
                from services.outcomes import funds

                funds.create_expense(uow.session, data)
                uow.commit()
        except ServiceError as exc:
            self.warning_label.setText(exc.message)
            return
        self.amount.clear()
        self.warning_label.setText(self.tr("已保存。"))
        self.refresh()

    def export_statement(self, kind: str, target: str | None = None) -> None:
        year = self.year.value()
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
                statement = funds.year_statement(s, year)
                if kind == "pdf":
                    funds.statement_pdf(s, statement, out)
                else:
                    funds.statement_xlsx(statement, out)
            return out

        self.ctx.tasks.run(work, on_done=lambda p: self.warnings.setText(
            self.tr("已导出：{0}").format(p)), owner=self, label=self.tr("导出经费明细"))


PAGE = PageSpec("funds", "经费", 88, FundsPage, QStyle.StandardPixmap.SP_FileDialogDetailedView)
