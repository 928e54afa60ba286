"""Figures broken down by slice (each township, each top-level field, …) and by month, for the
report's tables and charts. Each cell is the figure of services/statistics/figures.py for
that slice, so a row of the report opens to the same records as the figure on screen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.statistics.figures import FigureValue, compute, drill_down
from services.statistics.periods import ALL, Period, Slice, slice_choices

TABLE_KEYS = ("activities", "experts", "dispatches", "expert_days", "needs_received",
              "needs_served", "problems_solved", "people_trained", "beneficiaries",
              "economic_benefit", "spending")


@dataclass(frozen=True)
class SliceRow:
    slice: Slice
    values: dict[str, FigureValue]

    def number(self, key: str) -> float | int:
        return self.values[key].number or 0


def by_slice(session: Session, period: Period, kind: str,
             keys: Sequence[str] = TABLE_KEYS) -> list[SliceRow]:
    """One row per slice of ``kind`` ("township", "field", "team", "base" or "priority",
    which gives the priority places and the others)."""
    if kind == "priority":
        slices = [Slice("priority"), Slice("ordinary")]
    else:
        slices = [s for s in slice_choices(session) if s.kind == kind]
    return [SliceRow(s, {k: compute(session, k, period, s) for k in keys}) for s in slices]


def monthly(session: Session, period: Period, key: str, sl: Slice = ALL
            ) -> list[tuple[str, float]]:
    """The figure's records summed per month of the period (``("2026-03", n)``); records
    without a date are left out."""
    rows = drill_down(session, key, period, sl)
    totals = {f"{y}-{m:02d}": 0.0 for y, m in period.months()}
    from services.statistics.figures import figure

    fig = figure(key)
    for r in rows:
        if r.on is None:
            continue
        month = f"{r.on.year}-{r.on.month:02d}"
        if month in totals:
            totals[month] += 1 if fig.aggregate == "count" else float(r.value)
    if fig.aggregate == "money":
        totals = {k: v / 100 for k, v in totals.items()}
    return list(totals.items())
