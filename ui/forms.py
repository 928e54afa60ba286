"""The edit dialog every record shares: fields with their problems shown in red beside them
as the user types (the services' own checks, run off the GUI thread), save through a unit of
work, and a guard against closing with unsaved changes.

A subclass builds its fields with ``add_field`` and says how to load, check and save
(``load``, ``check``, ``save``); the messages are the services' (``ValidationError.errors``
maps each field to its Chinese message), never rules written again here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from services.errors import ConflictError, ServiceError, ValidationError
from ui import messages
from ui.context import AppContext, Changes
from ui.tasks import TaskControl
from ui.widgets import ErrorLabel, OptionalDateEdit

Role = messages.Role


@dataclass
class FormField:
    key: str
    label: str
    widget: QWidget
    get: Callable[[], Any]
    set: Callable[[Any], None]
    error: ErrorLabel


def line_edit(max_length: int = 0) -> QLineEdit:
    edit = QLineEdit()
    if max_length:
        edit.setMaxLength(max_length + 20)  # the service says "太长" with the count
    return edit


def combo(options: list[tuple[str, Any]]) -> QComboBox:
    box = QComboBox()
    for text, value in options:
        box.addItem(text, value)
    return box


def combo_value(box: QComboBox) -> Any:
    return box.currentData()


def set_combo_value(box: QComboBox, value: Any) -> None:
    index = box.findData(value)
    box.setCurrentIndex(index if index >= 0 else 0)


class RecordForm(QDialog):
    """A create/edit dialog. Signals: ``ready()`` once its choices and values are in,
    ``saved(id)`` after a successful save.

    Attributes: ``record_id`` (None for a new record), ``fields`` (key → FormField),
    ``general_error`` (problems that belong to no single field), ``loaded`` (the values the
    form started from, to know whether anything changed).
    """

    saved = Signal(int)
    ready = Signal()

    kind = ""
    noun = "记录"
    aliases: ClassVar[dict[str, str]] = {}  # error key of the service → field key of the form
    CHECK_DELAY_MS = 350

    def __init__(self, ctx: AppContext, record_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent or ctx.window)
        self.ctx = ctx
        self.record_id = record_id
        self.version: int | None = None
        self.fields: dict[str, FormField] = {}
        self._touched: set[str] = set()
        self._initial: dict[str, Any] | None = None
        self._check_generation = 0
        self._saving = False
        self._closing = False
        self.setWindowTitle(self.tr("编辑{0}").format(self.tr(self.noun)) if record_id
                            else self.tr("新建{0}").format(self.tr(self.noun)))
        self.setWindowModality(Qt.WindowModality.WindowModal)

        self.general_error = ErrorLabel(self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addLayout(self.form)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.buttons = QDialogButtonBox(self)
        self.save_button = QPushButton(self.tr("保存"), self)
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("取消"), self)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_error)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(self.CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_now)

        self.build()
        width = self.fontMetrics().horizontalAdvance("中") * 38
        self.resize(width, min(self.sizeHint().height() + 40,
                               self.fontMetrics().height() * 40))
        self._set_enabled(False)
        self.status.setText(self.tr("正在读取…"))
        self._load()

    # -- what a subclass provides -------------------------------------------------------------

    def build(self) -> None:
        raise NotImplementedError

    def defaults(self) -> dict[str, Any]:
        return {}

    def load_choices(self, session: Any) -> Any:
        """What the drop-downs offer (units, places, the field tree …); runs on a worker."""
        return None

    def apply_choices(self, choices: Any) -> None:
        """Fill the drop-downs (GUI thread), before the values are set."""

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        """The values to edit (runs on a worker)."""
        raise NotImplementedError

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        """Field → message for the problems ``data`` has (runs on a worker; saves nothing)."""
        return {}

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        """Create or update inside ``uow`` (committed afterwards); returns the id."""
        raise NotImplementedError

    def after_load(self, values: dict[str, Any]) -> None:
        """Called on the GUI thread once the record's values are in the fields."""

    def extra_values(self) -> dict[str, Any]:
        """Values that are not a simple field (e.g. pending unavailable periods)."""
        return {}

    # -- fields ---------------------------------------------------------------------------------

    def add_field(self, key: str, label: str, widget: QWidget, *,
                  get: Callable[[], Any] | None = None,
                  set: Callable[[Any], None] | None = None,
                  help: str = "") -> QWidget:
        """Add a row: the label, the widget and its error line under it. Plain Qt widgets
        (line edits, text boxes, combo boxes, spin boxes, check boxes) need no getter."""
        get, set, changed = _accessors(widget, get, set)
        if changed is not None:
            changed.connect(lambda *_a, k=key: self._edited(k))
        error = ErrorLabel(self)
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(error)
        if help:
            widget.setToolTip(help)
        widget.setAccessibleName(label)
        caption = QLabel(label + self.tr("："), self)
        caption.setBuddy(widget)
        self.form.addRow(caption, holder)
        self.fields[key] = FormField(key, label, widget, get, set, error)
        return widget

    def values(self) -> dict[str, Any]:
        data = {key: f.get() for key, f in self.fields.items()}
        data.update(self.extra_values())
        return data

    def set_values(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            f = self.fields.get(key)
            if f is not None:
                f.set(value)

    def is_dirty(self) -> bool:
        return self._initial is not None and self.values() != self._initial

    def field_error(self, key: str) -> str:
        f = self.fields.get(key)
        return f.error.text() if f is not None and f.error.isVisible() else ""

    def show_errors(self, errors: dict[str, str], *, only_touched: bool = False) -> None:
        """Each message next to its field; the rest at the top. ``only_touched``: leave the
        fields the user has not reached yet alone (no red for an empty form)."""
        by_field: dict[str, str] = {}
        general: list[str] = []
        for key, message in errors.items():
            target = self.aliases.get(key, key)
            if target in self.fields:
                by_field.setdefault(target, message)
            elif not only_touched:
                general.append(message)
        for key, f in self.fields.items():
            if only_touched and key not in self._touched:
                continue
            f.error.set_error(by_field.get(key, ""))
        if not only_touched:
            self.general_error.set_error("\n".join(general))

    def _edited(self, key: str) -> None:
        if self._initial is None:
            return  # still loading
        self._touched.add(key)
        self._check_timer.start()

    # -- checking and saving --------------------------------------------------------------------

    def check_now(self) -> None:
        """Ask the services what is wrong with the values as they are (off the GUI thread);
        the answer shows next to the fields the user has touched."""
        self._check_timer.stop()
        self._check_generation += 1
        generation = self._check_generation
        data = self.values()
        database, check = self.ctx.database, self.check

        def work(_control: TaskControl) -> dict[str, str]:
            with database.session() as session:
                return check(session, data)

        def done(errors: dict[str, str]) -> None:
            if generation == self._check_generation and not self._saving:
                self.show_errors(errors, only_touched=True)

        def failed(exc: Exception) -> bool:
            return isinstance(exc, ServiceError)  # e.g. the record vanished: saving will say

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self)

    def accept(self) -> None:
        if self._saving or self._initial is None:
            return
        self._saving = True
        self._check_timer.stop()
        self._check_generation += 1
        self.save_button.setEnabled(False)
        self.status.setText(self.tr("正在保存…"))
        data = self.values()
        database, save = self.ctx.database, self.save

        def work(_control: TaskControl) -> int:
            with database.unit_of_work() as uow:
                record_id = save(uow, data)
                uow.commit()
                return record_id

        self.ctx.tasks.run(work, on_done=self._saved, on_error=self._save_failed, owner=self,
                           label=self.tr("正在保存…"))

    def _saved(self, record_id: int) -> None:
        self._saving = False
        self.record_id = record_id
        self._initial = self.values()
        self.status.setText("")
        self.ctx.notify(Changes.of(self.kind, [record_id]))
        self.saved.emit(record_id)
        super().accept()

    def _save_failed(self, exc: Exception) -> bool:
        self._saving = False
        self.save_button.setEnabled(True)
        self.status.setText("")
        if isinstance(exc, ValidationError):
            self._touched.update(self.fields)
            self.show_errors(exc.errors)
            first = next((self.fields[self.aliases.get(k, k)] for k in exc.errors
                          if self.aliases.get(k, k) in self.fields), None)
            if first is not None:
                first.widget.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        if isinstance(exc, ConflictError):
            self.general_error.set_error(exc.message)
            self._ask_conflict(exc)
            return True
        if isinstance(exc, ServiceError):
            self.general_error.set_error(exc.message)
            return True
        return False

    # -- someone else saved first ------------------------------------------------------------------

    def conflict_text(self, exc: ConflictError) -> str:
        """The differences, one field a line, named as this form names its fields."""
        lines = []
        for change in exc.changes:
            key = self.aliases.get(change.field, change.field)
            f = self.fields.get(key) or self.fields.get(key.removesuffix("_id"))
            label = f.label if f is not None else change.label
            lines.append(self.tr("{0}：您的是“{1}”，现在是“{2}”").format(
                label, change.mine, change.theirs))
        return "\n".join(lines)

    def _ask_conflict(self, exc: ConflictError) -> None:
        """重新载入 (take the stored version, drop one's edits) or 保留我的修改 (the fields
        this user changed, put on top of the stored version and saved again)."""
        mine = {k: v for k, v in self.values().items()
                if self._initial is None or self._initial.get(k) != v}
        who = exc.changed_by or self.tr("其他人")
        text = self.tr("这条{0}在您编辑期间已被{1}修改并保存。").format(self.tr(self.noun), who)
        details = self.conflict_text(exc)
        informative = (self.tr("不同之处：") + "\n" + details + "\n\n" if details else "") + self.tr(
            "“重新载入”显示对方保存的内容，您的修改不保留；“保留我的修改”把您改过的项填到"
            "最新版本上再保存一次。")

        def answer(index: int) -> None:
            if index == 0:
                self._load(after=None)
            elif index == 1:
                self._load(after=mine)

        self.conflict_box = messages.ask(
            self, text,
            [(self.tr("重新载入"), Role.AcceptRole), (self.tr("保留我的修改"), Role.ActionRole),
             (self.tr("继续编辑"), Role.RejectRole)],
            answer, title=self.tr("保存冲突"), informative=informative, default=0)

    # -- loading ---------------------------------------------------------------------------------

    def _load(self, after: dict[str, Any] | None = None) -> None:
        """Read the choices and the record; ``after``: the user's edits to put back on top of
        what was read, then save again (保留我的修改 after a conflict)."""
        database, record_id = self.ctx.database, self.record_id
        load, load_choices = self.load, self.load_choices

        def work(_control: TaskControl) -> tuple[Any, dict[str, Any] | None]:
            with database.session() as session:
                choices = load_choices(session)
                values = load(session, record_id) if record_id is not None else None
                return choices, values

        def done(result: tuple[Any, dict[str, Any] | None]) -> None:
            choices, values = result
            self.apply_choices(choices)
            if values is None:
                self.set_values(self.defaults())
            else:
                self.version = values.get("version")
                self.set_values(values)
                self.after_load(values)
            self._set_enabled(True)
            self.status.setText("")
            self._initial = self.values()
            self.general_error.set_error("")
            self.ready.emit()
            if after:
                self.set_values(after)
                self._touched.update(after)
                self.accept()

        def failed(exc: Exception) -> bool:
            if isinstance(exc, ServiceError):
                self.status.setText("")
                self.general_error.set_error(exc.message)
                self.cancel_button.setEnabled(True)
                return True
            return False

        self.ctx.tasks.run(work, on_done=done, on_error=failed, owner=self)

    def _set_enabled(self, on: bool) -> None:
        for f in self.fields.values():
            f.widget.setEnabled(on)
        self.save_button.setEnabled(on)

    # -- the unsaved-changes guard ---------------------------------------------------------------

    def reject(self) -> None:
        if self._closing or not self.is_dirty():
            super().reject()
            return

        def answer(index: int) -> None:
            if index == 0:
                self.accept()
            elif index == 1:
                self._closing = True
                QDialog.reject(self)

        self.guard = messages.ask(
            self, self.tr("这条{0}有修改还没有保存。").format(self.tr(self.noun)),
            [(self.tr("保存"), Role.AcceptRole), (self.tr("不保存"), Role.DestructiveRole),
             (self.tr("继续编辑"), Role.RejectRole)],
            answer, informative=self.tr("关闭前要保存吗？"), default=0)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self._closing or not self.is_dirty():
            super().closeEvent(event)
            return
        event.ignore()
        self.reject()


def _accessors(widget: QWidget, get: Callable[[], Any] | None,
               set_: Callable[[Any], None] | None) -> tuple[Callable[[], Any],
                                                            Callable[[Any], None], Any]:
    if isinstance(widget, QLineEdit):
        return (get or widget.text,
                set_ or (lambda v: widget.setText("" if v is None else str(v))),
                widget.textEdited)
    if isinstance(widget, QPlainTextEdit):
        return (get or widget.toPlainText,
                set_ or (lambda v: widget.setPlainText("" if v is None else str(v))),
                widget.textChanged)
    if isinstance(widget, QComboBox):
        return (get or (lambda: combo_value(widget)),
                set_ or (lambda v: set_combo_value(widget, v)),
                widget.currentIndexChanged)
    if isinstance(widget, QSpinBox):
        return (get or widget.value, set_ or (lambda v: widget.setValue(int(v or 0))),
                widget.valueChanged)
    if isinstance(widget, QCheckBox):
        return (get or widget.isChecked, set_ or (lambda v: widget.setChecked(bool(v))),
                widget.toggled)
    if isinstance(widget, OptionalDateEdit):
        return get or widget.value, set_ or widget.set_value, widget.changed
    changed = getattr(widget, "changed", None)
    if get is None or set_ is None:
        raise TypeError(f"{type(widget).__name__} needs get= and set=")
    return get, set_, changed
