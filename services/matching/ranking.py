"""Ranking experts for one need (揭榜 suggestions and the match panel): every eligible expert
with a score and the reasons behind it, applicants (揭榜) first, alternates after the best.

Eligible: the specialty covers the need at least as closely as the plan requires (setting
``matching.min_specialty``), and no conflict of interest (an expert never serves a unit of
their own employer: such experts are listed as excluded, with the reason). When fewer than
``MIN_ALTERNATES`` experts qualify, experts of the same top-level field are added as
alternates marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import SelectBase

from models import Expert, Field, Need, expert_specialty
from services.matching import calendar_link, config, loading
from services.matching.availability import Usage, caps_allow, free_runs, unavailable_ordinals
from services.matching.fieldtree import FIELD, LEVEL_RANK, FieldTree, Match
from services.matching.scoring import (
    Factor,
    calendar_score,
    conflict_of_interest,
    explain,
    meets_title,
    reasons_text,
    static_score,
)
from services.matching.snapshot import ExpertInfo, NeedInfo
from services.needs import get_need

MIN_ALTERNATES = 5
DEFAULT_WINDOW_DAYS = 30  # a need without dates: look at the coming month


@dataclass
class RankedExpert:
    """One row of a ranking. ``role``: 揭榜 (applied), 推荐 (among the best k), 备选;
    ``plannable``: the expert could be sent in the window (k consecutive free days within the
    caps); ``meets_rules``: specialty and title as the need and the settings ask;
    ``free_days``: the expert's free days inside the window, for a strip calendar."""

    expert_id: int
    code: str
    name: str
    title: str
    score: float
    factors: list[Factor]
    role: str = "备选"
    applicant: bool = False
    plannable: bool = True
    meets_rules: bool = True
    free_days: tuple[date, ...] = ()
    note: str = ""

    @property
    def reasons(self) -> str:
        return reasons_text(self.factors)


@dataclass
class Ranking:
    need_id: int
    need_code: str
    need_title: str
    window_start: date
    window_end: date
    experts_wanted: int
    experts: list[RankedExpert] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)  # (expert name, why)


def _allowed_fields(tree: FieldTree, need_field: int, min_rank: int) -> set[int]:
    """Every field covering the need at ``min_rank`` or better: the subtree of the anchor."""
    anchor = _anchor(tree, need_field, min_rank)
    return {f for f, chain in tree.chain.items() if anchor in chain}


def _window(need: NeedInfo, today: date) -> tuple[date, date]:
    if need.window_start and need.window_end:
        return need.window_start, need.window_end
    start = need.window_start or today
    return start, need.window_end or start + timedelta(days=DEFAULT_WINDOW_DAYS - 1)


def rank_need(
    need: NeedInfo,
    experts: list[ExpertInfo],
    tree: FieldTree,
    weights: config.RankWeights,
    *,
    window: tuple[date, date],
    usage: Usage,
    days_off: frozenset[date] = frozenset(),
    min_rank: int = LEVEL_RANK["sibling"],
    explain_top: int = 50,
) -> tuple[list[RankedExpert], list[tuple[str, str]]]:
    """Score ``experts`` for ``need`` (pure: no database). Eligible are those whose specialty
    covers the need at ``min_rank`` or better (the same top-level field when fewer than
    ``MIN_ALTERNATES`` do), and applicants. Reasons in words are produced for the applicants
    and the ``explain_top`` best; the rest carry their score only, which keeps a ranking over
    10,000 experts fast."""
    lo, hi = window
    a, b = lo.toordinal(), hi.toordinal()
    n_days = b - a + 1
    off = {d.toordinal() for d in days_off if lo <= d <= hi}
    base_free = n_days - len(off)
    base_runs = free_runs([(a + i) not in off for i in range(n_days)])
    base_ok = max(base_runs, default=0) >= need.days
    year = lo.year
    # A set test first: most of a large pool shares no field with the need at all.
    allowed = _allowed_fields(tree, need.field_id, min_rank)
    pool = [e for e in experts if e.id in need.applicants or not allowed.isdisjoint(e.field_ids)]
    if len(pool) < MIN_ALTERNATES:
        wider = _allowed_fields(tree, need.field_id, LEVEL_RANK[FIELD])
        pool = [e for e in experts
                if e.id in need.applicants or not wider.isdisjoint(e.field_ids)]
    rows: list[tuple[float, ExpertInfo, Match, int, bool, bool]] = []
    excluded: list[tuple[str, str]] = []
    unit = need.unit_name or "该单位"
    busy_of, year_of = usage.busy, usage.year
    for expert in pool:
        if conflict_of_interest(need, expert):
            excluded.append((expert.name, f"是需求单位“{unit}”的职工（利益冲突）"))
            continue
        if expert.id in need.declined:
            excluded.append((expert.name, "已婉拒该需求"))
            continue
        match = tree.match(need.field_id, expert.field_ids)
        busy = busy_of.get(expert.id)
        if expert.unavailable or busy:
            blocked = unavailable_ordinals(expert, a, b) | off
            if busy:
                blocked |= {o for o in busy if a <= o <= b}
            free = n_days - len(blocked)
            ok = free > 0 if need.days == 1 else max(
                free_runs([(a + i) not in blocked for i in range(n_days)]), default=0
            ) >= need.days
        else:
            free, ok = base_free, base_ok
        used = year_of.get(expert.id, {}).get(year, 0)
        score = static_score(need, expert, match, weights) + calendar_score(
            free, n_days, used, expert.year_cap, weights)
        meets = match.rank >= min_rank and meets_title(need, expert)
        rows.append((score, expert, match, free, ok, meets))
    # Applicants first, then those who meet the rules, then by score.
    rows.sort(key=lambda r: (r[1].id not in need.applicants, not r[5], -r[0], r[1].code))
    out: list[RankedExpert] = []
    wanted = need.experts_wanted
    recommended = 0
    for i, (score, expert, match, free, ok, meets) in enumerate(rows):
        applicant = expert.id in need.applicants
        detail = applicant or i < explain_top
        factors = explain(need, expert, match, tree, weights, free=free, window_days=n_days,
                          consecutive_ok=ok, used_year=year_of.get(expert.id, {}).get(year, 0),
                          year=year) if detail else []
        plannable = ok and caps_allow(expert, usage, lo, need.days) is None if detail else ok
        role = "揭榜" if applicant else ("推荐" if meets and recommended < wanted else "备选")
        recommended += role == "推荐"
        note = "" if meets else ("专业对口程度低于排程要求" if match.rank < min_rank
                                 else f"职称低于要求（{need.required_title}）")
        out.append(RankedExpert(expert.id, expert.code, expert.name, expert.title,
                                round(score, 1), factors, role, applicant, plannable, meets,
                                (), note))
    return out, excluded


@dataclass
class ExpertPool:
    """Every live expert with specialties, leave, history and dispatches, loaded once to rank
    many needs quickly: a match panel keeps one while it is open (and loads it again after an
    edit); a single ranking without a pool reads only the experts it needs.

    ``start``/``end``: the dates whose leave and dispatches were read; a need whose window or
    whose year's workload falls outside them is ranked from the database instead."""

    tree: FieldTree
    experts: dict[int, ExpertInfo]
    spans: dict[int, list[tuple[date, date]]]
    start: date
    end: date
    by_node: dict[int, list[ExpertInfo]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, start: date, end: date) -> ExpertPool:
        tree = loading.field_tree(session)
        experts = loading.expert_infos(session, None, start, end)
        spans: dict[int, list[tuple[date, date]]] = {}
        for e, a, b in loading.spans(session, None, start, end):
            spans.setdefault(e, []).append((a, b))
        by_node: dict[int, list[ExpertInfo]] = {}
        for expert in experts.values():
            nodes = {n for f in expert.field_ids for n in tree.chain.get(f, (f,))}
            for n in nodes:
                by_node.setdefault(n, []).append(expert)
        return cls(tree, experts, spans, start, end, by_node)

    def covers(self, lo: date, hi: date) -> bool:
        return self.start <= date(lo.year, 1, 1) and max(hi, date(lo.year, 12, 31)) <= self.end

    def candidates(self, need: NeedInfo, min_rank: int) -> list[ExpertInfo]:
        found = self.by_node.get(_anchor(self.tree, need.field_id, min_rank), [])
        if len(found) < MIN_ALTERNATES:
            found = self.by_node.get(self.tree.root(need.field_id), [])
        have = {e.id for e in found}
        return found + [self.experts[e] for e in need.applicants
                        if e in self.experts and e not in have]

    def usage(self, experts: list[ExpertInfo], lo: date, hi: date) -> Usage:
        return Usage.summarise(((e.id, a, b) for e in experts for a, b in
                                self.spans.get(e.id, ())), lo, hi)


def rank_experts(session: Session, need_key: int | str, *, today: date | None = None,
                 limit: int | None = None, pool: ExpertPool | None = None) -> Ranking:
    """The ranked experts for one need: from a loaded ``pool`` when given (and covering the
    need's dates), else read from the database."""
    need_row = get_need(session, need_key)
    rules, weights, _ = config.everything(session)
    (need,) = loading.need_infos(session, list(loading.fetch(
        session, loading.need_query().where(Need.id == need_row.id))), today=today)
    lo, hi = _window(need, today or date.today())
    if pool is not None and pool.covers(lo, hi):
        tree = pool.tree
        pool_experts = pool.candidates(need, rules.min_match_rank)
        experts = {e.id: e for e in pool_experts}
        usage = pool.usage(pool_experts, lo, hi)
    else:
        tree = loading.field_tree(session)
        ids = _eligible_ids(session, tree, need, rules.min_match_rank)
        experts = loading.expert_infos(session, ids, lo, hi, unit_id=need.unit_id)
        usage = Usage.summarise(loading.spans(session, ids, date(lo.year, 1, 1),
                                              max(hi, date(lo.year, 12, 31))), lo, hi)
    days = calendar_link.day_rules(session, lo, hi)
    off = set() if rules.allow_holidays else set(days.off)
    if not rules.allow_weekends:
        off |= {lo + timedelta(days=i) for i in range((hi - lo).days + 1)
                if (lo + timedelta(days=i)).weekday() >= 5
                and lo + timedelta(days=i) not in days.workdays}
    rows, excluded = rank_need(need, list(experts.values()), tree, weights, window=(lo, hi),
                               usage=usage, days_off=frozenset(off),
                               min_rank=rules.min_match_rank)
    shown = rows if limit is None else rows[:limit]
    for row in shown:
        if row.factors:
            row.free_days = _free_days(experts[row.expert_id], usage, lo, hi, off)
    return Ranking(need.id, need.code, need.title, lo, hi, need.experts_wanted, shown, excluded)


def _anchor(tree: FieldTree, need_field: int, min_rank: int) -> int:
    """The node whose subtree holds every specialty covering the need at ``min_rank``: the
    need's own node (专题 required), its industry (the default), or its top-level field."""
    if min_rank >= LEVEL_RANK["exact"]:
        return need_field
    industry = tree.industry(need_field)
    return industry if industry is not None and min_rank > LEVEL_RANK[FIELD] \
        else tree.root(need_field)


def _subtree_holders(anchor: int) -> Select[Any]:
    # A fixed-shape statement with one scalar parameter: an IN list of field ids would be
    # expanded and re-processed by SQLAlchemy on every execution of every query using it.
    child = select(Field.id).where(Field.parent_id == anchor)
    fields = select(Field.id).where((Field.id == anchor) | (Field.parent_id == anchor)
                                    | Field.parent_id.in_(child.scalar_subquery()))
    return select(expert_specialty.c.expert_id).where(expert_specialty.c.field_id.in_(fields))


def _eligible_ids(session: Session, tree: FieldTree, need: NeedInfo, min_rank: int
                  ) -> SelectBase:
    """A query for the experts holding a specialty that covers the need well enough (the same
    top-level field when fewer than ``MIN_ALTERNATES`` do), and the applicants: a subquery on
    the ``expert_specialty.field_id`` index, so only they are read."""
    holders = _subtree_holders(_anchor(tree, need.field_id, min_rank))
    count = loading.fetch(session, select(func.count()).select_from(
        holders.distinct().subquery())).scalar_one()
    if count < MIN_ALTERNATES:
        holders = _subtree_holders(tree.root(need.field_id))
    if need.applicants:
        return holders.union(select(Expert.id).where(Expert.id.in_(list(need.applicants))))
    return holders


def _free_days(expert: ExpertInfo, usage: Usage, lo: date, hi: date, off: set[date]
               ) -> tuple[date, ...]:
    a, b = lo.toordinal(), hi.toordinal()
    blocked = unavailable_ordinals(expert, a, b) | usage.busy.get(expert.id, set())
    return tuple(d for d in (lo + timedelta(days=i) for i in range(b - a + 1))
                 if d.toordinal() not in blocked and d not in off)
