"""An expert's unavailable periods (不可服务时段): a list of date ranges with a reason, edited
in the expert's form and saved with it. Each range is checked by the service's own rule
(dates in order, no overlap) when it is added."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from services.errors import ValidationError
from services.experts import check_period
from ui.widgets import DateEdit, ErrorLabel


class AvailabilityEditor(QWidget):
    """Signal: ``changed``. ``value()`` is the list of periods, each a dict with ``id`` (None
    for one added in this form), ``start_date``, ``end_date`` and ``reason``."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.periods: list[dict[str, Any]] = []
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("开始"), self.tr("结束"), self.tr("原因")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(self.fontMetrics().height() * 6)
        self.start = DateEdit(self)
        self.end = DateEdit(self)
        self.end.set_value(date.today() + timedelta(days=6))
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("原因，如：出国访学、手术排班"))
        self.add_button = QPushButton(self.tr("添加"), self)
        self.add_button.clicked.connect(self.add_from_inputs)
        self.remove_button = QPushButton(self.tr("删除所选"), self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.error = ErrorLabel(self)
        inputs = QHBoxLayout()
        inputs.addWidget(QLabel(self.tr("从"), self))
        inputs.addWidget(self.start)
        inputs.addWidget(QLabel(self.tr("到"), self))
        inputs.addWidget(self.end)
        inputs.addWidget(self.reason, 1)
        inputs.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(inputs)
        layout.addWidget(self.error)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)

    def value(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self.periods]

    def set_value(self, periods: list[dict[str, Any]] | None) -> None:
        self.periods = sorted((dict(p) for p in periods or []), key=lambda p: p["start_date"])
        self._show()

    def add_period(self, start: Any, end: Any, reason: str = "") -> bool:
        """Add a range after the service's check; False (with the message shown) if bad."""
        try:
            s, e = check_period(start, end,
                                [(p["start_date"], p["end_date"]) for p in self.periods])
        except ValidationError as exc:
            self.error.set_error(exc.message)
            return False
        self.error.set_error("")
        self.periods.append({"id": None, "start_date": s, "end_date": e, "reason": reason})
        self.periods.sort(key=lambda p: p["start_date"])
        self._show()
        self.changed.emit()
        return True

    def add_from_inputs(self) -> None:
        if self.add_period(self.start.value(), self.end.value(), self.reason.text().strip()):
            self.reason.clear()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            del self.periods[row]
        if rows:
            self._show()
            self.changed.emit()

    def _show(self) -> None:
        self.table.setRowCount(len(self.periods))
        for row, p in enumerate(self.periods):
            for column, text in enumerate((p["start_date"].isoformat(), p["end_date"].isoformat(),
                                           p.get("reason") or "")):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
