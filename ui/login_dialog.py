"""Login when the database asks for it (setting 需要登录), the first administrator, the user
menu (当前用户, 修改密码, 锁定, 退出登录, 用户管理) and the lock after idle time.

With login off (a single office PC) nothing here shows: the local user acts as administrator.
The checks themselves are in services/auth.py; these dialogs only ask and show its answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from services.database import Database


def _password_field(parent: QWidget) -> QLineEdit:
    field = QLineEdit(parent)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class _Form(QDialog):
    """A small form with an error line and OK/Cancel; ``submit()`` does the work and returns
    an error message or "" (then the dialog closes)."""

    def __init__(self, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro, self)
            label.setWordWrap(True)
            layout.addWidget(label)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #b03a2e")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def submit(self) -> str:
        return ""

    def accept(self) -> None:
        from services.errors import ServiceError

        try:
            message = self.submit()
        except ServiceError as exc:
            message = exc.message
        if message:
            self.show_error(message)
            return
        super().accept()


class LoginDialog(_Form):
    """用户名 and 密码; on success ``database.user`` is the logged-in user."""

    def __init__(self, database: Database, parent: QWidget | None = None, *,
                 username: str = "", unlock: bool = False) -> None:
        title = self.tr("解锁") if unlock else self.tr("登录")
        intro = (self.tr("窗口已锁定。请输入密码继续。") if unlock
                 else self.tr("请输入用户名和密码。"))
        super().__init__(title, intro, parent)
        self.database = database
        self.unlock = unlock
        self.username = QLineEdit(username, self)
        self.username.setReadOnly(unlock)
        self.password = _password_field(self)
        self.form.addRow(self.tr("用户名"), self.username)
        self.form.addRow(self.tr("密码"), self.password)
        (self.password if username else self.username).setFocus()
        self.must_change_password = False

    def submit(self) -> str:
        from services import auth

        if self.unlock:
            auth.unlock(self.database, self.password.text())
        else:
            auth.login(self.database, self.username.text(), self.password.text())
        with self.database.session() as session:
            from services import users

            self.must_change_password = users.get_user(
                session, self.database.user.name).must_change_password
        self.password.clear()
        return ""

    def reject(self) -> None:
        self.password.clear()
        super().reject()


class FirstAdminDialog(_Form):
    """The first administrator, when login is on and nobody could log in as one."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("创建管理员"),
                         self.tr("已启用登录，但还没有管理员。请先创建第一位管理员（之后由管理员添加其他用户）。"),
                         parent)
        self.database = database
        self.username = QLineEdit("admin", self)
        self.display_name = QLineEdit(self)
        self.password = _password_field(self)
        self.repeat = _password_field(self)
        self.form.addRow(self.tr("用户名"), self.username)
        self.form.addRow(self.tr("姓名"), self.display_name)
        self.form.addRow(self.tr("密码（至少 8 位）"), self.password)
        self.form.addRow(self.tr("再输入一次"), self.repeat)

    def submit(self) -> str:
        from services import auth

        if self.password.text() != self.repeat.text():
            return self.tr("两次输入的密码不一致。")
        with self.database.unit_of_work() as uow:
            auth.create_first_admin(uow.session, self.username.text(), self.password.text(),
                                    self.display_name.text())
            uow.commit()
        return ""


class ChangePasswordDialog(_Form):
    def __init__(self, database: Database, parent: QWidget | None = None, *,
                 required: bool = False) -> None:
        super().__init__(self.tr("修改密码"),
                         self.tr("首次登录或密码被重置后，请设置自己的密码。") if required else "",
                         parent)
        self.database = database
        self.old = _password_field(self)
        self.new = _password_field(self)
        self.repeat = _password_field(self)
        self.form.addRow(self.tr("原密码"), self.old)
        self.form.addRow(self.tr("新密码（至少 8 位）"), self.new)
        self.form.addRow(self.tr("再输入一次"), self.repeat)

    def submit(self) -> str:
        from services import auth

        if self.new.text() != self.repeat.text():
            return self.tr("两次输入的新密码不一致。")
        user = self.database.user
        with self.database.unit_of_work() as uow:
            auth.change_password(uow.session, user.name, self.old.text(), self.new.text())
            uow.commit()
        return ""


# -- wiring into the main window ---------------------------------------------------------------


def login_required(database: Database) -> bool:
    from services import auth

    with database.session() as session:
        return auth.login_required(session)


def sign_in(window: Any, database: Database) -> bool:
    """Before the screens are built: ask for a login when the database wants one. False when
    the user gave up (the window then closes)."""
    if database.user is not None or not login_required(database):
        install_user_menu(window, database)
        return True
    from services import auth

    with database.session() as session:
        first = auth.needs_first_admin(session)
    if first and FirstAdminDialog(database, window).exec() != QDialog.DialogCode.Accepted:
        window.close()
        return False
    dialog = LoginDialog(database, window)
    window.login_dialog = dialog
    if dialog.exec() != QDialog.DialogCode.Accepted:
        window.close()
        return False
    if dialog.must_change_password:
        ChangePasswordDialog(database, window, required=True).exec()
    install_user_menu(window, database)
    return True


def page_allowed(database: Database, key: str) -> bool:
    """Screens only an administrator sees when login is on (the audit trail)."""
    if key != "audit" or database.user is None:
        return True
    return database.user.role == "管理员"


def install_user_menu(window: Any, database: Database) -> None:
    """The 用户 menu and the idle lock, rebuilt for whoever is signed in."""
    from ui.idle_lock import IdleLock

    old = getattr(window, "user_menu", None)
    if old is not None:
        window.menuBar().removeAction(old.menuAction())
        old.deleteLater()
    lock = getattr(window, "idle_lock", None)
    if lock is not None:
        lock.stop()
        window.idle_lock = None
    user = database.user
    if user is None:  # login off: the local administrator needs no menu
        window.user_menu = None
        return
    menu = window.menuBar().addMenu(window.tr("用户(&U)"))
    current = menu.addAction(window.tr("当前用户：{0}").format(user.label))
    current.setEnabled(False)
    menu.addSeparator()
    menu.addAction(window.tr("修改密码…")).triggered.connect(
        lambda: ChangePasswordDialog(database, window).open())
    if user.role == "管理员":
        menu.addAction(window.tr("用户管理…")).triggered.connect(
            lambda: open_users_dialog(window, database))
    menu.addAction(window.tr("锁定(&L)")).triggered.connect(lambda: lock_window(window, database))
    menu.addAction(window.tr("退出登录")).triggered.connect(lambda: log_out(window, database))
    window.user_menu = menu
    from services import settings

    with database.session() as session:
        minutes = int(settings.get(session, "auth.idle_lock_minutes"))
    if minutes > 0:
        window.idle_lock = IdleLock(minutes * 60_000, lambda: lock_window(window, database),
                                    window)
        window.idle_lock.start()


def open_users_dialog(window: Any, database: Database) -> QDialog:
    from ui.users_dialog import UsersDialog

    dialog = UsersDialog(database, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.users_dialog = dialog
    dialog.open()
    return dialog


def lock_window(window: Any, database: Database) -> QDialog | None:
    """Hide the data and ask for the password of the user who is signed in."""
    from services import auth

    user = database.user
    if user is None or getattr(window, "locked", False):
        return None
    auth.lock(database)
    window.locked = True
    central = window.centralWidget()
    central.hide()
    dialog = LoginDialog(database, window, username=user.name, unlock=True)
    window.unlock_dialog = dialog

    def finished(result: int) -> None:
        window.locked = False
        if result == QDialog.DialogCode.Accepted:
            central.show()
            lock = getattr(window, "idle_lock", None)
            if lock is not None:
                lock.start()
        else:
            log_out(window, database)

    dialog.finished.connect(finished)
    dialog.open()
    return dialog


def log_out(window: Any, database: Database) -> None:
    """Sign out and ask for a login again; the screens are rebuilt for the next user's role."""
    from services import auth

    auth.logout(database)
    for widget in list(window.pages.values()):
        window.stack.removeWidget(widget)
        widget.deleteLater()
    window.pages = {}
    window.centralWidget().show()
    window.attach_database(database)
