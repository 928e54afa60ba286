"""Backups in the window (``services.backup`` does the work, off the GUI thread):

- ``backup_to``: 文件 › 备份到… — a copy of the database where the user says (a USB stick);
- ``RestoreDialog``: 文件 › 从备份恢复… — the backups of this database (date, kind, size) or any
  backup file; its integrity is checked first, the user confirms, the current database is kept
  as a backup, and the window reopens on the restored one (``MainWindow.restore_database``);
- ``offer_startup_restore``: at start-up, a database failing ``PRAGMA integrity_check`` is
  said plainly, with the newest good backup offered (restore it, choose another, or quit).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import messages
from ui.export_dialog import BusyBar, error_label, last_folder, remember_folder
from ui.tasks import Task, TaskControl
from ui.widgets import muted

if TYPE_CHECKING:
    from services.backup import BackupInfo, StartupCheck
    from ui.main_window import MainWindow

BACKUP_FILTER = "数据库备份 (*.db *.sqlite *.bak);;所有文件 (*)"
Role = QMessageBox.ButtonRole
#: Answers of ``offer_startup_restore``.
RESTORE, CHOOSE, QUIT = "restore", "choose", "quit"


def database_file(window: MainWindow) -> Path | None:
    """The SQLite file the window works on (None for a server database)."""
    from services import paths

    if window.database is None:
        return None
    return paths.sqlite_path(window.database.url)


def _no_file(window: MainWindow) -> None:
    window.last_message = messages.warn(
        window, window.tr("备份和恢复只适用于本机的 SQLite 数据库文件。当前使用的是 PostgreSQL "
                          "服务器上的共享数据库，请由服务器管理员用 pg_dump 备份、用 pg_restore "
                          "恢复（见部署说明）。"))


def backup_to(window: MainWindow, folder: str | None = None) -> Task | None:
    """备份到…: a manual backup into ``folder`` (asked for when None), never pruned."""
    from services import backup

    source = database_file(window)
    if source is None:
        _no_file(window)
        return None
    if folder is None:
        folder = QFileDialog.getExistingDirectory(
            window, window.tr("备份到（可选 U 盘）"),
            str(window.state.get("backup.folder") or Path.home()))
        if not folder:
            return None
    window.state.set("backup.folder", folder)

    def work(_control: TaskControl) -> Path:
        return backup.manual_backup(source, Path(folder))

    def done(target: Path) -> None:
        window.statusBar().showMessage(window.tr("已备份到：{0}").format(target), 15_000)
        window.last_message = messages.inform(
            window, window.tr("数据库已备份到：\n{0}").format(target))

    return window.tasks.run(work, on_done=done, owner=window, progress=True,
                            label=window.tr("正在备份…"))


class RestoreDialog(QDialog):
    """从备份恢复: pick a backup (or a file), 恢复 checks it, asks, and hands it to the window.
    Signal: ``chosen(path)`` when the user confirmed."""

    chosen = Signal(str)

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.main = window
        self.backups: list[BackupInfo] = []
        self.extra: Path | None = None
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle(self.tr("从备份恢复"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("时间"), self.tr("类型"), self.tr("大小"),
                                              self.tr("文件")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update)
        self.table.doubleClicked.connect(lambda _i: self.restore())
        self.choose_button = QPushButton(self.tr("选择备份文件…"), self)
        self.choose_button.setToolTip(self.tr("例如 U 盘上的手动备份"))
        self.choose_button.clicked.connect(self._choose)
        self.error = error_label(self)
        self.busy = BusyBar(self)
        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton(self.tr("恢复"),
                                                     QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.choose_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.restore)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(muted(self.tr("恢复前会先检查备份是否完好；当前的数据库会另存为一份“恢复前”备份，"
                                       "恢复后程序重新打开数据库。"), self))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 52, self.fontMetrics().height() * 24)
        self._update()
        self.load()

    def load(self) -> None:
        from services import backup

        source = database_file(self.main)

        def work(_control: TaskControl) -> list[BackupInfo]:
            return backup.list_backups(source) if source is not None else []

        def done(found: list[BackupInfo]) -> None:
            self.backups = found
            self.table.setRowCount(0)
            for info in found:
                self._add_row(info.taken_at.strftime("%Y-%m-%d %H:%M"), info.kind,
                              f"{info.size / 1024 / 1024:.1f} MB", info.path)
            if found:
                self.table.selectRow(0)
            else:
                self.busy.message(self.tr("这个数据库还没有自动备份。可以“选择备份文件…”。"))

        self.main.tasks.run(work, on_done=done, owner=self)

    def _add_row(self, when: str, kind: str, size: str, path: Path) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate((when, kind, size, path.name)):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            self.table.setItem(row, column, item)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择备份文件"),
                                              last_folder(self.main.ctx) if self.main.ctx
                                              else str(Path.home()), BACKUP_FILTER)
        if path:
            self.add_file(path)

    def add_file(self, path: str | Path) -> None:
        """A backup file from elsewhere, listed first and selected."""
        path = Path(path)
        if self.main.ctx is not None:
            remember_folder(self.main.ctx, path)
        self.table.insertRow(0)
        size = f"{path.stat().st_size / 1024 / 1024:.1f} MB" if path.is_file() else ""
        for column, text in enumerate(("", self.tr("选择的文件"), size, str(path))):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.table.setItem(0, column, item)
        self.table.selectRow(0)

    def selected_path(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def select(self, path: str | Path) -> bool:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == str(path):
                self.table.selectRow(row)
                return True
        return False

    def _update(self) -> None:
        self.restore_button.setEnabled(self.selected_path() is not None and not self.busy.running)

    def restore(self) -> None:
        """Check the chosen backup, then ask."""
        from services import backup

        path = self.selected_path()
        if path is None:
            return
        self.error.hide()

        def work(_control: TaskControl) -> Any:
            return backup.check_integrity(Path(path))

        def done(report: Any) -> None:
            if not report.ok:
                self.error.setText(self.tr("不能用这个备份恢复：{0}").format(report.message))
                self.error.show()
                return
            self.busy.message(self.tr("备份完好。"))
            self.confirm(path)

        task = self.main.tasks.run(work, on_done=done, owner=self)
        self.busy.attach(task, self.tr("正在检查备份是否完好…"), cancellable=False)
        task.ended.connect(self._update)
        self._update()

    def confirm(self, path: str) -> QMessageBox:
        name = Path(path).name

        def answered(index: int) -> None:
            if index == 0:
                self.chosen.emit(path)
                self.accept()
                # Out of this dialog's callbacks before the window tears its screens down.
                QTimer.singleShot(0, lambda: self.main.restore_database(path))

        self.confirm_box = messages.ask(
            self, self.tr("用“{0}”恢复数据库？").format(name),
            [(self.tr("恢复"), Role.AcceptRole), (self.tr("取消"), Role.RejectRole)], answered,
            informative=self.tr("当前的数据库会先另存为一份“恢复前”备份，然后被这份备份替换；"
                                "恢复后程序重新打开数据库。"), default=1)
        return self.confirm_box


def _tr(text: str) -> str:
    return QCoreApplication.translate("backup", text)


def offer_startup_restore(parent: QWidget, check: StartupCheck,
                          on_answer: Callable[[str], None]) -> QMessageBox:
    """The database failed its check at start-up: say so, offer the newest good backup.
    ``on_answer`` gets RESTORE, CHOOSE (pick a backup file) or QUIT."""
    buttons: list[tuple[str, Role]] = []
    answers: list[str] = []
    if check.candidate is not None:
        buttons.append((_tr("用这份备份恢复"), Role.AcceptRole))
        answers.append(RESTORE)
    buttons.append((_tr("选择备份文件…"), Role.ActionRole))
    answers.append(CHOOSE)
    buttons.append((_tr("退出程序"), Role.RejectRole))
    answers.append(QUIT)
    informative = (_tr("恢复前，损坏的数据库会原样另存到备份文件夹，不会删除。")
                   if check.candidate is not None else
                   _tr("没有找到完好的自动备份。如有 U 盘上的手动备份，可以选择它恢复。"))
    box = messages.ask(parent, check.message, buttons,
                       lambda index: on_answer(answers[index] if index >= 0 else QUIT),
                       title=_tr("数据库已损坏"), informative=informative)
    box.setIcon(QMessageBox.Icon.Critical)
    return box


def choose_backup_file(parent: QWidget) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, _tr("选择备份文件"), str(Path.home()),
                                          BACKUP_FILTER)
    return path


__all__ = ["CHOOSE", "QUIT", "RESTORE", "RestoreDialog", "backup_to", "offer_startup_restore"]
