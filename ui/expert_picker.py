"""The expert picker: a searchable list of experts (name, code, employer or specialty, also by
pinyin initials through services.search) from which one or several are chosen — a team's
members, a base's or an activity's experts, a workstation's expert."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from services.search import matches

Index = QModelIndex | QPersistentModelIndex

_COLUMNS = (("name", "姓名"), ("code", "编号"), ("title", "职称"), ("employer", "工作单位"),
            ("specialties", "专长"))


class ExpertChoiceModel(QAbstractTableModel):
    """Experts (dicts with id, code, name, title, employer, specialties), filtered by a search
    text. With ``multiple`` the first column carries a check box; ``chosen()`` gives the ids
    checked, in list order, including those the filter hides."""

    chosenChanged = Signal()

    def __init__(self, experts: Sequence[dict[str, Any]], selected: Sequence[int], *,
                 multiple: bool, parent: Any = None) -> None:
        super().__init__(parent)
        self.experts = list(experts)
        self.multiple = multiple
        self.checked: set[int] = set(selected)
        self.shown: list[int] = list(range(len(self.experts)))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(_COLUMNS[section][1])
        return None

    def expert(self, row: int) -> dict[str, Any]:
        return self.experts[self.shown[row]]

    def expert_id(self, row: int) -> int:
        return int(self.expert(row)["id"])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        expert = self.expert(index.row())
        key = _COLUMNS[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(expert.get(key) or "")
        if role == Qt.ItemDataRole.CheckStateRole and self.multiple and index.column() == 0:
            return (Qt.CheckState.Checked if expert["id"] in self.checked
                    else Qt.CheckState.Unchecked)
        if role == Qt.ItemDataRole.UserRole:
            return expert["id"]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if self.multiple and index.isValid() and index.column() == 0:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not (index.isValid() and self.multiple and index.column() == 0
                and role == Qt.ItemDataRole.CheckStateRole):
            return False
        expert_id = self.expert_id(index.row())
        on = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) \
            else value
        if on:
            self.checked.add(expert_id)
        else:
            self.checked.discard(expert_id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.chosenChanged.emit()
        return True

    def toggle(self, row: int) -> None:
        index = self.index(row, 0)
        on = self.expert_id(row) not in self.checked
        self.setData(index, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked,
                     Qt.ItemDataRole.CheckStateRole)

    def set_filter(self, text: str) -> None:
        self.beginResetModel()
        self.shown = [i for i, e in enumerate(self.experts)
                      if not text or matches(text, e["name"], e["code"], e.get("employer", ""),
                                             e.get("specialties", ""), e.get("title", ""))]
        self.endResetModel()

    def chosen(self) -> list[int]:
        return [int(e["id"]) for e in self.experts if e["id"] in self.checked]

    def row_of_id(self, expert_id: int) -> int | None:
        for row, i in enumerate(self.shown):
            if self.experts[i]["id"] == expert_id:
                return row
        return None


class ExpertPickerDialog(QDialog):
    """Choose one expert or several. ``chosen()`` gives their ids."""

    def __init__(self, experts: Sequence[dict[str, Any]], selected: Sequence[int], *,
                 multiple: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.multiple = multiple
        self.setWindowTitle(self.tr("选择专家") if multiple else self.tr("选择一位专家"))
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("输入姓名、编号、单位、专长或拼音首字母筛选，如“zsm”"))
        self.search.setClearButtonEnabled(True)
        self.model = ExpertChoiceModel(experts, selected, multiple=multiple, parent=self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        width = self.fontMetrics().horizontalAdvance("中")
        for column, chars in enumerate((7, 7, 7, 12, 14)):
            self.view.setColumnWidth(column, chars * width)
        self.search.textChanged.connect(self._filter)
        self.view.doubleClicked.connect(self._double_clicked)
        self.summary = QLabel(self)
        self.model.chosenChanged.connect(self._update_summary)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.tr("确定"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(width * 56, self.fontMetrics().height() * 30)
        if not multiple and selected:
            self._select(selected[0])
        self._update_summary()

    def _select(self, expert_id: int) -> None:
        row = self.model.row_of_id(expert_id)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row, 0))

    def _filter(self, text: str) -> None:
        self.model.set_filter(text)
        if not self.multiple and self.model.rowCount() == 1:
            self.view.setCurrentIndex(self.model.index(0, 0))

    def _double_clicked(self, index: QModelIndex) -> None:
        if self.multiple:
            self.model.toggle(index.row())
        else:
            self.accept()

    def chosen(self) -> list[int]:
        if self.multiple:
            return self.model.chosen()
        index = self.view.currentIndex()
        return [self.model.expert_id(index.row())] if index.isValid() else []

    def _update_summary(self) -> None:
        if self.multiple:
            self.summary.setText(self.tr("已选 {0} 位专家").format(len(self.model.chosen())))


class ExpertSelector(QWidget):
    """A form field showing the chosen expert(s) with a 选择… button. Signal ``changed``.
    ``value()``: an expert id (single, or None) or a list of ids (multiple)."""

    changed = Signal()

    def __init__(self, *, multiple: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.multiple = multiple
        self.experts: list[dict[str, Any]] = []
        self._by_id: dict[int, dict[str, Any]] = {}
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
        self.dialog: ExpertPickerDialog | None = None

    def set_experts(self, experts: Sequence[dict[str, Any]]) -> None:
        self.experts = list(experts)
        self._by_id = {int(e["id"]): e for e in self.experts}
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
        self.text.setText("、".join(e["name"] for e in known))
        self.text.setToolTip("\n".join(f"{e['name']}（{e['code']}）{e.get('employer', '')}"
                                       for e in known))

    def open_picker(self) -> ExpertPickerDialog:
        dialog = ExpertPickerDialog(self.experts, self._chosen, multiple=self.multiple,
                                    parent=self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.set_value(dialog.chosen()))
        self.dialog = dialog
        dialog.open()
        return dialog
