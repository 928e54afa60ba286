"""services/validation.py: every check returns the cleaned value or raises a ValidationError
whose message is Chinese and which names the field it is about."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services import validation as v
from services.errors import ValidationError
from tests.conftest import has_cjk, make_id_number

TODAY = date(2026, 6, 15)
PROVINCES = sorted(v._PROVINCES)


def assert_error(exc_info: pytest.ExceptionInfo[ValidationError], field: str, *words: str) -> str:
    """The error is about ``field`` only, and its message is Chinese and mentions ``words``."""
    exc = exc_info.value
    assert type(exc) is ValidationError
    assert list(exc.errors) == [field]
    message = exc.errors[field]
    assert has_cjk(message), message
    assert has_cjk(str(exc)) and message in str(exc)
    for word in words:
        assert word in message, (word, message)
    return message


# --- ID numbers (GB 11643) ---------------------------------------------------------------

def test_known_id_number_with_x_check_character() -> None:
    assert v.id_number("11010519491231002X", today=TODAY) == "11010519491231002X"
    assert v.id_number_check_char("11010519491231002") == "X"


def test_check_char_of_generated_numbers() -> None:
    for birth, seq in [("19700512", "131"), ("19820101", "002"), ("20000229", "017")]:
        number = make_id_number(birth, seq=seq)
        assert v.id_number(number, today=TODAY) == number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),  # lower-case x
        (" 110105 19491231 002X ", "11010519491231002X"),  # spaces anywhere
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width
        ("", ""),
        (None, ""),
    ],
)
def test_id_number_is_cleaned(raw: str | None, expected: str) -> None:
    assert v.id_number(raw, today=TODAY) == expected


def _with_last(number: str, last: str) -> str:
    return number[:17] + last


def test_id_number_wrong_check_digit() -> None:
    good = make_id_number("19780315")
    wrong = next(c for c in "0123456789X" if c != good[17])
    with pytest.raises(ValidationError) as info:
        v.id_number(_with_last(good, wrong), today=TODAY)
    assert_error(info, "id_number", "身份证号", "校验位")


@pytest.mark.parametrize("length", [17, 19, 10, 1])
def test_id_number_wrong_length(length: int) -> None:
    text = (make_id_number() * 2)[:length]
    with pytest.raises(ValidationError) as info:
        v.id_number(text, today=TODAY)
    assert_error(info, "id_number", "身份证号", "18 位", str(length))


def test_id_number_old_15_digit() -> None:
    with pytest.raises(ValidationError) as info:
        v.id_number("110105491231002", today=TODAY)
    assert_error(info, "id_number", "15 位", "18 位")


@pytest.mark.parametrize("bad", ["11010519491231002Y", "1101051949123100XX", "11010519A91231002X"])
def test_id_number_bad_characters(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        v.id_number(bad, today=TODAY)
    assert_error(info, "id_number", "身份证号")


@pytest.mark.parametrize("birth", ["19990230", "19991301", "19990000", "20230229"])
def test_id_number_bad_birth_date(birth: str) -> None:
    first17 = f"520102{birth}123"
    number = first17 + v.id_number_check_char(first17)
    with pytest.raises(ValidationError) as info:
        v.id_number(number, today=TODAY)
    assert_error(info, "id_number", "出生日期", birth)


@pytest.mark.parametrize("birth", ["20260616", "20990101", "18991231"])
def test_id_number_unreasonable_birth_date(birth: str) -> None:
    number = make_id_number(birth)
    with pytest.raises(ValidationError) as info:
        v.id_number(number, today=TODAY)
    assert_error(info, "id_number", "出生日期", birth)


def test_id_number_born_today_is_accepted() -> None:
    number = make_id_number(TODAY.strftime("%Y%m%d"))
    assert v.id_number(number, today=TODAY) == number


def test_id_number_future_relative_to_real_today() -> None:
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(ValidationError):
        v.id_number(make_id_number(tomorrow.strftime("%Y%m%d")))


@pytest.mark.parametrize("region", ["000000", "100101", "390101", "990101", "720101"])
def test_id_number_bad_province_code(region: str) -> None:
    number = make_id_number(region=region)
    with pytest.raises(ValidationError) as info:
        v.id_number(number, today=TODAY)
    assert_error(info, "id_number", region[:2])


def test_id_number_non_ascii_digits_refused() -> None:
    # Arabic-Indic digits pass str.isdigit() and int(); they are not an ID number.
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    number = make_id_number().translate(arabic)
    with pytest.raises(ValidationError) as info:
        v.id_number(number, today=TODAY)
    assert_error(info, "id_number", "身份证号")


def test_id_number_custom_field_name() -> None:
    with pytest.raises(ValidationError) as info:
        v.id_number("123", "contact_id", today=TODAY)
    assert_error(info, "contact_id", "身份证号")


def test_id_number_birth_date_and_gender() -> None:
    number = make_id_number("19700512", seq="131")
    assert v.id_number_birth_date(number) == date(1970, 5, 12)
    assert v.id_number_gender(number) == "男"
    assert v.id_number_gender(make_id_number(seq="122")) == "女"


_birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
_sequences = st.text(alphabet="0123456789", min_size=3, max_size=3)
_counties = st.text(alphabet="0123456789", min_size=4, max_size=4)


@given(
    province=st.sampled_from(PROVINCES),
    county=_counties,
    born=_birth_dates,
    seq=_sequences,
    position=st.integers(min_value=0, max_value=17),
    shift=st.integers(min_value=1, max_value=10),
)
def test_check_character_property(
    province: int, county: str, born: date, seq: str, position: int, shift: int
) -> None:
    first17 = f"{province:02d}{county}{born:%Y%m%d}{seq}"
    number = first17 + v.id_number_check_char(first17)
    assert v.id_number(number, today=TODAY) == number

    # Change one character to another: a digit among the first 17 to another digit, the check
    # character to another of 0-9/X. GB 11643 catches every single substitution; the province
    # and birth-date checks may catch it first.
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(number[position])
    new = alphabet[(old + shift) % len(alphabet)]
    if new == number[position]:  # shift == 10 on the digits only alphabet
        new = alphabet[(old + 1) % len(alphabet)]
    changed = number[:position] + new + number[position + 1:]
    assert changed != number
    with pytest.raises(ValidationError) as info:
        v.id_number(changed, today=TODAY)
    assert list(info.value.errors) == ["id_number"]
    assert has_cjk(info.value.message)


# --- phones ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("0851-85521234", "0851-85521234"),
        ("085185521234", "085185521234"),
        ("010-12345678", "010-12345678"),
        ("(0851) 85521234", "085185521234"),
        ("（0851）85521234", "085185521234"),
        ("0851—85521234", "0851-85521234"),  # a Chinese dash
        ("０８５１－８５５２１２３４", "0851-85521234"),  # full-width digits and hyphen
        ("0851-85521234-806", "0851-85521234-806"),  # extension
        ("0851-8552123", "0851-8552123"),  # seven-digit local number
        ("", ""),
        (None, ""),
    ],
)
def test_phone_accepted(raw: str | None, expected: str) -> None:
    assert v.phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "1381234567",  # ten digits
        "138123456789",  # twelve digits
        "12812345678",  # no mobile network starts 12
        "23812345678",
        "0851-0552123",  # a local number never starts with 0
        "85521234",  # landline without area code
        "电话号码",
        "138abcd5678",
        "+1 650 253 0000",
    ],
)
def test_phone_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        v.phone(raw)
    assert_error(info, "phone", "电话号码", "区号")


def test_phone_custom_field() -> None:
    with pytest.raises(ValidationError) as info:
        v.phone("123", "contact_phone")
    assert_error(info, "contact_phone", "123")


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2026-05-03",
        "2026-5-3",
        "2026/5/3",
        "2026/05/03",
        "2026.5.3",
        "2026年5月3日",
        "2026年05月03日",
        "2026年5月3",
        " 2026 年 5 月 3 日 ",
        "２０２６－０５－０３",
        "２０２６年５月３日",
        date(2026, 5, 3),
        datetime(2026, 5, 3, 14, 30),
    ],
)
def test_parse_date_accepted(raw: object) -> None:
    assert v.parse_date(raw, "window_start", "开始日期") == date(2026, 5, 3)


@pytest.mark.parametrize("raw", [None, ""])
def test_parse_date_empty(raw: object) -> None:
    assert v.parse_date(raw, "window_start", "开始日期") is None


@pytest.mark.parametrize(
    "raw",
    ["2026-02-30", "2026-13-01", "2026-00-10", "2026-5", "26-5-3", "03/05/2026", "明天",
     "2026-05-03 10:00", "20260503x"],
)
def test_parse_date_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        v.parse_date(raw, "window_start", "开始日期")
    assert_error(info, "window_start", "开始日期", "2026-05-03")


# --- windows, ranges, choices, required text ------------------------------------------------


def test_window() -> None:
    a, b = date(2026, 5, 1), date(2026, 5, 10)
    assert v.window(a, b) == (a, b)
    assert v.window(a, a) == (a, a)
    assert v.window(None, b) == (None, b)
    assert v.window(a, None) == (a, None)
    with pytest.raises(ValidationError) as info:
        v.window(b, a, "end_date", "派遣日期")
    assert_error(info, "end_date", "派遣日期", "2026-05-01", "2026-05-10")
    with pytest.raises(ValidationError) as info:
        v.window(b, a)
    assert_error(info, "window_end", "时间窗口")


@pytest.mark.parametrize(("raw", "expected"), [(1, 1), (50, 50), ("7", 7), (" 12 ", 12),
                                               ("１２", 12)])
def test_int_in_range_accepted(raw: object, expected: int) -> None:
    assert v.int_in_range(raw, "experts_wanted", "需要专家人数", 1, 50) == expected


@pytest.mark.parametrize("raw", [0, 51, -3, "100", "三", "2.5", 2.5, True, "abc"])
def test_int_in_range_rejected(raw: object) -> None:
    with pytest.raises(ValidationError) as info:
        v.int_in_range(raw, "experts_wanted", "需要专家人数", 1, 50)
    assert_error(info, "experts_wanted", "需要专家人数")


def test_int_in_range_empty() -> None:
    assert v.int_in_range(None, "n", "人数", 0, 9, allow_none=True) is None
    assert v.int_in_range("", "n", "人数", 0, 9, allow_none=True) is None
    with pytest.raises(ValidationError) as info:
        v.int_in_range(None, "n", "人数", 0, 9)
    assert_error(info, "n", "请填写人数")


def test_choice() -> None:
    options = ("正高级", "副高级", "中级", "初级")
    assert v.choice(" 正高级 ", "required_title", "职称要求", options) == "正高级"
    with pytest.raises(ValidationError) as info:
        v.choice("高级", "required_title", "职称要求", options)
    assert_error(info, "required_title", "职称要求", "高级", "正高级、副高级")
    with pytest.raises(ValidationError) as info:
        v.choice("", "required_title", "职称要求", options)
    assert_error(info, "required_title", "职称要求")


def test_required_and_optional_text() -> None:
    assert v.required("name", "姓名", "  张　三 ") == "张 三"
    for empty in (None, "", "   ", "\u3000"):
        with pytest.raises(ValidationError) as info:
            v.required("name", "姓名", empty)
        assert_error(info, "name", "请填写姓名")
    with pytest.raises(ValidationError) as info:
        v.required("name", "姓名", "张" * 41, 40)
    assert_error(info, "name", "姓名", "40")
    assert v.optional_text("notes", "备注", None, 10) == ""
    with pytest.raises(ValidationError) as info:
        v.optional_text("notes", "备注", "字" * 11, 10)
    assert_error(info, "notes", "备注", "10")


def test_coordinates() -> None:
    assert v.coordinates(None, "") == (None, None)
    assert v.coordinates("26.5", 106.7) == (26.5, 106.7)
    for lat, lon in [(91, 0), (0, 181), ("北纬", 106), (26.5, None)]:
        with pytest.raises(ValidationError) as info:
            v.coordinates(lat, lon, "home_latitude")
        assert_error(info, "home_latitude", "经纬度")


def test_collector_reports_every_field() -> None:
    c = v.Collector()
    assert c.check(v.phone, "13812345678") == "13812345678"
    assert c.check(v.phone, "123") is None
    assert c.check(v.required, "name", "姓名", "") is None
    c.add("name", "second message is ignored")
    with pytest.raises(ValidationError) as info:
        c.raise_if_any()
    assert set(info.value.errors) == {"phone", "name"}
    assert info.value.errors["name"] == "请填写姓名。"
    assert all(has_cjk(m) for m in info.value.errors.values())
