"""Message boxes that never block: each opens window-modal with ``open()`` and reports the
answer through a callback, so no nested event loop runs under a background task's callback
(and tests can click the buttons). Button texts are Chinese whatever the Qt translation."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from services.about import APP_NAME

Role = QMessageBox.ButtonRole


def _tr(text: str) -> str:
    return QCoreApplication.translate("messages", text)


def _box(parent: QWidget | None, icon: QMessageBox.Icon, text: str, title: str | None,
         details: str | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title or APP_NAME)
    box.setText(text)
    if details:
        box.setDetailedText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal if parent is not None
                          else Qt.WindowModality.ApplicationModal)
    return box


def inform(parent: QWidget | None, text: str, *, title: str | None = None) -> QMessageBox:
    box = _box(parent, QMessageBox.Icon.Information, text, title, None)
    box.addButton(_tr("确定"), Role.AcceptRole)
    box.open()
    return box


def warn(parent: QWidget | None, text: str, *, title: str | None = None,
         details: str | None = None) -> QMessageBox:
    """A user's error (a ``ServiceError``'s message): what is wrong and what to do."""
    box = _box(parent, QMessageBox.Icon.Warning, text, title, details)
    box.addButton(_tr("确定"), Role.AcceptRole)
    box.open()
    return box


def internal_error(parent: QWidget | None, exc: BaseException, details: str) -> QMessageBox:
    """A bug: said plainly, with the traceback behind 显示详细信息 for whoever helps."""
    text = _tr("程序内部出错，操作没有完成。数据没有被改动。\n"
               "请把“显示详细信息”中的内容发给技术支持。")
    box = _box(parent, QMessageBox.Icon.Critical, text, None,
               f"{type(exc).__name__}: {exc}\n\n{details}")
    box.addButton(_tr("确定"), Role.AcceptRole)
    box.open()
    return box


def ask(
    parent: QWidget | None,
    text: str,
    buttons: Sequence[tuple[str, Role]],
    on_answer: Callable[[int], None],
    *,
    title: str | None = None,
    informative: str = "",
    default: int = 0,
) -> QMessageBox:
    """Ask with the given buttons; ``on_answer(index)`` gets the index of the button pressed
    (-1 when the box was closed without one)."""
    box = _box(parent, QMessageBox.Icon.Question, text, title, None)
    if informative:
        box.setInformativeText(informative)
    made = [box.addButton(label, role) for label, role in buttons]
    box.setDefaultButton(made[default])

    def finished() -> None:
        clicked = box.clickedButton()
        on_answer(made.index(clicked) if clicked in made else -1)

    box.finished.connect(finished)
    box.open()
    return box
