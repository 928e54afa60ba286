"""What every workbook the program writes shares: header style, widths, dates, saving safely."""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook import Workbook

from services.errors import ServiceError

HEADER_FONT = Font(name="宋体", bold=True, size=11)
BODY_FONT = Font(name="宋体", size=11)
TITLE_FONT = Font(name="黑体", bold=True, size=14)
NOTE_FONT = Font(name="宋体", size=9, color="666666")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_ROW_FILL = PatternFill("solid", fgColor="FFF2F2")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TEXT_FORMAT = "@"
MAX_WIDTH = 60


def display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    line = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def column_width(header: str, values: list[Any], minimum: int = 6) -> float:
    """A width that shows the header and most values: Chinese characters count double."""
    widest = max([display_width(header)] + [display_width(x) for x in values[:500]])
    return min(max(widest + 2, minimum), MAX_WIDTH)


def save_workbook(workbook: Workbook, target: str | Path,
                  what: str = "文件") -> Path:
    """Write to a temporary file beside ``target`` and move it into place, so an interrupted
    save never leaves half a workbook; a file open in Excel gets a plain message."""
    return atomic_write(Path(target), lambda tmp: workbook.save(tmp), what)


def atomic_write(target: Path, write: Callable[[Path], None], what: str = "文件") -> Path:
    target = target.expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".~", suffix=target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise ServiceError(f"无法在“{target.parent}”中保存{what}：{exc.strerror or exc}。") from exc
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, target)
    except PermissionError as exc:
        raise ServiceError(
            f"无法保存“{target.name}”：文件可能正被 Excel 或 WPS 打开，或没有写入权限。请关闭后再试。"
        ) from exc
    except OSError as exc:
        raise ServiceError(f"无法保存{what}“{target.name}”：{exc.strerror or exc}。") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target
