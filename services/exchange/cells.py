"""Cleaning one spreadsheet cell into what the services expect.

Spreadsheets from townships hold numbers where text belongs (phones, ID numbers), dates as
Excel serial numbers or as text in every Chinese form, full-width digits, trailing spaces.
These functions turn a raw cell (as the reader returns it: str, float, int, bool, date,
datetime or None) into a value the services' own validators accept, or raise ``CellError``
for what only the importer can know (an ID number Excel has already rounded). Anything else
is passed on as text so that the services reject it with the same message as a form would.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any

from services.validation import normalize_text

# Excel's day 0 is 1899-12-30 (day 60 is its fictitious 1900-02-29, long past any need).
_EXCEL_EPOCH = date(1899, 12, 30)
# Serials for 1950-01-01 … 2100-12-31: a plain number outside is not taken for a date.
_SERIAL_MIN, _SERIAL_MAX = 18264, 73415

_FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*[日号]?")
_YEAR = re.compile(r"((?:19|20)\d{2})(?:\s*年.*|[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{4})?")
_COUNT = re.compile(r"(\d+)\s*(?:人次|人|名|位|天|日|个|次)?")
_MASK = re.compile(r"[*＊]{2,}")

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "已退休", "退休", "是的", "对"}
_FALSE = {"否", "n", "no", "false", "0", "×", "在职", "未退休", "不是", "无"}


class CellError(ValueError):
    """A cell that cannot be used, with the Chinese message to show beside it."""


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()  # isspace() knows the ideographic space too
    return isinstance(value, float) and math.isnan(value)


def norm(value: str) -> str:
    """``validation.normalize_text`` for a string, skipping NFKC when the text is already in
    that form (most is: this runs for every cell of a 20,000-row file)."""
    if not unicodedata.is_normalized("NFKC", value):
        value = unicodedata.normalize("NFKC", value)
    return " ".join(value.split())


def text(value: Any) -> str:
    """Any cell as text: whole numbers without ``.0``, dates as ISO dates."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return norm(value) if isinstance(value, str) else normalize_text(value)


def from_serial(number: float) -> date:
    return _EXCEL_EPOCH + timedelta(days=int(number))


def to_date(value: Any, year: int) -> date | str:
    """A date from a date cell, an Excel serial number, or text in any common form;
    ``5月3日`` takes ``year``. Text that is no date is returned as it is (the service then
    says what is wrong)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            return from_serial(value)
        if (isinstance(value, float) and value.is_integer()) or isinstance(value, int):
            match = _COMPACT_DATE.fullmatch(str(int(value)))  # 20260503 typed as a number
            if match:
                return _checked(int(match[1]), int(match[2]), int(match[3]), str(int(value)))
        return text(value)
    raw = text(value)
    if not raw:
        return ""
    compact = raw.replace(" ", "")
    for pattern in (_FULL_DATE, _COMPACT_DATE):
        match = pattern.fullmatch(compact)
        if match:
            return _checked(int(match[1]), int(match[2]), int(match[3]), raw)
    match = _MONTH_DAY.fullmatch(compact)
    if match:
        return _checked(year, int(match[1]), int(match[2]), raw)
    if compact.isdigit() and _SERIAL_MIN <= int(compact) <= _SERIAL_MAX:
        return from_serial(int(compact))  # a serial that lost its date format in a CSV
    return raw


def _checked(y: int, m: int, d: int, raw: str) -> date | str:
    try:
        return date(y, m, d)
    except ValueError:
        return raw  # 2026-02-30: the service says it is no date


def to_int(value: Any) -> int | str:
    """A whole number; ``3人``, ``5 天`` and full-width digits are fine. Else the text as is."""
    if isinstance(value, bool):
        return text(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else text(value)
    raw = text(value)
    match = _COUNT.fullmatch(raw.replace(",", "").replace("，", ""))
    return int(match[1]) if match else raw


def to_year(value: Any) -> int | str:
    """A birth year from ``1978``, ``1978年3月``, ``1978.03``, ``1978-03-15`` or a date."""
    if isinstance(value, datetime | date):
        return value.year
    if isinstance(value, float) and not math.isfinite(value):
        return text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 7000 <= value <= 40000:  # a birth date whose date format was lost: 1919 … 2009
            return from_serial(value).year
        return int(value)  # 1978, or 1978.03 (year.month typed as a number)
    raw = text(value).replace(" ", "")
    match = _YEAR.fullmatch(raw)
    return int(match[1]) if match else raw


def to_bool(value: Any, label: str) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise CellError(f"{label}“{raw}”应填“是”或“否”。")


def is_masked(value: Any) -> bool:
    """A value masked by an export (``138****5678``): it says nothing and must not be saved."""
    return isinstance(value, str) and bool(_MASK.search(value))


def to_phone(value: Any) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return text(value)  # an 11-digit mobile survives as a number; 0-prefixed ones do not
    return text(value)


def to_id_number(value: Any, label: str = "身份证号") -> str:
    """An ID number from a text cell. One stored as a number has lost digits already: Excel
    keeps 15 significant digits, an ID number has 18 (``5.20102E+17``); say so plainly."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) or abs(value) >= 10**15:
            shown = f"{float(value):.5E}"
            raise CellError(
                f"{label}被存成了数字（显示为 {shown}），后几位已经丢失，无法还原。"
                "请把这一列设为“文本”格式，重新填写完整的 18 位号码。"
            )
        return str(value)
    raw = text(value)
    # A leading apostrophe is how Excel users force text; some files keep it literally.
    return raw.lstrip("'‘’").replace(" ", "")


def choice(value: Any, synonyms: dict[str, str]) -> str:
    raw = text(value)
    folded = unicodedata.normalize("NFKC", raw).replace(" ", "")
    return synonyms.get(folded, raw)


TITLE_SYNONYMS = {
    "正高": "正高级", "正高职称": "正高级", "正高级职称": "正高级",
    "副高": "副高级", "副高职称": "副高级", "副高级职称": "副高级",
    "中级职称": "中级", "初级职称": "初级", "无职称": "无", "": "",
}
GENDER_SYNONYMS = {"男性": "男", "女性": "女", "M": "男", "F": "女", "m": "男", "f": "女"}
