"""统计报表: choose a period and a slice, see every figure; click a figure to see exactly the
records behind it (and open one in its own screen); the summary paragraph with 复制; export
the PDF report or the workbook (off the GUI thread); the expert ledger and the talent cards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from services import statistics as st
from services.errors import ServiceError
from ui.context import AppContext, Changes
from ui.pages import Page, PageSpec
from ui.tasks import TaskControl
from ui.widgets import heading, muted

# The screen that lists each kind of drill-down record.
KIND_PAGES = {"need": "needs", "expert": "experts", "dispatch": "dispatches"}
_ROOT = QModelIndex()
CARD = "card"  # Changes kind: a talent card (its id)
PERIOD_KINDS = ("全年", "一季度", "二季度", "三季度", "四季度", "自定义")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class RowsModel(QAbstractTableModel):
    """Plain rows (dicts) under fixed columns ((key, title), …); ``row_data(i)`` gives a
    row back. Numbers are right-aligned."""

    def __init__(self, columns: Sequence[tuple[str, str]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_data(self, row: int) -> dict[str, Any]:
        return self.rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.rows[index.row()].get(self.columns[index.column()][0])
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][1]
        return None


def table_view(model: QAbstractTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    # Fitting the columns reads the rows in sight only: measuring all of a drill-down's hundreds
    # of rows (Qt's default: 1,000) froze the window for a quarter of a second.
    view.horizontalHeader().setResizeContentsPrecision(0)  # the rows in sight
    return view


class DrillDownDialog(QDialog):
    """The records behind one figure, exactly those counted; double-click opens a need, an
    expert or a dispatch in its own screen. ``model`` holds the rows once loaded."""

    def __init__(self, ctx: AppContext, key: str, period: st.Period, sl: st.Slice,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        fig = st.figure(key)
        self.setWindowTitle(self.tr("{0}：依据的记录").format(fig.label))
        self.model = RowsModel([("code", self.tr("编号")), ("label", self.tr("内容")),
                                ("on", self.tr("日期")),
                                ("value", self.tr("计入（{0}）").format(fig.unit))], self)
        self.summary = muted(self.tr("正在读取……"), self)
        self.view = table_view(self.model, self)
        self.view.doubleClicked.connect(self._open)
        self.view.activated.connect(self._open)
        self.explain = muted(fig.help, self)
        self.explain.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.explain)
        layout.addWidget(buttons)
        self.resize(760, 480)
        self.loaded = False
        database = ctx.database

        def work(_c: TaskControl) -> tuple[st.FigureValue, list[st.DrillRow]]:
            with database.session() as s:
                rows = st.drill_down(s, key, period, sl)
                return st.FigureValue(key, fig.label, fig.unit, st.figures.aggregate(fig, rows),
                                      len(rows)), rows

        ctx.tasks.run(work, on_done=self._show, owner=self)

    def _show(self, result: tuple[st.FigureValue, list[st.DrillRow]]) -> None:
        value, rows = result
        self.model.set_rows([{"kind": r.kind, "id": r.id, "code": r.code, "label": r.label,
                              "on": r.on, "value": r.value / 100 if r.kind in (
                                  "expense", "budget") else r.value} for r in rows])
        self.summary.setText(self.tr("{0}：{1} {2}，依据 {3} 条记录（{4}）").format(
            value.label, value.text, value.unit, value.records,
            st.RECORD_KINDS.get(rows[0].kind, "") if rows else "—"))
        self.view.resizeColumnsToContents()
        self.loaded = True

    def _open(self, index: QModelIndex) -> None:
        row = self.model.row_data(index.row())
        page = KIND_PAGES.get(row["kind"])
        if page is not None:
            self.ctx.show_page(page, {"select": row["id"], "filter": {}})
            self.accept()


class ReportsPage(Page):
    """Attributes: ``figures_model`` (rows with ``key``), ``paragraph``, ``drill(key)``
    opens the drill-down dialog (``last_dialog``)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._stale = True
        self.result: st.Figures | None = None
        self.last_dialog: DrillDownDialog | None = None
        self._slices: list[st.Slice] = [st.ALL]
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("统计报表"), self))
        bar = QHBoxLayout()
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.year.setSuffix(self.tr(" 年"))
        self.kind = QComboBox(self)
        self.kind.addItems([self.tr(k) for k in PERIOD_KINDS])
        self.start = QDateEdit(QDate(date.today().year, 1, 1), self)
        self.end = QDateEdit(QDate.currentDate(), self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.slice_kind = QComboBox(self)
        for kind, label in st.SLICE_KINDS.items():
            self.slice_kind.addItem(self.tr(label), kind)
        self.slice_key = QComboBox(self)
        self.slice_key.setMinimumContentsLength(10)
        self.run_button = QPushButton(self.tr("统计"), self)
        self.pdf_button = QPushButton(self.tr("导出 PDF 报表…"), self)
        self.xlsx_button = QPushButton(self.tr("导出 Excel…"), self)
        for w in (QLabel(self.tr("期间"), self), self.year, self.kind, self.start,
                  QLabel("—", self), self.end, QLabel(self.tr("口径"), self), self.slice_kind,
                  self.slice_key, self.run_button, self.pdf_button, self.xlsx_button):
            bar.addWidget(w)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.status = muted("", self)
        layout.addWidget(self.status)

        tabs = QTabWidget(self)
        layout.addWidget(tabs, 1)
        figures_tab = QWidget(tabs)
        split = QSplitter(Qt.Orientation.Horizontal, figures_tab)
        self.figures_model = RowsModel([("label", self.tr("指标")), ("text", self.tr("数值")),
                                        ("unit", self.tr("单位")),
                                        ("records", self.tr("依据记录（条）"))], self)
        self.figures_view = table_view(self.figures_model, split)
        self.figures_view.setToolTip(self.tr("双击一项，查看它所依据的记录"))
        self.figures_view.activated.connect(lambda i: self.drill(self._key_at(i)))
        self.figures_view.doubleClicked.connect(lambda i: self.drill(self._key_at(i)))
        right = QWidget(split)
        rl = QVBoxLayout(right)
        rl.addWidget(heading(self.tr("综述"), right, scale=1.1))
        self.paragraph = QPlainTextEdit(right)
        self.paragraph.setReadOnly(True)
        rl.addWidget(self.paragraph, 1)
        self.copy_button = QPushButton(self.tr("复制"), right)
        self.copy_button.clicked.connect(self.copy_paragraph)
        rl.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignRight)
        split.addWidget(self.figures_view)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        QVBoxLayout(figures_tab).addWidget(split)
        tabs.addTab(figures_tab, self.tr("各项数字"))

        ledger_tab = QWidget(tabs)
        ll = QVBoxLayout(ledger_tab)
        lbar = QHBoxLayout()
        self.expert_edit = QLineEdit(ledger_tab)
        self.expert_edit.setPlaceholderText(self.tr("专家编号或姓名"))
        self.ledger_button = QPushButton(self.tr("查看台账"), ledger_tab)
        lbar.addWidget(self.expert_edit)
        lbar.addWidget(self.ledger_button)
        lbar.addStretch(1)
        ll.addLayout(lbar)
        self.ledger_model = RowsModel([("kind", self.tr("类别")), ("code", self.tr("编号")),
                                       ("start", self.tr("开始")), ("end", self.tr("结束")),
                                       ("days", self.tr("天数")), ("where", self.tr("单位")),
                                       ("content", self.tr("内容"))], self)
        ll.addWidget(table_view(self.ledger_model, ledger_tab), 1)
        self.ledger_total = muted("", ledger_tab)
        ll.addWidget(self.ledger_total)
        tabs.addTab(ledger_tab, self.tr("专家台账"))

        cards_tab = QWidget(tabs)
        cl = QVBoxLayout(cards_tab)
        self.cards_note = muted("", cards_tab)
        cl.addWidget(self.cards_note)
        self.qualify_model = RowsModel([("code", self.tr("专家编号")), ("name", self.tr("姓名")),
                                        ("days", self.tr("服务天数"))], self)
        self.qualify_view = table_view(self.qualify_model, cards_tab)
        cl.addWidget(self.qualify_view, 1)
        issue_bar = QHBoxLayout()
        self.card_number = QLineEdit(cards_tab)
        self.card_number.setPlaceholderText(self.tr("卡号（留空自动编号）"))
        self.issue_button = QPushButton(self.tr("给所选专家发卡"), cards_tab)
        self.issue_button.clicked.connect(self.issue_card)
        issue_bar.addWidget(self.card_number)
        issue_bar.addWidget(self.issue_button)
        issue_bar.addStretch(1)
        cl.addLayout(issue_bar)
        cl.addWidget(muted(self.tr("已发的惠才卡"), cards_tab))
        self.cards_model = RowsModel([("number", self.tr("卡号")), ("kind", self.tr("卡种")),
                                      ("expert_code", self.tr("专家编号")),
                                      ("expert_name", self.tr("姓名")),
                                      ("issued_on", self.tr("发卡日期")),
                                      ("valid_until", self.tr("有效期至")),
                                      ("state", self.tr("状态"))], self)
        self.cards_view = table_view(self.cards_model, cards_tab)
        cl.addWidget(self.cards_view, 1)
        card_bar = QHBoxLayout()
        self.renew_until = QLineEdit(cards_tab)
        self.renew_until.setPlaceholderText(self.tr("新有效期至（留空按规定年限延长）"))
        self.renew_button = QPushButton(self.tr("续期所选卡"), cards_tab)
        self.renew_button.clicked.connect(self.renew_card)
        self.cancel_reason = QLineEdit(cards_tab)
        self.cancel_reason.setPlaceholderText(self.tr("注销原因"))
        self.cancel_button = QPushButton(self.tr("注销所选卡"), cards_tab)
        self.cancel_button.clicked.connect(self.cancel_card)
        for w in (self.renew_until, self.renew_button, self.cancel_reason, self.cancel_button):
            card_bar.addWidget(w)
        card_bar.addStretch(1)
        cl.addLayout(card_bar)
        self.card_status = QLabel("", cards_tab)
        self.card_status.setWordWrap(True)
        cl.addWidget(self.card_status)
        cl.addWidget(muted(self.tr("即将到期的惠才卡"), cards_tab))
        self.expiring_model = RowsModel([("number", self.tr("卡号")),
                                         ("expert_code", self.tr("专家编号")),
                                         ("expert_name", self.tr("姓名")),
                                         ("valid_until", self.tr("有效期至"))], self)
        cl.addWidget(table_view(self.expiring_model, cards_tab), 1)
        self.cards_tab = cards_tab
        self.tabs = tabs
        tabs.addTab(cards_tab, self.tr("惠才卡"))

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.slice_kind.currentIndexChanged.connect(self._fill_slice_keys)
        self.run_button.clicked.connect(self.refresh)
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.ledger_button.clicked.connect(self.show_ledger)
        self.expert_edit.returnPressed.connect(self.show_ledger)
        self._fill_slice_keys()
        ctx.changed.connect(self._on_changes)

    # -- choices ----------------------------------------------------------------------------

    def _kind_changed(self) -> None:
        custom = self.kind.currentIndex() == len(PERIOD_KINDS) - 1
        self.start.setEnabled(custom)
        self.end.setEnabled(custom)
        self.year.setEnabled(not custom)

    def _fill_slice_keys(self) -> None:
        kind = self.slice_kind.currentData()
        self.slice_key.clear()
        for s in self._slices:
            if s.kind == kind and s.key is not None:
                self.slice_key.addItem(s.label, s.key)
        self.slice_key.setEnabled(self.slice_key.count() > 0)

    def period(self) -> st.Period:
        i = self.kind.currentIndex()
        if i == 0:
            return st.Period.of_year(self.year.value())
        if i <= 4:
            return st.Period.of_quarter(self.year.value(), i)
        return st.Period.custom(self.start.date().toPython(), self.end.date().toPython())

    def slice(self) -> st.Slice:
        kind = self.slice_kind.currentData()
        if kind in ("all", "priority", "ordinary"):
            return st.Slice(kind)
        if self.slice_key.currentData() is None:
            return st.ALL
        return st.Slice(kind, self.slice_key.currentData(), self.slice_key.currentText())

    # -- loading ----------------------------------------------------------------------------

    def activate(self, argument: Any = None) -> None:
        if self._stale:
            self.refresh()

    def _on_changes(self, _changes: Changes) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        try:
            period, sl = self.period(), self.slice()
        except Exception as exc:  # a custom period ending before it starts
            self.status.setText(getattr(exc, "message", str(exc)))
            return
        database = self.ctx.database
        self.status.setText(self.tr("正在统计……"))

        def work(_c: TaskControl) -> dict[str, Any]:
            from services.outcomes import cards

            with database.session() as s:
                figures = st.compute_all(s, period, sl)
                return {"figures": figures, "paragraph": st.summary_paragraph(figures),
                        "slices": st.slice_choices(s),
                        "qualify": cards.qualifying(s, period.end.year),
                        "expiring": cards.expiring(s),
                        "cards": cards.list_cards(s),
                        "min_days": cards.settings.get(s, "cards.min_days")}

        self.ctx.tasks.run(work, on_done=self._show, owner=self)

    def _show(self, data: dict[str, Any]) -> None:
        figures: st.Figures = data["figures"]
        self.result = figures
        self.figures_model.set_rows([{"key": v.key, "label": v.label, "text": v.text,
                                      "unit": v.unit, "records": v.records}
                                     for v in figures.values.values()])
        self.figures_view.resizeColumnsToContents()
        self.paragraph.setPlainText(data["paragraph"])
        if [s.key for s in data["slices"]] != [s.key for s in self._slices]:
            current = self.slice_key.currentData()
            self._slices = data["slices"]
            self._fill_slice_keys()
            if current is not None:
                self.slice_key.setCurrentIndex(max(self.slice_key.findData(current), 0))
        self.status.setText(self.tr("{0}，{1}：双击一项数字查看所依据的记录。").format(
            figures.period.label, figures.slice.label))
        self.qualify_model.set_rows([{"expert_id": q.expert_id, "code": q.code,
                                      "name": q.name, "days": q.days}
                                     for q in data["qualify"]])
        self.expiring_model.set_rows(data["expiring"])
        self.cards_model.set_rows(data["cards"])
        self.cards_note.setText(self.tr("{0} 年服务满 {1} 天、尚无有效惠才卡的专家：{2} 名").format(
            figures.period.end.year, data["min_days"], len(data["qualify"])))

    def _key_at(self, index: QModelIndex) -> str:
        return self.figures_model.row_data(index.row())["key"]

    def drill(self, key: str) -> DrillDownDialog:
        period, sl = (self.result.period, self.result.slice) if self.result else (
            self.period(), self.slice())
        dialog = DrillDownDialog(self.ctx, key, period, sl, self)
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def copy_paragraph(self) -> None:
        QGuiApplication.clipboard().setText(self.paragraph.toPlainText())
        self.status.setText(self.tr("综述已复制，可直接粘贴到材料中。"))

    def export(self, kind: str, target: str | None = None) -> None:
        period, sl = self.period(), self.slice()
        if target is None:
            suffix = "PDF 文件 (*.pdf)" if kind == "pdf" else "Excel 工作簿 (*.xlsx)"
            name = f"专家服务统计{period.label}.{kind}"
            target, _ = QFileDialog.getSaveFileName(self, self.tr("导出"), name, self.tr(suffix))
            if not target:
                return
        database = self.ctx.database
        out = target

        def work(_c: TaskControl) -> str:
            with database.session() as s:
                if kind == "pdf":
                    from services.documents.statistics_report import print_statistics_report

                    print_statistics_report(s, out, period, sl)
                else:
                    from services.statistics.export import export_xlsx

                    export_xlsx(s, out, period, sl)
            return out

        self.status.setText(self.tr("正在导出……"))
        self.ctx.tasks.run(work, on_done=lambda p: self.status.setText(
            self.tr("已导出：{0}").format(p)), owner=self, label=self.tr("导出统计报表"))

    # -- talent cards -----------------------------------------------------------------------

    @staticmethod
    def _chosen(view: QTableView, model: RowsModel) -> dict[str, Any] | None:
        rows = view.selectionModel().selectedRows()
        return model.row_data(rows[0].row()) if rows else None

    def issue_card(self) -> None:
        """A card for the expert chosen in the list of those who qualify; the number typed,
        or the next one of the prefix setting."""
        row = self._chosen(self.qualify_view, self.qualify_model)
        if row is None:
            self.card_status.setText(self.tr("请先在上表中选择一位专家。"))
            return
        number = self.card_number.text().strip()
        expert_id = row["expert_id"]
        self._card_action(lambda s, cards: cards.issue_card(s, expert_id, number=number),
                          self.tr("已给 {0} 发卡：{{0}}").format(row["name"]),
                          clear=self.card_number)

    def renew_card(self) -> None:
        row = self._chosen(self.cards_view, self.cards_model)
        if row is None:
            self.card_status.setText(self.tr("请先在“已发的惠才卡”中选择一张卡。"))
            return
        until = self.renew_until.text().strip() or None
        card_id = row["id"]
        self._card_action(lambda s, cards: cards.renew_card(s, card_id, valid_until=until),
                          self.tr("已续期：{0}"), clear=self.renew_until)

    def cancel_card(self) -> None:
        row = self._chosen(self.cards_view, self.cards_model)
        if row is None:
            self.card_status.setText(self.tr("请先在“已发的惠才卡”中选择一张卡。"))
            return
        reason = self.cancel_reason.text()
        card_id = row["id"]
        self._card_action(lambda s, cards: cards.cancel_card(s, card_id, reason),
                          self.tr("已注销：{0}"), clear=self.cancel_reason)

    def _card_action(self, action: Any, message: str, clear: QLineEdit) -> None:
        """Write off the GUI thread; the lists refresh through the change notification."""
        database = self.ctx.database

        def work(_c: TaskControl) -> tuple[int, str]:
            from services.outcomes import cards

            with database.unit_of_work() as uow:
                card = action(uow.session, cards)
                result = (card.id, f"{card.number}（有效期至 {card.valid_until.isoformat()}）")
                uow.commit()
            return result

        def done(result: tuple[int, str]) -> None:
            clear.clear()
            self.card_status.setText(message.format(result[1]))
            self.ctx.notify(Changes.of(CARD, [result[0]]))

        def failed(exc: Exception) -> bool:
            if isinstance(exc, ServiceError):
                self.card_status.setText(exc.message)
                return True
            return False

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self,
                           label=self.tr("惠才卡"))

    def show_ledger(self) -> None:
        key = self.expert_edit.text().strip()
        if not key:
            return
        year = self.period().end.year
        database = self.ctx.database

        def work(_c: TaskControl) -> Any:
            from services.outcomes import ledger

            with database.session() as s:
                return ledger.expert_ledger(s, key, year)

        def shown(book: Any) -> None:
            self.ledger_model.set_rows([
                {"kind": i.kind_label, "code": i.code, "start": i.start, "end": i.end,
                 "days": i.days, "where": i.where, "content": i.content} for i in book.items])
            self.ledger_total.setText(self.tr(
                "{0} {1} {2} 年合计 {3} 天（派遣 {4} 天，工作站 {5} 天）").format(
                book.code, book.name, book.year, book.total_days, book.dispatch_days,
                book.workstation_days))

        def failed(exc: Exception) -> bool:
            self.ledger_total.setText(getattr(exc, "message", str(exc)))
            return True

        self.ctx.tasks.run(work, on_done=shown, on_error=failed, owner=self)


PAGE = PageSpec("reports", "统计报表", 90, ReportsPage,
                QStyle.StandardPixmap.SP_FileDialogContentsView)
