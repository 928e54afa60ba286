"""The login dialog, the first administrator, the user menu, the lock after idle time and the
screens an administrator alone sees (ui/login_dialog.py, ui/idle_lock.py, ui/users_dialog.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from services import auth, settings, users
from services.database import Database
from tests.conftest import County
from tests.ui_support import ignore_offscreen, open_window
from ui import login_dialog
from ui.idle_lock import IdleLock
from ui.login_dialog import ChangePasswordDialog, FirstAdminDialog, LoginDialog
from ui.users_dialog import UsersDialog

pytestmark = ignore_offscreen


@pytest.fixture(autouse=True)
def _no_modal_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal ``exec()`` nobody answers would hang the test run: fail instead."""
    def refuse(dialog: QDialog) -> int:
        raise AssertionError(f"unexpected modal dialog {type(dialog).__name__}")

    for cls in (FirstAdminDialog, ChangePasswordDialog):
        monkeypatch.setattr(cls, "exec", refuse)


def login_on(db: Database) -> None:
    with db.unit_of_work() as u:
        settings.set_value(u.session, "auth.login_required", True)
        u.commit()


def add(db: Database, name: str, role: str, password: str = "good-password") -> None:
    with db.unit_of_work() as u:
        users.add_user(u.session, name, password, role, must_change_password=False)
        u.commit()


def test_login_dialog_refuses_then_accepts(qtbot: QtBot, db: Database) -> None:
    add(db, "alice", "经办人")
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.username.setText("alice")
    dialog.password.setText("wrong")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.text().startswith("用户名或密码不正确") and not dialog.error.isHidden()
    assert db.user is None
    dialog.password.setText("good-password")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert db.user is not None and (db.user.name, db.user.role) == ("alice", "经办人")
    assert dialog.password.text() == ""  # the password does not stay in the widget


def test_first_admin_dialog(qtbot: QtBot, db: Database) -> None:
    login_on(db)
    dialog = FirstAdminDialog(db)
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText("first-admin-pw")
    dialog.repeat.setText("other")
    dialog.accept()
    assert "不一致" in dialog.error.text()
    dialog.repeat.setText("first-admin-pw")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.session() as s:
        assert not auth.needs_first_admin(s)


def test_window_asks_for_login_and_shows_the_user_menu(qtbot: QtBot, db: Database,
                                                       county: County, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    login_on(db)
    add(db, "root", "管理员")
    add(db, "clerk", "经办人")
    asked: list[str] = []

    def fake_exec(dialog: LoginDialog) -> int:  # what a person types into the modal dialog
        asked.append(type(dialog).__name__)
        dialog.username.setText("clerk")
        dialog.password.setText("good-password")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", fake_exec)
    window = open_window(qtbot, db, tmp_path / "state.json")
    try:
        assert asked == ["LoginDialog"]
        assert db.user is not None and db.user.name == "clerk"
        menu = window.user_menu
        texts = [a.text() for a in menu.actions()]
        assert "当前用户：clerk（经办人）" in texts and "锁定(&L)" in texts and "退出登录" in texts
        assert "用户管理…" not in texts
        # The audit trail is for administrators only.
        assert "audit" not in [s.key for s in window.specs]
        assert "needs" in [s.key for s in window.specs]
        # Every write of the window now carries the clerk's name and role.
        with db.unit_of_work() as u:
            assert (u.actor, u.role) == ("clerk", "经办人")
    finally:
        window.close()


def test_no_login_when_switched_off(qtbot: QtBot, db: Database, county: County,
                                    tmp_path: Path) -> None:
    window = open_window(qtbot, db, tmp_path / "state.json")
    try:
        assert db.user is None and window.user_menu is None
        assert "audit" in [s.key for s in window.specs]
    finally:
        window.close()


def test_lock_hides_the_data_until_the_password(qtbot: QtBot, db: Database, county: County,
                                                tmp_path: Path) -> None:
    add(db, "root", "管理员")
    auth.login(db, "root", "good-password")
    login_on(db)
    window = open_window(qtbot, db, tmp_path / "state.json")
    try:
        texts = [a.text() for a in window.user_menu.actions()]
        assert "用户管理…" in texts and "audit" in [s.key for s in window.specs]
        dialog = login_dialog.lock_window(window, db)
        assert dialog is not None and window.centralWidget().isHidden()
        assert dialog.username.text() == "root" and dialog.username.isReadOnly()
        dialog.password.setText("wrong")
        dialog.accept()
        assert window.centralWidget().isHidden() and dialog.error.text()
        dialog.password.setText("good-password")
        dialog.accept()
        assert not window.centralWidget().isHidden()
        with db.session() as s:
            from sqlalchemy import select

            from models import AuditEntry

            actions = list(s.scalars(select(AuditEntry.action).where(
                AuditEntry.actor == "root").order_by(AuditEntry.id)))
        assert actions[-3:] == ["lock", "login_failed", "login"]
    finally:
        window.close()


def test_idle_lock_fires_after_inactivity_and_activity_resets_it(qtbot: QtBot) -> None:
    fired: list[int] = []
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    lock = IdleLock(300, lambda: fired.append(1), widget)
    lock.start()
    for _ in range(4):  # activity every 150 ms keeps the window open …
        qtbot.wait(150)
        event = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5),
                            Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)
    assert fired == []
    qtbot.waitUntil(lambda: fired == [1], timeout=3000)  # … idleness locks it
    assert not lock.timer.isActive()
    lock.stop()


def test_change_password_dialog(qtbot: QtBot, db: Database) -> None:
    add(db, "erin", "查看", "old-password")
    auth.login(db, "erin", "old-password")
    dialog = ChangePasswordDialog(db)
    qtbot.addWidget(dialog)
    dialog.old.setText("old-password")
    dialog.new.setText("new-password-1")
    dialog.repeat.setText("new-password-1")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()
    assert auth.login(db, "erin", "new-password-1").name == "erin"


def test_users_dialog(qtbot: QtBot, db: Database) -> None:
    add(db, "root", "管理员")
    add(db, "clerk", "经办人")
    auth.login(db, "root", "good-password")
    dialog = UsersDialog(db)
    qtbot.addWidget(dialog)
    model: Any = dialog.model
    assert [r["username"] for r in model.rows] == ["clerk", "root"]
    assert model.data(model.index(0, 2)) == "经办人" and model.data(model.index(0, 3)) == "正常"
    dialog.view.selectRow(0)
    dialog.role.setCurrentText("查看")
    assert dialog.change_role()
    assert model.data(model.index(0, 2)) == "查看"
    dialog.view.selectRow(1)
    dialog.role.setCurrentText("经办人")
    assert not dialog.change_role()  # the last administrator
    assert "最后一位管理员" in dialog.message.text()
    add_dialog = dialog.add_user()
    add_dialog.username.setText("newbie")
    add_dialog.password.setText("newbie-pass-1")
    add_dialog.accept()
    assert "newbie" in [r["username"] for r in model.rows]


def test_a_read_only_user_sees_the_editing_buttons_disabled(
        qtbot: QtBot, db: Database, county: County, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    login_on(db)
    add(db, "root", "管理员")
    add(db, "viewer", "查看")

    def fake_exec(dialog: LoginDialog) -> int:
        dialog.username.setText("viewer")
        dialog.password.setText("good-password")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", fake_exec)
    window = open_window(qtbot, db, tmp_path / "state.json")
    try:
        page = window.show_page("units")
        qtbot.waitUntil(lambda: page.model.shown > 0, timeout=10_000)
        page.table.selectRow(0)
        assert page.read_only
        assert not page.new_button.isEnabled()
        assert not page.edit_button.isEnabled() and not page.delete_button.isEnabled()
    finally:
        window.close()
