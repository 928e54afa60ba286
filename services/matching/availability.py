"""Which days an expert can serve, and how many days they have already served (for caps).

Shared by ranking, the candidate builder and the conflict check. The feasibility validator
(``validate.py``) deliberately re-derives the same rules on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.matching.snapshot import ExpertInfo, Visit

Month = tuple[int, int]


def month_days(start: date, days: int) -> dict[Month, int]:
    """How many of the days ``start``… (``days`` long) fall in each month."""
    out: dict[Month, int] = defaultdict(int)
    for i in range(days):
        d = start + timedelta(days=i)
        out[(d.year, d.month)] += 1
    return dict(out)


@dataclass
class Usage:
    """Days taken per expert: by month, by year, and the set of busy days (ordinals)."""

    month: dict[int, dict[Month, int]] = field(default_factory=lambda: defaultdict(dict))
    year: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    busy: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    # Who occupies a day, for messages: (expert, ordinal) → need id.
    by_day: dict[tuple[int, int], int] = field(default_factory=dict)

    def add(self, visit: Visit) -> None:
        e = visit.expert_id
        start = visit.start.toordinal()
        months = self.month[e]
        years = self.year[e]
        for i in range(visit.days):
            d = date.fromordinal(start + i)
            months[(d.year, d.month)] = months.get((d.year, d.month), 0) + 1
            years[d.year] = years.get(d.year, 0) + 1
            self.busy[e].add(start + i)
            self.by_day[(e, start + i)] = visit.need_id

    def remove(self, visit: Visit) -> None:
        e = visit.expert_id
        start = visit.start.toordinal()
        for i in range(visit.days):
            d = date.fromordinal(start + i)
            self.month[e][(d.year, d.month)] -= 1
            self.year[e][d.year] -= 1
            self.busy[e].discard(start + i)
            self.by_day.pop((e, start + i), None)

    def used_month(self, expert_id: int, month: Month) -> int:
        return self.month.get(expert_id, {}).get(month, 0)

    def used_year(self, expert_id: int, year: int) -> int:
        return self.year.get(expert_id, {}).get(year, 0)

    @classmethod
    def of(cls, visits: Iterable[Visit]) -> Usage:
        usage = cls()
        for v in visits:
            usage.add(v)
        return usage

    @classmethod
    def summarise(cls, spans: Iterable[tuple[int, date, date]], lo: date, hi: date) -> Usage:
        """The same figures for a question about ``lo``…``hi`` only, from (expert, first day,
        last day) spans, at a fraction of the cost (one need's ranking over thousands of
        experts): yearly totals by date arithmetic, monthly totals only for the months of the
        window, busy days only inside it."""
        usage = cls()
        a, b = lo.toordinal(), hi.toordinal()
        first_month = lo.replace(day=1).toordinal()
        last_month = (hi.replace(day=28) + timedelta(days=4)).replace(day=1).toordinal() - 1
        year_of = usage.year
        for e, start, end in spans:
            per_year = year_of[e]
            y = start.year
            if end.year == y:  # the usual case
                per_year[y] = per_year.get(y, 0) + (end - start).days + 1
            else:
                for y in range(start.year, end.year + 1):
                    first, last = max(start, date(y, 1, 1)), min(end, date(y, 12, 31))
                    per_year[y] = per_year.get(y, 0) + (last - first).days + 1
            s, t = start.toordinal(), end.toordinal()
            if t < first_month or s > last_month:
                continue
            s, t = max(s, first_month), min(t, last_month)
            for o in range(s, t + 1):  # only days in the window's months
                d = date.fromordinal(o)
                months = usage.month[e]
                months[(d.year, d.month)] = months.get((d.year, d.month), 0) + 1
                if a <= o <= b:
                    usage.busy[e].add(o)
        return usage


def unavailable_ordinals(expert: ExpertInfo, lo: int, hi: int) -> set[int]:
    """Ordinals in ``lo``…``hi`` covered by the expert's unavailable ranges."""
    out: set[int] = set()
    for start, end in expert.unavailable:
        a, b = max(start.toordinal(), lo), min(end.toordinal(), hi)
        if a <= b:
            out.update(range(a, b + 1))
    return out


def caps_allow(expert: ExpertInfo, usage: Usage, start: date, days: int) -> str | None:
    """None when a visit fits the expert's monthly and yearly caps, else a Chinese reason."""
    for (y, m), n in month_days(start, days).items():
        if usage.used_month(expert.id, (y, m)) + n > expert.month_cap:
            return (f"{m}月已服务 {usage.used_month(expert.id, (y, m))} 天，"
                    f"每月上限 {expert.month_cap} 天")
    per_year: dict[int, int] = defaultdict(int)
    for i in range(days):
        per_year[(start + timedelta(days=i)).year] += 1
    for y, n in per_year.items():
        if usage.used_year(expert.id, y) + n > expert.year_cap:
            return f"{y}年已服务 {usage.used_year(expert.id, y)} 天，每年上限 {expert.year_cap} 天"
    return None


def free_runs(free: list[bool]) -> list[int]:
    """For each index, how many consecutive free days start there."""
    runs = [0] * (len(free) + 1)
    for i in range(len(free) - 1, -1, -1):
        runs[i] = runs[i + 1] + 1 if free[i] else 0
    return runs[:-1]
