"""The statistics as a workbook in the layout a city office expects: one sheet of totals (with
the summary paragraph), one sheet per slice (乡镇, 专业领域, 服务团, 服务基地, 重点帮扶) and
the months."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from services.exchange import xlsx
from services.statistics.breakdown import TABLE_KEYS, by_slice, monthly
from services.statistics.figures import FIGURES, FigureValue, compute_all
from services.statistics.paragraph import summary_paragraph
from services.statistics.periods import ALL, Period, Slice

SLICE_SHEETS = (("township", "分乡镇", "乡镇"), ("field", "分专业领域", "专业领域"),
                ("team", "分服务团", "专家服务团"), ("base", "分服务基地", "服务基地"),
                ("priority", "重点帮扶村", "村类别"))


def _number(value: FigureValue) -> float | int | None:
    return value.number


def _header(sheet: Worksheet, row: int, titles: list[str]) -> None:
    for col, title in enumerate(titles, 1):
        cell = sheet.cell(row, col, title)
        cell.font, cell.fill, cell.border, cell.alignment = (
            xlsx.HEADER_FONT, xlsx.HEADER_FILL, xlsx.BORDER, xlsx.CENTER)


def _body(sheet: Worksheet, row: int, values: list[object]) -> None:
    for col, value in enumerate(values, 1):
        cell = sheet.cell(row, col, value)
        cell.font, cell.border = xlsx.BODY_FONT, xlsx.BORDER
        if isinstance(value, float):
            cell.number_format = "#,##0.00"
        elif isinstance(value, int):
            cell.number_format = "#,##0"


def _widths(sheet: Worksheet, widths: list[float]) -> None:
    for i, w in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = w


def build_workbook(session: Session, period: Period, sl: Slice = ALL) -> Workbook:
    figures = compute_all(session, period, sl)
    book = Workbook()
    totals = book.active
    totals.title = "总计"
    where = "" if sl.kind == "all" else f"（{sl.label}）"
    totals["A1"] = f"专家服务基层工作统计表{where}　{period.label}"
    totals["A1"].font = xlsx.TITLE_FONT
    totals["A2"] = f"统计期间：{period.start.isoformat()} 至 {period.end.isoformat()}"
    totals["A2"].font = xlsx.NOTE_FONT
    _header(totals, 4, ["指标", "数值", "单位", "依据记录（条）", "统计口径"])
    for i, value in enumerate(figures.values.values(), 5):
        _body(totals, i, [value.label, _number(value), value.unit, value.records,
                          FIGURES[value.key].help])
    last = 5 + len(figures.values)
    totals.cell(last + 1, 1, "综述").font = xlsx.HEADER_FONT
    cell = totals.cell(last + 2, 1, summary_paragraph(figures))
    cell.alignment = xlsx.WRAP
    totals.merge_cells(start_row=last + 2, start_column=1, end_row=last + 2, end_column=5)
    totals.row_dimensions[last + 2].height = 60
    _widths(totals, [22, 14, 8, 14, 60])
    totals.freeze_panes = "A5"

    keys = list(TABLE_KEYS)
    for kind, title, first in SLICE_SHEETS:
        rows = by_slice(session, period, kind, keys)
        sheet = book.create_sheet(title)
        _header(sheet, 1, [first] + [f"{FIGURES[k].label}（{FIGURES[k].unit}）" for k in keys])
        for i, row in enumerate(rows, 2):
            _body(sheet, i, [row.slice.label] + [_number(row.values[k]) for k in keys])
        _widths(sheet, [24] + [14] * len(keys))
        sheet.freeze_panes = "B2"

    sheet = book.create_sheet("逐月")
    month_keys = ("dispatches", "expert_days", "problems_solved", "people_trained",
                  "beneficiaries", "spending")
    _header(sheet, 1, ["月份"] + [f"{FIGURES[k].label}（{FIGURES[k].unit}）"
                                 for k in month_keys])
    series = {k: dict(monthly(session, period, k, sl)) for k in month_keys}
    for i, (y, m) in enumerate(period.months(), 2):
        month = f"{y}-{m:02d}"
        values = [series[k][month] for k in month_keys]
        _body(sheet, i, [month] + [v if k == "spending" else int(v)
                                   for k, v in zip(month_keys, values, strict=True)])
    _widths(sheet, [12] + [16] * len(month_keys))
    return book


def export_xlsx(session: Session, target: str | Path, period: Period, sl: Slice = ALL) -> Path:
    return xlsx.save_workbook(build_workbook(session, period, sl), target, "统计表")
