"""Checks shared by forms, importers and the CLI. Each returns the cleaned value or raises
``ValidationError`` for the named field with a Chinese message that says what to fix."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from services.errors import ValidationError

# GB 11643-1999: weights of the first 17 digits and the check character for sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# First two digits of the address code: the province-level divisions (GB/T 2260).
_PROVINCES = {
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010 and 02x have three digits, every other one four (03xx-09xx).
_LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d\d)-?[1-9]\d{6,7}(-\d{1,6})?$")


# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) and the ideographic space fold to
# ASCII; full-width Chinese punctuation (，：；（）！？) is the correct form in Chinese text and stays.
_FOLD = {cp: cp - 0xFEE0 for rng in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
         for cp in range(rng[0], rng[1] + 1)} | {0x3000: 0x20}


def normalize_text(value: object) -> str:
    """Free text as stored: full-width letters and digits to half-width, runs of white space
    folded to one space, trimmed. Chinese punctuation is kept as written."""
    if value is None:
        return ""
    text = str(value).translate(_FOLD)
    return re.sub(r"\s+", " ", text).strip()


def normalize_code(value: object) -> str:
    """Numbers, codes, phones, dates: every compatibility form to ASCII (NFKC), so that
    full-width hyphens, dots and brackets typed in a Chinese input method read as ASCII."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", text).strip()


def required(field: str, label: str, value: object, max_length: int | None = None) -> str:
    text = normalize_text(value)
    if not text:
        raise ValidationError.single(field, f"请填写{label}。")
    if max_length is not None and len(text) > max_length:
        raise ValidationError.single(
            field, f"{label}太长（{len(text)} 个字），最多 {max_length} 个字。"
        )
    return text


def optional_text(field: str, label: str, value: object, max_length: int) -> str:
    text = normalize_text(value)
    if len(text) > max_length:
        raise ValidationError.single(
            field, f"{label}太长（{len(text)} 个字），最多 {max_length} 个字。"
        )
    return text


def id_number_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number(value: object, field: str = "id_number", *, today: date | None = None) -> str:
    """A GB 11643 citizen ID number (18 characters), or "" when not given."""
    text = normalize_code(value).replace(" ", "").upper()
    if not text:
        return ""
    if len(text) == 15 and text.isdigit():
        raise ValidationError.single(field, "这是旧的 15 位身份证号，请填写 18 位身份证号。")
    if len(text) != 18:
        raise ValidationError.single(
            field, f"身份证号应为 18 位，现在是 {len(text)} 位。请核对后重新填写。"
        )
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise ValidationError.single(field, "身份证号前 17 位应为数字，最后一位为数字或 X。")
    if int(text[:2]) not in _PROVINCES:
        raise ValidationError.single(field, f"身份证号开头“{text[:2]}”不是有效的省级地区代码。")
    try:
        born = datetime.strptime(text[6:14], "%Y%m%d").date()
    except ValueError:
        raise ValidationError.single(
            field, f"身份证号中的出生日期“{text[6:14]}”不是有效日期。"
        ) from None
    today = today or date.today()
    if born > today or born.year < 1900:
        raise ValidationError.single(field, f"身份证号中的出生日期“{text[6:14]}”不合理。")
    expected = id_number_check_char(text[:17])
    if text[17] != expected:
        raise ValidationError.single(
            field, "身份证号校验位不正确，可能有一位数字填错。请对照身份证重新填写。"
        )
    return text


def id_number_birth_date(number: str) -> date:
    return datetime.strptime(number[6:14], "%Y%m%d").date()


def id_number_gender(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def phone(value: object, field: str = "phone") -> str:
    """A mainland mobile (11 digits, 1[3-9]…) or landline (0 + area code + number), or ""."""
    text = normalize_code(value)
    if not text:
        return ""
    compact = re.sub(r"[\s()（）]", "", text).replace("—", "-").replace("－", "-")
    if compact.startswith("+86"):
        compact = compact[3:].lstrip("-")
    digits_only = compact.replace("-", "")
    if _MOBILE.match(digits_only):
        return digits_only
    if _LANDLINE.match(compact):
        return compact
    if _LANDLINE.match(digits_only) and digits_only.startswith("0"):
        return digits_only
    raise ValidationError.single(
        field,
        f"电话号码“{text}”格式不对。手机号应为 11 位（如 13812345678），"
        "座机应带区号（如 0851-12345678）。",
    )


def parse_date(value: object, field: str, label: str) -> date | None:
    """An ISO date, a date object, or common Chinese forms (2026/5/3, 2026.5.3, 2026年5月3日)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalize_code(value)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise ValidationError.single(
        field, f"{label}“{text}”不是有效日期，请按 2026-05-03 的格式填写。"
    )


def window(
    start: date | None, end: date | None, field: str = "window_end", label: str = "时间窗口"
) -> tuple[date | None, date | None]:
    if start is not None and end is not None and start > end:
        raise ValidationError.single(
            field, f"{label}的结束日期（{end.isoformat()}）早于开始日期（{start.isoformat()}）。"
        )
    return start, end


def int_in_range(
    value: object, field: str, label: str, low: int, high: int, *, allow_none: bool = False
) -> int | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationError.single(field, f"请填写{label}。")
    try:
        number = int(normalize_code(value)) if not isinstance(value, int) else value
    except ValueError:
        raise ValidationError.single(field, f"{label}应为整数，现在是“{value}”。") from None
    if isinstance(number, bool) or not low <= number <= high:
        raise ValidationError.single(field, f"{label}应在 {low} 到 {high} 之间，现在是 {number}。")
    return number


def choice(value: object, field: str, label: str, options: tuple[str, ...]) -> str:
    text = normalize_text(value)
    if text not in options:
        raise ValidationError.single(
            field, f"{label}“{text}”无效，可选：{'、'.join(options)}。"
        )
    return text


def coordinates(
    lat: object, lon: object, field: str = "latitude"
) -> tuple[float | None, float | None]:
    if lat in (None, "") and lon in (None, ""):
        return None, None
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError.single(field, "经纬度应为数字，请同时填写纬度和经度。") from None
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise ValidationError.single(field, "经纬度超出范围：纬度在 -90～90，经度在 -180～180。")
    return la, lo


class Collector:
    """Runs several checks and reports every failing field at once, as a form wants."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def check(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            for key, msg in exc.errors.items():
                self.errors.setdefault(key, msg)
            return None

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
