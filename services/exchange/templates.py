"""Import templates (导入模板): an ``.xlsx`` a township clerk fills in Excel or WPS.

Layout of the one worksheet: a title (row 1), how to fill it in (row 2), a hint above each
column (row 3), the header (row 4, required columns in orange), then empty rows to fill.
The header rows are protected (no password: a clerk who must can still unprotect in WPS);
the rows below are open. Choice columns have drop-down lists (fields, townships, titles,
unit types, statuses) read from a hidden sheet, so long lists are not cut at Excel's 255
characters. ID number and phone columns are text, so Excel never rounds an ID number. The
importer finds the header on row 4 by itself: the template needs no special treatment.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from models import GENDERS, TITLE_LEVELS, TITLES, UNIT_TYPES
from services import fields, places, settings, workflow
from services.exchange import xlsx
from services.exchange.schema import FIELDS, TOWNSHIPS, Column
from services.exchange.schema import kind as kind_of

HEADER_ROW = 4
TEMPLATE_ROWS = 2000  # rows with drop-down lists below the header
OPTIONS_SHEET = "选项"

_FIXED_LISTS: dict[str, tuple[str, ...]] = {
    "UNIT_TYPES": UNIT_TYPES,
    "TITLE_LEVELS": TITLE_LEVELS,
    "TITLES": TITLES,
    "GENDERS": GENDERS,
    "YES_NO": ("是", "否"),
    "NEED_STATUSES": tuple(workflow.STATUS_LABELS.values()),
}


def choice_lists(session: Session) -> dict[str, list[str]]:
    """Every drop-down list by name, townships and fields as they are in this database."""
    lists = {name: list(items) for name, items in _FIXED_LISTS.items()}
    lists[TOWNSHIPS] = [t["name"] for t in places.list_townships(session)]
    lists[FIELDS] = [f.path for f in fields.all_fields(session) if f.level >= 2]
    return lists


def _instructions(label: str) -> str:
    return (
        f"填写说明：每行一条{label}记录，从第 {HEADER_ROW + 1} 行开始填写；橙色表头为必填列。"
        "带下拉箭头的列请从列表中选择。日期可写 2026-05-03、2026/5/3、2026年5月3日。"
        "身份证号、电话请按文本填写（本模板已设好格式）。请勿修改表头文字，可以删除不用的列。"
        "填好后在程序中选择“导入”，先预览，确认无误后再写入。"
    )


def write_template(session: Session, kind: str, target: str | Path) -> Path:
    """Write the import template for ``kind`` (needs, experts, units) to ``target``."""
    spec = kind_of(kind)
    if not spec.importable:
        from services.errors import ValidationError

        raise ValidationError.single("kind", f"{spec.label}清单没有导入模板。")
    columns = spec.import_columns
    county = settings.get(session, "county.name")
    lists = choice_lists(session)

    wb = Workbook()
    ws = wb.active
    ws.title = f"{spec.label}清单"
    last = get_column_letter(len(columns))
    ws["A1"] = f"{county}{spec.label}清单（导入模板）"
    ws["A1"].font = xlsx.TITLE_FONT
    ws["A1"].alignment = xlsx.CENTER
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 28
    ws["A2"] = _instructions(spec.label)
    ws["A2"].alignment = xlsx.WRAP
    ws["A2"].font = xlsx.NOTE_FONT
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[2].height = 48
    ws.row_dimensions[3].height = 36
    ws.row_dimensions[HEADER_ROW].height = 22

    options = wb.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    list_ranges: dict[str, str] = {}
    for index, (name, items) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        options.cell(row=1, column=index, value=name)
        for row, item in enumerate(items, start=2):
            options.cell(row=row, column=index, value=item)
        end = max(len(items) + 1, 2)
        list_ranges[name] = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$2:${letter}${end}"

    first, last_row = HEADER_ROW + 1, HEADER_ROW + TEMPLATE_ROWS
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        hint = ws.cell(row=3, column=index, value=column.hint or None)
        hint.font, hint.alignment = xlsx.NOTE_FONT, xlsx.WRAP
        header = ws.cell(row=HEADER_ROW, column=index, value=column.header)
        header.font, header.border, header.alignment = xlsx.HEADER_FONT, xlsx.BORDER, xlsx.CENTER
        header.fill = xlsx.REQUIRED_FILL if column.required else xlsx.HEADER_FILL
        if column.synonyms:
            header.comment = Comment("也可写作：" + "、".join(column.synonyms[:8]), "专家服务基层调度")
        ws.column_dimensions[letter].width = max(column.width, xlsx.display_width(column.header)
                                                 + 2)
        _validation(ws, column, f"{letter}{first}:{letter}{last_row}", list_ranges, lists)
        fmt = (xlsx.TEXT_FORMAT if column.type in ("id_number", "phone", "code")
               else xlsx.DATE_FORMAT if column.type == "date" else None)
        # The column's own style (not 2,000 cell styles): every empty cell below the header
        # is open for typing and text columns stay text, however many rows a clerk fills.
        dimension = ws.column_dimensions[letter]
        dimension.protection = Protection(locked=False)
        if fmt:
            dimension.number_format = fmt
    ws.freeze_panes = f"A{first}"
    ws.protection.sheet = True
    # Protection keeps the header; everything a clerk does with rows stays allowed.
    for allowed in ("formatColumns", "formatRows", "formatCells", "insertRows", "deleteRows",
                    "sort", "autoFilter", "insertHyperlinks"):
        setattr(ws.protection, allowed, False)
    return xlsx.save_workbook(wb, target, "模板")


def _validation(ws, column: Column, ref: str, ranges: dict[str, str],  # type: ignore[no-untyped-def]
                lists: dict[str, list[str]]) -> None:
    if column.choices and lists.get(column.choices):
        dv = DataValidation(type="list", formula1=ranges[column.choices], allow_blank=True,
                            showErrorMessage=column.choices not in (TOWNSHIPS, FIELDS))
        # A township not yet in the database may be typed (the importer offers to create it),
        # and a field by its short name (茶叶) as well as by its path.
        dv.error = f"请从下拉列表中选择{column.header}。"
        dv.errorTitle = column.header
    elif column.type == "date":
        dv = DataValidation(allow_blank=True)
    elif column.type == "int":
        dv = DataValidation(type="whole", operator="between", formula1="0", formula2="10000000",
                            allow_blank=True, showErrorMessage=True)
        dv.error = f"{column.header}应为整数。"
    else:
        if not column.hint:
            return
        dv = DataValidation(allow_blank=True)
    if column.hint:
        dv.promptTitle = column.header[:32]
        dv.prompt = column.hint[:250]
        dv.showInputMessage = True
    ws.add_data_validation(dv)
    dv.add(ref)
