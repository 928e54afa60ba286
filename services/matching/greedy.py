"""The baseline an office would do by hand: needs in order of importance, each given the best
free experts on the best free day. Used as the solver's starting hint, as the comparison the
benchmark prints, and as the fallback when the solver is cancelled before its first plan."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from services.matching.availability import month_days
from services.matching.candidates import Candidates, NeedOptions
from services.matching.config import PlanWeights
from services.matching.snapshot import Visit
from services.matching.solver import _center_penalty, fair_slack

Prefer = dict[int, dict[int, list[int]]]  # need id → expert → day indices a relaxation chose


def greedy(cands: Candidates, base: list[Visit] | None = None,
           prefer: Prefer | None = None) -> list[Visit]:
    """Visits for as many needs as the greedy rule serves. With ``base`` (a plan already
    made), its visits are kept and only needs it leaves unserved are added (repair).

    ``prefer`` (the min-cost-flow relaxation's choice) turns the rule into a rounding of that
    relaxation: needs it served fully go first, then its experts and days are tried first."""
    experts = cands.snapshot.experts
    usage = cands.usage
    month_used: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    year_used: dict[int, dict[int, int]] = defaultdict(dict)
    taken: dict[int, set[int]] = defaultdict(set)  # expert → day indices used by this plan
    visits: list[Visit] = list(base or [])
    for v in visits:
        s = cands.index(v.start)
        taken[v.expert_id].update(range(s, s + v.days))
        for mk, c in month_days(v.start, v.days).items():
            month_used[v.expert_id][mk] = month_used[v.expert_id].get(mk, 0) + c
            year_used[v.expert_id][mk[0]] = year_used[v.expert_id].get(mk[0], 0) + c
    served = {v.need_id for v in visits}

    def fits(e: int, s: int, d: int) -> bool:
        if any(t in taken[e] for t in range(s, s + d)):
            return False
        expert = experts[e]
        years: dict[int, int] = defaultdict(int)
        for mk, c in month_days(cands.day(s), d).items():
            used = usage.used_month(e, mk) + month_used[e].get(mk, 0)
            if used + c > expert.month_cap:
                return False
            years[mk[0]] += c
        return all(usage.used_year(e, y) + year_used[e].get(y, 0) + c <= expert.year_cap
                   for y, c in years.items())

    prefer = prefer or {}

    def flow_units(no: NeedOptions) -> int:
        return sum(len(days) for days in prefer.get(no.need.id, {}).values())

    def order(no: NeedOptions) -> tuple:
        complete = flow_units(no) >= no.wanted * no.days
        return (not complete, -no.weight, len(no.options), no.hi, no.need.code)

    for no in sorted((n for n in cands.needs if n.team_starts and n.need.id not in served),
                     key=order):
        d = no.days
        liked = prefer.get(no.need.id, {})

        def coverage(s: int, liked: dict[int, list[int]] = liked, d: int = d) -> int:
            return sum(1 for days in liked.values() for t in days if s <= t < s + d)

        for s in sorted(no.team_starts, key=lambda s: (-coverage(s),
                                                       _center_penalty(s, d, no.ideal), s)):
            chosen = [o for o in no.options if s in o.starts and fits(o.expert_id, s, d)]
            if len(chosen) < no.wanted:
                continue
            chosen.sort(key=lambda o: (o.expert_id not in liked, -o.score, o.expert_id))
            start = cands.day(s)
            for o in chosen[: no.wanted]:
                e = o.expert_id
                taken[e].update(range(s, s + d))
                for mk, c in month_days(start, d).items():
                    month_used[e][mk] = month_used[e].get(mk, 0) + c
                    year_used[e][mk[0]] = year_used[e].get(mk[0], 0) + c
                visits.append(Visit(no.need.id, e, start, start + timedelta(days=d - 1)))
            break
    return visits


def objective(cands: Candidates, w: PlanWeights, visits: list[Visit],
              previous: list[Visit] | None = None, *, trips: bool = True) -> float:
    """The solver's objective for any set of visits (same terms as ``solver._build``), so the
    greedy plan and the optimised one are compared on one scale."""
    by_need: dict[int, list[Visit]] = defaultdict(list)
    for v in visits:
        by_need[v.need_id].append(v)
    keep_exact = {(v.need_id, v.expert_id, v.start) for v in previous or []}
    keep_expert = {(v.need_id, v.expert_id) for v in previous or []}
    total = 0.0
    loads: dict[int, int] = defaultdict(int)
    year0 = cands.snapshot.start.year
    for no in cands.needs:
        vs = by_need.get(no.need.id)
        if not vs:
            continue
        s = cands.index(vs[0].start)
        total += no.weight - w.ideal * _center_penalty(s, no.days, no.ideal)
        scores = {o.expert_id: o.score for o in no.options}
        for v in vs:
            total += round(w.match * scores.get(v.expert_id, 0.0))
            if (v.need_id, v.expert_id, v.start) in keep_exact:
                total += w.keep
            elif (v.need_id, v.expert_id) in keep_expert:
                total += w.keep // 3
            loads[v.expert_id] += sum(c for mk, c in month_days(v.start, v.days).items()
                                      if mk[0] == year0)
    if w.fair:
        experts = cands.snapshot.experts
        for e, load in loads.items():
            used = cands.usage.used_year(e, year0)
            slack = fair_slack(cands.fair_share, experts[e].year_cap, used)
            total -= w.fair * max(0, load - slack)
    if trips and w.trip:
        township = {no.need.id: no.need.township_id for no in cands.needs}
        ends = {(v.expert_id, township[v.need_id], v.end) for v in visits}
        for v in visits:
            if (v.expert_id, township[v.need_id], v.start - timedelta(days=1)) in ends:
                total += w.trip
    return total
