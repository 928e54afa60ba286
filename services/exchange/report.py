"""The import report: the file's rows as they came, with each row's result and, for refused
rows, what is wrong and in which column (that cell is coloured). The clerk fixes the red rows
and imports the report itself again: its header is the original one, the two result columns
are ignored by the importer, and rows already imported come out "unchanged"."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from services.exchange import xlsx
from services.exchange.schema import MESSAGE_HEADER, RESULT_HEADER
from services.exchange.schema import kind as kind_of

if TYPE_CHECKING:
    from services.exchange.importer import ImportResult


def default_report_path(source: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return source.with_name(f"{source.stem}-导入报告-{stamp}.xlsx")


def _value(raw: Any) -> Any:
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return int(raw)
    return raw


def write_report(result: ImportResult, target: Path) -> Path:
    from services.exchange.importer import Outcome

    kind = kind_of(result.kind)
    headers = list(result.source_headers)
    width = max([len(headers)] + [len(r) for r in result.source_rows.values()])
    headers += [""] * (width - len(headers))
    key_of_index = {}
    for header, key, _label in result.columns:
        if header in headers:
            key_of_index[headers.index(header)] = key
    text_columns = {i for i, key in key_of_index.items()
                    if kind.by_key[key].type in ("id_number", "phone", "code")}

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("导入结果")
    ws.freeze_panes = "A2"
    all_headers = [*headers, RESULT_HEADER, MESSAGE_HEADER]
    for i, header in enumerate(all_headers, start=1):
        values = [r[i - 1] if i - 1 < len(r) else None for r in result.source_rows.values()]
        if i > width:
            values = []
        ws.column_dimensions[get_column_letter(i)].width = xlsx.column_width(header, values)
    ws.column_dimensions[get_column_letter(len(all_headers))].width = 60

    def header_cell(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=text)
        cell.font, cell.fill, cell.border, cell.alignment = (
            xlsx.HEADER_FONT, xlsx.HEADER_FILL, xlsx.BORDER, xlsx.CENTER)
        return cell

    ws.append([header_cell(h) for h in all_headers])
    for outcome in result.rows:
        raw = list(result.source_rows.get(outcome.row, []))
        raw += [None] * (width - len(raw))
        bad_headers = set(outcome.columns)
        error = outcome.outcome == Outcome.ERROR
        row = []
        for i, value in enumerate(raw):
            cell = WriteOnlyCell(ws, value=_value(value))
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text from a township file never becomes a formula
            if isinstance(value, datetime):
                cell.number_format = xlsx.DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = xlsx.DATE_FORMAT
            elif i in text_columns:
                cell.number_format = xlsx.TEXT_FORMAT
            if error and headers[i] and headers[i] in bad_headers:
                cell.fill = xlsx.ERROR_FILL
            elif error:
                cell.fill = xlsx.ERROR_ROW_FILL
            row.append(cell)
        result_cell = WriteOnlyCell(ws, value=outcome.label)
        message_cell = WriteOnlyCell(ws, value=(f"第 {outcome.row} 行：" if error else "")
                                     + outcome.message)
        if error:
            result_cell.fill = message_cell.fill = xlsx.ERROR_FILL
        row += [result_cell, message_cell]
        ws.append(row)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(all_headers))}{len(result.rows) + 1}"

    notes = wb.create_sheet("说明")
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    lines = [
        ("文件", str(result.path.name)),
        ("工作表", result.sheet),
        ("表头所在行", f"第 {result.header_row} 行"),
        ("清单类型", kind.label),
        ("结果", result.summary()),
        ("重复记录", {"update": "更新已有记录", "skip": "跳过", "keep": "保留两条"}[result.policy]),
        ("生成时间", datetime.now().strftime("%Y-%m-%d %H:%M")),
        ("识别的列", "、".join(f"{h}→{label}" for h, _k, label in result.columns)),
        ("未导入的列", "、".join(result.unknown_headers) or "无"),
        ("如何修改", "在“导入结果”表中改正标为“错误”的行（红色单元格是出错的列），"
                    "保存后重新导入本文件即可：已导入的行不会重复导入。"),
    ]
    for place in result.places:
        lines.append(("地名", place.text))
    for label, value in lines:
        a, b = WriteOnlyCell(notes, value=label), WriteOnlyCell(notes, value=value)
        a.font = xlsx.HEADER_FONT
        b.alignment = xlsx.WRAP
        notes.append([a, b])
    return xlsx.save_workbook(wb, target, "导入报告")
