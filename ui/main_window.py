"""The main window: navigation on the left (the screens of ``ui.pages`` present in this
build), the current screen, menus, and a status bar with the database in use, the current
solar term and the progress of long work.

Start-up is fast because nothing heavy is imported before the first paint: the window shows
at once, then the database opens and SQLAlchemy and the services load on a worker
(``open_database_async``); the screens are built the first time they are shown. Even
PySide6's ``Qt`` namespace (all its enums, ~0.1 s to build) is first touched after the paint,
hence ``QtCore.Qt`` written out in this module instead of an imported ``Qt``.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QRect, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QListWidget, QMainWindow, QSplitter, QStackedWidget, QWidget

from ui.state import UiState, default_path
from ui.tasks import ProgressPanel, TaskControl, TaskRunner

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QCloseEvent

    from services.database import Database
    from ui.context import AppContext
    from ui.pages import PageSpec

_DEFAULT = object()


class MainWindow(QMainWindow):
    """Signals: ``databaseReady()`` once the screens can be used, ``pageChanged(key)``.

    Attributes: ``database`` (None until open), ``ctx`` (AppContext), ``tasks``
    (TaskRunner), ``state`` (UiState), ``specs`` (the screens in this build), ``pages``
    (key → widget, built on first show), ``nav`` (the navigation list).
    """

    databaseReady = Signal()
    pageChanged = Signal(str)

    def __init__(self, database: Database | None = None, *,
                 state: UiState | None = None, state_path: Any = _DEFAULT) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("专家服务基层调度"))
        self.state = state or UiState(default_path() if state_path is _DEFAULT else state_path)
        self.tasks = TaskRunner(self)
        self.tasks.error_reporter = self._report_error
        self.database: Database | None = None
        self.ctx: AppContext | None = None
        self._owns_database = False
        self._db_argument: str | None = None
        self.startup_check: Any = None
        self._open_after_paint: tuple[str | None] | None = None
        self.specs: list[PageSpec] = []
        self.pages: dict[str, QWidget] = {}
        self._closing = False

        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName(self.tr("导航"))
        self.nav.setUniformItemSizes(True)
        self.nav.setIconSize(self.nav.iconSize())
        self.nav.setSpacing(2)
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.stack = QStackedWidget(self)
        self.start_label = QLabel(self.tr("正在打开数据库…"), self)
        self.start_label.setWordWrap(True)
        self.start_label.setMargin(self.fontMetrics().height())
        self.stack.addWidget(self.start_label)
        # No arguments: QSplitter(parent) would make PySide6 build the Qt namespace to rule
        # out the (orientation, parent) overload. Horizontal is the default.
        self.splitter = QSplitter()
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        em = self.fontMetrics().horizontalAdvance("中")
        self.nav.setMinimumWidth(em * 6)
        self.splitter.setSizes([em * 9, em * 80])
        self.setCentralWidget(self.splitter)

        self.db_label = QLabel(self)
        self.statusBar().addWidget(self.db_label, 1)
        self.term_label = QLabel(self)
        self.term_label.hide()
        self.progress: ProgressPanel | None = None
        self._term_timer = QTimer(self)
        self._term_timer.setInterval(60 * 60 * 1000)
        self._term_timer.timeout.connect(self.update_term)

        self._restore_geometry()
        if database is not None:
            self.attach_database(database)

    def _ensure_chrome(self) -> None:
        """Menus and the progress panel. Built once, right after the first paint when the
        program starts (every widget class PySide6 meets for the first time costs it some
        milliseconds), or at once when a database is attached."""
        if self.progress is not None:
            return
        self.progress = ProgressPanel(self.tasks, self)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.term_label)
        self._build_menus()

    # -- the database ---------------------------------------------------------------------------

    def open_database_after_paint(self, db: str | None) -> None:
        """Open the database once the window has painted itself: the imports behind it
        (SQLAlchemy, the services) must not compete with the first paint."""
        self._open_after_paint = (db,)
        if self.isVisible():
            self.update()

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().paintEvent(event)
        if self._open_after_paint is not None:
            (db,) = self._open_after_paint
            self._open_after_paint = None
            QTimer.singleShot(0, lambda: self.open_database_async(db))

    def open_database_async(self, db: str | None, *, check: bool = True) -> None:
        """Open (create, upgrade) the database on a worker; the window stays responsive.

        ``check``: first the start-up check of services/backup.py, on the same worker: a
        database failing ``PRAGMA integrity_check`` is not opened — the window offers the
        newest good backup instead (``_offer_restore``); a whole one gets today's automatic
        backup (once a day)."""
        self._ensure_chrome()
        self._db_argument = db

        def work(_control: TaskControl) -> tuple[Any, ...]:
            from services.database import open_database

            startup = None
            if check:
                from services import backup

                startup = backup.startup_check(db)
                if not startup.ok:
                    return ("damaged", startup)
            return ("open", open_database(db), startup)

        def done(found: tuple[Any, ...]) -> None:
            if found[0] == "damaged":
                self._offer_restore(db, found[1])
                return
            _, database, startup = found
            self._owns_database = True
            self.attach_database(database)
            self.startup_check = startup
            if startup is not None and startup.message:
                self.statusBar().showMessage(startup.message, 30_000)
            elif startup is not None and startup.daily is not None:
                self.statusBar().showMessage(self.tr("已完成今天的自动备份。"), 8000)

        def failed(exc: Exception) -> bool:
            from services.errors import ServiceError

            message = exc.message if isinstance(exc, ServiceError) else str(exc)
            self.start_label.setText(self.tr("无法打开数据库：\n{0}").format(message))
            return False  # also shown as a message (and logged when it is a bug)

        self.tasks.run(work, on_done=done, on_error=failed, owner=self,
                       label=self.tr("正在打开数据库…"), progress=True)

    def attach_database(self, database: Database) -> None:
        """Build the navigation for this database and show the remembered screen."""
        from ui.context import AppContext
        from ui.pages import load_pages

        Qt = QtCore.Qt
        self._ensure_chrome()
        from ui.login_dialog import page_allowed, sign_in

        if not sign_in(self, database):  # login, when the database asks for it (issue 11)
            return
        self.database = database
        self.ctx = AppContext(database, self.tasks, self.state, self)
        self.ctx.navigate.connect(self.show_page)
        self.db_label.setText(self.tr("数据库：{0}").format(database.display_name))
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.db_label.setToolTip(database.url)
        self.specs = [s for s in load_pages() if page_allowed(database, s.key)]
        self.nav.blockSignals(True)
        self.nav.clear()
        for spec in self.specs:
            item = QtWidgets.QListWidgetItem(self.style().standardIcon(spec.icon), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setToolTip(f"{spec.title}（{spec.shortcut}）" if spec.shortcut else spec.title)
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        self._build_page_menu()
        wanted = self.state.get("page")
        keys = [s.key for s in self.specs]
        self.show_page(wanted if wanted in keys else keys[0])
        self.update_term()
        self._term_timer.start()
        self.databaseReady.emit()

    # -- pages ----------------------------------------------------------------------------------

    def page(self, key: str) -> QWidget:
        """The screen ``key``, built now if it was not yet."""
        widget = self.pages.get(key)
        if widget is None:
            spec = next(s for s in self.specs if s.key == key)
            assert self.ctx is not None
            widget = spec.factory(self.ctx)
            widget.setObjectName(f"page-{key}")
            self.pages[key] = widget
            self.stack.addWidget(widget)
        return widget

    @property
    def current_key(self) -> str | None:
        item = self.nav.currentItem()
        return item.data(QtCore.Qt.ItemDataRole.UserRole) if item is not None else None

    def current_page(self) -> QWidget | None:
        key = self.current_key
        return self.pages.get(key) if key else None

    def show_page(self, key: str, argument: Any = None) -> QWidget | None:
        keys = [s.key for s in self.specs]
        if key not in keys:
            return None
        row = keys.index(key)
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
        widget = self.page(key)
        self.stack.setCurrentWidget(widget)
        activate = getattr(widget, "activate", None)
        if activate is not None:
            activate(argument)
        self.state.set("page", key)
        self.pageChanged.emit(key)
        return widget

    def _nav_changed(self, row: int) -> None:
        if 0 <= row < len(self.specs):
            self.show_page(self.specs[row].key)

    def _call_page(self, method: str) -> None:
        page = self.current_page()
        function = getattr(page, method, None)
        if function is not None:
            function()

    # -- menus ----------------------------------------------------------------------------------

    def _action(self, text: str, slot: Any, shortcut: Any = None) -> QAction:
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("文件(&F)"))
        file_menu.addAction(self._action(self.tr("新建(&N)"), lambda: self._call_page("new_record"),
                                         QtGui.QKeySequence.StandardKey.New))
        file_menu.addAction(self._action(self.tr("刷新(&R)"), lambda: self._call_page("refresh"),
                                         QtGui.QKeySequence.StandardKey.Refresh))
        self._build_exchange_menu(file_menu)
        file_menu.addSeparator()
        file_menu.addAction(self._action(self.tr("退出(&X)"), self.close,
                                         QtGui.QKeySequence.StandardKey.Quit))
        edit_menu = bar.addMenu(self.tr("编辑(&E)"))
        edit_menu.addAction(self._action(self.tr("查找(&F)"),
                                         lambda: self._call_page("focus_search"),
                                         QtGui.QKeySequence.StandardKey.Find))
        self.view_menu = bar.addMenu(self.tr("视图(&V)"))
        help_menu = bar.addMenu(self.tr("帮助(&H)"))
        help_menu.addAction(self._action(self.tr("使用说明(&U)"), self.show_help,
                                         "F1"))
        help_menu.addSeparator()
        help_menu.addAction(self._action(self.tr("关于(&A)"), self.show_about))
        help_menu.addAction(self._action(self.tr("关于 Qt"), QtWidgets.QApplication.aboutQt))

    # -- 文件 menu: Excel, 数据报送, backups (issue 7) -------------------------------------------

    def _build_exchange_menu(self, menu: Any) -> None:
        """从Excel导入…, 导出当前列表…, templates, 数据报送, 备份到…, 从备份恢复…"""
        menu.addSeparator()
        menu.addAction(self._action(self.tr("从Excel导入(&I)…"), self.open_import_wizard))
        menu.addAction(self._action(self.tr("导出当前列表到Excel(&E)…"), self.export_current))
        templates = menu.addMenu(self.tr("保存空白导入模板"))
        for kind, label in (("needs", "需求"), ("experts", "专家"), ("units", "需求单位")):
            templates.addAction(self._action(self.tr("{0}导入模板…").format(label),
                                             lambda _c=False, k=kind: self.save_template(k)))
        report = menu.addMenu(self.tr("数据报送"))
        report.addAction(self._action(self.tr("导出数据报送包…"), self.export_package))
        report.addAction(self._action(self.tr("导入数据报送包…"), self.import_package))
        menu.addSeparator()
        menu.addAction(self._action(self.tr("备份到(&B)…"), self.backup_to))
        menu.addAction(self._action(self.tr("从备份恢复…"), self.open_restore_dialog))

    def _exchange_kind(self) -> str:
        key = self.current_key
        return key if key in ("needs", "experts", "units") else "needs"

    def open_import_wizard(self, kind: str | None = None) -> QWidget | None:
        if self.ctx is None:
            return None
        from ui.export_dialog import open_import_wizard

        return open_import_wizard(self.ctx, kind or self._exchange_kind(), self)

    def export_current(self) -> QWidget | None:
        """The current list page's export (its filter and selection)."""
        page = self.current_page()
        action = getattr(page, "export_action", None)
        if action is None:
            from ui import messages

            self.last_message = messages.inform(
                self, self.tr("请先打开要导出的清单（需求清单、专家库或需求单位）。"))
            return None
        action.trigger()
        return getattr(page, "export_dialog", None)

    def save_template(self, kind: str, path: str | None = None) -> Any:
        if self.ctx is None:
            return None
        from ui.export_dialog import save_template

        return save_template(self.ctx, kind, self, path)

    def export_package(self) -> QWidget | None:
        if self.ctx is None:
            return None
        from ui.export_dialog import PackageExportDialog, open_dialog

        return open_dialog(self.ctx, PackageExportDialog, "package_dialog")

    def import_package(self, path: str | None = None) -> QWidget | None:
        if self.ctx is None:
            return None
        from ui.export_dialog import PackageImportDialog, open_dialog

        return open_dialog(self.ctx, PackageImportDialog, "package_dialog", path=path)

    def backup_to(self, folder: str | None = None) -> Any:
        if self.database is None:
            return None
        from ui.backup_dialogs import backup_to

        return backup_to(self, folder if isinstance(folder, str) else None)

    def open_restore_dialog(self) -> QWidget | None:
        if self.database is None:
            return None
        from ui.backup_dialogs import RestoreDialog

        dialog = RestoreDialog(self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.restore_dialog = dialog
        dialog.open()
        return dialog

    def restore_database(self, backup_path: str, *, on_done: Any = None) -> None:
        """Put a backup in place of the open database and reopen it: the screens are closed,
        the current file is kept as a 恢复前 backup (services/backup.py), the backup is copied
        in, and the database opens again. If the restore fails, the unchanged database opens
        again and the reason is shown."""
        from pathlib import Path

        from services import paths

        if self.database is None:
            return
        url = self.database.url
        target = paths.sqlite_path(url)
        if target is None:
            return
        # Whoever is signed in must be allowed to restore (services/backup.py checks).
        role = getattr(getattr(self.database, "user", None), "role", None)
        self._detach_database(self.tr("正在从备份恢复数据库…"))
        QTimer.singleShot(0, lambda: self._restore_file(target, Path(backup_path), url,
                                                        on_done, role))

    def _restore_file(self, target: Any, source: Any, reopen: str | None, on_done: Any,
                      role: str | None = None) -> None:
        def work(_control: TaskControl) -> Any:
            from services import backup

            return backup.restore_backup(target, source, role=role)

        def done(result: Any) -> None:
            from ui import messages

            self.start_label.setText(self.tr("正在打开恢复后的数据库…"))
            self.open_database_async(reopen, check=False)
            self.last_message = messages.inform(self, result.summary)
            if on_done is not None:
                on_done(result)

        def failed(_exc: Exception) -> bool:
            self.open_database_async(reopen, check=False)  # the database as it was
            return False  # shown as a message

        self.tasks.run(work, on_done=done, on_error=failed, owner=self, progress=True,
                       label=self.tr("正在恢复数据库…"))

    def _detach_database(self, text: str) -> None:
        """Close the screens and the database (before a restore replaces the file)."""
        self.save_state()
        self.tasks.shutdown()
        self._term_timer.stop()
        for widget in list(self.pages.values()):
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.pages = {}
        self.nav.blockSignals(True)
        self.nav.clear()
        self.nav.blockSignals(False)
        self.specs = []
        if self.ctx is not None:
            self.ctx.deleteLater()
            self.ctx = None
        if self.database is not None:
            self.database.close()
            self.database = None
        self.db_label.setText("")
        self.start_label.setText(text)
        self.stack.setCurrentWidget(self.start_label)

    def _offer_restore(self, db: str | None, check: Any) -> None:
        """The database failed its start-up check: say so and offer the newest good backup
        (ui/backup_dialogs.py), instead of opening it."""
        from ui import backup_dialogs

        self.start_label.setText(check.message)

        def answered(answer: str) -> None:
            if answer == backup_dialogs.RESTORE and check.candidate is not None:
                self._restore_at_start(db, check, str(check.candidate.path))
            elif answer == backup_dialogs.CHOOSE:
                path = backup_dialogs.choose_backup_file(self)
                if path:
                    self._restore_at_start(db, check, path)
                else:
                    self._offer_restore(db, check)
            else:
                self.close()

        self.startup_offer = backup_dialogs.offer_startup_restore(self, check, answered)

    def _restore_at_start(self, db: str | None, check: Any, backup_path: str) -> None:
        from pathlib import Path

        from services.errors import ServiceError

        self.start_label.setText(self.tr("正在从备份恢复数据库…"))

        def work(_control: TaskControl) -> Any:
            from services import backup

            return backup.restore_backup(check.path, Path(backup_path))

        def done(result: Any) -> None:
            self.restored = result
            self.statusBar().showMessage(result.summary, 30_000)
            self.open_database_async(db)

        def failed(exc: Exception) -> bool:
            from ui import messages

            if not isinstance(exc, ServiceError):
                QTimer.singleShot(0, lambda: self._offer_restore(db, check))
                return False  # a bug: shown as an internal error, then the offer again
            box = messages.warn(self, exc.message)
            box.finished.connect(lambda _r: self._offer_restore(db, check))
            self.last_message = box
            return True

        self.tasks.run(work, on_done=done, on_error=failed, owner=self, progress=True,
                       label=self.tr("正在恢复数据库…"))

    def _build_page_menu(self) -> None:
        self.view_menu.clear()
        for spec in self.specs:
            action = self._action(spec.title, lambda _c=False, k=spec.key: self.show_page(k),
                                  spec.shortcut or None)
            self.view_menu.addAction(action)

    def show_help(self) -> QWidget:
        """帮助 › 使用说明 (F1): the user guide of docs/, in its own window."""
        from ui.help_dialog import HelpDialog

        dialog = HelpDialog(self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.help_dialog = dialog
        dialog.show()
        return dialog

    def show_about(self) -> QWidget:
        from ui.about import AboutDialog

        dialog = AboutDialog(self.database, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_dialog = dialog
        dialog.open()
        return dialog

    # -- status bar -----------------------------------------------------------------------------

    def update_term(self) -> None:
        """Today, its lunar date and the solar term we are in, from services/calendar. Until
        the calendar is installed (or if it fails) the label stays hidden."""

        def work(_control: TaskControl) -> str:
            return term_text(date.today())

        def done(text: str) -> None:
            self.term_label.setText(text)
            self.term_label.setVisible(bool(text))

        self.tasks.run(work, on_done=done, on_error=lambda _exc: True, owner=self)

    # -- errors ---------------------------------------------------------------------------------

    def _report_error(self, exc: Exception, details: str, owner: Any) -> None:
        from services.errors import ServiceError
        from ui import messages

        parent = owner.window() if isinstance(owner, QWidget) else self
        if self._closing:
            return
        if isinstance(exc, ServiceError):
            self.last_message = messages.warn(parent, exc.message)
        else:
            self.last_message = messages.internal_error(parent, exc, details)

    # -- geometry and closing -------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        saved = self.state.get("window") or {}
        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)
        width = min(int(saved.get("width") or available.width() * 0.85), available.width())
        height = min(int(saved.get("height") or available.height() * 0.85), available.height())
        self.resize(max(width, 640), max(height, 480))
        x, y = saved.get("x"), saved.get("y")
        if isinstance(x, int) and isinstance(y, int):
            rect = QRect(x, y, self.width(), self.height())
            # Only where some screen still shows it (a second monitor may be gone).
            if any(s.availableGeometry().intersects(rect) for s in QGuiApplication.screens()):
                self.move(x, y)
        if saved.get("maximized"):
            self.setWindowState(self.windowState() | QtCore.Qt.WindowState.WindowMaximized)
        sizes = self.state.get("splitter.main")
        if isinstance(sizes, list) and len(sizes) == 2 and all(isinstance(s, int) for s in sizes):
            self.splitter.setSizes(sizes)

    def save_state(self) -> None:
        geometry = self.normalGeometry() if self.isMaximized() else self.geometry()
        self.state.set("window", {"x": geometry.x(), "y": geometry.y(),
                                  "width": geometry.width(), "height": geometry.height(),
                                  "maximized": self.isMaximized()})
        self.state.set("splitter.main", self.splitter.sizes())
        for page in self.pages.values():
            save = getattr(page, "save_state", None)
            if save is not None:
                with contextlib.suppress(Exception):  # a layout is never worth a failed close
                    save()
        self.state.save()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self.save_state()
        self._term_timer.stop()
        self.tasks.shutdown()
        if self._owns_database and self.database is not None:
            self.database.close()
        super().closeEvent(event)


def term_text(today: date) -> str:
    """"2026年5月9日 · 农历三月廿三 · 立夏第 5 天", or "" while services/calendar is absent."""
    try:
        from services.calendar import current_term, lunar_date
    except ImportError:
        return ""
    term = current_term(today)
    day = (today - term.date).days + 1
    parts = [f"{today.year}年{today.month}月{today.day}日"]
    with contextlib.suppress(Exception):  # the lunar date is a nicety
        lunar = lunar_date(today)
        parts.append(f"农历{lunar.month_name}{lunar.day_name}")
    parts.append(f"今日{term.name}" if day == 1 else f"{term.name}第 {day} 天")
    return " · ".join(parts)
