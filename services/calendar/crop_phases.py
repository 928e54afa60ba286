"""Crop phases (农时): the catalogue in ``resources/calendar/crop_phases.toml`` and their windows.

A phase's start and end are *date specs*, written the way farmers and extension workers say them:

- ``"清明"``: the day of 清明 in the year asked about;
- ``"立夏+10"`` / ``"谷雨-5"``: that many days after / before the term;
- ``"03-15"`` (optionally ``"03-15+5"``): a fixed month-day, for phases no term fits (防火期);
- a leading ``"次年"`` (``"次年立春"``) puts the date in the following year.

Convention for phases that cross the new year: the window "of year Y" is the one that *starts*
in year Y; its end carries ``次年`` and falls in Y+1 (冬至 → 次年立春: 2025-12-21 → 2026-02-04).
An end before the start without ``次年`` is an error, never silently moved to the next year, so
that a typo cannot create a 360-day phase.

Functions here accept any *phase-like* object with ``start_spec``/``end_spec`` (and optionally
``ideal_spec``, ``key``, ``region``, ``crop``, ``name``): the catalogue's ``CropPhase`` and the
database's rows alike.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from services.calendar.resources import CATALOGUE_FILE
from services.calendar.terms import (
    MAX_YEAR,
    MIN_YEAR,
    TERM_INDEX,
    _term_dates_unchecked,
    check_year,
)
from services.errors import CalendarError

NEXT_YEAR = "次年"
MAX_OFFSET_DAYS = 120
MAX_PHASE_DAYS = 366

_SPEC_RE = re.compile(
    r"^(?P<next>次年)?\s*"
    r"(?:(?P<md>\d{1,2}-\d{1,2})|(?P<term>[\u4e00-\u9fff]{2}))"
    r"\s*(?:(?P<sign>[+\-＋－])\s*(?P<days>\d{1,3})\s*天?)?$"
)


class PhaseLike(Protocol):
    @property
    def start_spec(self) -> str: ...

    @property
    def end_spec(self) -> str: ...


# -- date specs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateSpec:
    """A parsed date spec; ``resolve(year)`` turns it into a date."""

    text: str
    term: str | None
    month: int | None
    day: int | None
    offset: int
    next_year: bool

    def resolve(self, year: int) -> dt.date:
        base_year = year + 1 if self.next_year else year
        if self.term is not None:
            anchor = _term_dates_unchecked(base_year)[self.term]
        else:
            assert self.month is not None and self.day is not None
            anchor = dt.date(base_year, self.month, self.day)
        return anchor + dt.timedelta(days=self.offset)

    def describe(self) -> str:
        """Plain Chinese, e.g. "次年立春后10天", "3月15日"."""
        anchor = self.term if self.term else f"{self.month}月{self.day}日"
        text = (NEXT_YEAR if self.next_year else "") + anchor
        if self.offset > 0:
            text += f"后{self.offset}天"
        elif self.offset < 0:
            text += f"前{-self.offset}天"
        return text

    def __str__(self) -> str:
        return self.text


@lru_cache(maxsize=4096)
def parse_spec(text: str) -> DateSpec:
    """Parse a date spec; raise CalendarError with a Chinese message if it is malformed."""
    cleaned = str(text).strip()
    match = _SPEC_RE.match(cleaned)
    if match is None:
        raise CalendarError(
            f"日期写法“{text}”无法识别：应为节气名（如“清明”“立夏+10”“谷雨-5”）"
            "或月-日（如“03-15”），跨年的结束日期前加“次年”。"
        )
    term = match["term"]
    month = day = None
    if term is not None and term not in TERM_INDEX:
        raise CalendarError(f"日期写法“{text}”中的“{term}”不是二十四节气之一。")
    if match["md"] is not None:
        month, day = (int(part) for part in match["md"].split("-"))
        try:
            dt.date(2001, month, day)  # a non-leap year: 02-29 would vanish three years in four
        except ValueError as exc:
            raise CalendarError(f"日期写法“{text}”中的月-日不存在（不能用02-29）。") from exc
    offset = 0
    if match["sign"] is not None:
        offset = int(match["days"]) * (-1 if match["sign"] in "-－" else 1)
        if abs(offset) > MAX_OFFSET_DAYS:
            raise CalendarError(f"日期写法“{text}”前后偏移不能超过{MAX_OFFSET_DAYS}天。")
    return DateSpec(cleaned, term, month, day, offset, match["next"] is not None)


@lru_cache(maxsize=65536)
def _window(start_spec: str, end_spec: str, year: int) -> tuple[dt.date, dt.date]:
    start = parse_spec(start_spec).resolve(year)
    end = parse_spec(end_spec).resolve(year)
    if end < start:
        raise CalendarError(
            f"{year}年农时的结束（{end_spec}，{end.isoformat()}）早于开始"
            f"（{start_spec}，{start.isoformat()}）；跨年的农时请在结束日期前加“次年”。"
        )
    return start, end


def window_for_specs(start_spec: str, end_spec: str, year: int) -> tuple[dt.date, dt.date]:
    """The concrete (start, end) of specs for the occurrence starting in ``year``."""
    check_year(year)
    return _window(start_spec, end_spec, year)


def phase_window(phase: PhaseLike, year: int) -> tuple[dt.date, dt.date]:
    """The concrete dates (start, end inclusive) of ``phase`` in ``year``.

    For a phase that crosses the new year (its end written with ``次年``) the end falls in
    ``year + 1``; the window "of year Y" is always the one that starts in Y.
    """
    return window_for_specs(phase.start_spec, phase.end_spec, year)


def check_phase_specs(
    start_spec: str,
    end_spec: str,
    ideal_spec: str | None = None,
    years: Iterable[int] = range(MIN_YEAR, MAX_YEAR + 1),
) -> None:
    """Raise CalendarError unless the specs give a sensible window in every one of ``years``.

    Sensible: end not before start, shorter than a year, ideal (if any) inside the window.
    """
    parse_spec(start_spec)
    parse_spec(end_spec)
    ideal = parse_spec(ideal_spec) if ideal_spec else None
    for year in years:
        start, end = _window(start_spec, end_spec, year)
        if (end - start).days >= MAX_PHASE_DAYS:
            raise CalendarError(f"农时“{start_spec}”至“{end_spec}”长于一年，请检查“次年”。")
        if ideal is not None and not start <= ideal.resolve(year) <= end:
            raise CalendarError(
                f"{year}年最佳时点（{ideal_spec}）不在“{start_spec}”至“{end_spec}”之间。"
            )


# -- the catalogue ------------------------------------------------------------------------


def make_key(region: str, crop: str, name: str) -> str:
    """The stable key of a phase: "region/crop/name" (e.g. "西南/茶叶/春茶采摘")."""
    return f"{region}/{crop}/{name}"


@dataclass(frozen=True, slots=True)
class CropPhase:
    """One phase of one crop in one region, as the catalogue file describes it.

    ``start_spec``/``end_spec``/``ideal_spec`` are date specs (module docstring); ``help`` lists
    the kinds of help the phase calls for; ``topics`` names topics of ``resources/fields.json``.
    ``id`` and ``user_edited`` are set when the phase was read from the database.
    """

    key: str
    region: str
    crop: str
    name: str
    start_spec: str
    end_spec: str
    ideal_spec: str | None = None
    help: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    source: str = ""
    id: int | None = None
    user_edited: bool = False

    def window(self, year: int) -> tuple[dt.date, dt.date]:
        return phase_window(self, year)

    def describe(self) -> str:
        """E.g. "立夏 至 小暑"."""
        return f"{parse_spec(self.start_spec).describe()} 至 {parse_spec(self.end_spec).describe()}"


@dataclass(frozen=True)
class Catalogue:
    """The parsed catalogue: ``regions`` maps a region name to its description (file order)."""

    regions: Mapping[str, str]
    phases: tuple[CropPhase, ...]

    def region_names(self) -> tuple[str, ...]:
        return tuple(self.regions)

    def crops(self, region: str | None = None) -> tuple[str, ...]:
        """Crop (industry) names, in file order, of ``region`` or of all regions."""
        if region is not None:
            self.check_region(region)
        seen: dict[str, None] = {}
        for p in self.phases:
            if region is None or p.region == region:
                seen.setdefault(p.crop, None)
        return tuple(seen)

    def phases_for(self, region: str | None = None, crop: str | None = None) -> list[CropPhase]:
        if region is not None:
            self.check_region(region)
        return [
            p
            for p in self.phases
            if (region is None or p.region == region) and (crop is None or p.crop == crop)
        ]

    def get(self, key: str) -> CropPhase | None:
        return self._by_key().get(key)

    def _by_key(self) -> dict[str, CropPhase]:
        return {p.key: p for p in self.phases}

    def check_region(self, region: str) -> None:
        if region not in self.regions:
            raise CalendarError(f"未知的农业区“{region}”，可选：{'、'.join(self.regions)}。")


def _str_list(value: Any, what: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CalendarError(f'农时目录{where}的 {what} 应为文字列表，如 ["夏梢管理"]。')
    return tuple(v.strip() for v in value if v.strip())


def parse_catalogue(data: Mapping[str, Any]) -> Catalogue:
    """Build a Catalogue from the parsed TOML; raise CalendarError naming the bad entry."""
    regions = data.get("regions")
    if not isinstance(regions, Mapping) or not regions:
        raise CalendarError("农时目录缺少 [regions]（农业区列表）。")
    phases: list[CropPhase] = []
    keys: set[str] = set()
    for number, item in enumerate(data.get("phase", []), start=1):
        where = f"第{number}条农时"
        if not isinstance(item, Mapping):
            raise CalendarError(f"农时目录{where}格式不对。")
        for field in ("region", "crop", "name", "start", "end"):
            if not isinstance(item.get(field), str) or not item[field].strip():
                raise CalendarError(f"农时目录{where}缺少 {field}。")
        region, crop, name = (item[f].strip() for f in ("region", "crop", "name"))
        where = f"{where}（{region}/{crop}/{name}）"
        if region not in regions:
            raise CalendarError(f"农时目录{where}的农业区“{region}”不在 [regions] 中。")
        key = str(item.get("key") or make_key(region, crop, name))
        if key in keys:
            raise CalendarError(f"农时目录{where}与前面的农时重复（{key}）。")
        keys.add(key)
        ideal = item.get("ideal")
        try:
            for spec in (item["start"], item["end"], ideal):
                if spec is not None:
                    parse_spec(spec)
        except CalendarError as exc:
            raise CalendarError(f"农时目录{where}：{exc.message}") from exc
        phases.append(
            CropPhase(
                key=key,
                region=region,
                crop=crop,
                name=name,
                start_spec=item["start"].strip(),
                end_spec=item["end"].strip(),
                ideal_spec=ideal.strip() if isinstance(ideal, str) and ideal.strip() else None,
                help=_str_list(item.get("help"), "help", where),
                topics=_str_list(item.get("topics"), "topics", where),
                source=str(item.get("source", "")).strip(),
            )
        )
    return Catalogue({str(k): str(v) for k, v in regions.items()}, tuple(phases))


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    """Read and parse the catalogue file (cached; ``load_catalogue.cache_clear()`` re-reads)."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError as exc:
        raise CalendarError(f"找不到农时目录文件：{path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"农时目录文件格式错误：{exc}（{path}）") from exc
    return parse_catalogue(data)


# -- occurrences and queries ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhaseOccurrence:
    """One phase in one concrete window (the occurrence that starts in ``year``)."""

    phase: Any
    year: int
    start: dt.date
    end: dt.date
    ideal: dt.date | None = None

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def is_active(self, day: dt.date) -> bool:
        return self.contains(day)

    def days_until_start(self, day: dt.date) -> int:
        """Days from ``day`` to the start (0 or negative once started)."""
        return (self.start - day).days

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def occurrence(phase: Any, year: int) -> PhaseOccurrence:
    """``phase``'s window starting in ``year`` with its ideal date resolved."""
    start, end = phase_window(phase, year)
    ideal_spec = getattr(phase, "ideal_spec", None)
    ideal = parse_spec(ideal_spec).resolve(year) if ideal_spec else None
    return PhaseOccurrence(phase, year, start, end, ideal)


def _occurrence_unchecked(phase: Any, year: int) -> PhaseOccurrence:
    start, end = _window(phase.start_spec, phase.end_spec, year)
    ideal_spec = getattr(phase, "ideal_spec", None)
    ideal = parse_spec(ideal_spec).resolve(year) if ideal_spec else None
    return PhaseOccurrence(phase, year, start, end, ideal)


def occurrences_between(
    phases: Iterable[Any], first: dt.date, last: dt.date
) -> list[PhaseOccurrence]:
    """Every occurrence of ``phases`` overlapping ``first``..``last``, sorted by start.

    The previous year's occurrence is included so that a phase crossing the new year is found
    in January.
    """
    result = []
    for phase in phases:
        for year in range(first.year - 1, last.year + 1):
            occ = _occurrence_unchecked(phase, year)
            if occ.start <= last and occ.end >= first:
                result.append(occ)
    result.sort(key=lambda o: (o.start, o.end, getattr(o.phase, "key", "")))
    return result


def phases_upcoming(
    region: str,
    today: dt.date,
    days: int = 30,
    *,
    crop: str | None = None,
    phases: Iterable[Any] | None = None,
) -> list[PhaseOccurrence]:
    """Phases of ``region`` (optionally one ``crop``) active on ``today`` or starting within the
    next ``days`` days, sorted by start: the dashboard's "coming into season" list.

    ``phases`` defaults to the bundled catalogue; pass the database's rows to honour edits.
    """
    check_year(today.year)
    if days < 0:
        raise CalendarError("天数不能为负数。")
    if phases is None:
        candidates: Iterable[Any] = load_catalogue().phases_for(region, crop)
    else:
        candidates = [
            p
            for p in phases
            if getattr(p, "region", region) == region
            and (crop is None or getattr(p, "crop", crop) == crop)
        ]
    horizon = today + dt.timedelta(days=days)
    found: dict[Any, PhaseOccurrence] = {}
    for occ in occurrences_between(candidates, today, horizon):
        # One entry per phase: the earliest occurrence overlapping the period.
        key = getattr(occ.phase, "key", id(occ.phase))
        found.setdefault(key, occ)
    return sorted(found.values(), key=lambda o: (o.start, getattr(o.phase, "key", "")))


def phases_active_on(day: dt.date, phases: Iterable[Any]) -> list[PhaseOccurrence]:
    """The occurrences of ``phases`` that contain ``day``."""
    return [o for o in occurrences_between(phases, day, day) if o.contains(day)]
