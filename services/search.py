"""Quick search over list rows: Chinese substrings of any length, full pinyin and pinyin
initials (``zhs`` and ``zhanghuashan`` both find 张华山), and fragments of codes, ID numbers and
phone numbers. Qt-free, so the command line can use it as well as the GUI.

Why not SQL: SQLite's FTS5 trigram index cannot match queries under three characters, and its
trigram ``LIKE`` returned wrong results for two-character Chinese on SQLite 3.40. A list screen
holds its rows in memory anyway, so each row gets one lower-case "haystack" string with its
texts, their pinyin and the digits of its codes, and a query is a plain substring test per
row — about 10 ms for 100,000 rows, less when a keystroke narrows the previous result.

Pinyin comes from pypinyin's character table (pinyin_dict.json, read directly: importing the
pypinyin package loads its 47,000-phrase dictionary too, ~50 MB), one reading per character —
its first and most common — turned into ``str.translate`` tables so that 100,000 titles take
well under a second. Two refinements cover the usual misses of a per-character reading: for
short texts (names of people and places) every reading of the first character is added
(曾 céng/zēng, 单 dān/shàn: surnames), and texts with a common heteronym (长 行 重 …) also get
the variant with its second reading (长江 → changjiang, 银行 → yinhang).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

SEP = "\x1f"  # between the parts of a haystack; never in a query, so no match spans two parts
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Characters whose first reading in the table is often the wrong one in a phrase.
_HETERONYMS = frozenset("长行重调乐曾单解朴仇区查都会便还差传降角觉率落露难强曲省数说宿相兴血应"
                        "载藏属提空参称处担当得地干给供好划几将结卡壳累量蒙宁泊铺期奇塞厦扇"
                        "石似弹挑系鲜校旋咽约择扎涨着转")
_SHORT = 4  # texts up to this long get the other readings of their first character


def _pinyin_table() -> dict[int, str]:
    """pypinyin's code point → "líng,yuán,xīng" table, without importing the package."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("pypinyin")
    locations = spec.submodule_search_locations if spec is not None else None
    if locations:
        path = Path(next(iter(locations))) / "pinyin_dict.json"
        if path.is_file():
            return {int(k): v for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    from pypinyin.pinyin_dict import pinyin_dict  # a bundle without the plain file

    return dict(pinyin_dict)


@cache
def _tables() -> tuple[dict[int, str], dict[int, str], dict[str, tuple[str, ...]]]:
    """(code point → toneless full reading, code point → initial, char → all readings)."""
    toneless_cache: dict[str, str] = {}

    def toneless(syllable: str) -> str:
        plain = toneless_cache.get(syllable)
        if plain is None:
            decomposed = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v")  # lü → lv
            plain = "".join(c for c in decomposed if not unicodedata.combining(c))
            toneless_cache[syllable] = plain
        return plain

    full: dict[int, str] = {}
    initial: dict[int, str] = {}
    readings: dict[str, tuple[str, ...]] = {}
    by_text: dict[str, tuple[str, ...]] = {}
    for code_point, text in _pinyin_table().items():
        options = by_text.get(text)
        if options is None:
            options = by_text[text] = tuple(
                dict.fromkeys(toneless(s) for s in text.split(",") if s)
            )
        if not options:
            continue
        full[code_point] = options[0]
        initial[code_point] = options[0][0]
        if len(options) > 1:
            readings[chr(code_point)] = options
    return full, initial, readings


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def pinyin_keys(text: str) -> tuple[str, ...]:
    """The pinyin forms a query may use for ``text``: full pinyin and initials first, then
    alternatives (other readings). Empty for text without Chinese characters.

    >>> pinyin_keys("张华山")
    ('zhanghuashan', 'zhs')
    """
    # Short texts (names, places, units) repeat across rows and are worth a cache; long ones
    # (titles) are mostly unique and would only fill it.
    return _pinyin_keys_cached(text) if len(text) <= 16 else _pinyin_keys(text)


def _pinyin_keys(text: str) -> tuple[str, ...]:
    if not text or not has_chinese(text):
        return ()
    full, initial, readings = _tables()
    lower = text.lower()
    keys = [lower.translate(full), lower.translate(initial)]
    first = lower[0]
    if len(lower) <= _SHORT and first in readings:
        rest_full, rest_initial = lower[1:].translate(full), lower[1:].translate(initial)
        for reading in readings[first][1:]:
            keys += [reading + rest_full, reading[0] + rest_initial]
    if not _HETERONYMS.isdisjoint(lower):
        second = {ord(ch): readings[ch][1] for ch in _HETERONYMS.intersection(lower)
                  if ch in readings}
        if second:
            keys += [lower.translate(second).translate(full),
                     lower.translate({k: v[0] for k, v in second.items()}).translate(initial)]
    return tuple(dict.fromkeys(k for k in keys if k))


_pinyin_keys_cached = lru_cache(maxsize=50_000)(_pinyin_keys)


def pinyin_full(text: str) -> str:
    """Full toneless pinyin (``张华山`` → ``zhanghuashan``); other characters kept, lower-cased."""
    if not text:
        return ""
    return text.lower().translate(_tables()[0])


def sort_key(text: str) -> str:
    """A key that orders Chinese text by pinyin, as people expect from Excel and WPS (texts
    that read alike keep their order: sorting is stable)."""
    return pinyin_full(text)


def normalize_query(query: str) -> list[str]:
    """A query as lower-case terms (full-width folded, apostrophes of pinyin dropped).
    Every term must be found for a row to match."""
    text = unicodedata.normalize("NFKC", query or "").lower().replace("'", "")
    return [t for t in text.split() if t]


_NOT_DIGIT = re.compile(r"\D+")
_LETTERS = re.compile(r"[a-z]")


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


@dataclass(frozen=True)
class SearchSpec:
    """Which columns of a row a search looks at (positions in the row).

    ``text``: texts of the row itself, such as a title or a name (matched as typed and by
    pinyin); ``codes``: codes, phone and ID numbers (matched as typed and by their digits
    alone, so ``0012`` or ``1381234`` find them); ``shared``: groups of columns whose texts
    many rows share, such as (unit, township, village); ``lookups``: columns holding a key
    whose text lives elsewhere (a field id → ``种植业 › 茶叶``). Shared and looked-up texts are
    indexed once per distinct value, which keeps the per-row haystacks short and a keystroke
    fast.
    """

    text: tuple[int, ...] = ()
    codes: tuple[int, ...] = ()
    shared: tuple[tuple[int, ...], ...] = ()
    lookups: Mapping[int, Mapping[Any, str]] = field(default_factory=dict)


def _haystacks(texts: Iterable[str], codes: Iterable[str]) -> tuple[str, str]:
    """(ASCII haystack: pinyin, codes, digits, Latin text; other haystack: the texts as
    written, lower-cased). A query is looked for in the one its characters can be in."""
    ascii_parts: list[str] = []
    other_parts: list[str] = []
    for text in texts:
        lower = text.lower()
        if lower == text:
            lower = text  # the row's own string: no copy for the (mostly Chinese) texts
        if lower.isascii():
            ascii_parts.append(lower)
        else:
            other_parts.append(lower)
            ascii_parts.extend(pinyin_keys(text))
    for code in codes:
        lower = code.lower()
        (ascii_parts if lower.isascii() else other_parts).append(lower)
        if not _LETTERS.search(lower):  # a phone number with dashes: also its bare digits
            digits = _digits(lower)
            if digits and digits != lower:
                ascii_parts.append(digits)
    return SEP.join(ascii_parts), SEP.join(other_parts)


class _Group:
    """The distinct values of one group of shared columns, each with its haystacks."""

    def __init__(self, positions: tuple[int, ...], mapping: Mapping[Any, str] | None) -> None:
        self.positions = positions
        self.mapping = mapping
        self.ids: dict[Any, int] = {}
        self.ascii: list[str] = []
        self.other: list[str] = []
        self.of_row: list[int] = []
        self._rows_of: dict[int, list[int]] | None = None
        self._sizes: dict[int, int] | None = None

    def rows_of(self) -> dict[int, list[int]]:
        """Group id → positions of the rows holding it (built on demand, then kept)."""
        if self._rows_of is None:
            rows_of: dict[int, list[int]] = {}
            for position, g in enumerate(self.of_row):
                if g >= 0:
                    rows_of.setdefault(g, []).append(position)
            self._rows_of = rows_of
        return self._rows_of

    def sizes(self) -> dict[int, int]:
        """Group id → how many rows hold it."""
        if self._sizes is None:
            self._sizes = {g: len(rows) for g, rows in self.rows_of().items()}
        return self._sizes

    def set_row(self, position: int, row: Sequence[Any] | None) -> None:
        self.of_row[position] = -1 if row is None else self.id_for(row)
        self._rows_of = None
        self._sizes = None

    def id_for(self, row: Sequence[Any]) -> int:
        key = row[self.positions[0]] if len(self.positions) == 1 else tuple(
            row[p] for p in self.positions)
        found = self.ids.get(key)
        if found is None:
            if self.mapping is not None:
                text = self.mapping.get(key)
                texts = [text] if text else []
            else:
                texts = [str(row[p]) for p in self.positions if row[p] not in (None, "")]
            found = self.ids[key] = len(self.ascii)
            ascii_hay, other_hay = _haystacks(texts, ())
            self.ascii.append(ascii_hay)
            self.other.append(other_hay)
        return found

    def hits(self, term: str) -> set[int]:
        hays = self.ascii if term.isascii() else self.other
        return {g for g, hay in enumerate(hays) if term in hay}


class SearchIndex:
    """Haystacks per row (and per distinct shared value); ``search`` returns the positions
    of the matching rows in order.

    Rows may be ``None`` (a removed row keeps its place so positions stay valid); they never
    match. ``update`` and ``append`` keep the index in step with edits of single rows.
    """

    def __init__(
        self,
        rows: Sequence[Sequence[Any] | None],
        spec: SearchSpec,
        *,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> None:
        self.spec = spec
        self._ascii: list[str] = []
        self._other: list[str] = []
        self._alive = bytearray()
        self._groups = [_Group(g, None) for g in spec.shared] + [
            _Group((p,), m) for p, m in spec.lookups.items()
        ]
        total = len(rows)
        step = max(1, total // 50)
        for position, row in enumerate(rows):
            self._add(row)
            if progress is not None and position % step == 0:
                progress(position, total, "建立搜索索引")
        for group in self._groups:
            group.sizes()
        self._last: tuple[str, Sequence[int] | None, list[int]] | None = None

    def __len__(self) -> int:
        return len(self._ascii)

    def _set(self, position: int, row: Sequence[Any] | None) -> None:
        spec = self.spec
        if row is None:
            self._ascii[position] = self._other[position] = ""
            self._alive[position] = 0
            for group in self._groups:
                group.set_row(position, None)
            return
        texts = [str(v) for p in spec.text if (v := row[p]) is not None and v != ""]
        codes = [str(v) for p in spec.codes if (v := row[p]) is not None and v != ""]
        self._ascii[position], self._other[position] = _haystacks(texts, codes)
        self._alive[position] = 1
        for group in self._groups:
            group.set_row(position, row)

    def _add(self, row: Sequence[Any] | None) -> None:
        self._ascii.append("")
        self._other.append("")
        self._alive.append(0)
        for group in self._groups:
            group.of_row.append(-1)
        self._set(len(self._ascii) - 1, row)

    def update(self, position: int, row: Sequence[Any] | None) -> None:
        self._set(position, row)
        self._last = None

    def append(self, row: Sequence[Any] | None) -> int:
        self._add(row)
        self._last = None
        return len(self._ascii) - 1

    def search(self, query: str, candidates: Sequence[int] | None = None) -> list[int]:
        """Positions of the rows matching every term of ``query`` (every row for an empty
        query). With ``candidates`` (e.g. the positions in a list's sort order) only those are
        looked at and the result keeps their order; a longer query typed after a shorter one
        with the same candidates only narrows the previous result."""
        terms = normalize_query(query)
        alive = self._alive
        pool: Sequence[int] = range(len(self._ascii)) if candidates is None else candidates
        if not terms:
            return [p for p in pool if alive[p]]
        key = " ".join(terms)
        last = self._last
        if last is not None and last[1] is candidates and key.startswith(last[0]):
            pool = last[2]
        found: list[int] = pool if isinstance(pool, list) else list(pool)
        for term in terms:
            found = self._search_term(term, found)
            if not found:
                break
        self._last = (key, candidates, found)
        return found

    def _search_term(self, term: str, pool: list[int]) -> list[int]:
        own = self._ascii if term.isascii() else self._other
        checks = []
        via_count = 0
        for group in self._groups:
            hit = group.hits(term)
            if hit:
                sizes = group.sizes()
                via_count += sum(sizes[g] for g in hit)
                checks.append((group, hit))
        if not checks:
            return [p for p in pool if term in own[p]]
        if via_count * 4 < len(pool):
            # Few rows come through their shared texts: collect them from the groups.
            via: set[int] = set()
            for group, hit in checks:
                rows_of = group.rows_of()
                for g in hit:
                    via.update(rows_of[g])
            return [p for p in pool if p in via or term in own[p]]  # in the pool's order
        # Many do (a one-letter query): one pass over the pool is cheaper.
        if len(checks) == 1:
            of_row, hit = checks[0][0].of_row, checks[0][1]
            return [p for p in pool if of_row[p] in hit or term in own[p]]
        (first, hit1), (second, hit2), *more = checks
        of1, of2 = first.of_row, second.of_row
        if not more:
            return [p for p in pool if of1[p] in hit1 or of2[p] in hit2 or term in own[p]]
        rest = [(g.of_row, h) for g, h in more]
        return [p for p in pool if of1[p] in hit1 or of2[p] in hit2 or term in own[p]
                or any(o[p] in h for o, h in rest)]


def matches(query: str, *texts: str) -> bool:
    """True when every term of ``query`` is found in one of ``texts`` or their pinyin (for
    small lists, e.g. a tree of fields, without building an index)."""
    terms = normalize_query(query)
    if not terms:
        return True
    parts = [t.lower() for t in texts if t]
    for text in texts:
        if text:
            parts.extend(pinyin_keys(text))
    hay = SEP.join(parts)
    return all(t in hay for t in terms)
