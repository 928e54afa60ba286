"""Small widgets the screens share: an optional date, a field's error message, the undo bar,
the search box, headings."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QWidget,
)

ERROR_COLOR = "#c0392b"
DATE_FORMAT = "yyyy-MM-dd"


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class DateEdit(QDateEdit):
    """A date with a calendar popup, shown as 2026-05-03 whatever the locale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(DATE_FORMAT)
        self.setDate(QDate.currentDate())

    def value(self) -> date:
        return from_qdate(self.date())

    def set_value(self, value: date | None) -> None:
        self.setDate(to_qdate(value) if value else QDate.currentDate())


class OptionalDateEdit(QWidget):
    """A date that may be left open (未定): a check box turns the date on. Signal:
    ``changed`` on any edit."""

    changed = Signal()

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox(text or self.tr("指定"), self)
        self.edit = DateEdit(self)
        self.edit.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.edit, 1)
        self.check.toggled.connect(self.edit.setEnabled)
        self.check.toggled.connect(self.changed)
        self.edit.dateChanged.connect(self.changed)

    def value(self) -> date | None:
        return self.edit.value() if self.check.isChecked() else None

    def set_value(self, value: date | None) -> None:
        self.check.setChecked(value is not None)
        if value is not None:
            self.edit.set_value(value)


class ErrorLabel(QLabel):
    """A field's problem in red under the field; hidden while there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOR)
        self.setPalette(palette)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def set_error(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))


class UndoBar(QFrame):
    """"已删除 3 条需求。[撤销]" under a list after a delete, for a while. Ctrl+Z also undoes
    while it shows. Signal: ``undo``."""

    undo = Signal()
    SHOW_MS = 30_000

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.ToolTipBase))
        palette.setColor(QPalette.ColorRole.WindowText,
                         palette.color(QPalette.ColorRole.ToolTipText))
        self.setPalette(palette)
        self.label = QLabel(self)
        self.button = QPushButton(self.tr("撤销"), self)
        self.button.setToolTip(self.tr("恢复刚才删除的记录（Ctrl+Z）"))
        close = QToolButton(self)
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("关闭提示"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        layout.addWidget(close)
        self.button.clicked.connect(self._undo)
        close.clicked.connect(self.hide)
        self.shortcut = QShortcut(QKeySequence.StandardKey.Undo, parent or self)
        self.shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.shortcut.activated.connect(self._undo)
        self.shortcut.setEnabled(False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.button.setEnabled(True)
        self.shortcut.setEnabled(True)
        self.show()
        self._timer.start(self.SHOW_MS)

    def hideEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.shortcut.setEnabled(False)
        super().hideEvent(event)

    def _undo(self) -> None:
        if self.isVisible() and self.button.isEnabled():
            self.button.setEnabled(False)
            self.undo.emit()


class SearchBox(QLineEdit):
    """The quick search of a list: Esc clears it."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 18)
        # Render the clear button's icon now, not on the first keystroke (it shows then).
        self.style().standardIcon(QStyle.StandardPixmap.SP_LineEditClearButton).pixmap(
            self.fontMetrics().height())

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


def heading(text: str, parent: QWidget | None = None, scale: float = 1.35) -> QLabel:
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def muted(text: str, parent: QWidget | None = None) -> QLabel:
    """Secondary text (help under a field, counts)."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label
