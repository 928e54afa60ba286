"""审计日志: who did what and when — changes, exports, prints, reveals of personal data,
logins — filtered by user, record, date range and action, read page by page (a shared
server's trail holds 100,000 entries and more), and exported to Excel.

Shown only to administrators when login is on (ui/login_dialog.py ``page_allowed``); the
service checks the role again (services/audit.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.pages import Page, PageSpec

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200


class AuditModel(QAbstractTableModel):
    """Entries newest first, fetched ``PAGE_SIZE`` at a time as the view scrolls
    (``canFetchMore``/``fetchMore``): opening the screen reads one page, not the trail."""

    COLUMNS = (("at", "时间"), ("actor", "操作人"), ("action_label", "操作"),
               ("entity_type", "记录类型"), ("entity_id", "记录"), ("note", "说明"),
               ("changes", "修改前 → 修改后"))

    def __init__(self, database: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.database = database
        self.filter: Any = None
        self.rows: list[dict[str, Any]] = []
        self.total = 0

    def set_filter(self, audit_filter: Any) -> None:
        from services import audit

        self.beginResetModel()
        self.filter = audit_filter
        with self.database.session() as session:
            self.total = audit.count_entries(session, audit_filter)
            self.rows = self._read(session, 0)
        self.endResetModel()

    def _read(self, session: Any, offset: int) -> list[dict[str, Any]]:
        from services import audit

        rows = audit.list_entries(session, self.filter, offset=offset, limit=PAGE_SIZE)
        for row in rows:
            before = audit.describe_values(row["before"])
            after = audit.describe_values(row["after"])
            row["changes"] = f"{before} → {after}" if before else after
        return rows

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        with self.database.session() as session:
            more = self._read(session, len(self.rows))
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = self.COLUMNS[index.column()][0]
        value = self.rows[index.row()].get(key)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if hasattr(value, "strftime"):
                return value.strftime("%Y-%m-%d %H:%M:%S")
            return "" if value is None else str(value)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section][1]
        return None


class AuditPage(Page):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        from services import audit

        self.user = QComboBox(self)
        self.user.setEditable(True)
        self.action = QComboBox(self)
        self.action.addItem(self.tr("全部操作"), "")
        for code, label in audit.ACTIONS.items():
            self.action.addItem(label, code)
        self.entity_type = QComboBox(self)
        self.record = QLineEdit(self)
        self.record.setPlaceholderText(self.tr("记录编号，如 XQ-2026-0001"))
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.start.setDate(QDate.currentDate().addMonths(-1))
        self.end.setDate(QDate.currentDate())
        self.search_button = QPushButton(self.tr("查询"), self)
        self.search_button.clicked.connect(self.apply_filter)
        self.export_button = QPushButton(self.tr("导出到Excel…"), self)
        self.export_button.clicked.connect(self.ask_export)
        self.record.returnPressed.connect(self.apply_filter)
        bar = QHBoxLayout()
        for label, widget in ((self.tr("操作人"), self.user), (self.tr("操作"), self.action),
                              (self.tr("记录类型"), self.entity_type),
                              (self.tr("记录"), self.record), (self.tr("从"), self.start),
                              (self.tr("到"), self.end)):
            bar.addWidget(QLabel(label, self))
            bar.addWidget(widget)
        bar.addWidget(self.search_button)
        bar.addWidget(self.export_button)
        self.model = AuditModel(ctx.database, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.verticalHeader().hide()
        self.count_label = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)
        self._loaded = False

    def activate(self, argument: Any = None) -> None:
        if not self._loaded:
            self._loaded = True
            self.refresh()

    def refresh(self) -> None:
        from services import audit

        with self.ctx.database.session() as session:
            users = audit.actors(session)
            types = audit.entity_types(session)
        for box, values, everything in ((self.user, users, self.tr("全部操作人")),
                                        (self.entity_type, types, self.tr("全部类型"))):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(everything, "")
            for value in values:
                box.addItem(value, value)
            index = box.findData(current)
            box.setCurrentIndex(max(index, 0))
            box.blockSignals(False)
        self.apply_filter()

    def current_filter(self) -> Any:
        from services import audit

        user = self.user.currentData() if self.user.currentIndex() > 0 else ""
        typed = self.user.currentText().strip()
        if typed and typed != self.user.itemText(0):
            user = typed
        return audit.AuditFilter(actor=user or "", action=self.action.currentData() or "",
                                 entity_type=self.entity_type.currentData() or "",
                                 record=self.record.text().strip(),
                                 start=_date(self.start.date()), end=_date(self.end.date()))

    def apply_filter(self) -> None:
        self.model.set_filter(self.current_filter())
        self.count_label.setText(self.tr("共 {0} 条").format(self.model.total))

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出审计日志"),
                                              f"审计日志-{date.today():%Y%m%d}.xlsx",
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        """Write the entries of the current filter to ``path`` on a worker."""
        from services import audit

        database = self.ctx.database
        audit_filter = self.current_filter()

        def work(control: Any) -> Any:
            with database.unit_of_work() as uow:
                result = audit.export_entries(uow.session, path, audit_filter,
                                              progress=control.progress)
                uow.commit()
            return result

        def done(result: Any) -> None:
            self.last_export = result
            self.ctx.window.statusBar().showMessage(
                self.tr("已导出 {0} 条审计记录：{1}").format(result[1], result[0]), 8000)

        self.ctx.tasks.run(work, on_done=done, owner=self, progress=True,
                           label=self.tr("正在导出审计日志…"))


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


PAGE = PageSpec("audit", "审计日志", 95, AuditPage, QStyle.StandardPixmap.SP_FileDialogDetailedView)
