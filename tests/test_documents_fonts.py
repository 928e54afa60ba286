"""Fonts of printed documents: shipped files and licences, Windows fonts found first, glyph
fallback for rare name characters, and the user told about characters no font has."""

from __future__ import annotations

import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from services import settings
from services.documents import FontError, check_glyphs, font_set
from services.documents.fonts import (
    FONTS_DIR,
    SHIPPED_HEI,
    SHIPPED_KAI,
    SHIPPED_SONG,
    FontFile,
    load_font,
)
from services.errors import ValidationError
from services.uow import UnitOfWork

RARE = "䶮𠮷"  # 䶮 (CJK Ext-A, the name of a Southern Han emperor) and 𠮷 (Ext-B, a 吉 variant)


def _table_tags(path: Path, index: int = 0) -> set[bytes]:
    data = path.read_bytes()
    offset = 0
    if data[:4] == b"ttcf":
        (offset,) = struct.unpack(">I", data[12 + 4 * index:16 + 4 * index])
    (count,) = struct.unpack(">H", data[offset + 4:offset + 6])
    return {data[offset + 12 + 16 * i:offset + 16 + 16 * i] for i in range(count)}


@pytest.mark.parametrize("spec", [SHIPPED_SONG, SHIPPED_KAI, SHIPPED_HEI])
def test_shipped_fonts_are_truetype_outlined_and_licensed(spec: str) -> None:
    font = FontFile.parse(spec, FONTS_DIR)
    tags = _table_tags(font.path, font.index)
    assert b"glyf" in tags and b"CFF " not in tags  # reportlab embeds glyf outlines only
    licences = list(FONTS_DIR.glob("LICENSE-*"))
    stem = font.path.stem.split("-")[0].lower()
    assert any(stem in p.name.lower() for p in licences), f"no licence file for {font.path.name}"


def test_shipped_fonts_stay_small() -> None:
    total = sum(p.stat().st_size for p in FONTS_DIR.iterdir() if p.suffix in (".ttf", ".ttc"))
    assert total < 30 * 1024 * 1024


def test_without_windows_fonts_the_shipped_fonts_are_used() -> None:
    fonts = font_set(font_dirs=[])
    assert fonts.chain("fangsong").fonts[0].path.name == SHIPPED_SONG
    assert fonts.chain("kai").fonts[0].path.name == SHIPPED_KAI
    # No 小标宋 anywhere: the title is 宋体 drawn heavier.
    assert fonts.chain("title").fake_bold


def test_rare_name_characters_print_through_the_fallback_chain() -> None:
    fonts = font_set(font_dirs=[])
    assert check_glyphs("王" + RARE, fonts) == []
    runs, _ = fonts.runs("王䶮", "fangsong")
    assert len(runs) == 2  # 王 from the body font, 䶮 from the font that has it
    assert fonts.missing == {}


def test_a_character_no_font_has_is_reported_by_name_and_drawn_as_a_box() -> None:
    fonts = font_set(font_dirs=[])
    fonts.context = "派遣单 PQ-2026-0001"
    nothing = "\U000f0001"  # a private-use character: no font draws it
    runs, _ = fonts.runs("张" + nothing, "fangsong")
    assert "".join(text for _, text in runs) == "张□"
    assert check_glyphs("张" + nothing, fonts) == [nothing]
    report = fonts.missing_report()
    assert len(report) == 1 and "U+F0001" in report[0] and "PQ-2026-0001" in report[0]


def test_windows_fonts_are_preferred_and_found_whatever_their_case(tmp_path: Path) -> None:
    # Stand-ins with the Windows file names (any TrueType file will do for discovery).
    shutil.copy(FONTS_DIR / SHIPPED_KAI, tmp_path / "SIMKAI.TTF")
    shutil.copy(FONTS_DIR / SHIPPED_SONG, tmp_path / "simfang.ttf")
    fonts = font_set(font_dirs=[tmp_path])
    assert fonts.chain("fangsong").fonts[0].path == tmp_path / "simfang.ttf"
    assert fonts.chain("kai").fonts[0].path == tmp_path / "SIMKAI.TTF"
    assert fonts.chain("hei").fonts[0].path.parent == FONTS_DIR  # no simhei.ttf: shipped
    # The shipped fonts still back up the Windows ones for rare characters.
    assert check_glyphs(RARE, fonts) == []


def test_a_configured_title_font_is_used_without_fake_bold(tmp_path: Path) -> None:
    fonts = font_set(configured={"title": str(FONTS_DIR / SHIPPED_HEI)}, font_dirs=[])
    assert not fonts.chain("title").fake_bold
    assert fonts.chain("title").fonts[0] == FontFile.parse(SHIPPED_HEI, FONTS_DIR)


def test_font_settings_are_checked(uow: Callable[..., UnitOfWork], tmp_path: Path) -> None:
    otf = tmp_path / "思源宋体.otf"
    otf.write_bytes(b"OTTO" + bytes(200))  # CFF-outlined OpenType: cannot be embedded
    with uow() as u:
        with pytest.raises(ValidationError) as missing:
            settings.set_value(u.session, "documents.font.title", str(tmp_path / "无.ttf"))
        assert "找不到字体文件" in missing.value.message
        with pytest.raises(ValidationError) as cff:
            settings.set_value(u.session, "documents.font.title", str(otf))
        assert "TrueType" in cff.value.message
        path = f"{FONTS_DIR / 'wqy-microhei.ttc'}#1"
        assert settings.set_value(u.session, "documents.font.hei", path) == path
        assert settings.set_value(u.session, "documents.font.hei", "") == ""
        settings.set_value(u.session, "documents.font.hei", path)
        fonts = font_set(u.session, font_dirs=[])
        assert fonts.chain("hei").fonts[0] == FontFile(FONTS_DIR / "wqy-microhei.ttc", 1)


def test_a_broken_font_file_raises_a_chinese_message(tmp_path: Path) -> None:
    bad = tmp_path / "坏.ttf"
    bad.write_bytes(b"\x00\x01\x00\x00" + bytes(40))
    with pytest.raises(FontError) as exc:
        load_font(FontFile(bad))
    assert "不能使用" in exc.value.message or "无法读取" in exc.value.message


def test_every_basic_cjk_character_and_the_standard_extension_characters_print() -> None:
    fonts = font_set(font_dirs=[])
    basic = [chr(c) for c in range(0x4E00, 0x9FA6)]  # all of GBK's 20,902 hanzi
    assert [ch for ch in basic if not fonts.has_glyph(ch)] == []
    # Characters of 通用规范汉字表 outside the basic block, several of them used in names.
    standard = "䶮𠮷𬀩𬌗𬍛𫐄𬘬𫘝𬇙𫖯堃喆昇犇垚彧曌赟珺旻玥龑翀冮眀"
    assert check_glyphs(standard, fonts) == []
