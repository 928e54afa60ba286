"""派遣单: the dispatches, their sheets previewed in the app, printed (one or a selection,
through the print dialog), saved as PDF; the expert's confirmation or refusal (a refusal
offers the replacements); the notification texts for WeChat/SMS; and 登记回执."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QPageSize
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from services import dispatches
from services.records import RowSet
from services.search import SearchSpec
from ui import messages
from ui.context import EXPERT, NEED, UNIT, AppContext, Changes
from ui.export_dialog import add_exchange_tools, export_selected_action
from ui.pages import PageSpec
from ui.pages.planning import RowsModel
from ui.pdf_preview import PdfPreview
from ui.printing import print_pdf, render_pages
from ui.record_list import FilterDef, RecordListPage, choice_filter
from ui.table_model import Column
from ui.tasks import TaskControl, import_quietly
from ui.widgets import DateEdit, ErrorLabel, muted

DISPATCH = "dispatch"  # the Changes kind of a dispatch
PRINTABLE_STATES = ("planned", "confirmed", dispatches.IN_PROGRESS, "completed")
ANSWERABLE_STATES = ("planned", "confirmed", dispatches.IN_PROGRESS)
STATE_COLOURS = {"planned": "#8a6d00", "confirmed": "#1f6fb2", dispatches.IN_PROGRESS: "#1e8449",
                 "completed": "#555555", "declined": "#b03a2e", "cancelled": "#888888"}


def _sheets_pdf(database: Any, ids: list[int], control: TaskControl | None = None) -> bytes:
    """The dispatch sheets of ``ids`` as one PDF, in memory (worker thread)."""
    # reportlab and pdfium (the preview and the printer render the PDF next) on their first
    # use, without the full garbage collections that would freeze the window.
    import_quietly("services.documents", "pypdfium2")
    from services.documents import print_dispatch_sheets

    out = io.BytesIO()
    with database.session() as session:
        print_dispatch_sheets(session, ids, out,
                              progress=control.progress if control else None,
                              cancelled=control.cancelled if control else None)
    return out.getvalue()


def a4_printer(printer: QPrinter | None = None) -> QPrinter:
    """A printer set up for the documents: A4 portrait, the whole sheet (the PDF pages carry
    their own margins)."""
    printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setFullPage(True)
    printer.setDocName("专家服务基层派遣单")
    return printer


class ReasonDialog(QDialog):
    """Asks why the expert refused (the service requires a reason)."""

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("登记专家婉拒"))
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("如：当周有手术、身体原因、已有其他任务"))
        self.error = ErrorLabel(self)
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("派遣 {0} 的专家不能前往。请写明原因：").format(code), self))
        form.addRow(self.tr("婉拒原因："), self.reason)
        form.addRow(self.error)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.tr("登记婉拒"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _accept(self) -> None:
        if not self.reason.text().strip():
            self.error.setText(self.tr("请填写婉拒原因。"))
            return
        self.accept()


def replacement_rows(rows: list[dispatches.Replacement]) -> tuple[list[tuple[Any, ...]],
                                                                  list[str], list[Any]]:
    """Table rows, tooltips and colours of the replacements (green: can be sent)."""
    from PySide6.QtGui import QColor

    out, tips, colours = [], [], []
    for r in rows:
        check = ("可派" + ("（" + "；".join(r.warnings) + "）" if r.warnings else "")
                 if r.ok else "不可派：" + "；".join(r.blocked))
        days = r.start.isoformat() if r.start == r.end else f"{r.start}～{r.end}"
        out.append((r.source, f"{r.expert_name}（{r.expert_code}）", days, f"{r.score:g}", check,
                    r.reasons))
        tips.append(f"{check}\n{r.reasons}")
        colours.append(QColor("#1e8449" if r.ok else "#b03a2e"))
    return out, tips, colours


class ReplacementDialog(QDialog):
    """After a refusal: the replacements the replanner and the ranking propose; 派这位专家
    creates the dispatch after the conflict check. Signal: ``created(dispatch id)``."""

    created = Signal(int)

    def __init__(self, ctx: AppContext, declined: dispatches.Declined,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.declined = declined
        self.setWindowTitle(self.tr("选择替换的专家"))
        self.resize(900, 380)
        text = self.tr("{0}（{1}）已登记婉拒，需求 {2}“{3}”回到“论证通过”。下面是可以替换的专家，"
                       "按冲突检查结果和得分排列：").format(
            declined.code, declined.expert_name, declined.need_code, declined.need_title)
        label = QLabel(text, self)
        label.setWordWrap(True)
        self.model = RowsModel(("来源", "专家", "日期", "得分", "冲突检查", "理由"), self)
        self.model.set_rows(*replacement_rows(declined.replacements))
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.resizeColumnsToContents()
        self.table.doubleClicked.connect(lambda index: self.create(index.row()))
        self.error = ErrorLabel(self)
        self.create_button = QPushButton(self.tr("派这位专家"), self)
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._create_current)
        close = QPushButton(self.tr("稍后再定"), self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.create_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        if not declined.replacements:
            layout.addWidget(muted(self.tr("没有找到可以替换的专家：可在需求清单中查看推荐专家，"
                                           "或调整日期后重新排程。"), self))
            self.create_button.setEnabled(False)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        if declined.replacements:
            self.table.selectRow(0)

    def _create_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.create(index.row())

    def create(self, row: int) -> None:
        """Create the replacement of row ``row`` (after the conflict check, on a worker)."""
        choice = self.declined.replacements[row]
        if not choice.ok:
            self.error.setText(self.tr("这位专家不能派：") + "；".join(choice.blocked))
            return
        database, code = self.ctx.database, self.declined.code

        def work(_control: TaskControl) -> tuple[int, str]:
            with database.unit_of_work() as uow:
                d = dispatches.create_replacement(uow.session, code, choice.expert_id,
                                                  choice.start, choice.end, actor=uow.actor)
                uow.commit()
                return d.id, d.code

        def done(result: tuple[int, str]) -> None:
            self.ctx.notify(Changes.of(DISPATCH, [result[0]]) | Changes.of(NEED))
            self.ctx.window.statusBar().showMessage(
                self.tr("已派出替换专家 {0}：派遣 {1}（拟派）。").format(choice.expert_name,
                                                             result[1]), 8000)
            self.created.emit(result[0])
            self.accept()

        def failed(exc: Exception) -> bool:
            message = getattr(exc, "message", None)
            if message:
                self.error.setText(message)
                return True
            return False

        self.create_button.setEnabled(False)
        task = self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self,
                                  label=self.tr("正在派出替换专家…"))
        task.ended.connect(lambda: self.create_button.setEnabled(True)
                           if self.isVisible() else None)


class DispatchDetail(QWidget):
    """The selected dispatch: what it is, the actions on it, and its sheet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.info = muted("", self)
        self.info.setWordWrap(True)

        def button(text: str, tip: str) -> QPushButton:
            b = QPushButton(text, self)
            b.setToolTip(tip)
            return b

        self.confirm_button = button(self.tr("专家已确认"), self.tr("专家答应前往：拟派 → 已确认"))
        self.decline_button = button(self.tr("专家婉拒…"),
                                     self.tr("专家不能前往：登记原因，并选择替换的专家"))
        self.receipt_button = button(self.tr("登记回执…"), self.tr("回执寄回后登记服务情况"))
        self.notify_expert_button = button(self.tr("复制通知（专家）"),
                                           self.tr("复制发给专家的通知文字，可粘贴到微信或短信"))
        self.notify_unit_button = button(self.tr("复制通知（接收单位）"),
                                         self.tr("复制发给接收单位的通知文字，可粘贴到微信或短信"))
        self.print_button = button(self.tr("打印…"), self.tr("打印派遣单（含回执）"))
        self.save_button = button(self.tr("另存为 PDF…"), self.tr("把派遣单保存为 PDF 文件"))
        self.preview = PdfPreview(self)

        row1 = QHBoxLayout()
        for b in (self.confirm_button, self.decline_button, self.receipt_button):
            row1.addWidget(b)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        for b in (self.notify_expert_button, self.notify_unit_button, self.print_button,
                  self.save_button):
            row2.addWidget(b)
        row2.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.info)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.preview, 1)


class DispatchesPage(RecordListPage):
    kind = DISPATCH
    depends = (NEED, EXPERT, UNIT)
    title = "派遣单"
    noun = "派遣"
    state_key = "dispatches"
    search_placeholder = "搜索：派遣编号、专家、接收单位、需求、乡镇、拼音首字母"
    fallback_search = ("code", "expert", "unit", "need_title", "township", "need_code")
    has_recycle_bin = False

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        self._preview_generation = 0
        self._pdf: tuple[int, bytes] | None = None
        self.last_notice = ""
        self.reason_dialog: ReasonDialog | None = None
        self.replacement_dialog: ReplacementDialog | None = None
        self.print_dialog: QPrintDialog | None = None
        super().__init__(ctx, parent)
        for b in (self.new_button, self.edit_button, self.delete_button, self.restore_button):
            b.hide()
        self.print_many_button = self._tool(self.tr("打印选中"), QStyle.StandardPixmap.SP_FileIcon,
                                            self.print_selected,
                                            self.tr("把选中的派遣单一次打印出来"))
        self.toolbar.insertWidget(0, self.print_many_button)
        add_exchange_tools(self, "dispatches", importable=False)
        # A date range: dispatches with a day inside it.
        self.date_check = QCheckBox(self.tr("日期"), self)
        self.date_check.setToolTip(self.tr("只显示与这段日期有交集的派遣"))
        self.date_from = DateEdit(self)
        self.date_to = DateEdit(self)
        today = date.today()
        self.date_from.set_value(today.replace(day=1))
        self.date_to.set_value(date(today.year + (today.month == 12), today.month % 12 + 1, 1))
        for w in (self.date_from, self.date_to):
            w.setEnabled(False)
            w.dateChanged.connect(self._apply_dates)
        self.date_check.toggled.connect(self._dates_toggled)
        filters = self.filter_bar.layout()
        position = max(filters.count() - 2, 0)  # before 清除筛选 and the stretch
        filters.insertWidget(position, self.date_to)
        filters.insertWidget(position, QLabel("～", self))
        filters.insertWidget(position, self.date_from)
        filters.insertWidget(position, self.date_check)
        self.filter_bar.clear_button.clicked.connect(lambda: self.date_check.setChecked(False))

        d = self.detail
        assert isinstance(d, DispatchDetail)
        d.confirm_button.clicked.connect(lambda: self.confirm_current())
        d.decline_button.clicked.connect(lambda: self.decline_current())
        d.receipt_button.clicked.connect(self.record_receipt)
        d.notify_expert_button.clicked.connect(lambda: self.copy_notice("expert"))
        d.notify_unit_button.clicked.connect(lambda: self.copy_notice("unit"))
        d.print_button.clicked.connect(lambda: self.print_selected())
        d.save_button.clicked.connect(lambda: self.save_pdf())
        has_outcomes = any(getattr(s, "key", "") == "outcomes"
                           for s in getattr(ctx.window, "specs", []))
        d.receipt_button.setVisible(has_outcomes)
        self.show_detail(None)

    # -- list -----------------------------------------------------------------------------------

    def make_columns(self) -> tuple[Column, ...]:
        return (
            Column("code", "派遣编号", 7),
            Column("state_label", "状态", 4,
                   sort=lambda v: dispatches.STATE_ORDER.index(v)
                   if v in dispatches.STATE_ORDER else 99),
            Column("expert", "专家", 4, sort="pinyin"),
            Column("unit", "接收单位", 11, sort="pinyin", tooltip=True),
            Column("township", "乡镇", 4, sort="pinyin"),
            Column("start_date", "开始", 6),
            Column("end_date", "结束", 6),
            Column("days", "天数", 3, sort="number", align="right"),
            Column("need_title", "需求", 12, sort="pinyin", tooltip=True),
            Column("need_code", "需求编号", 7, hidden=True),
            Column("place", "地点", 10, sort="pinyin", hidden=True, tooltip=True),
            Column("status_reason", "原因", 10, hidden=True, tooltip=True),
        )

    def filters(self) -> list[FilterDef]:
        return [
            choice_filter("state", "状态", "state_label",
                          order=lambda v: dispatches.STATE_ORDER.index(v)
                          if v in dispatches.STATE_ORDER else 99),
            choice_filter("township", "乡镇", "township"),
        ]

    def load(self, session: Any, deleted: bool) -> tuple[RowSet, Any]:
        return dispatches.list_rows(session), None

    def load_ids(self, session: Any, ids: list[int]) -> RowSet:
        return dispatches.list_rows(session, ids=ids)

    def search_spec(self, rowset: RowSet, extra: Any) -> SearchSpec:
        i = rowset.index
        return SearchSpec(text=(i("expert"), i("need_title")),
                          codes=(i("code"), i("need_code")),
                          shared=((i("unit"),), (i("township"),), (i("place"),)))

    def make_detail(self) -> QWidget:
        return DispatchDetail(self)

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self._apply_dates()

    def _apply_dates(self) -> None:
        if not self._loaded:
            return
        if self.date_check.isChecked():
            lo, hi = self.date_from.value(), self.date_to.value()
            self.model.set_filter("date_from", "end_date", lambda v, lo=lo: v >= lo)
            self.model.set_filter("date_to", "start_date", lambda v, hi=hi: v <= hi)
        else:
            self.model.set_filter("date_from", None, None)
            self.model.set_filter("date_to", None, None)

    def rows_loaded(self) -> None:
        self._apply_dates()

    # Dispatches are cancelled or declined, never deleted or edited as a form here.
    def new_record(self) -> None:
        pass

    def edit_current(self) -> None:
        pass

    def delete_selected(self) -> None:
        pass

    def _fill_bulk_menu(self) -> None:
        self.bulk_menu.clear()
        ids = self.selected_ids()
        if not ids:
            return
        for action in self.bulk_actions(ids):
            self.bulk_menu.addAction(action)
        self.bulk_menu.addSeparator()
        select_all = self.bulk_menu.addAction(self.tr("全选当前列表（{0} 条）").format(
            f"{self.model.shown:,}"))
        select_all.triggered.connect(self.table.selectAll)

    def bulk_actions(self, ids: list[int]) -> list[QAction]:
        count = len(self._printable(ids))
        act = QAction(self.tr("打印选中的 {0} 份派遣单…").format(count), self)
        act.setEnabled(count > 0)
        act.triggered.connect(lambda: self.print_selected())
        save = QAction(self.tr("把选中的 {0} 份另存为 PDF…").format(count), self)
        save.setEnabled(count > 0)
        save.triggered.connect(lambda: self.save_pdf())
        return [act, save, export_selected_action(self, "dispatches", ids)]

    def _table_menu(self, position: Any) -> None:
        menu = QMenu(self)
        self._fill_bulk_menu()
        for action in self.bulk_menu.actions():
            menu.addAction(action)
        if not menu.isEmpty():
            menu.popup(self.table.viewport().mapToGlobal(position))

    def _printable(self, ids: list[int]) -> list[int]:
        return [i for i in ids if self.model.value_of_id(i, "state") in PRINTABLE_STATES]

    # -- detail and preview ------------------------------------------------------------------------

    def show_detail(self, record_id: int | None) -> None:
        d = self.detail
        if not isinstance(d, DispatchDetail):
            return
        row = None
        if record_id is not None and self.model.has_id(record_id):
            position = self.model.row_of_id(record_id)
            row = self.model.row_values(position) if position is not None else None
        state = row["state"] if row else ""
        for b in (d.confirm_button, d.decline_button, d.receipt_button, d.notify_expert_button,
                  d.notify_unit_button, d.print_button, d.save_button):
            b.setEnabled(False)
        self._preview_generation += 1
        if row is None:
            d.title.setText(self.tr("<b>派遣单</b>"))
            d.info.setText(self.tr("在左边选一份派遣，这里显示它的派遣单，可以打印、复制通知、"
                                   "登记专家确认或婉拒。"))
            d.preview.show_message(self.tr("选择一份派遣单"))
            return
        colour = STATE_COLOURS.get(state, "#333")
        d.title.setText(f"<b>{row['code']}</b>　<span style='color:{colour}'>"
                        f"{row['state_label']}</span>　{row['expert']} → {row['unit']}")
        days = (row["start_date"].isoformat() if row["start_date"] == row["end_date"]
                else f"{row['start_date']}～{row['end_date']}")
        info = self.tr("{0}，共 {1} 天；{2}；需求 {3}“{4}”").format(
            days, row["days"], row["place"] or row["township"], row["need_code"],
            row["need_title"])
        if row["status_reason"]:
            info += self.tr("。原因：{0}").format(row["status_reason"])
        d.info.setText(info)
        d.confirm_button.setEnabled(state == "planned")
        d.decline_button.setEnabled(state in ANSWERABLE_STATES)
        d.receipt_button.setEnabled(state in ("confirmed", dispatches.IN_PROGRESS, "completed"))
        printable = state in PRINTABLE_STATES
        for b in (d.notify_expert_button, d.notify_unit_button, d.print_button, d.save_button):
            b.setEnabled(printable)
        if printable:
            self._load_preview(record_id)  # type: ignore[arg-type]
        else:
            d.preview.show_message(self.tr("已婉拒或已取消的派遣不打印派遣单。"))

    def _load_preview(self, record_id: int) -> None:
        d = self.detail
        assert isinstance(d, DispatchDetail)
        generation = self._preview_generation
        database = self.ctx.database
        d.preview.show_message(self.tr("正在生成派遣单…"))

        def work(control: TaskControl) -> tuple[bytes, list[Any]]:
            pdf = _sheets_pdf(database, [record_id])
            control.check()
            return pdf, render_pages(pdf, cancelled=control.cancelled)

        def done(result: tuple[bytes, list[Any]]) -> None:
            if generation != self._preview_generation:
                return
            self._pdf = (record_id, result[0])
            d.preview.set_images(result[1])

        def failed(exc: Exception) -> bool:
            if generation == self._preview_generation:
                d.preview.show_message(getattr(exc, "message", "") or self.tr("无法生成派遣单。"))
            return hasattr(exc, "message")

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self)

    # -- the expert's answer -----------------------------------------------------------------------

    def _current_code(self) -> tuple[int, str] | None:
        current = self.current_id()
        if current is None:
            return None
        return current, self.model.value_of_id(current, "code")

    def confirm_current(self) -> None:
        found = self._current_code()
        if found is None:
            return
        record_id, code = found
        database = self.ctx.database

        def work(_control: TaskControl) -> None:
            with database.unit_of_work() as uow:
                dispatches.confirm_dispatch(uow.session, record_id)
                uow.commit()

        def done(_result: None) -> None:
            self.ctx.notify(Changes.of(DISPATCH, [record_id]))
            self.ctx.window.statusBar().showMessage(
                self.tr("派遣 {0} 已确认。").format(code), 5000)

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在登记确认…"))

    def decline_current(self, reason: str | None = None) -> None:
        """Record the refusal (asking the reason first), then offer the replacements."""
        found = self._current_code()
        if found is None:
            return
        record_id, code = found
        if reason is None:
            dialog = ReasonDialog(code, self.window())
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(lambda: self.decline_current(dialog.reason.text()))
            self.reason_dialog = dialog
            dialog.open()
            return
        database = self.ctx.database

        def work(_control: TaskControl) -> dispatches.Declined:
            with database.unit_of_work() as uow:
                declined = dispatches.decline(uow.session, record_id, reason, uow.actor)
                uow.commit()
                return declined

        def done(declined: dispatches.Declined) -> None:
            self.ctx.notify(Changes.of(DISPATCH, [record_id]) | Changes.of(NEED))
            dialog = ReplacementDialog(self.ctx, declined, self.window())
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.created.connect(lambda i: setattr(self, "_initial_select", i))
            self.replacement_dialog = dialog
            dialog.open()

        self.ctx.tasks.run(work, on_done=done, owner=self, progress=True,
                           label=self.tr("正在登记婉拒并寻找替换的专家…"))

    def record_receipt(self) -> None:
        current = self.current_id()
        if current is not None:
            self.ctx.show_page("outcomes", current)

    # -- notifications ---------------------------------------------------------------------------

    def copy_notice(self, audience: str) -> None:
        """The ready-to-send text for the expert or the unit, to the clipboard."""
        found = self._current_code()
        if found is None:
            return
        record_id, _code = found
        database = self.ctx.database

        def work(_control: TaskControl) -> str:
            from services import notifications

            with database.session() as session:
                return notifications.notice(session, record_id, audience)

        def done(text: str) -> None:
            self.last_notice = text
            QGuiApplication.clipboard().setText(text)
            who = self.tr("专家") if audience == "expert" else self.tr("接收单位")
            self.ctx.window.statusBar().showMessage(
                self.tr("发给{0}的通知已复制，可以粘贴到微信或短信中。").format(who), 6000)

        self.ctx.tasks.run(work, on_done=done, owner=self)

    # -- printing -------------------------------------------------------------------------------

    def _print_ids(self) -> list[int]:
        ids = self._printable(self.selected_ids())
        if not ids:
            current = self.current_id()
            ids = self._printable([current]) if current is not None else []
        return ids

    def print_selected(self, printer: QPrinter | None = None) -> None:
        """Print the selected sheets. Without ``printer``, the print dialog chooses one; the
        sheets are made and drawn onto the printer on a worker, with progress and 取消."""
        ids = self._print_ids()
        if not ids:
            messages.inform(self, self.tr("请先选择要打印的派遣单（拟派、已确认或已完成的）。"))
            return
        if printer is not None:
            self._print_job(ids, printer)
            return
        printer = a4_printer()
        dialog = QPrintDialog(printer, self.window())
        dialog.setWindowTitle(self.tr("打印 {0} 份派遣单").format(len(ids)))
        dialog.accepted.connect(lambda: self._print_job(ids, printer))
        self.print_dialog = dialog
        dialog.open()

    def _print_job(self, ids: list[int], printer: QPrinter) -> None:
        database = self.ctx.database
        self._printer = printer  # kept alive while the worker draws on it

        def work(control: TaskControl) -> int:
            pdf = _sheets_pdf(database, ids, control)
            return print_pdf(pdf, printer, progress=control.progress,
                             cancelled=control.cancelled)

        def done(pages: int) -> None:
            self.ctx.window.statusBar().showMessage(
                self.tr("已送去打印：{0} 份派遣单，共 {1} 页。").format(len(ids), pages), 8000)

        self.ctx.tasks.run(work, on_done=done, owner=self, progress=True,
                           label=self.tr("正在打印 {0} 份派遣单…").format(len(ids)))

    def save_pdf(self, path: str | None = None) -> None:
        """The selected sheets as one PDF file (a save dialog asks where)."""
        ids = self._print_ids()
        if not ids:
            messages.inform(self, self.tr("请先选择要保存的派遣单（拟派、已确认或已完成的）。"))
            return
        if path is None:
            first = self.model.value_of_id(ids[0], "code")
            name = f"派遣单-{first}.pdf" if len(ids) == 1 else f"派遣单-{len(ids)}份.pdf"
            dialog = QFileDialog(self.window(), self.tr("派遣单另存为 PDF"), name,
                                 self.tr("PDF 文件 (*.pdf)"))
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setDefaultSuffix("pdf")
            dialog.fileSelected.connect(lambda p: self.save_pdf(p))
            self.save_dialog = dialog
            dialog.open()
            return
        database = self.ctx.database

        def work(control: TaskControl) -> Any:
            from services.documents import print_dispatch_sheets

            with database.session() as session:
                return print_dispatch_sheets(session, ids, path, progress=control.progress,
                                             cancelled=control.cancelled)

        def done(result: Any) -> None:
            text = self.tr("已保存 {0} 份派遣单（{1} 页）：{2}").format(
                result.documents, result.pages, path)
            if result.missing:
                messages.warn(self, text + "\n" + "\n".join(result.missing[:10]))
            else:
                self.ctx.window.statusBar().showMessage(text, 8000)

        self.ctx.tasks.run(work, on_done=done, owner=self, progress=True,
                           label=self.tr("正在保存派遣单…"))


PAGE = PageSpec("dispatches", "派遣单", 80, DispatchesPage, QStyle.StandardPixmap.SP_FileIcon,
                "Ctrl+8")
