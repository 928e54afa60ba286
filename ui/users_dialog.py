"""用户管理 (管理员 only): the users, add one, change role, reset password, unlock, disable.

Every rule (who may, the last administrator, password length) is in services/users.py; this
dialog shows its answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.login_dialog import _Form, _password_field

if TYPE_CHECKING:
    from services.database import Database

Index = QModelIndex | QPersistentModelIndex


class UsersModel(QAbstractTableModel):
    COLUMNS = (("username", "用户名"), ("display_name", "姓名"), ("role", "角色"),
               ("state", "状态"), ("last_login_at", "上次登录"))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        key = self.COLUMNS[index.column()][0]
        if key == "state":
            return ("停用" if not row["active"] else "锁定" if row["locked_until"] else
                    "须改密码" if row["must_change_password"] else "正常")
        value = row.get(key)
        if key == "last_login_at":
            return value.strftime("%Y-%m-%d %H:%M") if value else ""
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section][1]
        return None


def _role_box(parent: QWidget, current: str = "经办人") -> QComboBox:
    from models.users import ROLES

    box = QComboBox(parent)
    box.addItems(list(ROLES))
    box.setCurrentText(current)
    return box


class AddUserDialog(_Form):
    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("添加用户"), self.tr("新用户首次登录时须修改这个初始密码。"), parent)
        self.database = database
        self.username = QLineEdit(self)
        self.display_name = QLineEdit(self)
        self.role = _role_box(self)
        self.password = _password_field(self)
        self.form.addRow(self.tr("用户名"), self.username)
        self.form.addRow(self.tr("姓名"), self.display_name)
        self.form.addRow(self.tr("角色"), self.role)
        self.form.addRow(self.tr("初始密码"), self.password)

    def submit(self) -> str:
        from services import users

        with self.database.unit_of_work() as uow:
            users.add_user(uow.session, self.username.text(), self.password.text(),
                           self.role.currentText(), self.display_name.text())
            uow.commit()
        return ""


class ResetPasswordDialog(_Form):
    def __init__(self, database: Database, username: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("重置密码"),
                         self.tr("为“{0}”设置临时密码，其下次登录时须修改。").format(username), parent)
        self.database = database
        self.username = username
        self.password = _password_field(self)
        self.form.addRow(self.tr("临时密码"), self.password)

    def submit(self) -> str:
        from services import users

        with self.database.unit_of_work() as uow:
            users.reset_password(uow.session, self.username, self.password.text())
            uow.commit()
        return ""


class UsersDialog(QDialog):
    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("用户管理"))
        self.database = database
        self.model = UsersModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.role = _role_box(self)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("添加用户…"), self)
        self.add_button.clicked.connect(self.add_user)
        self.role_button = QPushButton(self.tr("改为此角色"), self)
        self.role_button.clicked.connect(self.change_role)
        self.reset_button = QPushButton(self.tr("重置密码…"), self)
        self.reset_button.clicked.connect(self.reset_password)
        self.unlock_button = QPushButton(self.tr("解锁"), self)
        self.unlock_button.clicked.connect(lambda: self._apply("unlock_user"))
        self.active_button = QPushButton(self.tr("停用 / 启用"), self)
        self.active_button.clicked.connect(self.toggle_active)
        for widget in (self.add_button, self.role, self.role_button, self.reset_button,
                       self.unlock_button, self.active_button):
            buttons.addWidget(widget)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 50,
                    self.fontMetrics().height() * 22)
        self.reload()

    def reload(self) -> None:
        from services import users

        with self.database.session() as session:
            self.model.set_rows(users.list_users(session))

    def selected(self) -> str | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()]["username"] if rows else None

    def _apply(self, function: str, *args: Any) -> bool:
        from services import users
        from services.errors import ServiceError

        name = self.selected()
        if name is None:
            self.message.setText(self.tr("请先选择一位用户。"))
            return False
        try:
            with self.database.unit_of_work() as uow:
                getattr(users, function)(uow.session, name, *args)
                uow.commit()
        except ServiceError as exc:
            self.message.setText(exc.message)
            return False
        self.message.setText(self.tr("已保存。"))
        self.reload()
        return True

    def change_role(self) -> bool:
        return self._apply("set_role", self.role.currentText())

    def toggle_active(self) -> bool:
        name = self.selected()
        row = next((r for r in self.model.rows if r["username"] == name), None)
        return self._apply("set_active", not row["active"]) if row else self._apply("x")

    def add_user(self) -> QDialog:
        dialog = AddUserDialog(self.database, self)
        dialog.accepted.connect(self.reload)
        self.sub_dialog = dialog
        dialog.open()
        return dialog

    def reset_password(self) -> QDialog | None:
        name = self.selected()
        if name is None:
            self.message.setText(self.tr("请先选择一位用户。"))
            return None
        dialog = ResetPasswordDialog(self.database, name, self)
        dialog.accepted.connect(self.reload)
        self.sub_dialog = dialog
        dialog.open()
        return dialog
