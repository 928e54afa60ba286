"""Chinese text rules of printed documents: line breaking (禁则), dates, numbers, masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.documents.text import (
    NO_LINE_END,
    NO_LINE_START,
    break_lines,
    chinese_date,
    clusters,
    date_range,
    document_number,
    mask_id_number,
    serial_of_code,
)


def em(text: str) -> float:
    """A stand-in font: CJK characters and full-width marks 1 em, ASCII half an em."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def check_kinsoku(lines: list[str]) -> None:
    for i, line in enumerate(lines):
        assert line, f"empty line {i} in {lines}"
        if i > 0:
            assert line[0] not in NO_LINE_START, f"line {i} starts with {line[0]!r}: {lines}"
        if i < len(lines) - 1:
            assert line[-1] not in NO_LINE_END, f"line {i} ends with {line[-1]!r}: {lines}"


def test_a_comma_that_would_start_a_line_takes_its_character_along() -> None:
    # Twelve characters fit; the thirteenth is "，": the twelfth moves down with it.
    text = "根据你单位提出的服务需求，经研究决定派遣专家"
    lines = break_lines(text, 12, em)
    check_kinsoku(lines)
    assert lines[0] == "根据你单位提出的服务需"
    assert lines[1].startswith("求，")
    assert "".join(lines) == text


def test_an_opening_mark_never_ends_a_line() -> None:
    text = "请做好接待工作（联系人王建国）并按时填写回执"
    lines = break_lines(text, 7, em)
    check_kinsoku(lines)
    assert lines[0] == "请做好接待工作"
    assert lines[1].startswith("（")


@pytest.mark.parametrize("mark", ["。", "、", "；", "：", "？", "！", "）", "」", "》", "”"])
def test_no_closing_mark_starts_a_line(mark: str) -> None:
    text = "一二三四五" + mark + "六七八九十"
    for width in range(2, 12):
        check_kinsoku(break_lines(text, width, em))


def test_ellipsis_and_dash_are_never_split() -> None:
    assert "说……" in clusters("他说……好")
    lines = break_lines("一二三四五六七八九——十一", 10, em)
    check_kinsoku(lines)
    assert all(line.count("—") in (0, 2) for line in lines)


def test_codes_numbers_and_units_stay_whole() -> None:
    text = "派遣单PQ-2026-0012的专家电话13885000001，时间3月20日至4月20日"
    for width in range(8, 20):
        lines = break_lines(text, width, em)
        check_kinsoku(lines)
        joined = "\n".join(lines)
        assert "PQ-2026-0012" in joined
        assert "13885000001" in joined
        for unit in ("3月", "20日", "4月"):
            assert unit in joined


def test_a_long_id_number_is_split_rather_than_leave_a_line_a_quarter_empty() -> None:
    text = "兹证明张三同志（身份证号：5101**********1234），系某单位职工"
    lines = break_lines(text, 14, em)
    check_kinsoku(lines)
    assert em(lines[0]) > 14 * 0.75
    assert "".join(lines) == text


def test_spaces_between_latin_words_are_break_points_and_vanish_there() -> None:
    lines = break_lines("Expert Dispatch prints dispatch sheets", 4, em)
    assert lines == ["Expert", "Dispatch", "prints", "dispatch", "sheets"]


def test_first_line_width_for_an_indent() -> None:
    lines = break_lines("一二三四五六七八九十", 5, em, first_width=3)
    assert lines == ["一二三", "四五六七八", "九十"]


CJK = st.sampled_from(list("专家服务基层派遣单回执需求清单农时月历云岭县石门村茶叶"))
MARKS = st.sampled_from(sorted(NO_LINE_START | NO_LINE_END))
LATIN = st.sampled_from(["XQ-2026-0001", "13885000001", "ABC", "12", " "])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(CJK, CJK, CJK, MARKS, LATIN), min_size=1, max_size=60),
       st.integers(min_value=6, max_value=30))
def test_kinsoku_holds_for_any_text(parts: list[str], width: int) -> None:
    text = "".join(parts).strip(" ")
    if not text:
        return
    lines = break_lines(text, width, em)
    check_kinsoku(lines)
    for line in lines:
        # No line is wider than the measure unless one cluster alone is.
        if em(line) > width:
            assert len(clusters(line)) == 1
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_chinese_dates() -> None:
    assert chinese_date(date(2026, 5, 3)) == "二〇二六年五月三日"
    assert chinese_date(date(2026, 10, 10)) == "二〇二六年十月十日"
    assert chinese_date(date(2026, 12, 31)) == "二〇二六年十二月三十一日"
    assert chinese_date(date(2000, 1, 20)) == "二〇〇〇年一月二十日"
    assert chinese_date(date(2026, 5, 3), "阿拉伯数字") == "2026年5月3日"


def test_date_ranges() -> None:
    assert date_range(date(2026, 5, 3), date(2026, 5, 3)) == "2026年5月3日"
    assert date_range(date(2026, 5, 3), date(2026, 5, 5)) == "2026年5月3日至5日"
    assert date_range(date(2026, 5, 30), date(2026, 6, 2)) == "2026年5月30日至6月2日"
    assert date_range(date(2026, 12, 30), date(2027, 1, 2)) == "2026年12月30日至2027年1月2日"


def test_document_numbers_use_hexagonal_brackets_and_no_leading_zeros() -> None:
    assert document_number("云人社派", 2026, serial_of_code("PQ-2026-0012")) == "云人社派〔2026〕12号"


def test_id_numbers_are_masked_in_the_middle() -> None:
    assert mask_id_number("510104197805121234") == "5101**********1234"
    assert mask_id_number("51010419780512123X") == "5101**********123X"
    assert mask_id_number("") == ""
    assert mask_id_number("1234") == "****"
