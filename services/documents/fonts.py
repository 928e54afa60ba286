"""Fonts for printing: found at run time, always embedded as TrueType subsets.

Why not reportlab's built-in ``STSong-Light``: it is a CID font that is *not* embedded, and a
viewer without the Adobe-GB1 language pack draws nothing at all. Every font here is a TrueType
(glyf-outlined) file that reportlab subsets into the PDF.

Where fonts come from, for each *role* (仿宋 body, 宋体, 黑体, 楷体, 小标宋 title):

1. the file named in the role's setting (``documents.font.<role>``), e.g. an office's
   方正小标宋 — a path, with ``#N`` for the N-th face of a ``.ttc`` collection;
2. the Windows font every Chinese office PC has (``simfang.ttf``, ``simsun.ttc`` face 0,
   ``simhei.ttf``, ``simkai.ttf``), looked up in ``%WINDIR%\\Fonts`` and the per-user font folder;
3. the freely licensed fonts shipped in ``resources/fonts/`` (see its README).

A character the role's font lacks (a rare surname such as 䶮 or 𠮷) is drawn with the first
font of the *fallback chain* that has it: 宋体, SimSun-ExtB, then the shipped fonts. A
character no font has is drawn as □ and reported, so the user is told which name will not
print correctly instead of getting a silent gap.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics, ttfonts
from sqlalchemy.orm import Session

from services import settings
from services.documents.errors import FontError
from services.errors import ValidationError
from services.validation import normalize_text

FONTS_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"

ROLES = ("fangsong", "song", "hei", "kai", "title")
ROLE_LABELS = {
    "fangsong": "仿宋",
    "song": "宋体",
    "hei": "黑体",
    "kai": "楷体",
    "title": "标题字体（小标宋）",
}

# File names of the Windows fonts per role, best first. 仿宋_GB2312 and 楷体_GB2312 come from
# older Windows and are still installed in many offices for GB/T 9704 documents.
WINDOWS_FILES: dict[str, tuple[str, ...]] = {
    "fangsong": ("simfang.ttf", "FS_GB2312.ttf", "仿宋_GB2312.ttf"),
    "song": ("simsun.ttc#0", "simsun.ttf"),
    "hei": ("simhei.ttf", "msyh.ttc#0", "msyh.ttf"),
    "kai": ("simkai.ttf", "KAI_GB2312.ttf", "楷体_GB2312.ttf"),
    # 方正小标宋 is not part of Windows, but offices install it for 公文 titles.
    "title": ("FZXBSJW.TTF", "方正小标宋简体.ttf", "方正小标宋_GBK.ttf", "FZXiaoBiaoSong-B05S.ttf",
              "FZXBSK.TTF"),
}
# Windows fonts tried for characters the role's own font lacks (SimSun-ExtB has CJK Ext-B).
WINDOWS_FALLBACK = ("simsun.ttc#0", "simsunb.ttf")

# Shipped fonts (resources/fonts/). 文鼎简报宋 (GB2312) stands in for 宋体 and 仿宋; 霞鹜文楷 has
# the widest coverage (CJK Ext-A/B, 䶮 and 𠮷) and so leads the fallback chain.
SHIPPED_SONG = "gbsn00lp.ttf"
SHIPPED_KAI = "LXGWWenKai-Regular.ttf"
SHIPPED_HEI = "wqy-microhei.ttc#0"
SHIPPED_FILES: dict[str, str] = {
    "fangsong": SHIPPED_SONG,
    "song": SHIPPED_SONG,
    "hei": SHIPPED_HEI,
    "kai": SHIPPED_KAI,
    "title": SHIPPED_SONG,
}
SHIPPED_FALLBACK = (SHIPPED_KAI, SHIPPED_SONG, SHIPPED_HEI)

MISSING_MARK = "□"


# reportlab writes each ToUnicode entry as "<%04X>", which is wrong for characters outside the
# Basic Multilingual Plane: 𠮷 (U+20BB7) came out as five hex digits and text extraction and
# search returned "₻". PDF wants UTF-16BE there, i.e. the surrogate pair <D842DFB7>.
def _make_to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()

    return "\n".join([
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{utf16(code)}>" for i, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ])


ttfonts.makeToUnicodeCMap = _make_to_unicode_cmap


# -- font files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontFile:
    """One face of a font file: ``path`` and ``index`` (the face inside a .ttc)."""

    path: Path
    index: int = 0

    @classmethod
    def parse(cls, spec: str, base: Path | None = None) -> FontFile:
        """``C:\\Windows\\Fonts\\simsun.ttc#0`` → FontFile(path, 0)."""
        text = spec.strip().strip('"')
        index = 0
        m = re.match(r"^(.*?)#(\d+)$", text)
        if m:
            text, index = m.group(1), int(m.group(2))
        path = Path(text).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        return cls(path, index)

    def __str__(self) -> str:
        return f"{self.path}#{self.index}" if self.index else str(self.path)


_lock = threading.Lock()
_loaded: dict[FontFile, ttfonts.TTFont] = {}


def load_font(font: FontFile) -> ttfonts.TTFont:
    """The reportlab font for ``font``, registered once per process.

    Raises ``FontError`` for a missing file, a CFF-outlined (OpenType/PostScript) font that
    reportlab cannot embed, or a font whose licence bits forbid embedding.
    """
    with _lock:
        cached = _loaded.get(font)
        if cached is not None:
            return cached
        if not font.path.is_file():
            raise FontError(f"找不到字体文件“{font.path}”。请检查路径，或在设置中清空以自动选择。")
        name = "ED-" + re.sub(r"[^A-Za-z0-9]+", "-", font.path.stem)[:40] + f"-{font.index}"
        try:
            # validate=0: checksums of a 20 MB file cost time and prove nothing here.
            tt = ttfonts.TTFont(name, str(font.path), validate=0, subfontIndex=font.index)
        except ttfonts.TTFError as exc:
            text = str(exc)
            if "postscript" in text.lower() or "cff" in text.lower():
                reason = "这是 OpenType（CFF 轮廓）字体，无法嵌入 PDF，请改用 TrueType 字体（.ttf/.ttc）"
            elif "embedding" in text.lower():
                reason = "字体的授权设置不允许嵌入文档"
            elif "subfont" in text.lower() or "index" in text.lower():
                reason = f"字体集里没有第 {font.index} 个字体"
            else:
                reason = f"无法读取（{text}）"
            raise FontError(f"字体文件“{font.path}”不能使用：{reason}。") from exc
        except OSError as exc:
            raise FontError(f"无法读取字体文件“{font.path}”：{exc.strerror or exc}。") from exc
        except Exception as exc:
            # reportlab meets a damaged file with KeyError, struct.error …: for the user it
            # is one thing — this file is not a usable font.
            raise FontError(f"字体文件“{font.path}”已损坏或不是字体文件，不能使用。") from exc
        pdfmetrics.registerFont(tt)
        _loaded[font] = tt
        return tt


def windows_font_dirs() -> list[Path]:
    """``%WINDIR%\\Fonts`` and the per-user font folder (fonts installed "for me only")."""
    dirs = []
    windir = os.environ.get("WINDIR") or os.environ.get("SYSTEMROOT")
    if windir:
        dirs.append(Path(windir) / "Fonts")
    elif sys.platform == "win32":
        dirs.append(Path("C:/Windows/Fonts"))
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return [d for d in dirs if d.is_dir()]


def _find_in(dirs: Sequence[Path], spec: str) -> FontFile | None:
    wanted = FontFile.parse(spec)
    name = wanted.path.name.lower()
    for folder in dirs:
        exact = folder / wanted.path.name
        if exact.is_file():
            return FontFile(exact, wanted.index)
        try:
            # Windows is case-insensitive but a copied font folder may not be.
            for entry in folder.iterdir():
                if entry.name.lower() == name and entry.is_file():
                    return FontFile(entry, wanted.index)
        except OSError:
            continue
    return None


# -- settings ---------------------------------------------------------------------------------


def _font_setting(label: str):  # type: ignore[no-untyped-def]
    def check(value: Any) -> str:
        text = normalize_text(value)
        if not text:
            return ""
        try:
            load_font(FontFile.parse(text))
        except FontError as exc:
            raise ValidationError.single("value", exc.message) from None
        return text

    return check


for _role in ROLES:
    settings.define(
        f"documents.font.{_role}",
        f"打印字体：{ROLE_LABELS[_role]}",
        "",
        _font_setting(ROLE_LABELS[_role]),
        "字体文件路径（.ttf 或 .ttc，.ttc 可加“#序号”选字体）。留空则自动选择：先找 Windows "
        "自带字体，找不到时用程序自带的开源字体。",
        "公文",
    )


# -- the font set -----------------------------------------------------------------------------


@dataclass
class Chain:
    """The fonts of one role: ``primary`` first, then the fallbacks, loaded when first needed.

    ``fake_bold``: the title role without a 小标宋 file draws 宋体 with a stroked outline, the
    usual stand-in for the heavier 小标宋.
    """

    role: str
    fonts: list[FontFile]
    fake_bold: bool = False
    _tt: list[ttfonts.TTFont | None] = field(default_factory=list)
    # char -> (reportlab font name, advance width per point of size) — or None when missing
    _cache: dict[str, tuple[str, float] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._tt = [None] * len(self.fonts)

    def _font(self, i: int) -> ttfonts.TTFont | None:
        tt = self._tt[i]
        if tt is None:
            try:
                tt = self._tt[i] = load_font(self.fonts[i])
            except FontError:
                if i == 0:
                    raise
                return None  # a broken fallback is skipped; the next one may have the glyph
        return tt

    @property
    def primary_name(self) -> str:
        tt = self._font(0)
        assert tt is not None
        return tt.fontName

    def glyph(self, ch: str) -> tuple[str, float] | None:
        """The font that draws ``ch`` and its advance width for 1 pt, or None if none has it."""
        try:
            return self._cache[ch]
        except KeyError:
            pass
        found: tuple[str, float] | None = None
        code = ord(ch)
        for i in range(len(self.fonts)):
            tt = self._font(i)
            if tt is None:
                continue
            face = tt.face
            if code in face.charToGlyph:
                found = (tt.fontName, face.charWidths.get(code, face.defaultWidth) / 1000.0)
                break
        self._cache[ch] = found
        return found


# Characters that are layout, not ink: never reported missing.
_INVISIBLE = frozenset(" \u3000\t\u00a0")
# Control and format characters are dropped. Private-use ones are not: offices encode rare
# name characters there with self-made fonts (造字), and such a character must be reported.
_CONTROL = frozenset(("Cc", "Cf"))


class FontSet:
    """The fonts of one print job: a ``Chain`` per role, plus the record of missing glyphs.

    Attributes: ``chains`` (role → Chain), ``missing`` (character → the first few places it
    occurred, e.g. "派遣单 PQ-2026-0001"), ``context`` (the place being drawn now; set it before
    drawing a document so that reports say where).
    """

    def __init__(self, chains: dict[str, Chain]) -> None:
        self.chains = chains
        self.missing: dict[str, list[str]] = {}
        self.context = ""
        # role -> char -> advance at 1 pt; the hot path of measuring is one C-level sum().
        self._widths: dict[str, dict[str, float]] = {role: {} for role in chains}

    def chain(self, role: str) -> Chain:
        return self.chains[role]

    def preload(self) -> None:
        """Load every font now (about a second): a GUI calls this on a worker thread at start,
        so that the first print does not wait for it."""
        for chain in self.chains.values():
            for i in range(len(chain.fonts)):
                chain._font(i)

    def _note_missing(self, text: str) -> None:
        """Record where missing characters occur (each occurrence, not only the first)."""
        if self.context:
            for ch in self.missing.keys() & set(text):
                places = self.missing[ch]
                if len(places) < 5 and self.context not in places:
                    places.append(self.context)

    def runs(self, text: str, role: str) -> tuple[list[tuple[str, str]], float]:
        """``text`` as (font name, text) runs and its width at 1 pt (no tracking)."""
        chain = self.chains[role]
        runs: list[tuple[str, str]] = []
        width = 0.0
        cur_font = ""
        cur: list[str] = []
        for ch in text:
            g = chain.glyph(ch)
            if g is None:
                ch, g = self._substitute(ch, chain)
                if not ch:
                    continue
            font, w = g
            width += w
            if font != cur_font:
                if cur:
                    runs.append((cur_font, "".join(cur)))
                cur_font, cur = font, [ch]
            else:
                cur.append(ch)
        if cur:
            runs.append((cur_font, "".join(cur)))
        if self.missing:
            self._note_missing(text)
        return runs, width

    def _substitute(self, ch: str, chain: Chain) -> tuple[str, tuple[str, float]]:
        """What to draw for a character no font has: □ (recorded as missing), a plain space
        for a missing space character, nothing for control characters."""
        if unicodedata.category(ch) in _CONTROL:
            return "", ("", 0.0)
        if ch in _INVISIBLE:
            space = chain.glyph(" ")
            return (" ", space) if space else ("", ("", 0.0))
        self.missing.setdefault(ch, [])
        mark = chain.glyph(MISSING_MARK) or self.chains["hei"].glyph(MISSING_MARK)
        if mark is None:  # no font at all has □: leave a blank of one em
            return " ", (chain.primary_name, 1.0)
        return MISSING_MARK, mark

    def width(self, text: str, role: str) -> float:
        """Width of ``text`` at 1 pt."""
        widths = self._widths[role]
        try:
            total = sum(map(widths.__getitem__, text))
        except KeyError:
            chain = self.chains[role]
            for ch in text:
                if ch not in widths:
                    g = chain.glyph(ch)
                    widths[ch] = (g if g is not None else self._substitute(ch, chain)[1])[1]
            total = sum(map(widths.__getitem__, text))
        if self.missing:
            self._note_missing(text)
        return total

    def has_missing(self, text: str) -> bool:
        return bool(self.missing) and not self.missing.keys().isdisjoint(text)

    def has_glyph(self, ch: str, role: str = "fangsong") -> bool:
        return self.chains[role].glyph(ch) is not None

    def missing_report(self) -> list[str]:
        """One Chinese line per missing character: what it is and where it occurred."""
        return [
            f"“{ch}”（U+{ord(ch):04X} {unicodedata.name(ch, '未命名字符')}）"
            + (f"：{'、'.join(places)}" if places else "")
            for ch, places in self.missing.items()
        ]

    def describe(self) -> list[tuple[str, str]]:
        """(role label, font file) for each role, for the settings screen and ``--verbose``."""
        out = []
        for role, chain in self.chains.items():
            note = "（加粗模拟小标宋）" if chain.fake_bold else ""
            out.append((ROLE_LABELS[role], f"{chain.fonts[0]}{note}"))
        return out


def _shipped(spec: str) -> FontFile:
    return FontFile.parse(spec, FONTS_DIR)


def resolve_fonts(
    configured: dict[str, str] | None = None,
    font_dirs: Sequence[Path] | None = None,
) -> dict[str, tuple[list[FontFile], bool]]:
    """For each role: its font files, best first, and whether the title is a fake bold.

    ``configured`` maps a role to a file named in its setting; ``font_dirs`` replaces the
    Windows font folders (tests pass a folder of their own).
    """
    configured = configured or {}
    dirs = windows_font_dirs() if font_dirs is None else list(font_dirs)
    win_fallback = [f for f in (_find_in(dirs, s) for s in WINDOWS_FALLBACK) if f is not None]
    shipped_fallback = [_shipped(s) for s in SHIPPED_FALLBACK]
    result: dict[str, tuple[list[FontFile], bool]] = {}
    for role in ROLES:
        primary: FontFile | None = None
        if configured.get(role):
            primary = FontFile.parse(configured[role])
        if primary is None:
            for spec in WINDOWS_FILES[role]:
                primary = _find_in(dirs, spec)
                if primary is not None:
                    break
        fake_bold = False
        if primary is None and role == "title":
            # No 小标宋: the song font, stroked a little heavier.
            song = result["song"][0][0]
            primary, fake_bold = song, True
        if primary is None:
            primary = _shipped(SHIPPED_FILES[role])
        chain = _unique([primary, *win_fallback, *shipped_fallback])
        result[role] = (chain, fake_bold)
    return result


def _unique(items: Iterable[FontFile]) -> list[FontFile]:
    seen: set[FontFile] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def font_set(
    session: Session | None = None,
    *,
    configured: dict[str, str] | None = None,
    font_dirs: Sequence[Path] | None = None,
) -> FontSet:
    """The fonts to print with: the settings in ``session`` (if given) override discovery."""
    if configured is None:
        configured = {}
        if session is not None:
            for role in ROLES:
                value = settings.get(session, f"documents.font.{role}")
                if value:
                    configured[role] = value
    resolved = resolve_fonts(configured, font_dirs)
    chains = {role: Chain(role, files, fake) for role, (files, fake) in resolved.items()}
    for role in configured:
        chains[role].primary_name  # noqa: B018 — a bad setting fails now, before any page
    return FontSet(chains)


def check_glyphs(text: str, fonts: FontSet | None = None, role: str = "fangsong") -> list[str]:
    """The characters of ``text`` that no available font can print (for a form to warn as a
    name is typed, before anything is printed)."""
    fonts = fonts or font_set()
    return list(dict.fromkeys(
        ch for ch in text
        if ch not in _INVISIBLE and unicodedata.category(ch) not in _CONTROL
        and not fonts.has_glyph(ch, role)
    ))
