"""Excel out, and the pieces every exchange dialog shares.

- ``ExportDialog``: a list (needs, experts, units, later dispatches) to ``.xlsx`` through
  ``services.exchange.export_list`` — the current filter, the selection or everything; ID
  numbers and phones masked unless 显示完整身份证号和手机号 is ticked (the service writes that
  choice to the audit trail).
- ``PackageExportDialog`` / ``PackageImportDialog``: 数据报送 (``services.exchange.packages``):
  a period's package for the city office, and merging a township's or county's package with
  its conflicts report.
- ``save_template``: a blank import template (``services.exchange.templates``).
- ``add_exchange_tools(page, kind)``: the 导入导出 button of a list page (从Excel导入…,
  导出到Excel…, 保存空白导入模板…), and ``export_selected_action`` for its bulk menu.
- ``BusyBar``: the progress, 取消 and message line of these dialogs and of the import wizard.

All work runs off the GUI thread through ``ui/tasks.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.context import EXPERT, NEED, PLACE, SETTING, UNIT, AppContext, Changes
from ui.tasks import Task, TaskControl
from ui.widgets import ERROR_COLOR, DateEdit, muted

if TYPE_CHECKING:
    from ui.record_list import RecordListPage

#: Which ``Changes`` kind each list is.
CHANGE_KINDS = {"needs": NEED, "experts": EXPERT, "units": UNIT}
KIND_LABELS = {"needs": "需求", "experts": "专家", "units": "需求单位", "dispatches": "派遣"}
EXCEL_FILTER = "Excel 工作簿 (*.xlsx)"
FOLDER_KEY = "exchange.folder"


# ---------------------------------------------------------------------------------------------
# Shared pieces


def last_folder(ctx: AppContext) -> str:
    folder = ctx.state.get(FOLDER_KEY)
    if isinstance(folder, str) and Path(folder).is_dir():
        return folder
    return str(Path.home())


def remember_folder(ctx: AppContext, path: str | Path) -> None:
    ctx.state.set(FOLDER_KEY, str(Path(path).parent))


def ask_save_path(parent: QWidget, ctx: AppContext, title: str, name: str,
                  file_filter: str = EXCEL_FILTER) -> str:
    """A file name to save to (the folder used last time first); "" when cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(last_folder(ctx)) / name),
                                          file_filter)
    if path:
        remember_folder(ctx, path)
    return path


def ask_open_path(parent: QWidget, ctx: AppContext, title: str, file_filter: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, last_folder(ctx), file_filter)
    if path:
        remember_folder(ctx, path)
    return path


def open_file(path: str | Path) -> bool:
    """Open a file with the program the system uses for it (Excel, WPS, a file manager)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOR)
    label.setPalette(palette)
    label.hide()
    return label


class BusyBar(QWidget):
    """What runs, a progress bar and 取消, for a task of a dialog (a window-modal dialog
    hides the status bar's own 取消). ``message`` shows the outcome afterwards."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.cancel_button = QPushButton(self.tr("取消"), self)
        self.cancel_button.clicked.connect(self.cancel)
        self.task: Task | None = None
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addLayout(row)
        self.bar.hide()
        self.cancel_button.hide()

    @property
    def running(self) -> bool:
        return self.task is not None

    def attach(self, task: Task, text: str, *, cancellable: bool = True) -> None:
        self.task = task
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.bar.show()
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(True)
        task.progressed.connect(self._progress)
        task.ended.connect(lambda t=task: self._ended(t))

    def _progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if text:
            self.label.setText(text)

    def _ended(self, task: Task) -> None:
        if self.task is not task:
            return
        self.task = None
        self.bar.hide()
        self.cancel_button.hide()
        if task.state == "cancelled":
            self.label.setText(self.tr("已取消，未作任何改动。"))

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(self.tr("正在取消…"))

    def message(self, text: str) -> None:
        self.label.setText(text)


def quiet_progress(control: TaskControl) -> Callable[[int, int, str], None]:
    """A service's ``progress`` that never raises: after 取消 the service's own ``cancel``
    check stops it (and says so in its own words), rolling its unit of work back."""

    def progress(done: int, total: int, text: str) -> None:
        if not control.cancelled():
            control.progress(done, total, text)

    return progress


# ---------------------------------------------------------------------------------------------
# Export of a list


class ExportDialog(QDialog):
    """导出到Excel: which rows (the list as filtered, the selection, or all), full numbers or
    masked, where to. Signal: ``exported(ExportResult)``."""

    exported = Signal(object)

    def __init__(self, ctx: AppContext, kind: str, *, shown: list[int] | None = None,
                 selected: list[int] | None = None, total: int | None = None,
                 description: str = "", include_deleted: bool = False,
                 prefer_selection: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent or ctx.window)
        from services.exchange.export import default_export_name

        self.ctx = ctx
        self.kind = kind
        self.shown = shown
        self.selected = selected or []
        self.description = description
        self.include_deleted = include_deleted
        self.result: Any = None
        label = KIND_LABELS.get(kind, kind)
        self.setWindowTitle(self.tr("导出{0}清单到Excel").format(label))
        self.setWindowModality(Qt.WindowModality.WindowModal)

        self.scope = QButtonGroup(self)
        count = len(shown) if shown is not None else total
        self.shown_radio = QRadioButton(
            self.tr("当前列表（{0} 条）").format(count if count is not None else "全部")
            if shown is not None else self.tr("全部{0}（{1} 条）").format(
                label, count if count is not None else "…"), self)
        if description:
            self.shown_radio.setToolTip(self.tr("筛选：{0}").format(description))
        self.selected_radio = QRadioButton(
            self.tr("选中的 {0} 条").format(len(self.selected)), self)
        self.selected_radio.setEnabled(bool(self.selected))
        self.scope.addButton(self.shown_radio)
        self.scope.addButton(self.selected_radio)
        (self.selected_radio if prefer_selection and self.selected
         else self.shown_radio).setChecked(True)

        self.reveal = QCheckBox(self.tr("显示完整身份证号和手机号"), self)
        self.reveal.setToolTip(self.tr("默认遮盖中间几位（如 138****5678）。导出完整号码会记入操作日志。"))
        self.reveal_note = muted(self.tr("导出完整号码会记入操作日志，文件请妥善保管。"), self)
        self.reveal_note.hide()
        self.reveal.toggled.connect(self.reveal_note.setVisible)
        # 脱敏导出 (issue 11): for data that leaves the office.
        self.anonymise = QCheckBox(self.tr("脱敏导出（发往局外：姓名只留姓和末字，出生日期只留年份）"), self)
        self.anonymise.toggled.connect(lambda on: self.reveal.setEnabled(not on)
                                       or (on and self.reveal.setChecked(False)))

        self.path = QLineEdit(self)
        self.path.setText(str(Path(last_folder(ctx)) / default_export_name(kind)))
        browse = QPushButton(self.tr("浏览…"), self)
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.open_after = QCheckBox(self.tr("导出后打开文件"), self)

        form = QFormLayout()
        scope_box = QVBoxLayout()
        scope_box.addWidget(self.shown_radio)
        scope_box.addWidget(self.selected_radio)
        if description:
            scope_box.addWidget(muted(self.tr("筛选：{0}").format(description), self))
        form.addRow(self.tr("导出哪些："), scope_box)
        form.addRow(self.tr("个人信息："), self.reveal)
        form.addRow("", self.reveal_note)
        form.addRow("", self.anonymise)
        form.addRow(self.tr("保存为："), path_row)
        form.addRow("", self.open_after)

        self.error = error_label(self)
        self.busy = BusyBar(self)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(self.tr("导出"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)

    def ids(self) -> list[int] | None:
        if self.selected_radio.isChecked():
            return list(self.selected)
        return None if self.shown is None else list(self.shown)

    def _browse(self) -> None:
        path = ask_save_path(self, self.ctx, self.tr("导出到"), Path(self.path.text()).name)
        if path:
            self.path.setText(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def start(self) -> None:
        """Export on a worker; the dialog closes when done."""
        from services.exchange.export import export_list

        target = self.path.text().strip()
        if not target:
            self.error.setText(self.tr("请选择保存的位置。"))
            self.error.show()
            return
        if not target.lower().endswith(".xlsx"):
            target += ".xlsx"
        self.error.hide()
        ids = self.ids()
        description = self.description
        if self.selected_radio.isChecked():
            description = self.tr("选中的 {0} 条").format(len(ids or []))
        kind, reveal, deleted = self.kind, self.reveal.isChecked(), self.include_deleted
        anonymise = self.anonymise.isChecked()
        database = self.ctx.database

        def work(control: TaskControl) -> Any:
            with database.unit_of_work() as uow:
                if anonymise:
                    from services.privacy import export_anonymised

                    result = export_anonymised(uow.session, kind, target, ids=ids,
                                               description=description)
                    uow.commit()
                    return result
                result = export_list(uow.session, kind, target, ids=ids, reveal_personal=reveal,
                                     include_deleted=deleted, actor=uow.actor,
                                     description=description,
                                     progress=quiet_progress(control))
                control.check()  # cancelled: the file may be written, the audit entry is not
                uow.commit()
            return result

        def done(result: Any) -> None:
            self.result = result
            remember_folder(self.ctx, result.path)
            self.ctx.window.statusBar().showMessage(result.summary, 10_000)
            if self.open_after.isChecked():
                open_file(result.path)
            self.exported.emit(result)
            self.accept()

        def failed(exc: Exception) -> bool:
            from services.errors import ServiceError

            if isinstance(exc, ServiceError):
                self.error.setText(exc.message)
                self.error.show()
                return True
            return False

        self.export_button.setEnabled(False)
        task = self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self,
                                  label=self.tr("正在导出…"))
        task.ended.connect(lambda: self.export_button.setEnabled(True))
        self.busy.attach(task, self.tr("正在导出…"))


def _page_ids(page: RecordListPage) -> list[int]:
    model = page.model
    return [model.row_id(r) for r in range(model.rowCount())]


def page_description(page: RecordListPage) -> str:
    """The filter a list page shows, in words (kept in the file and the audit trail)."""
    parts = []
    labels = {d.name: d.label for d in page.filter_bar.filters}
    for name, text in page.filter_bar.active().items():
        parts.append(f"{labels.get(name, name)}：{text.strip()}")
    query = page.search.text().strip()
    if query:
        parts.append(f"搜索“{query}”")
    if page.bin_check.isChecked():
        parts.insert(0, "回收站")
    return "；".join(parts)


def export_page(page: RecordListPage, kind: str, *, selection: bool = False) -> ExportDialog:
    """The export dialog of a list page: its current filter (and selection)."""
    deleted = page.bin_check.isChecked()
    filtered = page.model.shown != page.model.total or deleted
    dialog = ExportDialog(page.ctx, kind,
                          shown=_page_ids(page) if filtered else None,
                          selected=page.selected_ids(), total=page.model.total,
                          description=page_description(page), include_deleted=deleted,
                          prefer_selection=selection, parent=page.window())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    page.export_dialog = dialog  # type: ignore[attr-defined]
    dialog.open()
    return dialog


def export_selected_action(page: RecordListPage, kind: str, ids: list[int]) -> QAction:
    """导出选中的 N 条 for ``RecordListPage.bulk_actions``."""
    action = QAction(page.tr("导出选中的 {0} 条…").format(len(ids)), page)
    action.triggered.connect(lambda: export_page(page, kind, selection=True))
    return action


# ---------------------------------------------------------------------------------------------
# Templates


def template_name(kind: str) -> str:
    return f"{KIND_LABELS[kind]}导入模板.xlsx"


def save_template(ctx: AppContext, kind: str, parent: QWidget | None = None,
                  path: str | None = None,
                  on_done: Callable[[Path], None] | None = None) -> Task | None:
    """Write the blank import template of ``kind`` (asks where when ``path`` is None)."""
    from services.exchange.templates import write_template

    parent = parent or ctx.window
    if path is None:
        path = ask_save_path(parent, ctx, parent.tr("保存空白导入模板"), template_name(kind))
        if not path:
            return None
    if not path.lower().endswith(".xlsx"):
        path += ".xlsx"
    database = ctx.database

    def work(_control: TaskControl) -> Path:
        with database.session() as session:
            return write_template(session, kind, path)

    def done(written: Path) -> None:
        ctx.window.statusBar().showMessage(
            parent.tr("已保存{0}导入模板：{1}").format(KIND_LABELS[kind], written), 10_000)
        if on_done is not None:
            on_done(written)

    return ctx.tasks.run(work, on_done=done, owner=parent, label=parent.tr("正在生成模板…"))


# ---------------------------------------------------------------------------------------------
# The 导入导出 button of a list page


def open_import_wizard(ctx: AppContext, kind: str, parent: QWidget | None = None,
                       path: str | None = None) -> QDialog:
    from ui.import_wizard import ImportWizard

    wizard = ImportWizard(ctx, kind, path=path, parent=parent or ctx.window)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    ctx.window.import_wizard = wizard  # type: ignore[attr-defined]
    wizard.open()
    return wizard


def add_exchange_tools(page: RecordListPage, kind: str, *, importable: bool = True) -> QToolButton:
    """A 导入导出 button on the page's title row (beside the counts), with
    从Excel导入…, 导出到Excel… and 保存空白导入模板…; the actions are ``page.import_action``,
    ``page.export_action``, ``page.template_action``."""
    button = QToolButton(page)
    button.setText(page.tr("导入导出"))
    button.setToolTip(page.tr("从 Excel 导入，或把当前列表导出到 Excel"))
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    if importable:
        page.import_action = menu.addAction(  # type: ignore[attr-defined]
            page.tr("从Excel导入…"), lambda: open_import_wizard(page.ctx, kind, page.window()))
    page.export_action = menu.addAction(  # type: ignore[attr-defined]
        page.tr("导出到Excel…"), lambda: export_page(page, kind))
    if importable:
        menu.addSeparator()
        page.template_action = menu.addAction(  # type: ignore[attr-defined]
            page.tr("保存空白导入模板…"), lambda: save_template(page.ctx, kind, page.window()))
    button.setMenu(menu)
    # On the title row, after the counts: the toolbar below is full on a small screen.
    top = _layout_holding(page, page.heading)
    if top is not None:
        top.addWidget(button)
    else:
        page.toolbar.insertWidget(page.toolbar.indexOf(page.bin_check), button)
    page.exchange_button = button  # type: ignore[attr-defined]
    return button


def _layout_holding(page: QWidget, widget: QWidget) -> QHBoxLayout | None:
    outer = page.layout()
    for i in range(outer.count() if outer is not None else 0):
        inner = outer.itemAt(i).layout()
        if isinstance(inner, QHBoxLayout) and inner.indexOf(widget) >= 0:
            return inner
    return None


# ---------------------------------------------------------------------------------------------
# 数据报送


class PackageExportDialog(QDialog):
    """导出数据报送包: a period (a whole year, or from–to) of this office's records and
    figures, as one ``.zip`` for the city office. Signal: ``exported(Manifest)``."""

    exported = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent or ctx.window)
        self.ctx = ctx
        self.manifest: Any = None
        self.county = ""
        self.setWindowTitle(self.tr("导出数据报送包"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        today = date.today()
        self.year = QComboBox(self)
        self.year.addItem(self.tr("自定义时期"), None)
        for year in range(today.year, today.year - 6, -1):
            self.year.addItem(self.tr("{0} 年全年").format(year), year)
        self.start = DateEdit(self)
        self.end = DateEdit(self)
        self.year.currentIndexChanged.connect(self._year_chosen)
        self.office = QLabel(self.tr("正在读取…"), self)
        self.office.setWordWrap(True)
        self.path = QLineEdit(self)
        browse = QPushButton(self.tr("浏览…"), self)
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        period = QHBoxLayout()
        period.addWidget(self.start)
        period.addWidget(QLabel(self.tr("至"), self))
        period.addWidget(self.end)
        form = QFormLayout()
        form.addRow(self.tr("时期："), self.year)
        form.addRow("", period)
        form.addRow(self.tr("报送单位："), self.office)
        form.addRow("", muted(self.tr("单位和县名取自“设置”中的局名称和本县名称。"), self))
        form.addRow(self.tr("保存为："), path_row)
        self.error = error_label(self)
        self.busy = BusyBar(self)
        self.result_text = QPlainTextEdit(self)
        self.result_text.setReadOnly(True)
        self.result_text.hide()
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(self.tr("导出"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(self.tr("关闭"),
                                                   QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.result_text, 1)
        layout.addWidget(self.buttons)
        self.year.setCurrentIndex(1)
        self._load_office()

    def _year_chosen(self, _index: int = 0) -> None:
        year = self.year.currentData()
        if year is not None:
            self.start.set_value(date(year, 1, 1))
            self.end.set_value(date(year, 12, 31))
        self._suggest_name()

    def _suggest_name(self) -> None:
        from services.exchange.packages import default_package_name

        name = default_package_name(self.county or "本县", self.start.value(), self.end.value())
        current = self.path.text().strip()
        if not current or Path(current).name.startswith("数据报送-"):
            folder = Path(current).parent if current else Path(last_folder(self.ctx))
            self.path.setText(str(folder / name))

    def _load_office(self) -> None:
        from services import settings

        database = self.ctx.database

        def work(_control: TaskControl) -> tuple[str, str]:
            with database.session() as session:
                return settings.get(session, "bureau.name"), settings.get(session, "county.name")

        def done(names: tuple[str, str]) -> None:
            self.office.setText(f"{names[0]}（{names[1]}）")
            self.county = names[1]
            self._suggest_name()

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def _browse(self) -> None:
        path = ask_save_path(self, self.ctx, self.tr("数据报送包保存为"),
                             Path(self.path.text()).name, "数据报送包 (*.zip)")
        if path:
            self.path.setText(path if path.lower().endswith(".zip") else path + ".zip")

    def start_export(self) -> None:
        from services.exchange.packages import export_package

        target = self.path.text().strip()
        if not target:
            self.error.setText(self.tr("请选择保存的位置。"))
            self.error.show()
            return
        start, end = self.start.value(), self.end.value()
        if start > end:
            self.error.setText(self.tr("结束日期早于开始日期。"))
            self.error.show()
            return
        self.error.hide()
        database = self.ctx.database

        def work(control: TaskControl) -> Any:
            with database.unit_of_work() as uow:
                manifest = export_package(uow.session, target, start, end, actor=uow.actor,
                                          progress=quiet_progress(control))
                uow.commit()  # the first export makes this database's office id (a setting)
            return manifest

        def done(manifest: Any) -> None:
            self.manifest = manifest
            lines = [self.tr("已导出：{0}").format(target), manifest.summary, ""]
            lines += [f"{item['label']}：{item['value']}" for item in manifest.figures.values()]
            self.result_text.setPlainText("\n".join(lines))
            self.result_text.show()
            self.busy.message(self.tr("数据报送包已导出。"))
            self.export_button.setEnabled(False)
            self.exported.emit(manifest)

        def failed(exc: Exception) -> bool:
            return _show_service_error(self.error, exc)

        task = self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self,
                                  label=self.tr("正在导出数据报送包…"))
        self.busy.attach(task, self.tr("正在导出数据报送包…"), cancellable=False)


def _show_service_error(label: QLabel, exc: Exception) -> bool:
    from services.errors import ServiceError

    if isinstance(exc, ServiceError):
        label.setText(exc.message)
        label.show()
        return True
    return False


class PackageImportDialog(QDialog):
    """导入数据报送包: the package's own description first (refused at once when damaged or
    foreign), then 预览 (what would change, the conflicts) and 导入 (one transaction). The
    conflicts report can be saved. Signal: ``imported(MergeResult)``."""

    imported = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 path: str | None = None) -> None:
        super().__init__(parent or ctx.window)
        self.ctx = ctx
        self.manifest: Any = None
        self.result: Any = None
        self.setWindowTitle(self.tr("导入数据报送包"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.path = QLineEdit(self)
        self.path.setPlaceholderText(self.tr("下级报送的 .zip 文件"))
        self.path.editingFinished.connect(self.read)
        browse = QPushButton(self.tr("浏览…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("数据包："), self))
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.about = QLabel(self)
        self.about.setWordWrap(True)
        self.error = error_label(self)
        self.report = QPlainTextEdit(self)
        self.report.setReadOnly(True)
        self.report.setPlaceholderText(self.tr("选择数据包后，先“预览”看会合并哪些记录、有无冲突，再“导入”。"))
        self.busy = BusyBar(self)
        self.buttons = QDialogButtonBox(self)
        self.preview_button = self.buttons.addButton(self.tr("预览"),
                                                     QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = self.buttons.addButton(self.tr("导入"),
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = self.buttons.addButton(self.tr("保存冲突报告…"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.preview_button.clicked.connect(lambda: self.run(dry_run=True))
        self.import_button.clicked.connect(lambda: self.run(dry_run=False))
        self.save_button.clicked.connect(self._save_report)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.about)
        layout.addWidget(self.error)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 48,
                    self.fontMetrics().height() * 26)
        self._update_buttons()
        if path:
            self.path.setText(path)
            self.read()

    def _update_buttons(self) -> None:
        ready = self.manifest is not None and not self.busy.running
        self.preview_button.setEnabled(ready)
        self.import_button.setEnabled(ready and not (self.result is not None
                                                     and not self.result.dry_run))
        self.save_button.setEnabled(self.result is not None)

    def _browse(self) -> None:
        path = ask_open_path(self, self.ctx, self.tr("选择数据报送包"), "数据报送包 (*.zip)")
        if path:
            self.path.setText(path)
            self.read()

    def read(self) -> None:
        """The package's manifest (checked: whole, ours, not too new) on a worker."""
        from services.exchange.packages import iter_counts, read_manifest

        path = self.path.text().strip()
        self.manifest = self.result = None
        self.report.clear()
        self.error.hide()
        self.about.clear()
        self._update_buttons()
        if not path:
            return

        def work(_control: TaskControl) -> tuple[Any, list[tuple[str, int]]]:
            manifest = read_manifest(path)
            return manifest, list(iter_counts(manifest))

        def done(found: tuple[Any, list[tuple[str, int]]]) -> None:
            if path != self.path.text().strip():
                return
            self.manifest, counts = found
            self.about.setText(self.manifest.summary + "\n" + "、".join(
                f"{label} {n} 条" for label, n in counts))
            self._update_buttons()

        def failed(exc: Exception) -> bool:
            return _show_service_error(self.error, exc)

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self)

    def run(self, *, dry_run: bool) -> None:
        from services.exchange.packages import import_package

        path = self.path.text().strip()
        database = self.ctx.database

        def work(control: TaskControl) -> Any:
            with database.unit_of_work() as uow:
                result = import_package(uow.session, path, dry_run=dry_run,
                                        progress=quiet_progress(control))
                control.check()
                if not dry_run:
                    uow.commit()
            return result

        def done(result: Any) -> None:
            self.result = result
            self.report.setPlainText(self.report_text())
            if not dry_run:
                self.busy.message(result.summary())
                self.ctx.notify(Changes({k: None for k in (NEED, EXPERT, UNIT, PLACE, SETTING)}))
                self.imported.emit(result)
            else:
                self.busy.message(self.tr("这是预览，数据库未作改动。"))
            self._update_buttons()

        def failed(exc: Exception) -> bool:
            return _show_service_error(self.error, exc)

        self.error.hide()
        task = self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self,
                                  label=self.tr("正在合并数据报送包…"))
        self.busy.attach(task, self.tr("正在预览…") if dry_run else self.tr("正在导入…"))
        task.ended.connect(self._update_buttons)
        self._update_buttons()

    def report_text(self) -> str:
        result = self.result
        if result is None:
            return ""
        lines = [result.summary(), ""]
        if result.conflicts:
            lines.append(self.tr("冲突（本库的版本较新，已保留本库版本）："))
            lines += [f"  {i}. {c}" for i, c in enumerate(result.conflicts, start=1)]
        else:
            lines.append(self.tr("没有冲突。"))
        if result.notes:
            lines += ["", self.tr("说明：")]
            lines += [f"  {n}" for n in result.notes]
        return "\n".join(lines)

    def _save_report(self) -> None:
        name = "数据报送冲突报告.txt"
        path = ask_save_path(self, self.ctx, self.tr("保存冲突报告"), name, "文本文件 (*.txt)")
        if path:
            self.save_report(path)

    def save_report(self, path: str | Path) -> Path:
        target = Path(path)
        try:
            # utf-8-sig: Notepad on older Windows reads it as Chinese, not as mojibake.
            target.write_text(self.report_text(), encoding="utf-8-sig")
        except OSError as exc:
            self.error.setText(self.tr("无法保存“{0}”：{1}").format(target, exc.strerror or exc))
            self.error.show()
        return target


def open_dialog(ctx: AppContext, factory: Callable[..., QDialog], attribute: str,
                **kwargs: Any) -> QDialog:
    dialog = factory(ctx, **kwargs)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    setattr(ctx.window, attribute, dialog)
    dialog.open()
    return dialog


def writable_folder(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK)


__all__ = [
    "BusyBar",
    "ExportDialog",
    "PackageExportDialog",
    "PackageImportDialog",
    "add_exchange_tools",
    "export_page",
    "export_selected_action",
    "open_import_wizard",
    "save_template",
]
