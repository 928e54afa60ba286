"""从Excel导入: the import wizard over ``services.exchange``.

The steps (pages):

1. 选择文件 — the file (.xlsx, .xls or .csv), what it holds (需求, 专家, 需求单位) and the year
   of dates written without one (``5月3日``); a blank template can be saved from here.
2. 核对列 — the header row found and, for every column of the file, what it is imported as:
   a drop-down the user may correct. A corrected column is remembered after the import
   (``services.exchange.mappings``), so the next file from that township needs nothing.
3. 地名和单位 — townships, villages and (for needs) units the file names that are not in the
   database: create them, or map each to an existing one (乡 that became 镇, a renamed
   village, a unit spelt differently). Remembered too. Skipped when there are none.
4. 预览 — ``preview_import``: every row's outcome (新增, 更新, 无变化, 跳过/重复, 错误 with its
   row number, column and message), 只看错误, and what to do with duplicates (跳过, 更新,
   保留两条). 导入 commits to the import: there is no way back after it.
5. 导入 — ``import_file`` off the GUI thread with progress and 取消. All accepted rows are
   written in one transaction or none are; then the result, and the error report workbook to
   open or save elsewhere.

The wizard holds one ``ImportOptions``; every page only changes it, and preview and import
get the same options, so the import does exactly what the preview showed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ui.context import PLACE, SETTING, UNIT, AppContext, Changes
from ui.export_dialog import (
    CHANGE_KINDS,
    KIND_LABELS,
    BusyBar,
    ask_open_path,
    ask_save_path,
    error_label,
    open_file,
    quiet_progress,
    save_template,
    writable_folder,
)
from ui.tasks import Task, TaskControl
from ui.widgets import ERROR_COLOR, muted

if TYPE_CHECKING:
    from services.exchange.importer import ImportOptions, ImportResult

IMPORT_KINDS = ("needs", "experts", "units")
FILE_FILTER = "表格文件 (*.xlsx *.xls *.csv *.xlsm *.et *.txt);;所有文件 (*)"
NEW = "新建"  # services.exchange.mappings.NEW, without importing the services at start-up
NOT_IMPORTED = "（不导入）"
FILE_PAGE, COLUMNS_PAGE, PLACES_PAGE, PREVIEW_PAGE, RUN_PAGE = range(5)
ERROR_BRUSH = QBrush(QColor(ERROR_COLOR))


@dataclass
class Inspection:
    """What the file's chosen worksheet looks like: ``header_row`` (1-based), per column its
    ``headers`` text, the ``keys`` it is imported as ("" not imported) and a sample value;
    ``missing`` required columns not found; ``data_rows`` the rows below the header."""

    sheet: str
    sheet_names: list[str]
    header_row: int
    headers: list[str]
    keys: list[str]
    samples: list[str]
    data_rows: int
    columns: list[tuple[str, str, bool]] = field(default_factory=list)  # key, header, required


@dataclass
class Choices:
    """What a place or unit may be mapped to: township names, villages per township, units
    as (code, name, township)."""

    townships: list[str] = field(default_factory=list)
    villages: dict[str, list[str]] = field(default_factory=dict)
    units: list[tuple[str, str, str]] = field(default_factory=list)


def inspect_file(database: Any, kind: str, path: str, options: ImportOptions) -> Inspection:
    """The header the importer would use, read the same way (runs on a worker)."""
    from services.exchange import cells, mappings
    from services.exchange.importer import choose_sheet
    from services.exchange.reading import open_book
    from services.exchange.schema import kind as kind_of

    spec = kind_of(kind)
    book = open_book(path, options.engine)
    with database.session() as session:
        remembered = mappings.column_map(session, kind)
    sheet, colmap = choose_sheet(book, spec, options, remembered)
    keys = [""] * len(colmap.headers)
    for key, indexes in colmap.columns.items():
        for index in indexes:
            keys[index] = key
    body = sheet.rows[colmap.header_row + 1:]
    samples = []
    for index in range(len(colmap.headers)):
        value = next((cells.text(r[index]) for r in body[:50]
                      if index < len(r) and not cells.is_blank(r[index])), "")
        samples.append(value if len(value) <= 24 else value[:23] + "…")
    data_rows = sum(1 for r in body if any(not cells.is_blank(c) for c in r))
    return Inspection(sheet.name, list(book.sheet_names), colmap.header_row + 1,
                      list(colmap.headers), keys, samples, data_rows,
                      [(c.key, c.header, c.required) for c in spec.import_columns])


def load_choices(session: Any, kind: str) -> Choices:
    from services import places, units

    choices = Choices([t["name"] for t in places.list_townships(session)])
    for village in places.list_villages(session):
        choices.villages.setdefault(village["township"], []).append(village["name"])
    if kind == "needs":
        choices.units = [(u["code"], u["name"], u["township"]) for u in units.list_units(session)]
    return choices


def report_target(source: Path) -> Path:
    """Where the error report goes: beside the file, or the data folder when that folder
    cannot be written (a read-only USB stick, a mail attachment)."""
    from services import paths
    from services.exchange.report import default_report_path

    target = default_report_path(source)
    if writable_folder(target.parent):
        return target
    return paths.data_dir() / "导入报告" / target.name


# ---------------------------------------------------------------------------------------------
# The preview table


class PreviewModel(QAbstractTableModel):
    """The rows of a preview or an import: one line per message (a row refused for two
    columns shows twice), ``errors_only`` to see what must be fixed."""

    HEADERS = ("行号", "结果", "编号", "列", "说明")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[tuple[int, str, str, str, str, bool]] = []
        self._lines: list[tuple[int, str, str, str, str, bool]] = []
        self.errors_only = False

    def set_result(self, result: ImportResult | None) -> None:
        from services.exchange.importer import Outcome

        lines = []
        for row in result.rows if result is not None else []:
            label = row.label
            if row.duplicate_of and row.outcome == Outcome.SKIP:
                label = "重复，跳过"
            elif row.duplicate_of and row.outcome == Outcome.UPDATE:
                label = "重复，更新"
            elif row.duplicate_of and row.outcome == Outcome.UNCHANGED:
                label = "重复，无变化"
            error = row.outcome == Outcome.ERROR
            code = row.code or row.duplicate_of
            for column, message in row.messages or [("", "")]:
                lines.append((row.row, label, code, column, message, error))
        self.beginResetModel()
        self._all = lines
        self._lines = [x for x in lines if x[5]] if self.errors_only else list(lines)
        self.endResetModel()

    def set_errors_only(self, on: bool) -> None:
        self.errors_only = on
        self.beginResetModel()
        self._lines = [x for x in self._all if x[5]] if on else list(self._all)
        self.endResetModel()

    def line(self, row: int) -> tuple[int, str, str, str, str, bool]:
        return self._lines[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self._lines[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = line[index.column()]
            return str(value) if value != "" else ("" if role == Qt.ItemDataRole.DisplayRole
                                                   else None)
        if role == Qt.ItemDataRole.ForegroundRole and line[5]:
            return ERROR_BRUSH
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


# ---------------------------------------------------------------------------------------------
# Pages


class _Page(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.busy = BusyBar(self)
        self.error = error_label(self)
        wizard.busyChanged.connect(self.completeChanged)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))


class FilePage(_Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle(self.tr("选择文件"))
        self.setSubTitle(self.tr("选择乡镇报来的 Excel（.xlsx、.xls）或 CSV 文件。表格上方的标题行、"
                                 "合并单元格、全角数字都不要紧。"))
        self.path = QLineEdit(self)
        self.path.setPlaceholderText(self.tr("文件路径"))
        self.path.textChanged.connect(self.completeChanged)
        browse = QPushButton(self.tr("浏览…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.kind = QComboBox(self)
        for name in IMPORT_KINDS:
            self.kind.addItem(self.tr("{0}清单").format(KIND_LABELS[name]), name)
        self.year = QSpinBox(self)
        self.year.setRange(1990, 2100)
        self.year.setValue(date.today().year)
        self.year.setSuffix(self.tr(" 年"))
        self.template_button = QPushButton(self.tr("保存空白导入模板…"), self)
        self.template_button.setToolTip(self.tr("带下拉选项的 Excel 模板，发给乡镇填写"))
        self.template_button.clicked.connect(
            lambda: save_template(self.w.ctx, self.kind.currentData(), self))
        form = QFormLayout(self)
        form.addRow(self.tr("文件："), row)
        form.addRow(self.tr("清单："), self.kind)
        form.addRow(self.tr("不带年份的日期："), self.year)
        form.addRow("", muted(self.tr("表中“5月3日”这样没写年份的日期，按这一年读取。"), self))
        form.addRow("", self.template_button)
        form.addRow(self.error)

    def _browse(self) -> None:
        path = ask_open_path(self, self.w.ctx, self.tr("选择要导入的文件"), FILE_FILTER)
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:
        text = self.path.text().strip()
        return bool(text) and Path(text).is_file() and not self.w.busy

    def validatePage(self) -> bool:
        self.w.set_source(self.path.text().strip(), self.kind.currentData(), self.year.value())
        return True


class ColumnsPage(_Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle(self.tr("核对列"))
        self.setSubTitle(self.tr("程序按表头认出了各列。认错或没认出的，在右侧改过来；改过的对应会记住，"
                                 "下次同样的表头自动使用。"))
        self.sheet = QComboBox(self)
        self.sheet.activated.connect(self._sheet_chosen)
        self.sheet_label = QLabel(self.tr("工作表："), self)
        self.about = QLabel(self)
        self.about.setWordWrap(True)
        self.missing = error_label(self)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("表中的列"), self.tr("示例"),
                                              self.tr("导入为")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.combos: list[QComboBox] = []
        top = QHBoxLayout()
        top.addWidget(self.sheet_label)
        top.addWidget(self.sheet)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.about)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.missing)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)

    def initializePage(self) -> None:
        if self.w.inspection is None:
            self.table.setRowCount(0)
            self.about.clear()
            self.missing.hide()
            self.w.run_inspection(self)
        else:
            self.show_inspection()

    def _sheet_chosen(self, _index: int) -> None:
        name = self.sheet.currentText()
        if self.w.inspection is not None and name != self.w.inspection.sheet:
            self.w.options.sheet = name
            self.w.inspection = None
            self.w.preview = None
            self.initializePage()

    def show_inspection(self) -> None:
        found = self.w.inspection
        if found is None:
            return
        self.sheet.clear()
        self.sheet.addItems(found.sheet_names)
        self.sheet.setCurrentText(found.sheet)
        many = len(found.sheet_names) > 1
        self.sheet.setVisible(many)
        self.sheet_label.setVisible(many)
        self.about.setText(self.tr("工作表“{0}”第 {1} 行是表头，下面有 {2} 行数据。").format(
            found.sheet, found.header_row, found.data_rows))
        self.table.setRowCount(0)
        self.combos = []
        for index, header in enumerate(found.headers):
            if not header:
                continue
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(header))
            self.table.setItem(row, 1, QTableWidgetItem(found.samples[index]))
            box = QComboBox(self.table)
            box.addItem(self.tr(NOT_IMPORTED), "")
            for key, label, required in found.columns:
                box.addItem(label + (self.tr("（必填）") if required else ""), key)
            key = self.w.options.columns.get(header, found.keys[index])
            box.setCurrentIndex(max(box.findData(key), 0))
            box.setProperty("header", header)
            box.currentIndexChanged.connect(lambda _i, b=box: self._changed(b))
            self.table.setCellWidget(row, 2, box)
            self.combos.append(box)
        self._check_missing()

    def mapping(self) -> dict[str, str]:
        """Header text → the key it is imported as now ("" not imported)."""
        return {b.property("header"): b.currentData() for b in self.combos}

    def set_mapping(self, header: str, key: str) -> None:
        """Import the column ``header`` as ``key`` ("" leaves it out), as the user would."""
        box = next(b for b in self.combos if b.property("header") == header)
        index = box.findData(key)
        if index < 0:
            raise KeyError(key)
        box.setCurrentIndex(index)

    def _changed(self, box: QComboBox) -> None:
        self.w.options.columns[box.property("header")] = box.currentData()
        self.w.preview = None
        self._check_missing()

    def missing_columns(self) -> list[str]:
        found = self.w.inspection
        if found is None:
            return []
        chosen = {b.currentData() for b in self.combos}
        if "code" in chosen:
            return []  # rows naming existing records by code need nothing else
        return [label for key, label, required in found.columns
                if required and key not in chosen]

    def _check_missing(self) -> None:
        missing = self.missing_columns()
        self.missing.setText(self.tr("还缺少必填的列：{0}。请在上表中指定表中哪一列是它。").format(
            "、".join(missing)))
        self.missing.setVisible(bool(missing))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return (self.w.inspection is not None and not self.missing_columns()
                and not self.w.busy)

    def validatePage(self) -> bool:
        return self.w.ensure_preview(self)

    def nextId(self) -> int:
        preview = self.w.preview
        if preview is not None and (preview.places or preview.units):
            return PLACES_PAGE
        return PREVIEW_PAGE


class PlacesPage(_Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle(self.tr("地名和单位"))
        self.setSubTitle(self.tr("下列乡镇、村或单位库中还没有（按名称）。可以在导入时新建，也可以对应到库中"
                                 "已有的（如乡改镇、村更名）。选择会被记住。"))
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels([self.tr("类别"), self.tr("表中的名称"),
                                              self.tr("所在乡镇"), self.tr("出现在"),
                                              self.tr("导入时")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.combos: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)

    def initializePage(self) -> None:
        preview, choices = self.w.preview, self.w.choices
        self.table.setRowCount(0)
        self.combos = {}
        if preview is None:
            return
        for issue in preview.places:
            village = issue.level == "village"
            box = QComboBox(self.table)
            box.addItem(self.tr("新建“{0}”").format(issue.name), NEW)
            existing = (choices.villages.get(issue.township, []) if village
                        else choices.townships)
            for name in existing:
                box.addItem(self.tr("对应到已有的“{0}”").format(name), name)
            current = issue.target if issue.action == "map" else NEW
            box.setCurrentIndex(max(box.findData(current), 0))
            self._add_row(self.tr("村") if village else self.tr("乡镇"), issue.name,
                          issue.township if village else "", issue.rows, box, issue.key,
                          issue.message if issue.action == "refuse" else "")
        for unit in preview.units:
            box = QComboBox(self.table)
            box.setEditable(True)
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            box.addItem(self.tr("新建“{0}”").format(unit.name), NEW)
            same_township = [u for u in choices.units if u[2] == unit.township]
            others = [u for u in choices.units if u[2] != unit.township]
            for code, name, township in same_township + others:
                box.addItem(self.tr("{0} {1}（{2}）").format(code, name, township), code)
            completer = box.completer()
            if completer is not None:
                completer.setFilterMode(Qt.MatchFlag.MatchContains)
                completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            current = unit.target if unit.action == "map" else NEW
            box.setCurrentIndex(max(box.findData(current), 0))
            self._add_row(self.tr("需求单位"), unit.name, unit.township, unit.rows, box,
                          "unit:" + unit.name, unit.message if unit.action == "refuse" else "")

    def _add_row(self, what: str, name: str, township: str, rows: list[int], box: QComboBox,
                 key: str, problem: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        shown = "、".join(str(r) for r in rows[:6]) + ("…" if len(rows) > 6 else "")
        for column, text in enumerate((what, name, township, self.tr("第 {0} 行").format(shown))):
            item = QTableWidgetItem(text)
            if problem:
                item.setForeground(ERROR_BRUSH)
                item.setToolTip(problem)
            self.table.setItem(row, column, item)
        box.setProperty("key", key)
        box.currentIndexChanged.connect(lambda _i, b=box: self._changed(b))
        if problem:
            box.setToolTip(problem)
        self.table.setCellWidget(row, 4, box)
        self.combos[key] = box

    def choose(self, key: str, value: str) -> None:
        """What to do with a place (its key, ``township:白云乡``) or a unit (``unit:名称``):
        NEW, or the name of an existing place / the code of an existing unit."""
        box = self.combos[key]
        index = box.findData(value)
        if index < 0:
            raise KeyError(value)
        box.setCurrentIndex(index)

    def _changed(self, box: QComboBox) -> None:
        value = box.currentData()
        if value is None:
            return  # text typed into a unit's box that names no unit yet
        key = box.property("key")
        if key.startswith("unit:"):
            self.w.options.units[key[len("unit:"):]] = value
        else:
            self.w.options.places[key] = value
        self.w.preview_stale()

    def isComplete(self) -> bool:
        return not self.w.busy

    def validatePage(self) -> bool:
        return self.w.ensure_preview(self)


class PreviewPage(_Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle(self.tr("预览"))
        self.setSubTitle(self.tr("每一行导入后的结果。数据库此时还没有任何改动；按“导入”后，所有没有错误的行"
                                 "一次写入，有错误的行写进导入报告。"))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("导入"))
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.notes = muted("", self)
        self.policy = QButtonGroup(self)
        self.policy_buttons: dict[str, QRadioButton] = {}
        policy_row = QHBoxLayout()
        policy_row.addWidget(QLabel(self.tr("与库中已有记录重复时："), self))
        for value, text in (("skip", self.tr("跳过")), ("update", self.tr("更新已有记录")),
                            ("keep", self.tr("保留两条"))):
            button = QRadioButton(text, self)
            button.setProperty("policy", value)
            self.policy.addButton(button)
            self.policy_buttons[value] = button
            policy_row.addWidget(button)
        policy_row.addStretch(1)
        self.policy_buttons["skip"].setChecked(True)
        self.policy.buttonToggled.connect(self._policy_changed)
        self.policy_note = muted(self.tr("重复：编号相同，或身份证号、电话相同（专家），标题和单位相同（需求），"
                                         "名称和乡镇相同（单位）。专家不能保留两条。"), self)
        self.errors_only = QCheckBox(self.tr("只看错误"), self)
        self.model = PreviewModel(self)
        self.errors_only.toggled.connect(self.model.set_errors_only)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.errors_only)
        filter_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        layout.addLayout(policy_row)
        layout.addWidget(self.policy_note)
        layout.addLayout(filter_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)

    def initializePage(self) -> None:
        self.policy.blockSignals(True)
        self.policy_buttons[self.w.options.on_duplicate].setChecked(True)
        self.policy.blockSignals(False)
        if self.w.preview_fresh():
            self.show_preview()
        else:
            self.model.set_result(None)
            self.w.run_preview(self, then=self.show_preview)

    def set_policy(self, policy: str) -> None:
        self.policy_buttons[policy].setChecked(True)

    def _policy_changed(self, button: QRadioButton, checked: bool) -> None:
        if not checked:
            return
        self.w.options.on_duplicate = button.property("policy")
        self.w.preview_stale()
        self.w.run_preview(self, then=self.show_preview)

    def show_preview(self) -> None:
        preview = self.w.preview
        self.model.set_result(preview)
        if preview is None:
            self.summary.clear()
            self.notes.clear()
            return
        text = preview.summary().replace("预览", self.tr("将导入"), 1)
        refused = len(preview.refused)
        if refused:
            text += self.tr(" 有错误的 {0} 行不会导入，导入后可打开导入报告修改，再导入报告本身。").format(
                refused)
        self.summary.setText(text)
        notes = []
        if preview.unknown_headers:
            notes.append(self.tr("未导入的列：{0}").format("、".join(preview.unknown_headers)))
        from services.exchange.importer import Outcome

        if preview.count(Outcome.NEW) + preview.count(Outcome.UPDATE) == 0:
            notes.append(self.tr("没有要写入的行（都已在库中、重复或有错误）。"))
        self.notes.setText("；".join(notes))
        self.notes.setVisible(bool(notes))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.w.preview_fresh() and not self.w.busy

    def validatePage(self) -> bool:
        return self.w.ensure_preview(self)


class RunPage(_Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle(self.tr("导入"))
        self.setSubTitle(self.tr("所有没有错误的行一次写入：要么全部写入，要么一条都不写。"))
        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_report_button = QPushButton(self.tr("打开导入报告"), self)
        self.save_report_button = QPushButton(self.tr("另存导入报告…"), self)
        self.open_report_button.clicked.connect(self.open_report)
        self.save_report_button.clicked.connect(self._save_report)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_report_button)
        buttons.addWidget(self.save_report_button)
        buttons.addStretch(1)
        self.open_report_button.hide()
        self.save_report_button.hide()
        self.finished = False
        layout = QVBoxLayout(self)
        layout.addWidget(self.busy)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.finished = False
        self.result_label.clear()
        self.w.run_import(self)

    def show_result(self, result: ImportResult) -> None:
        self.finished = True
        lines = [result.summary()]
        if result.report_path is not None:
            lines.append(self.tr("有 {0} 行没有导入，原因写在导入报告里（红色的格子）：\n{1}").format(
                len(result.refused), result.report_path))
            lines.append(self.tr("在报告中改正后，可以直接导入报告本身；已导入的行不会重复。"))
        if result.report_error:
            lines.append(self.tr("导入报告未能保存：{0}").format(result.report_error))
        self.result_label.setText("\n".join(lines))
        has_report = result.report_path is not None
        self.open_report_button.setVisible(has_report)
        self.save_report_button.setVisible(has_report)
        self.busy.message(self.tr("导入完成。"))
        self.completeChanged.emit()

    def show_failure(self, message: str) -> None:
        self.finished = True
        self.result_label.setText(message)
        self.completeChanged.emit()

    def open_report(self) -> None:
        if self.w.result is not None and self.w.result.report_path is not None:
            open_file(self.w.result.report_path)

    def _save_report(self) -> None:
        result = self.w.result
        if result is None or result.report_path is None:
            return
        path = ask_save_path(self, self.w.ctx, self.tr("导入报告另存为"), result.report_path.name)
        if path:
            self.save_report(path)

    def save_report(self, path: str | Path) -> Path | None:
        import shutil

        result = self.w.result
        if result is None or result.report_path is None:
            return None
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        try:
            shutil.copyfile(result.report_path, target)
        except OSError as exc:
            self.show_error(self.tr("无法保存“{0}”：{1}").format(target, exc.strerror or exc))
            return None
        return target

    def isComplete(self) -> bool:
        return self.finished and not self.w.busy


# ---------------------------------------------------------------------------------------------
# The wizard


class ImportWizard(QWizard):
    """The import wizard (see module doc). Signals: ``imported(ImportResult)`` after a
    committed import, ``busyChanged()`` when work starts or ends.

    Attributes: ``options`` (the ImportOptions every step fills in), ``inspection``,
    ``preview`` (the latest preview, None when stale), ``choices``, ``result`` (the import's),
    and the pages ``file_page``, ``columns_page``, ``places_page``, ``preview_page``,
    ``run_page``.
    """

    imported = Signal(object)
    busyChanged = Signal()

    def __init__(self, ctx: AppContext, kind: str = "needs", *, path: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent or ctx.window)
        from services.exchange.importer import ImportOptions

        self.ctx = ctx
        self.kind = kind
        self.path = ""
        self.options: ImportOptions = ImportOptions(year=date.today().year)
        self.inspection: Inspection | None = None
        self.preview: ImportResult | None = None
        self.choices = Choices()
        self.result: ImportResult | None = None
        self.task: Task | None = None
        self._preview_key: Any = None
        self._close_when_idle = False
        self.setWindowTitle(self.tr("从Excel导入"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("上一步"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("取消"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("完成"))
        self.file_page = FilePage(self)
        self.columns_page = ColumnsPage(self)
        self.places_page = PlacesPage(self)
        self.preview_page = PreviewPage(self)
        self.run_page = RunPage(self)
        for page_id, page in ((FILE_PAGE, self.file_page), (COLUMNS_PAGE, self.columns_page),
                              (PLACES_PAGE, self.places_page), (PREVIEW_PAGE, self.preview_page),
                              (RUN_PAGE, self.run_page)):
            self.setPage(page_id, page)
        self.setStartId(FILE_PAGE)
        index = self.file_page.kind.findData(kind)
        self.file_page.kind.setCurrentIndex(max(index, 0))
        if path:
            self.file_page.path.setText(str(path))
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 70, self.fontMetrics().height() * 40)

    # -- state -----------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.task is not None

    def set_source(self, path: str, kind: str, year: int) -> None:
        """The file page's choices. Another file or kind starts the mapping afresh."""
        if (path, kind) != (self.path, self.kind):
            from services.exchange.importer import ImportOptions

            self.options = ImportOptions(year=year, on_duplicate=self.options.on_duplicate)
            self.inspection = None
            self.preview = None
        elif year != self.options.year:
            self.options.year = year
            self.preview = None
        self.path, self.kind = path, kind

    def options_key(self) -> Any:
        o = self.options
        return (self.kind, self.path, o.year, o.sheet, o.on_duplicate,
                tuple(sorted(o.columns.items())), tuple(sorted(o.places.items())),
                tuple(sorted(o.units.items())))

    def preview_fresh(self) -> bool:
        return self.preview is not None and self._preview_key == self.options_key()

    def preview_stale(self) -> None:
        self.preview = None

    def _start(self, task: Task, busy: BusyBar, text: str, *, cancellable: bool = True) -> None:
        self.task = task
        busy.attach(task, text, cancellable=cancellable)
        task.ended.connect(lambda t=task: self._ended(t))
        self.busyChanged.emit()

    def _ended(self, task: Task) -> None:
        if self.task is task:
            self.task = None
            self.busyChanged.emit()
            if self._close_when_idle:
                QWizard.reject(self)

    def _copy_options(self, **changes: Any) -> ImportOptions:
        o = self.options
        return dataclasses.replace(o, columns=dict(o.columns), places=dict(o.places),
                                   units=dict(o.units), **changes)

    def _failed(self, page: _Page) -> Callable[[Exception], bool]:
        def failed(exc: Exception) -> bool:
            from services.errors import ServiceError
            from services.exchange.importer import ImportCancelled

            if isinstance(exc, ImportCancelled):
                if self.task is None or self.task.control.cancelled():
                    page.busy.message(self.tr("已取消，未作任何改动。"))
                return True  # else an older preview, replaced by the one running now
            if isinstance(exc, ServiceError):
                page.show_error(exc.message)
                page.busy.message("")
                return True
            return False

        return failed

    # -- work ------------------------------------------------------------------------------------

    def run_inspection(self, page: ColumnsPage) -> None:
        database, kind, path = self.ctx.database, self.kind, self.path
        options = self._copy_options()
        page.show_error("")

        def work(_control: TaskControl) -> Inspection:
            return inspect_file(database, kind, path, options)

        def done(found: Inspection) -> None:
            self.inspection = found
            page.busy.message("")
            page.show_inspection()

        task = self.ctx.tasks.run(work, on_done=done, on_error=self._failed(page), owner=self,
                                  label=self.tr("正在读取文件…"))
        self._start(task, page.busy, self.tr("正在读取“{0}”…").format(Path(path).name),
                    cancellable=False)

    def run_preview(self, page: _Page, then: Callable[[], None] | None = None) -> None:
        """Check every row (``preview_import``: the same code as the import, rolled back)."""
        if self.task is not None:
            self.task.cancel()  # an older preview: its options are out of date
        from services.exchange.importer import preview_import

        key = self.options_key()
        database, kind, path = self.ctx.database, self.kind, self.path
        options = self._copy_options(write_report="never")
        page.show_error("")

        def work(control: TaskControl) -> tuple[ImportResult, Choices]:
            result = preview_import(database, kind, path, options,
                                    progress=quiet_progress(control), cancel=control.cancelled)
            with database.session() as session:
                return result, load_choices(session, kind)

        def done(found: tuple[ImportResult, Choices]) -> None:
            self.preview, self.choices = found
            self._preview_key = key
            page.busy.message("")
            if then is not None:
                then()
            page.completeChanged.emit()

        task = self.ctx.tasks.run(work, on_done=done, on_error=self._failed(page), owner=self,
                                  label=self.tr("正在检查每一行…"))
        self._start(task, page.busy, self.tr("正在检查每一行…"))

    def ensure_preview(self, page: _Page) -> bool:
        """``validatePage`` of the pages before the preview: True when the preview is up to
        date; else it is made (off the GUI thread) and the wizard moves on by itself."""
        if self.preview_fresh():
            return True
        if self.task is None:
            here = self.currentId()

            def advance() -> None:
                if self.currentId() == here:
                    self.next()

            self.run_preview(page, then=advance)
        return False

    def run_import(self, page: RunPage) -> None:
        from services.exchange.importer import import_file

        database, kind, path = self.ctx.database, self.kind, self.path
        options = self._copy_options(write_report="errors", report=report_target(Path(path)))

        def work(control: TaskControl) -> ImportResult:
            return import_file(database, kind, path, options, progress=quiet_progress(control),
                               cancel=control.cancelled)

        def done(result: ImportResult) -> None:
            self.result = result
            changes = (Changes.of(CHANGE_KINDS[kind]) | Changes.of(UNIT) | Changes.of(PLACE)
                       | Changes.of(SETTING))
            self.ctx.notify(changes)
            self.ctx.window.statusBar().showMessage(result.summary(), 15_000)
            page.show_result(result)
            self.imported.emit(result)

        failed = self._failed(page)

        def on_error(exc: Exception) -> bool:
            handled = failed(exc)
            page.show_failure(self.tr("导入没有完成，数据库未作任何改动。"))
            return handled

        task = self.ctx.tasks.run(work, on_done=done, on_error=on_error, owner=self,
                                  label=self.tr("正在导入…"))
        task.ended.connect(lambda t=task: self._import_ended(t, page))
        self._start(task, page.busy, self.tr("正在导入…"))

    def _import_ended(self, task: Task, page: RunPage) -> None:
        if task.state == "cancelled":
            page.show_failure(self.tr("导入已取消，数据库未作任何改动。"))

    # -- closing ---------------------------------------------------------------------------------

    def reject(self) -> None:
        """Cancel: running work is stopped first (an import stops without writing)."""
        if self.task is not None:
            self._close_when_idle = True
            self.task.cancel()
            return
        super().reject()
