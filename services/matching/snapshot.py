"""Plain data the matcher and the scheduler work on, read from the database in a few bulk
queries (``services/matching/loading.py``) or built by a generator (``bench/``).

Nothing here holds an ORM object or a session, so a snapshot can be handed to a worker thread
and the solver never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from services.matching.fieldtree import FieldTree

TITLE_RANK = {"正高级": 4, "副高级": 3, "中级": 2, "初级": 1, "无": 0}


@dataclass(slots=True)  # not frozen: a frozen init costs more than the ranking itself
class ExpertInfo:
    """One expert as the matcher sees them.

    ``unavailable``: date ranges the expert cannot serve; ``history``: per unit id, how many
    past visits and the mean satisfaction (1–5) when known.
    """

    id: int
    code: str
    name: str
    field_ids: tuple[int, ...]
    title: str = "无"
    honours: tuple[str, ...] = ()
    employer_unit_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    month_cap: int = 10
    year_cap: int = 60
    unavailable: tuple[tuple[date, date], ...] = ()
    history: dict[int, tuple[int, float | None]] = field(default_factory=dict)
    retired: bool = False

    @property
    def title_rank(self) -> int:
        return TITLE_RANK.get(self.title, 0)

    def is_unavailable(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.unavailable)


@dataclass(frozen=True, slots=True)
class NeedInfo:
    """One need to match or plan. ``window`` is the wanted window (None when the need gave
    none: the plan period is used); ``ideal`` the best day (the crop phase's ideal point, else
    the middle of the window); ``declined`` experts who turned this need down."""

    id: int
    code: str
    title: str
    unit_id: int
    field_id: int
    township_id: int
    window_start: date | None = None
    window_end: date | None = None
    days: int = 1
    experts_wanted: int = 1
    required_title: str | None = None
    priority: bool = False
    latitude: float | None = None
    longitude: float | None = None
    ideal: date | None = None
    unit_name: str = ""
    township_name: str = ""
    declined: frozenset[int] = frozenset()
    applicants: frozenset[int] = frozenset()

    @property
    def required_rank(self) -> int:
        return TITLE_RANK.get(self.required_title or "", 0)


@dataclass(slots=True)
class Visit:
    """One expert at one need on consecutive days ``start``…``end``.

    ``dispatch_id`` is set for a visit that exists as a dispatch; ``pinned`` visits never move.
    """

    need_id: int
    expert_id: int
    start: date
    end: date
    pinned: bool = False
    dispatch_id: int | None = None
    dispatch_code: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def key(self) -> tuple[int, int]:
        return (self.need_id, self.expert_id)


@dataclass
class Snapshot:
    """Everything one planning run needs.

    ``needs``: the needs to plan; ``experts`` by id; ``busy``: every active visit of these
    experts in the years the period touches that this run does not plan (they occupy days and
    count against caps; a visit of a need being planned here that is ``pinned`` also counts
    toward that need's experts); ``previous``: the movable visits of the plan being revised
    (replanning keeps as many as it can); ``days_off``: holidays of the period.
    """

    start: date
    end: date
    needs: list[NeedInfo]
    experts: dict[int, ExpertInfo]
    tree: FieldTree
    busy: list[Visit] = field(default_factory=list)
    previous: list[Visit] = field(default_factory=list)
    days_off: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # weekend days worked (调休上班)
    allow_holidays: bool = False
    allow_weekends: bool = True
    min_match_rank: int = 2  # fieldtree.LEVEL_RANK: 2 = same industry at least
    township_names: dict[int, str] = field(default_factory=dict)
    # Dispatch id → version of the dispatches this run is based on (those touching the period
    # and those of the needs planned), read before everything else: accepting the plan is
    # refused when one of them changed meanwhile (schedule.accept_plan).
    dispatch_versions: dict[int, int] = field(default_factory=dict)

    @property
    def period_days(self) -> int:
        return (self.end - self.start).days + 1

    def need(self, need_id: int) -> NeedInfo:
        for n in self.needs:
            if n.id == need_id:
                return n
        raise KeyError(need_id)

    def window(self, need: NeedInfo) -> tuple[date, date]:
        """The need's window clipped to the plan period."""
        lo = max(need.window_start or self.start, self.start)
        hi = min(need.window_end or self.end, self.end)
        return lo, hi

    def is_day_off(self, day: date) -> bool:
        """A day no visit may use: a holiday (unless allowed) or a weekend (when not allowed)."""
        if not self.allow_holidays and day in self.days_off:
            return True
        return not self.allow_weekends and day.weekday() >= 5 and day not in self.workdays
