"""Text rules of Chinese print that do not depend on a font: line breaking with the 禁则
(kinsoku) rules, dates written in Chinese, document numbers and masked ID numbers.

Line breaking follows GB/T 15834 (标点符号用法) and the W3C's Chinese layout requirements
(CLREQ): no line starts with a closing mark (，。、；：？！）」》 …), none ends with an opening
mark (（「《“ …), the two-character marks —— and …… are never split, and Latin words and
numbers (``XQ-2026-0001``, ``13885000001``) stay whole. Breaking works on *clusters*: a closing
mark is glued to the character before it and an opening mark to the character after it, so the
greedy fill can only break where both rules allow. When a line is full, the glued cluster moves
down whole (推出法), which is what Word and WPS do too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

# 行首禁则: marks that must not start a line (CLREQ 3.1.7 plus the half-width forms).
NO_LINE_START = frozenset(
    "，。、；：？！）」』》〉】〕〗｝］”’…—～·・％‰℃°"
    ",.;:?!)]}>%"
    "ー々ゝゞ〃"
)
# 行尾禁则: marks that must not end a line.
NO_LINE_END = frozenset("（「『《〈【〔〖｛［“‘([{<")
# Units that stay on the line of the number before them: "3月", "20人", "46公里" read badly
# when the number ends one line and its unit starts the next.
_UNITS = frozenset("年月日号时分秒天周岁个人次名项场亩斤元万亿米里克吨户村镇期届批份%")

# One token: a Latin word, number or code (never broken inside), with the unit after a number
# (3月, 20人); a run of — or … (——, …… are never split); or any other single character.
_TOKEN = re.compile(
    "[0-9A-Za-z\u00c0-\u024f][0-9A-Za-z\u00c0-\u024f._\\-/@:+#&'*]*"
    f"(?:(?<=[0-9])[{''.join(sorted(_UNITS))}])?"
    "|—+|…+|.",
    re.DOTALL,
)

Measure = Callable[[str], float]
LONG_TOKEN = 15  # clusters at least this long may be split rather than leave a line gaping


def clusters(text: str) -> list[str]:
    """``text`` cut into the pieces a line may break between (see the module docstring)."""
    out: list[str] = []
    pending_open = ""
    for unit in _TOKEN.findall(text):
        if unit == " ":
            if pending_open:
                pending_open += unit
            else:
                out.append(unit)
            continue
        if unit[0] in NO_LINE_START and out and not pending_open:
            if out[-1] == " " and len(out) > 1:
                out.pop()  # "一 ，" → "一，": a stray space must not let the mark start a line
            out[-1] += unit
        elif unit in NO_LINE_END:
            pending_open += unit
        else:
            out.append(pending_open + unit)
            pending_open = ""
    if pending_open:
        out.append(pending_open)
    return out


def _glued_chars(piece: str) -> list[str]:
    out: list[str] = []
    pending = ""
    for ch in piece:
        if ch in NO_LINE_START and out and not pending:
            out[-1] += ch
        elif ch in NO_LINE_END:
            pending += ch
        else:
            out.append(pending + ch)
            pending = ""
    if pending:
        out.append(pending)
    return out


def break_lines(
    text: str,
    width: float,
    measure: Measure,
    *,
    first_width: float | None = None,
    tracking: float = 0.0,
) -> list[str]:
    """One paragraph (no newlines) broken into lines no wider than ``width``.

    ``measure(s)`` gives the width of ``s`` *including* ``tracking`` after each character, so
    a line fits when its measured width minus one ``tracking`` is at most ``width``.
    ``first_width`` is the first line's width when it differs (a first-line indent).
    """
    limit = (first_width if first_width is not None else width) + tracking + 1e-6
    if measure(text) <= limit:
        return [text.strip(" ")]  # most table cells: one line, nothing to decide
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for piece in clusters(text):
        if piece == " " and not current:
            continue  # a space never starts a line
        w = measure(piece)
        if used + w <= limit:
            current.append(piece)
            used += w
            continue
        if piece == " ":
            # The break falls on the space itself; it disappears at the end of the line.
            lines.append("".join(current).rstrip(" "))
            current, used = [], 0.0
            limit = width + tracking + 1e-6
            continue
        if len(piece) >= LONG_TOKEN and current and limit - used > 0.25 * limit:
            # A long number (an 18-digit ID) would leave this line a quarter empty: it is
            # split instead, as the lesser evil (phone numbers and codes are shorter).
            w = limit + 1.0  # fall through to the character-by-character split below
        elif current:
            lines.append("".join(current).rstrip(" "))
            current, used = [], 0.0
            limit = width + tracking + 1e-6
        if w <= limit:
            current, used = [piece], w
            continue
        # A single cluster longer than a line (a long URL or code): break it where it must,
        # still never before a closing mark nor after an opening one.
        for ch in _glued_chars(piece):
            cw = measure(ch)
            if current and used + cw > limit:
                lines.append("".join(current))
                current, used = [], 0.0
                limit = width + tracking + 1e-6
            current.append(ch)
            used += cw
    if current or not lines:
        lines.append("".join(current).rstrip(" "))
    return lines


# -- dates ------------------------------------------------------------------------------------

_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 as written in dates: 三, 十, 十二, 二十, 三十一."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def chinese_date(day: dt.date, style: str = "中文") -> str:
    """``二〇二六年五月三日``; with style "阿拉伯数字" ``2026年5月3日`` (GB/T 9704-2012 7.3.5)."""
    if style == "阿拉伯数字":
        return f"{day.year}年{day.month}月{day.day}日"
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{chinese_number(day.month)}月{chinese_number(day.day)}日"


def short_date(day: dt.date) -> str:
    """``2026年5月3日``: dates inside tables and body text, where digits read faster."""
    return f"{day.year}年{day.month}月{day.day}日"


def date_range(start: dt.date, end: dt.date) -> str:
    """``2026年5月3日至5日``, ``2026年5月30日至6月2日``, ``2026年12月30日至2027年1月2日``."""
    if start == end:
        return short_date(start)
    if start.year != end.year:
        tail = short_date(end)
    elif start.month != end.month:
        tail = f"{end.month}月{end.day}日"
    else:
        tail = f"{end.day}日"
    return f"{short_date(start)}至{tail}"


def document_number(prefix: str, year: int, serial: int) -> str:
    """发文字号 as GB/T 9704-2012 7.2.4 writes it: ``云人社派〔2026〕12号`` (六角括号, no
    leading zeros)."""
    return f"{prefix}〔{year}〕{serial}号"


def serial_of_code(code: str) -> int:
    """The running number at the end of a code: ``PQ-2026-0012`` → 12."""
    m = re.search(r"(\d+)$", code)
    return int(m.group(1)) if m else 0


# -- personal data ----------------------------------------------------------------------------


def mask_id_number(number: str, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """``510104197805121234`` → ``5101**********1234``: the region and the last four stay, so
    staff can still tell two people apart on paper without exposing the birth date."""
    number = number.strip()
    if not number:
        return ""
    if len(number) <= keep_start + keep_end:
        return "*" * len(number)
    return number[:keep_start] + "*" * (len(number) - keep_start - keep_end) + number[-keep_end:]


# -- punctuation ------------------------------------------------------------------------------

_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_ASCII_MARKS = frozenset(_HALF_TO_FULL)


def _is_cjk(ch: str) -> bool:
    return ("\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
            or "\uff00" <= ch <= "\uffef" or ch >= "\U00020000")


def chinese_punctuation(text: str) -> str:
    """Half-width , ; : ? ! ( ) next to Chinese characters printed as their full-width forms.

    Chinese text reaches the page with ASCII marks: typed that way, pasted from Excel, or
    folded by NFKC normalisation on input (which turns "，" into ","). In Chinese print they
    must be full-width; between digits or Latin words ("1,000", "20:49", "(XQ-1)" in English)
    they stay as they are. A closing bracket follows its opening one.
    """
    if _ASCII_MARKS.isdisjoint(text):
        return text
    out = list(text)
    n = len(out)
    opened: list[bool] = []
    for i, ch in enumerate(text):
        if ch not in _ASCII_MARKS:
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < n else ""
        if ch == "(":
            full = _is_cjk(before) or _is_cjk(after)
            opened.append(full)
        elif ch == ")":
            full = opened.pop() if opened else (_is_cjk(before) or _is_cjk(after))
        else:
            full = _is_cjk(before) or _is_cjk(after)
        if full:
            out[i] = _HALF_TO_FULL[ch]
    return "".join(out)
