"""Reading a spreadsheet file into plain rows of cell values.

``.xlsx``/``.xlsm``/``.xls``/``.ods`` are read with python-calamine (measured 5–10 times
faster than openpyxl on the same 20,000-row file, see docs/performance.md; it also reads the
old ``.xls`` that openpyxl cannot). openpyxl stays available as ``engine="openpyxl"`` for the
benchmark and as a second opinion. ``.csv``/``.txt`` are decoded as UTF-8 (with or without
BOM), UTF-16 (Excel's "Unicode text") or GB18030 (a superset of GBK, what Chinese Excel saves
by default), with the delimiter sniffed.

Merged cells are filled: every cell of a merged range gets the range's value, so a township
merged down over ten rows belongs to each of them, and a header merged over two header rows
is found on either.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from services.errors import ServiceError

Engine = Literal["calamine", "openpyxl"]
DEFAULT_ENGINE: Engine = "calamine"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".et")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


class ReadError(ServiceError):
    """The file cannot be read as a spreadsheet (missing, locked, damaged, unknown format)."""


@dataclass
class Sheet:
    """One worksheet: ``name`` and ``rows`` (lists of equal length; blank cells are None or
    ""). ``merged`` lists the merged ranges as (first row, first col, last row, last col),
    0-based, already filled in ``rows``."""

    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class Book:
    """A file's worksheets in order (a CSV has one, named after the file)."""

    path: Path
    sheet_names: list[str]
    _sheets: dict[str, Sheet] = field(default_factory=dict, repr=False)
    _loader: Any = field(default=None, repr=False)

    def sheet(self, name: str | None = None) -> Sheet:
        if name is None:
            name = self.sheet_names[0]
        if name not in self.sheet_names:
            raise ReadError(f"文件中没有名为“{name}”的工作表，现有：{'、'.join(self.sheet_names)}。")
        if name not in self._sheets:
            self._sheets[name] = self._loader(name)
        return self._sheets[name]


def open_book(path: str | Path, engine: Engine = DEFAULT_ENGINE) -> Book:
    """The workbook (or CSV) at ``path``; worksheets are read when first asked for."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise ReadError(f"找不到文件“{path}”。请检查路径。") from None
    except IsADirectoryError:
        raise ReadError(f"“{path}”是文件夹，不是表格文件。") from None
    except PermissionError:
        raise ReadError(
            f"无法读取“{path.name}”：文件可能正被 Excel 或 WPS 打开。请关闭后再试。"
        ) from None
    except OSError as exc:
        raise ReadError(f"无法读取“{path.name}”：{exc.strerror or exc}。") from None
    if not head:
        raise ReadError(f"“{path.name}”是空文件。")
    is_zip = head.startswith(b"PK\x03\x04")
    is_ole = head.startswith(b"\xd0\xcf\x11\xe0")
    if is_zip or is_ole:
        return _excel_book(path, engine if is_zip else "calamine", "zip" if is_zip else "ole")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        raise ReadError(f"“{path.name}”不是有效的 Excel 文件（可能已损坏，或只是改了扩展名）。")
    return _csv_book(path)


# What python-calamine's ``from_path`` recognises by the extension, per container.
_SUFFIXES_OF = {"zip": (".xlsx", ".xlsm", ".xlsb", ".xlam", ".ods"), "ole": (".xls", ".xla")}


def _excel_book(path: Path, engine: Engine, container: str = "zip") -> Book:
    if engine == "openpyxl":
        return _openpyxl_book(path)
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

    try:
        if path.suffix.lower() in _SUFFIXES_OF[container]:
            workbook = CalamineWorkbook.from_path(str(path))
        else:
            # The extension lies (an .xls saved as .xlsx, WPS's .et, no extension): calamine
            # picks the reader by the extension in from_path, by the content from a file object.
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except (CalamineError, OSError, ValueError) as exc:
        if isinstance(exc, PermissionError):
            raise ReadError(f"无法读取“{path.name}”：文件可能正被 Excel 或 WPS 打开。") from None
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise ReadError(f"“{path.name}”设置了打开密码，请先在 Excel 中取消密码再导入。") from None
        raise ReadError(f"无法读取“{path.name}”：文件已损坏或不是 Excel 表格（{exc}）。") from None
    except Exception as exc:  # the reader's own error types differ between formats
        raise ReadError(f"无法读取“{path.name}”：文件已损坏或格式不支持（{exc}）。") from None
    names = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    if not names:
        raise ReadError(f"“{path.name}”中没有工作表。")

    def load(name: str) -> Sheet:
        try:
            sheet = workbook.get_sheet_by_name(name)
            rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
            ranges = sheet.merged_cell_ranges or []
        except Exception as exc:
            raise ReadError(f"无法读取工作表“{name}”：{exc}") from None
        merged = [(a[0], a[1], b[0], b[1]) for a, b in ranges]
        return _finish(name, rows, merged)

    return Book(path, names, _loader=load)


def _openpyxl_book(path: Path) -> Book:
    import zipfile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(f"无法读取“{path.name}”：文件已损坏或不是 Excel 表格（{exc}）。") from None
    names = list(workbook.sheetnames)

    def load(name: str) -> Sheet:
        ws = workbook[name]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        # Read-only mode cannot see merged ranges; read them from the sheet itself when any
        # merge is likely (a small file): the full load costs several times more.
        merged: list[tuple[int, int, int, int]] = []
        if len(rows) <= 5000:
            full = openpyxl.load_workbook(path, read_only=False, data_only=True)[name]
            merged = [(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1)
                      for r in full.merged_cells.ranges]
        return _finish(name, rows, merged)

    return Book(path, names, _loader=load)


def _finish(name: str, rows: list[list[Any]], merged: list[tuple[int, int, int, int]]) -> Sheet:
    width = max((len(r) for r in rows), default=0)
    for *_, last_col in merged:
        width = max(width, last_col + 1)
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    for r0, c0, r1, c1 in merged:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, c1 + 1):
                rows[r][c] = value
    return Sheet(name, rows, merged)


def decode_text(data: bytes, name: str = "") -> str:
    """CSV bytes as text: BOMs first, then UTF-8, then GB18030 (covers GBK and GB2312)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError(
        f"无法识别“{name}”的文字编码。请在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx 后再导入。"
    )


def sniff_delimiter(content: str) -> str:
    """The delimiter that splits the first lines most consistently (csv.Sniffer is easily
    misled by Chinese text); a comma when in doubt."""
    lines = [line for line in content.splitlines()[:40] if line.strip()]
    best, best_score = ",", 0
    for candidate in (",", "\t", ";", "|"):
        counts = [line.count(candidate) for line in lines]
        nonzero = [c for c in counts if c]
        if not nonzero:
            continue
        mode = max(set(nonzero), key=nonzero.count)
        score = counts.count(mode)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_book(path: Path) -> Book:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"无法读取“{path.name}”：{exc.strerror or exc}。") from None
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReadError(f"“{path.name}”不是表格文件（CSV 或 Excel）。")
    content = decode_text(data, path.name)
    delimiter = sniff_delimiter(content)
    try:
        rows: list[list[Any]] = [list(r) for r in csv.reader(io.StringIO(content),
                                                             delimiter=delimiter)]
    except csv.Error as exc:
        raise ReadError(f"“{path.name}”不是有效的 CSV 文件：{exc}") from None
    sheet = _finish(path.stem, rows, [])
    return Book(path, [path.stem], {path.stem: sheet}, _loader=lambda _name: sheet)
