"""The specialty picker: the field tree (领域 › 产业 › 专题) with a search that understands
pinyin, for one field (a need) or several (an expert's specialties)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from services.search import matches

IdRole = Qt.ItemDataRole.UserRole


class FieldPickerDialog(QDialog):
    """Choose fields from the tree. ``chosen()`` gives their ids (in tree order)."""

    def __init__(self, fields: Sequence[Any], selected: Sequence[int], *, multiple: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.multiple = multiple
        self.setWindowTitle(self.tr("选择专业领域") if not multiple else self.tr("选择专长"))
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("输入名称或拼音首字母筛选，如“茶叶”或“cy”"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.items: dict[int, QTreeWidgetItem] = {}
        wanted = set(selected)
        for info in sorted(fields, key=lambda f: (f.level, f.path)):
            parent_item = self.items.get(info.parent_id) if info.parent_id else None
            item = QTreeWidgetItem([info.name])
            item.setData(0, IdRole, info.id)
            item.setToolTip(0, info.path)
            item.setData(0, Qt.ItemDataRole.UserRole + 1, info.path)
            if multiple:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Checked if info.id in wanted
                                   else Qt.CheckState.Unchecked)
            if parent_item is None:
                self.tree.addTopLevelItem(item)
            else:
                parent_item.addChild(item)
            self.items[info.id] = item
        for field_id in wanted:
            item = self.items.get(field_id)
            if item is not None:
                parent = item.parent()
                while parent is not None:
                    parent.setExpanded(True)
                    parent = parent.parent()
                if not multiple:
                    self.tree.setCurrentItem(item)
        self.tree.itemDoubleClicked.connect(lambda *_: None if multiple else self.accept())
        self.summary = QLabel(self)
        if multiple:
            self.tree.itemChanged.connect(self._update_summary)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.tr("确定"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 30,
                    self.fontMetrics().height() * 32)
        self._update_summary()

    def chosen(self) -> list[int]:
        if not self.multiple:
            item = self.tree.currentItem()
            return [item.data(0, IdRole)] if item is not None else []
        found = []
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            item = iterator.value()
            if item.checkState(0) == Qt.CheckState.Checked:
                found.append(item.data(0, IdRole))
            iterator += 1
        return found

    def _update_summary(self, *_args: Any) -> None:
        if self.multiple:
            self.summary.setText(self.tr("已选 {0} 项").format(len(self.chosen())))

    def _filter(self, text: str) -> None:
        """Show the fields that match and the branches leading to them."""

        def visit(item: QTreeWidgetItem) -> bool:
            own = matches(text, item.text(0), item.data(0, Qt.ItemDataRole.UserRole + 1))
            child_match = False
            for i in range(item.childCount()):
                child_match |= visit(item.child(i))
            shown = own or child_match
            item.setHidden(not shown)
            if text and child_match:
                item.setExpanded(True)
            return shown

        for i in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(i))


class FieldSelector(QWidget):
    """A form field showing the chosen field(s) with a 选择… button. Signal: ``changed``.
    ``value()``: a field id (single) or a list of ids (multiple)."""

    changed = Signal()

    def __init__(self, *, multiple: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.multiple = multiple
        self.fields: list[Any] = []
        self._by_id: dict[int, Any] = {}
        self._chosen: list[int] = []
        self.text = QLineEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlaceholderText(self.tr("未选择"))
        self.button = QPushButton(self.tr("选择…"), self)
        self.button.clicked.connect(self.open_picker)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self.dialog: FieldPickerDialog | None = None

    def set_fields(self, fields: Sequence[Any]) -> None:
        self.fields = list(fields)
        self._by_id = {f.id: f for f in self.fields}
        self._show()

    def value(self) -> Any:
        if self.multiple:
            return list(self._chosen)
        return self._chosen[0] if self._chosen else None

    def set_value(self, value: Any) -> None:
        if value is None or value == "":
            ids: list[int] = []
        elif isinstance(value, list | tuple):
            ids = [int(v) for v in value]
        else:
            ids = [int(value)]
        if ids != self._chosen:
            self._chosen = ids
            self._show()
            self.changed.emit()

    def _show(self) -> None:
        known = [self._by_id[i] for i in self._chosen if i in self._by_id]
        if self.multiple:
            self.text.setText("、".join(f.name for f in known))
        else:
            self.text.setText(known[0].path if known else "")
        self.text.setToolTip("\n".join(f.path for f in known))

    def open_picker(self) -> FieldPickerDialog:
        dialog = FieldPickerDialog(self.fields, self._chosen, multiple=self.multiple,
                                   parent=self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.set_value(dialog.chosen()))
        self.dialog = dialog
        dialog.open()
        return dialog

