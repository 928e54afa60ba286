"""服务成效: the dispatches that took place with the state of their service record (未登记 /
已登记 / 已收回执), the record and receipt form, and the attachments, agreements and publicity
of the selected dispatch. Files are added by the file dialog or dropped onto the attachments.

``activate(dispatch_id)`` opens that dispatch's record form directly (the dispatches screen's
登记回执 button)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models.outcomes import ATTACHMENT_KINDS
from services.errors import ServiceError
from services.outcomes import agreements, attachments, publicity, records
from services.records import RowSet
from ui import messages
from ui.context import AppContext, Changes
from ui.forms import RecordForm
from ui.outcome_forms import (
    AGREEMENT,
    DISPATCH,
    OUTCOME,
    PUBLICITY,
    AgreementForm,
    PublicityForm,
    ServiceRecordForm,
)
from ui.pages import PageSpec
from ui.table_model import Column, RecordTableModel
from ui.widgets import ErrorLabel


def _table(parent: QWidget, model: RecordTableModel) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    width = view.fontMetrics().horizontalAdvance("中")
    for i, column in enumerate(model.columns):
        view.setColumnWidth(i, column.width * width + 12)
    return view


def _selected_id(view: QTableView, model: RecordTableModel) -> Any:
    index = view.currentIndex()
    return model.row_id(index.row()) if index.isValid() else None


class OutcomesPage(QWidget):
    """Signals carry dispatch ids; the attachments table's ids are attachment ids."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editor: ServiceRecordForm | None = None
        self._pending_open: int | None = None
        self.setAcceptDrops(True)

        self.state_filter = QComboBox(self)
        self.state_filter.addItem(self.tr("全部"), None)
        for key, label in records.RECORD_STATES.items():
            self.state_filter.addItem(self.tr(label), key)
        self.state_filter.currentIndexChanged.connect(self._filter)
        self.count = QLabel(self)
        self.edit_button = QPushButton(self.tr("登记 / 修改成效…"), self)
        self.edit_button.clicked.connect(lambda: self.open_record(self.current_id()))
        self.verify_button = QPushButton(self.tr("检查全部附件"), self)
        self.verify_button.clicked.connect(self.verify_all)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("成效登记："), self))
        bar.addWidget(self.state_filter)
        bar.addWidget(self.count)
        bar.addStretch(1)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.edit_button)

        self.model = RecordTableModel((
            Column("code", "派遣编号", 9),
            Column("need_title", "需求", 16, sort="pinyin", tooltip=True),
            Column("expert", "专家", 4, sort="pinyin"),
            Column("unit", "需求单位", 12, sort="pinyin", tooltip=True),
            Column("township", "乡镇", 5, sort="pinyin"),
            Column("start_date", "开始日期", 7),
            Column("status_label", "派遣状态", 4),
            Column("record_label", "成效登记", 5),
            Column("days_served", "天数", 3, sort="number", align="right"),
            Column("people_trained", "培训人次", 4, sort="number", align="right"),
            Column("problems_solved", "解决问题", 4, sort="number", align="right"),
            Column("attachments", "附件", 3, sort="number", align="right"),
            Column("receipt_received_on", "回执收回", 7),
        ), self)
        self.table = _table(self, self.model)
        self.table.setSortingEnabled(True)
        self.table.doubleClicked.connect(lambda index: self.open_record(
            self.model.row_id(index.row())))
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.countsChanged.connect(
            lambda total, shown: self.count.setText(self.tr("共 {0} 次，显示 {1} 次").format(
                total, shown)))

        # The selected dispatch: attachments, agreements, publicity.
        self.detail_title = QLabel(self.tr("选择一次派遣查看附件、签约和宣传报道"), self)
        self.detail_title.setWordWrap(True)
        self.error = ErrorLabel(self)
        self.files = RecordTableModel((
            Column("kind", "类别", 4), Column("file_name", "文件名", 16, tooltip=True),
            Column("size", "大小（字节）", 6, sort="number", align="right"),
            Column("state_label", "校验", 5)), self)
        self.files_view = _table(self, self.files)
        self.files_view.doubleClicked.connect(lambda _i: self.open_attachment())
        self.kind = QComboBox(self)
        for kind in ATTACHMENT_KINDS:
            self.kind.addItem(self.tr(kind), kind)
        self.add_button = QPushButton(self.tr("添加附件…"), self)
        self.add_button.clicked.connect(self.choose_files)
        self.open_button = QPushButton(self.tr("打开"), self)
        self.open_button.clicked.connect(self.open_attachment)
        self.remove_button = QPushButton(self.tr("删除附件"), self)
        self.remove_button.clicked.connect(self.remove_attachment)
        file_bar = QHBoxLayout()
        file_bar.addWidget(self.kind)
        file_bar.addWidget(self.add_button)
        file_bar.addWidget(self.open_button)
        file_bar.addWidget(self.remove_button)
        file_bar.addStretch(1)
        files_box = QGroupBox(self.tr("附件（可把文件拖到这里）"), self)
        files_layout = QVBoxLayout(files_box)
        files_layout.addWidget(self.files_view)
        files_layout.addLayout(file_bar)

        self.deals = RecordTableModel((
            Column("signed_on", "签约日期", 7), Column("unit", "聘请单位", 12, tooltip=True),
            Column("expert", "专家", 4), Column("role", "受聘身份", 5),
            Column("end_date", "聘期至", 7)), self)
        self.deals_view = _table(self, self.deals)
        self.deals_view.doubleClicked.connect(lambda _i: self.edit_item("deal"))
        deals_box = QGroupBox(self.tr("受聘签约"), self)
        deals_layout = QVBoxLayout(deals_box)
        deals_layout.addWidget(self.deals_view)
        deals_layout.addLayout(self._item_bar("deal", "添加签约…"))
        self.reports = RecordTableModel((
            Column("published_on", "发布日期", 7), Column("outlet", "媒体", 8),
            Column("title", "标题", 16, tooltip=True), Column("link", "链接", 12)), self)
        self.reports_view = _table(self, self.reports)
        self.reports_view.doubleClicked.connect(lambda _i: self.edit_item("report"))
        reports_box = QGroupBox(self.tr("宣传报道"), self)
        reports_layout = QVBoxLayout(reports_box)
        reports_layout.addWidget(self.reports_view)
        reports_layout.addLayout(self._item_bar("report", "添加报道…"))

        side = QWidget(self)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.detail_title)
        column.addWidget(self.error)
        column.addWidget(files_box, 2)
        column.addWidget(deals_box, 1)
        column.addWidget(reports_box, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

        self._set_detail_enabled(False)
        ctx.changed.connect(self._changed)
        self.reload()

    def _item_bar(self, which: str, add_text: str) -> QHBoxLayout:
        bar = QHBoxLayout()
        buttons = {}
        for name, text, slot in (("add", add_text, self.add_item), ("edit", "编辑…", self.edit_item),
                                 ("delete", "删除", self.delete_item)):
            button = QPushButton(self.tr(text), self)
            button.clicked.connect(lambda _c=False, fn=slot: fn(which))
            bar.addWidget(button)
            buttons[name] = button
        bar.addStretch(1)
        self.item_buttons = getattr(self, "item_buttons", {})
        self.item_buttons[which] = buttons
        return bar

    # -- the list ---------------------------------------------------------------------------------

    def current_id(self) -> int | None:
        return _selected_id(self.table, self.model)

    def reload(self) -> None:
        database = self.ctx.database

        def work(_control: Any) -> RowSet:
            with database.session() as session:
                return records.list_rows(session)

        def done(rowset: RowSet) -> None:
            current = self.current_id()
            self.model.set_rowset(rowset)
            self._filter()
            if current is not None:
                self.select_id(current)
            if self._pending_open is not None:
                dispatch_id, self._pending_open = self._pending_open, None
                self.select_id(dispatch_id)
                self.open_record(dispatch_id)

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def _filter(self) -> None:
        key = self.state_filter.currentData()
        if not self.model.row_columns:
            return  # not loaded yet: the filter applies when the rows come
        self.model.set_filter("state", "record_state",
                              None if key is None else frozenset({key}))

    def select_id(self, dispatch_id: int) -> None:
        row = self.model.row_of_id(dispatch_id)
        if row is not None:
            self.table.setCurrentIndex(self.model.index(row, 0))

    def activate(self, argument: Any = None) -> None:
        """Open the record form of dispatch ``argument`` (an id), once the list is in."""
        if isinstance(argument, int):
            if self.model.has_id(argument):
                self.select_id(argument)
                self.open_record(argument)
            else:
                self._pending_open = argument
                self.reload()

    def _changed(self, changes: Changes) -> None:
        if changes.touches(OUTCOME, DISPATCH, "need", "expert", "unit"):
            self.reload()

    # -- the record form ----------------------------------------------------------------------------

    def open_record(self, dispatch_id: int | None) -> ServiceRecordForm | None:
        if dispatch_id is None:
            return None
        form = ServiceRecordForm(self.ctx, dispatch_id, self.window())
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.saved.connect(self._record_saved)
        self.editor = form
        form.open()
        return form

    def _record_saved(self, dispatch_id: int) -> None:
        # The receipt may have completed the dispatch: the dispatches screen must know.
        self.ctx.notify(Changes.of(DISPATCH, [dispatch_id]))
        self.show_detail(dispatch_id)

    # -- the selected dispatch -------------------------------------------------------------------

    def _set_detail_enabled(self, on: bool) -> None:
        for w in (self.add_button, self.open_button, self.remove_button, self.kind):
            w.setEnabled(on)
        # Agreements and reports need only a dispatch that took place, not its record.
        dispatch = self.current_id() is not None
        for buttons in self.item_buttons.values():
            for button in buttons.values():
                button.setEnabled(dispatch)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.show_detail(self.model.row_id(current.row()) if current.isValid() else None)

    def show_detail(self, dispatch_id: int | None) -> None:
        self.error.set_error("")
        if dispatch_id is None:
            self._set_detail_enabled(False)
            return
        database = self.ctx.database

        def work(_control: Any) -> tuple[list[dict], list[dict], list[dict], bool]:
            with database.session() as session:
                has_record = records.record_of(session, dispatch_id) is not None
                return (attachments.list_attachments(session, dispatch_id),
                        agreements.list_agreements(session, dispatch_id=dispatch_id),
                        publicity.list_publicity(session, dispatch_id=dispatch_id), has_record)

        def done(result: tuple[list[dict], list[dict], list[dict], bool]) -> None:
            if self.current_id() != dispatch_id:
                return
            files, deals, reports, has_record = result
            self.files.set_rowset(RowSet.from_dicts(
                files, ("id", "kind", "file_name", "size", "state_label", "state")))
            self.deals.set_rowset(RowSet.from_dicts(
                deals, ("id", "signed_on", "unit", "expert", "role", "end_date")))
            self.reports.set_rowset(RowSet.from_dicts(
                reports, ("id", "published_on", "outlet", "title", "link")))
            code = self.model.value_of_id(dispatch_id, "code")
            self.detail_title.setText(
                self.tr("派遣 {0}").format(code) if has_record else
                self.tr("派遣 {0}：尚未登记服务记录，登记后才能添加附件").format(code))
            self._set_detail_enabled(has_record)
            bad = [f for f in files if f["state"] != "ok"]
            if bad:
                self.error.set_error("\n".join(f["message"] for f in bad))

        self.ctx.tasks.run(work, on_done=done, owner=self)

    # -- agreements (deal) and publicity (report) ------------------------------------------------

    def _item_view(self, which: str) -> tuple[QTableView, RecordTableModel]:
        return ((self.deals_view, self.deals) if which == "deal"
                else (self.reports_view, self.reports))

    def _item_form(self, which: str, item_id: int | None) -> RecordForm | None:
        dispatch_id = self.current_id()
        if dispatch_id is None:
            return None
        cls = AgreementForm if which == "deal" else PublicityForm
        form = cls(self.ctx, dispatch_id, item_id, self.window())
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.saved.connect(lambda _id: self._items_changed(dispatch_id))
        self.item_editor = form
        form.open()
        return form

    def add_item(self, which: str) -> RecordForm | None:
        return self._item_form(which, None)

    def edit_item(self, which: str) -> RecordForm | None:
        item_id = _selected_id(*self._item_view(which))
        return None if item_id is None else self._item_form(which, item_id)

    def delete_item(self, which: str) -> None:
        item_id = _selected_id(*self._item_view(which))
        dispatch_id = self.current_id()
        if item_id is None or dispatch_id is None:
            return
        noun = self.tr("受聘签约") if which == "deal" else self.tr("宣传报道")

        def answer(index: int) -> None:
            if index != 0:
                return
            database = self.ctx.database

            def work(_control: Any) -> int:
                with database.unit_of_work() as uow:
                    if which == "deal":
                        agreements.delete_agreement(uow.session, item_id)
                    else:
                        publicity.delete_publicity(uow.session, item_id)
                    uow.commit()
                return dispatch_id

            def failed(exc: Exception) -> bool:
                if isinstance(exc, ServiceError):
                    self.error.set_error(exc.message)
                    return True
                return False

            self.ctx.tasks.run(work, on_done=self._items_changed, on_error=failed, owner=self)

        self.confirm = messages.ask(
            self, self.tr("删除这条{0}记录？").format(noun),
            [(self.tr("删除"), messages.Role.DestructiveRole),
             (self.tr("取消"), messages.Role.RejectRole)], answer,
            title=self.tr("删除{0}").format(noun), default=1)

    def _items_changed(self, dispatch_id: int) -> None:
        # The need may have moved to 已签约 / 已宣传 (services/outcomes/progress.py).
        self.ctx.notify(Changes.of(AGREEMENT, [dispatch_id]) | Changes.of(PUBLICITY)
                        | Changes.of("need"))
        self.show_detail(dispatch_id)

    # -- attachments ----------------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择附件"), str(Path.home()),
            self.tr("照片和文档 (*.jpg *.jpeg *.png *.pdf *.doc *.docx *.xls *.xlsx *.txt);;"
                    "全部文件 (*)"))
        if paths:
            self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path]) -> None:
        dispatch_id = self.current_id()
        if dispatch_id is None:
            return
        kind = self.kind.currentData()
        database = self.ctx.database

        def work(_control: Any) -> int:
            with database.unit_of_work() as uow:
                for path in paths:
                    attachments.add_attachment(uow.session, dispatch_id, path, kind)
                uow.commit()
            return dispatch_id

        def failed(exc: Exception) -> bool:
            if isinstance(exc, ServiceError):
                self.error.set_error(exc.message)
                return True
            return False

        self.ctx.tasks.run(work, on_done=self._files_changed, on_error=failed, owner=self,
                           label=self.tr("正在复制附件…"))

    def _files_changed(self, dispatch_id: int) -> None:
        self.ctx.notify(Changes.of(OUTCOME, [dispatch_id]))
        self.show_detail(dispatch_id)

    def open_attachment(self) -> None:
        attachment_id = _selected_id(self.files_view, self.files)
        if attachment_id is None:
            return
        try:
            with self.ctx.database.session() as session:
                path = attachments.open_path(session, attachment_id)
        except ServiceError as exc:
            self.error.set_error(exc.message)
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def remove_attachment(self) -> None:
        attachment_id = _selected_id(self.files_view, self.files)
        dispatch_id = self.current_id()
        if attachment_id is None or dispatch_id is None:
            return
        name = self.files.value_of_id(attachment_id, "file_name")

        def answer(index: int) -> None:
            if index != 0:
                return
            database = self.ctx.database

            def work(_control: Any) -> int:
                with database.unit_of_work() as uow:
                    attachments.remove_attachment(uow.session, attachment_id)
                    uow.commit()
                return dispatch_id

            self.ctx.tasks.run(work, on_done=self._files_changed, owner=self)

        messages.ask(self, self.tr("删除附件“{0}”？文件也将从数据文件夹中删除。").format(name),
                     [(self.tr("删除"), messages.Role.DestructiveRole),
                      (self.tr("取消"), messages.Role.RejectRole)], answer, title=self.tr("删除附件"),
                     default=1)

    def verify_all(self) -> None:
        database = self.ctx.database

        def work(_control: Any) -> list[attachments.AttachmentCheck]:
            with database.session() as session:
                return attachments.verify(session)

        def done(checks: list[attachments.AttachmentCheck]) -> None:
            bad = [c for c in checks if not c.ok]
            text = self.tr("共检查附件 {0} 个，全部完好。").format(len(checks)) if not bad else (
                self.tr("共检查附件 {0} 个，有问题 {1} 个：").format(len(checks), len(bad))
                + "\n" + "\n".join(c.message for c in bad[:20]))
            messages.inform(self, text, title=self.tr("附件检查"))

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在检查附件…"))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.add_button.isEnabled():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_files(paths)
            event.acceptProposedAction()


PAGE = PageSpec("outcomes", "服务成效", 84, OutcomesPage,
                QStyle.StandardPixmap.SP_DialogApplyButton)
