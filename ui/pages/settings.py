"""设置: every setting the services define (``services.settings.definitions``), grouped,
each with its help, its own check (the message shows beside it before saving) and 恢复默认;
plus where the data and the backups live. Later features' settings appear here by defining
them — this screen knows none of them by name."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from services import paths
from services import settings as settings_service
from services.errors import ValidationError
from ui.context import SETTING, AppContext, Changes
from ui.pages import Page, PageSpec
from ui.tasks import TaskControl
from ui.widgets import ErrorLabel, heading, muted


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


class SettingEditor(QWidget):
    """One setting: its editor, 恢复默认, its help and its error line."""

    def __init__(self, definition: Any, on_change: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.definition = definition
        choices = definition.choice_list() if hasattr(definition, "choice_list") else []
        self.editor: QWidget
        self.structured = isinstance(definition.default, dict | list)
        if self.structured:
            # A table of values (e.g. the import's column names): kept by the screen that
            # edits it; shown here, and 恢复默认 empties it.
            self.editor = QLineEdit(self)
            self.editor.setReadOnly(True)
        elif isinstance(definition.default, bool):
            self.editor = QCheckBox(self.tr("是"), self)
            self.editor.toggled.connect(on_change)
        elif choices:
            self.editor = QComboBox(self)
            self.editor.addItems(choices)
            self.editor.currentIndexChanged.connect(on_change)
        else:
            self.editor = QLineEdit(self)
            self.editor.textEdited.connect(on_change)
        self.editor.setAccessibleName(definition.label)
        self.reset_button = QToolButton(self)
        self.reset_button.setText(self.tr("恢复默认"))
        self.reset_button.setToolTip(self.tr("默认值：{0}").format(
            self._shown(definition.default) or self.tr("（空）")))
        self.reset_button.clicked.connect(lambda: (self.set_value(definition.default),
                                                   on_change()))
        self.error = ErrorLabel(self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editor, 1)
        row.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        if definition.help:
            layout.addWidget(muted(definition.help, self))
        layout.addWidget(self.error)

    def _shown(self, value: Any) -> str:
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, bool):
            return "是" if value else "否"
        return _text(value)

    def value(self) -> Any:
        if self.structured:
            return json.loads(self.editor.text() or "null")  # type: ignore[attr-defined]
        if isinstance(self.editor, QCheckBox):
            return self.editor.isChecked()
        if isinstance(self.editor, QComboBox):
            return self.editor.currentText()
        return self.editor.text()  # type: ignore[attr-defined]

    def set_value(self, value: Any) -> None:
        if self.structured:
            self.editor.setText(json.dumps(value, ensure_ascii=False))  # type: ignore[attr-defined]
        elif isinstance(self.editor, QCheckBox):
            self.editor.setChecked(bool(value))
        elif isinstance(self.editor, QComboBox):
            index = self.editor.findText(_text(value))
            if index < 0:
                self.editor.addItem(_text(value))
                index = self.editor.count() - 1
            self.editor.setCurrentIndex(index)
        else:
            self.editor.setText(_text(value))  # type: ignore[attr-defined]

    def same_as(self, stored: Any) -> bool:
        value = self.value()
        if self.structured:
            return value == stored
        if isinstance(value, bool):
            return value == bool(stored)
        return value == _text(stored)


class SettingsPage(Page):
    """Attributes: ``editors`` (key → SettingEditor), ``stored`` (values as saved)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.editors: dict[str, SettingEditor] = {}
        self.stored: dict[str, Any] = {}
        self.loaded = False
        self._check_generation = 0
        self.body = QWidget(self)
        self.body_layout = QVBoxLayout(self.body)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        self.save_button = QPushButton(self.tr("保存设置"), self)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.discard_button = QPushButton(self.tr("放弃修改"), self)
        self.discard_button.clicked.connect(self.discard)
        self.defaults_button = QPushButton(self.tr("全部恢复默认"), self)
        self.defaults_button.setToolTip(self.tr("把每一项设为默认值（保存后生效）"))
        self.defaults_button.clicked.connect(self.restore_defaults)
        self.status = muted("", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.defaults_button)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("设置"), self))
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    # -- loading --------------------------------------------------------------------------------

    def activate(self, argument: Any = None) -> None:
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        database = self.ctx.database

        def work(_control: TaskControl) -> tuple[list[Any], dict[str, Any]]:
            definitions = settings_service.definitions()  # imports every defining module
            # A choice list may come from a catalogue: read it here, not on the GUI thread.
            for d in definitions:
                if callable(d.choices):
                    d.choice_list()
            with database.session() as session:
                return definitions, settings_service.get_all(session)

        self.ctx.tasks.run(work, on_done=self._loaded, owner=self,
                           label=self.tr("正在读取设置…"))

    def _loaded(self, result: tuple[list[Any], dict[str, Any]]) -> None:
        definitions, values = result
        if not self.loaded:
            self._build(definitions)
        self.stored = dict(values)
        for key, editor in self.editors.items():
            editor.set_value(values.get(key, editor.definition.default))
            editor.error.set_error("")
        self.loaded = True
        self._update_buttons()

    def _build(self, definitions: list[Any]) -> None:
        groups: dict[str, QFormLayout] = {}
        for definition in definitions:
            form = groups.get(definition.group)
            if form is None:
                box = QGroupBox(definition.group, self.body)
                form = QFormLayout(box)
                form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
                groups[definition.group] = form
                self.body_layout.addWidget(box)
            editor = SettingEditor(definition, lambda *_a, k=definition.key: self._edited(k),
                                   self.body)
            label = QLabel(definition.label + self.tr("："), self.body)
            label.setBuddy(editor.editor)
            label.setWordWrap(True)
            form.addRow(label, editor)
            self.editors[definition.key] = editor
        self.body_layout.addWidget(self._places_box())
        self.body_layout.addWidget(self._display_box())
        self.body_layout.addStretch(1)

    def _places_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("数据与备份"), self.body)
        form = QFormLayout(box)
        data_dir = paths.data_dir()
        rows = ((self.tr("数据库"), self.ctx.database.display_name, None),
                (self.tr("数据文件夹"), str(data_dir), data_dir),
                (self.tr("备份文件夹"), str(paths.backup_dir()), paths.backup_dir()))
        for label, text, folder in rows:
            value = QLabel(text, box)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            row = QHBoxLayout()
            row.addWidget(value, 1)
            if folder is not None:
                button = QToolButton(box)
                button.setText(self.tr("打开文件夹"))
                button.clicked.connect(
                    lambda _c=False, f=folder: QDesktopServices.openUrl(QUrl.fromLocalFile(str(f))))
                row.addWidget(button)
            form.addRow(label + self.tr("："), row)
        form.addRow(muted(self.tr("升级数据库前，程序会自动把原数据库复制到备份文件夹。"
                                  "要换一个数据库文件，请用启动参数 --db 或环境变量 "
                                  "EXPERT_DISPATCH_DB。"), box))
        return box

    def _display_box(self) -> QGroupBox:
        """The size of the interface text: this computer's preference, kept with the window
        layout, not with the data."""
        box = QGroupBox(self.tr("界面（仅本机）"), self.body)
        form = QFormLayout(box)
        self.font_size = QSpinBox(box)
        self.font_size.setRange(8, 24)
        self.font_size.setSuffix(self.tr(" 磅"))
        app = QApplication.instance()
        current = app.font().pointSize() if app is not None else 10  # type: ignore[attr-defined]
        self.font_size.setValue(int(self.ctx.state.get("font_size") or current))
        self.font_size.valueChanged.connect(self._font_size_changed)
        form.addRow(self.tr("界面字号："), self.font_size)
        return box

    def _font_size_changed(self, size: int) -> None:
        self.ctx.state.set("font_size", size)
        app = QApplication.instance()
        if app is not None:
            font = app.font()  # type: ignore[attr-defined]
            font.setPointSize(size)
            app.setFont(font)  # type: ignore[attr-defined]

    # -- editing ---------------------------------------------------------------------------------

    def changed_keys(self) -> list[str]:
        return [k for k, e in self.editors.items()
                if not e.same_as(self.stored.get(k, e.definition.default))]

    def is_dirty(self) -> bool:
        return bool(self.changed_keys())

    def _edited(self, key: str) -> None:
        self._update_buttons()
        self._check(key)

    def _check(self, key: str) -> None:
        """The setting's own check, off the GUI thread (some read files, e.g. fonts)."""
        editor = self.editors[key]
        value = editor.value()
        self._check_generation += 1
        generation = self._check_generation

        def work(_control: TaskControl) -> str:
            try:
                editor.definition.check(value)
            except ValidationError as exc:
                return exc.message
            return ""

        def done(message: str) -> None:
            if generation == self._check_generation or not message:
                editor.error.set_error(message)

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def _update_buttons(self) -> None:
        dirty = self.loaded and self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.discard_button.setEnabled(dirty)
        self.defaults_button.setEnabled(self.loaded)
        if dirty:
            self.status.setText(self.tr("有 {0} 项修改尚未保存").format(len(self.changed_keys())))
        elif self.loaded:
            self.status.setText("")

    def discard(self) -> None:
        for key, editor in self.editors.items():
            editor.set_value(self.stored.get(key, editor.definition.default))
            editor.error.set_error("")
        self._update_buttons()

    def restore_defaults(self) -> None:
        for editor in self.editors.values():
            editor.set_value(editor.definition.default)
            editor.error.set_error("")
        self._update_buttons()

    def save(self) -> None:
        changed = {k: self.editors[k].value() for k in self.changed_keys()}
        if not changed:
            return
        defaults = {k for k in changed if self.editors[k].same_as(
            self.editors[k].definition.default)}
        database = self.ctx.database
        self.save_button.setEnabled(False)

        def work(_control: TaskControl) -> dict[str, str]:
            errors: dict[str, str] = {}
            with database.unit_of_work() as uow:
                for key, value in changed.items():
                    try:
                        if key in defaults:
                            settings_service.reset(uow.session, key)
                        else:
                            settings_service.set_value(uow.session, key, value)
                    except ValidationError as exc:
                        errors.update(exc.errors)
                if not errors:
                    uow.commit()
            return errors

        def done(errors: dict[str, str]) -> None:
            if errors:
                for key, editor in self.editors.items():
                    editor.error.set_error(errors.get(key, ""))
                self.status.setText(self.tr("有 {0} 项设置不正确，未保存。").format(len(errors)))
                self._update_buttons()
                return
            for editor in self.editors.values():
                editor.error.set_error("")
            self.ctx.notify(Changes.of(SETTING))
            self.refresh()
            self.ctx.window.statusBar().showMessage(self.tr("设置已保存。"), 5000)

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在保存设置…"))


PAGE = PageSpec("settings", "设置", 100, SettingsPage,
                QStyle.StandardPixmap.SP_FileDialogContentsView, "Ctrl+9")
