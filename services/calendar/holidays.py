"""Statutory holidays, make-up working days (调休) and an office's own closures.

Statutory data comes from ``resources/calendar/holidays_cn.json``: only the years the State
Council has announced. For any other year the answer is "尚未公布", never a guess: such a day is
reported with ``announced=False`` and, unless a caller asks for ``strict`` answers, treated by
the plain Monday–Friday rule so that planning still works.

User rows (the database's ``Holiday`` table, or any objects with ``date``, ``name``, ``kind`` and
optionally ``note``) are merged on top and win over statutory data for the same day: an office
may close on a make-up working day, or work on a day it normally would not.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from services.calendar.resources import HOLIDAYS_FILE
from services.errors import CalendarError

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = (HOLIDAY, WORKDAY)
KIND_LABELS = {HOLIDAY: "放假", WORKDAY: "上班"}

STATUTORY = "statutory"
USER = "user"

Kind = Literal["holiday", "workday"]
DayKind = Literal["holiday", "workday", "weekend", "weekday"]


@dataclass(frozen=True, slots=True)
class HolidayEntry:
    """One day that differs from the Monday–Friday rule.

    ``kind`` is ``"holiday"`` (a day off) or ``"workday"`` (a make-up working day, 调休上班);
    ``name`` is the holiday it belongs to (e.g. "春节"); ``source`` is ``"statutory"`` or
    ``"user"``.
    """

    date: dt.date
    name: str
    kind: str
    source: str = STATUTORY
    note: str = ""

    @property
    def label(self) -> str:
        """What a calendar cell shows: "春节" for a day off, "春节调休上班" for a make-up day."""
        return self.name if self.kind == HOLIDAY else f"{self.name}调休上班"


@dataclass(frozen=True, slots=True)
class DayStatus:
    """Everything the calendar knows about whether ``date`` is worked.

    ``kind`` is "holiday", "workday" (make-up working day), "weekend" or "weekday";
    ``announced`` is False when the statutory arrangement of ``date``'s year is not yet known,
    in which case ``note`` says so and ``is_working_day`` follows the Monday–Friday rule.
    """

    date: dt.date
    kind: DayKind
    is_working_day: bool
    name: str = ""
    source: str = ""
    announced: bool = True
    note: str = ""

    @property
    def is_holiday(self) -> bool:
        return self.kind == HOLIDAY

    @property
    def is_makeup_workday(self) -> bool:
        return self.kind == WORKDAY


FIRST_DATA_YEAR = 2020  # earlier years are history the program does not carry


def not_announced_message(year: int) -> str:
    """The Chinese answer for a year without statutory data: never a guess."""
    if year < FIRST_DATA_YEAR:
        return f"程序未收录{year}年的法定节假日安排，按周一至周五上班、周六周日休息计。"
    return f"{year}年的法定节假日安排尚未公布，暂按周一至周五上班、周六周日休息计。"


@dataclass(frozen=True, slots=True)
class StatutoryData:
    """The parsed JSON file: entries by date, and the source note of each announced year."""

    entries: Mapping[dt.date, HolidayEntry]
    sources: Mapping[int, str]


def _parse_date(text: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError as exc:
        raise CalendarError(f"节假日数据{where}的日期“{text}”格式不对，应为 YYYY-MM-DD。") from exc


def parse_statutory(data: Mapping[str, Any]) -> StatutoryData:
    """Parse the holidays JSON structure; raise CalendarError on bad content."""
    entries: dict[dt.date, HolidayEntry] = {}
    sources: dict[int, str] = {}
    for year_text, year_data in dict(data.get("years", {})).items():
        try:
            year = int(year_text)
        except ValueError as exc:
            raise CalendarError(f"节假日数据中的年份“{year_text}”不是数字。") from exc
        sources[year] = str(year_data.get("source", ""))
        for period in year_data.get("periods", []):
            name = str(period["name"])
            where = f"（{year}年{name}）"
            start = _parse_date(period["start"], where)
            end = _parse_date(period["end"], where)
            if end < start:
                raise CalendarError(f"节假日数据{where}的结束日期早于开始日期。")
            day = start
            while day <= end:
                entries[day] = HolidayEntry(day, name, HOLIDAY, STATUTORY)
                day += dt.timedelta(days=1)
            for text in period.get("workdays", []):
                day = _parse_date(text, where)
                if day in entries:
                    raise CalendarError(f"节假日数据{where}中{day.isoformat()}既放假又上班。")
                entries[day] = HolidayEntry(day, name, WORKDAY, STATUTORY)
    return StatutoryData(entries, sources)


@lru_cache(maxsize=4)
def load_statutory(path: Path = HOLIDAYS_FILE) -> StatutoryData:
    """Read and parse the statutory holidays file (cached)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError as exc:
        raise CalendarError(f"找不到法定节假日数据文件：{path}") from exc
    except json.JSONDecodeError as exc:
        raise CalendarError(f"法定节假日数据文件格式错误（第{exc.lineno}行）：{path}") from exc
    return parse_statutory(data)


def _field(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


def entry_from_row(row: Any) -> HolidayEntry:
    """A user holiday entry from a database row or a mapping with date/name/kind/note."""
    day = _field(row, "date")
    if isinstance(day, str):
        day = _parse_date(day, "")
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise CalendarError(f"自定义节假日的日期“{day}”无效。")
    kind = str(_field(row, "kind", HOLIDAY) or HOLIDAY)
    if kind not in KINDS:
        raise CalendarError(f"自定义节假日的类型“{kind}”无效，只能是放假或上班。")
    name = str(_field(row, "name", "") or "").strip() or ("放假" if kind == HOLIDAY else "上班")
    return HolidayEntry(day, name, kind, USER, str(_field(row, "note", "") or ""))


class HolidayCalendar:
    """Statutory holidays merged with user rows; answers "is this day worked?".

    Build it once per user action (``HolidayCalendar.default(user_rows)``) and ask it about any
    number of days; it holds plain data only, so it may be passed to a worker thread.
    """

    def __init__(self, statutory: StatutoryData, user_rows: Iterable[Any] = ()) -> None:
        self._statutory = statutory
        self._user: dict[dt.date, HolidayEntry] = {}
        for row in user_rows:
            entry = row if isinstance(row, HolidayEntry) else entry_from_row(row)
            self._user[entry.date] = entry

    @classmethod
    def default(cls, user_rows: Iterable[Any] = ()) -> HolidayCalendar:
        """The bundled statutory data plus ``user_rows``."""
        return cls(load_statutory(), user_rows)

    def with_user_rows(self, user_rows: Iterable[Any]) -> HolidayCalendar:
        """A new calendar with the same statutory data and these user rows instead."""
        return HolidayCalendar(self._statutory, user_rows)

    # -- statutory coverage ---------------------------------------------------------------

    def year_announced(self, year: int) -> bool:
        """True if the statutory arrangement of ``year`` is in the data."""
        return year in self._statutory.sources

    def announced_years(self) -> tuple[int, ...]:
        return tuple(sorted(self._statutory.sources))

    def announcement_note(self, year: int) -> str | None:
        """None for an announced year, else the Chinese "尚未公布" message."""
        return None if self.year_announced(year) else not_announced_message(year)

    def source(self, year: int) -> str:
        """The notice the year's data was taken from, or the "尚未公布" message."""
        return self._statutory.sources.get(year) or not_announced_message(year)

    # -- single days ----------------------------------------------------------------------

    def entry(self, day: dt.date) -> HolidayEntry | None:
        """The user or statutory entry for ``day`` (user first), or None for an ordinary day."""
        return self._user.get(day) or self._statutory.entries.get(day)

    def status(self, day: dt.date) -> DayStatus:
        announced = self.year_announced(day.year)
        note = "" if announced else not_announced_message(day.year)
        entry = self.entry(day)
        if entry is not None:
            return DayStatus(
                day,
                entry.kind,  # type: ignore[arg-type]
                entry.kind == WORKDAY,
                entry.name,
                entry.source,
                announced,
                entry.note or note,
            )
        weekend = day.weekday() >= 5
        return DayStatus(
            day, "weekend" if weekend else "weekday", not weekend, announced=announced, note=note
        )

    def is_holiday(self, day: dt.date) -> bool:
        """True for a statutory or user day off (not for an ordinary weekend)."""
        entry = self.entry(day)
        return entry is not None and entry.kind == HOLIDAY

    def is_makeup_workday(self, day: dt.date) -> bool:
        """True for a make-up working day (调休上班), statutory or user-defined."""
        entry = self.entry(day)
        return entry is not None and entry.kind == WORKDAY

    def is_working_day(self, day: dt.date, *, strict: bool = False) -> bool:
        """Whether the office works on ``day``.

        For a year whose arrangement is not announced, the Monday–Friday rule applies, or with
        ``strict=True`` a CalendarError says the arrangement is not yet announced (unless a user
        row decides the day).
        """
        if strict and day not in self._user and not self.year_announced(day.year):
            raise CalendarError(not_announced_message(day.year))
        return self.status(day).is_working_day

    def holiday_name(self, day: dt.date) -> str:
        """The name of the holiday ``day`` is off for, or "" (also "" on make-up working days)."""
        entry = self.entry(day)
        return entry.name if entry is not None and entry.kind == HOLIDAY else ""

    def entries_between(self, start: dt.date, end: dt.date) -> list[HolidayEntry]:
        """All user and statutory entries from ``start`` to ``end`` inclusive, by date."""
        result = []
        day = start
        while day <= end:
            entry = self.entry(day)
            if entry is not None:
                result.append(entry)
            day += dt.timedelta(days=1)
        return result

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie from ``start`` to ``end`` inclusive."""
        count = 0
        day = start
        while day <= end:
            count += self.status(day).is_working_day
            day += dt.timedelta(days=1)
        return count


@lru_cache(maxsize=1)
def statutory_calendar() -> HolidayCalendar:
    """The bundled statutory data alone (no user rows), shared."""
    return HolidayCalendar(load_statutory())


def year_announced(year: int) -> bool:
    """True if the State Council's holiday arrangement for ``year`` is in the bundled data."""
    return statutory_calendar().year_announced(year)
