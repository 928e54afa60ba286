"""For every need of a snapshot: the experts who may serve it and the days each could start.

This is where hard rules that concern one expert and one need are settled once (specialty
cover, title, conflict of interest, declines, window, free consecutive days, caps of a single
visit), so the solver and the greedy baseline only choose among allowed options.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.matching.availability import Usage, free_runs, unavailable_ordinals
from services.matching.config import PlanWeights, RankWeights
from services.matching.fieldtree import FIELD, LEVEL_RANK
from services.matching.scoring import conflict_of_interest, meets_title, static_score
from services.matching.snapshot import ExpertInfo, NeedInfo, Snapshot


@dataclass(slots=True)
class Option:
    """One expert allowed for one need: static ``score`` and feasible start day indices."""

    expert_id: int
    score: float
    starts: list[int]


@dataclass
class NeedOptions:
    """A need as the solver sees it. Day indices count from the period's first day.

    ``wanted``: experts still to find (the need's count minus pinned ones); ``fixed_start``:
    the pinned team's start, which the others must share; ``weight``: the value of serving it.
    """

    need: NeedInfo
    lo: int
    hi: int
    days: int
    wanted: int
    weight: int
    ideal: int
    fixed_start: int | None = None
    pinned_experts: tuple[int, ...] = ()
    options: list[Option] = field(default_factory=list)
    team_starts: list[int] = field(default_factory=list)


@dataclass
class Candidates:
    snapshot: Snapshot
    needs: list[NeedOptions]
    usage: Usage  # days taken by the visits this run does not plan
    free: dict[int, list[bool]]  # per expert, per period day: may a visit use it?
    complete: list[NeedInfo]  # needs whose pinned visits already bring every expert
    pruned: bool = False  # True when only the best experts of each need were kept
    # The part of their yearly caps the experts would fill if the work were spread evenly:
    # days beyond it cost in the objective (fairness). Computed once on the full options, so
    # a reduced model, the flow and the greedy plan all score a plan the same way.
    fair_share: float = 1.0

    @property
    def day0(self) -> date:
        return self.snapshot.start

    def day(self, index: int) -> date:
        return self.snapshot.start + timedelta(days=index)

    def index(self, day: date) -> int:
        return (day - self.snapshot.start).days


def need_weight(need: NeedInfo, w: PlanWeights) -> int:
    return round(w.serve * (w.priority_factor if need.priority else 1.0))


class ExpertIndex:
    """Experts by the industries and top-level fields of their specialties, so a need looks
    only at experts who could possibly cover it."""

    def __init__(self, snapshot: Snapshot) -> None:
        tree = snapshot.tree
        self.by_industry: dict[int, list[ExpertInfo]] = defaultdict(list)
        self.by_root: dict[int, list[ExpertInfo]] = defaultdict(list)
        for expert in snapshot.experts.values():
            industries = {tree.industry(f) for f in expert.field_ids}
            roots = {tree.root(f) for f in expert.field_ids}
            for i in industries:
                if i is not None:
                    self.by_industry[i].append(expert)
            # A root-level specialty (e.g. 种植业) covers each industry of it at field level.
            for r in roots:
                self.by_root[r].append(expert)
        self.tree = tree

    def candidates(self, need: NeedInfo, min_rank: int) -> list[ExpertInfo]:
        industry = self.tree.industry(need.field_id)
        if industry is None or min_rank <= LEVEL_RANK[FIELD]:
            return self.by_root.get(self.tree.root(need.field_id), [])
        return self.by_industry.get(industry, [])


def expert_free_days(snapshot: Snapshot, expert: ExpertInfo, usage: Usage) -> list[bool]:
    lo = snapshot.start.toordinal()
    hi = snapshot.end.toordinal()
    blocked = unavailable_ordinals(expert, lo, hi) | usage.busy.get(expert.id, set())
    return [
        (lo + i) not in blocked and not snapshot.is_day_off(snapshot.start + timedelta(days=i))
        for i in range(hi - lo + 1)
    ]


def build(snapshot: Snapshot, rank_w: RankWeights, plan_w: PlanWeights, *,
          max_experts_per_need: int | None = None) -> Candidates:
    """Options of every need. With ``max_experts_per_need`` only that many best-scored
    experts per need are kept (large problems); otherwise every allowed expert is."""
    busy = snapshot.busy
    usage = Usage.of(busy)
    pinned_by_need: dict[int, list] = defaultdict(list)
    for v in busy:
        if v.pinned:
            pinned_by_need[v.need_id].append(v)
    index = ExpertIndex(snapshot)
    free: dict[int, list[bool]] = {}
    runs: dict[int, list[int]] = {}
    n_days = snapshot.period_days
    month_of = [(snapshot.start + timedelta(days=i)) for i in range(n_days)]
    month_key = [(d.year, d.month) for d in month_of]

    def expert_runs(expert: ExpertInfo) -> list[int]:
        r = runs.get(expert.id)
        if r is None:
            free[expert.id] = expert_free_days(snapshot, expert, usage)
            r = runs[expert.id] = free_runs(free[expert.id])
        return r

    months = sorted(set(month_key))
    month_index = [months.index(mk) for mk in month_key]
    room: dict[int, tuple[list[int], dict[int, int]]] = {}

    def cap_ok(expert: ExpertInfo, s: int, d: int) -> bool:
        """Does one visit alone fit the expert's monthly and yearly caps?"""
        left = room.get(expert.id)
        if left is None:
            left = room[expert.id] = (
                [expert.month_cap - usage.used_month(expert.id, mk) for mk in months],
                {y: expert.year_cap - usage.used_year(expert.id, y) for y, _ in months})
        per_month, per_year = left
        first, last = month_index[s], month_index[s + d - 1]
        if first == last:  # the usual case: the whole visit in one month
            return per_month[first] >= d and per_year[months[first][0]] >= d
        counts: dict[int, int] = {}
        for t in range(s, s + d):
            counts[month_index[t]] = counts.get(month_index[t], 0) + 1
        years: dict[int, int] = {}
        for mi, c in counts.items():
            years[months[mi][0]] = years.get(months[mi][0], 0) + c
        return all(per_month[mi] >= c for mi, c in counts.items()) and all(
            per_year[y] >= c for y, c in years.items())

    result: list[NeedOptions] = []
    complete: list[NeedInfo] = []
    pruned = False
    for need in snapshot.needs:
        pinned = pinned_by_need.get(need.id, [])
        wanted = need.experts_wanted - len({v.expert_id for v in pinned})
        if wanted <= 0:
            complete.append(need)
            continue
        w_lo, w_hi = snapshot.window(need)
        lo, hi = (w_lo - snapshot.start).days, (w_hi - snapshot.start).days
        d = need.days
        ideal_day = need.ideal or (w_lo + (w_hi - w_lo) / 2)
        ideal = max(lo, min(hi, (ideal_day - snapshot.start).days))
        fixed_start = None
        if pinned:
            fixed_start = (min(v.start for v in pinned) - snapshot.start).days
        opts = NeedOptions(need, lo, hi, d, wanted, need_weight(need, plan_w), ideal,
                           fixed_start, tuple(sorted({v.expert_id for v in pinned})))
        taken = set(opts.pinned_experts)
        if fixed_start is not None:
            start_range = [fixed_start] if fixed_start >= 0 and fixed_start + d - 1 < n_days \
                else []
        else:
            start_range = list(range(max(lo, 0), hi - d + 2))
        scored: list[tuple[float, ExpertInfo]] = []
        for expert in index.candidates(need, snapshot.min_match_rank):
            if expert.id in taken or expert.id in need.declined:
                continue
            if conflict_of_interest(need, expert) or not meets_title(need, expert):
                continue
            match = snapshot.tree.match(need.field_id, expert.field_ids)
            if match.rank < snapshot.min_match_rank:
                continue
            scored.append((static_score(need, expert, match, rank_w), expert))
        scored.sort(key=lambda p: (-p[0], p[1].id))
        for score, expert in scored:
            r = expert_runs(expert)
            starts = [s for s in start_range if r[s] >= d and cap_ok(expert, s, d)]
            if starts:
                opts.options.append(Option(expert.id, score, starts))
                if max_experts_per_need and len(opts.options) >= max_experts_per_need:
                    pruned = pruned or len(opts.options) < len(scored)
                    break
        count: dict[int, int] = defaultdict(int)
        for o in opts.options:
            for s in o.starts:
                count[s] += 1
        opts.team_starts = sorted(s for s, c in count.items() if c >= wanted)
        if opts.team_starts and wanted > 1:
            allowed = set(opts.team_starts)
            for o in opts.options:
                o.starts = [s for s in o.starts if s in allowed]
            opts.options = [o for o in opts.options if o.starts]
        result.append(opts)
    return Candidates(snapshot, result, usage, free, complete, pruned,
                      fair_share(snapshot, result, usage))


def fair_share(snapshot: Snapshot, needs: list[NeedOptions], usage: Usage) -> float:
    year0 = snapshot.start.year
    involved = {o.expert_id for no in needs if no.team_starts for o in no.options}
    demand = sum(no.wanted * no.days for no in needs if no.team_starts)
    total_cap = sum(snapshot.experts[e].year_cap for e in involved) or 1
    total_used = sum(usage.used_year(e, year0) for e in involved)
    return min(1.0, (total_used + demand) / total_cap)


def restrict(cands: Candidates, *, experts: int, starts: int,
             keep: dict[int, dict[int, list[int]]] | None = None) -> Candidates:
    """A smaller problem for CP-SAT: per need the ``experts`` best-scored options (at least
    the team size plus a few), per option ``starts`` start days — half nearest the ideal day,
    half spread over the window — plus every expert and exact start in ``keep`` (a plan that
    must stay expressible: the starting hint), keyed by need index."""
    keep = keep or {}
    out: list[NeedOptions] = []
    for ni, no in enumerate(cands.needs):
        exact = keep.get(ni, {})
        limit = max(experts, no.wanted + 3)
        kept = [o for i, o in enumerate(no.options) if i < limit or o.expert_id in exact]
        trimmed: list[Option] = []
        for o in kept:
            chosen = set(_pick_starts(o.starts, no.ideal, starts))
            chosen.update(s for s in exact.get(o.expert_id, []) if s in o.starts)
            trimmed.append(Option(o.expert_id, o.score, sorted(chosen)))
        copy = NeedOptions(no.need, no.lo, no.hi, no.days, no.wanted, no.weight, no.ideal,
                           no.fixed_start, no.pinned_experts, trimmed)
        count: dict[int, int] = defaultdict(int)
        for o in trimmed:
            for s in o.starts:
                count[s] += 1
        copy.team_starts = sorted(s for s, c in count.items() if c >= no.wanted)
        if no.wanted > 1:
            allowed = set(copy.team_starts)
            for o in trimmed:
                o.starts = [s for s in o.starts if s in allowed]
            copy.options = [o for o in trimmed if o.starts]
        out.append(copy)
    return Candidates(cands.snapshot, out, cands.usage, cands.free, cands.complete, True,
                      cands.fair_share)


def _pick_starts(options: list[int], ideal: int, n: int) -> list[int]:
    if len(options) <= n:
        return list(options)
    near = sorted(options, key=lambda s: (abs(s - ideal), s))[: (n + 1) // 2]
    rest = [s for s in options if s not in near]
    spread = n - len(near)
    step = len(rest) / spread
    return near + [rest[int(i * step)] for i in range(spread)]
