"""A min-cost-flow relaxation of the season plan (OR-Tools ``SimpleMinCostFlow``).

Every need sends k·d units ("expert-days") either to a bypass (not served) or through the
experts allowed for it, one unit per free day, through each expert's month and year caps.
What it drops is only the coupling of those days into one consecutive visit shared by the
team, so:

- its optimum is an upper bound on the main model's objective over *all* options — the bound
  quoted for the unrestricted problem, whatever the CP-SAT model was reduced to;
- where every need wants one expert for one day it *is* the plan (an assignment problem, solved
  exactly), and otherwise its choice, rounded by the greedy rule, is a strong first plan for
  CP-SAT.

It solves in under a second at county scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from services.matching.candidates import Candidates
from services.matching.config import PlanWeights
from services.matching.solver import fair_slack

SCALE = 10  # costs are integers: objective units × SCALE per expert-day


@dataclass
class FlowBound:
    """``bound``: upper bound of the plan objective; ``weight_bound``: of the
    priority-weighted number of needs served (a second flow with only the serve values);
    ``used``: per need index, per expert, the day indices the relaxation used."""

    bound: float
    weight_bound: float
    used: dict[int, dict[int, list[int]]] = field(default_factory=dict)
    seconds: float = 0.0


def _network(cands: Candidates, w: PlanWeights):  # type: ignore[no-untyped-def]
    """Arcs as numpy arrays (tails, heads, capacities, full costs, serve-only costs), the
    supplies, and for the expert-day arcs which (need index, expert, day) each one is."""
    import numpy as np

    year0 = cands.snapshot.start.year
    experts = cands.snapshot.experts
    usage = cands.usage
    n_days = cands.snapshot.period_days
    months = sorted({(cands.day(t).year, cands.day(t).month) for t in range(n_days)})
    month_index = {mk: i for i, mk in enumerate(months)}
    day_month = [month_index[(cands.day(t).year, cands.day(t).month)] for t in range(n_days)]
    years = sorted({y for y, _ in months})
    involved = sorted({o.expert_id for no in cands.needs if no.team_starts for o in no.options})
    eidx = {e: i for i, e in enumerate(involved)}
    n_needs = len(cands.needs)
    # Node numbers: 0 source, 1 sink, needs, then (need, expert) pairs, then blocks of
    # expert-days, expert-months and expert-years.
    pairs = [(ni, o) for ni, no in enumerate(cands.needs) if no.team_starts for o in no.options]
    base_pair = 2 + n_needs
    base_day = base_pair + len(pairs)
    base_month = base_day + len(involved) * n_days
    base_year = base_month + len(involved) * len(months)
    n_nodes = base_year + len(involved) * len(years)

    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    cost: list[int] = []
    serve_cost: list[int] = []
    supplies = np.zeros(n_nodes, dtype=np.int64)
    keep = {(v.need_id, v.expert_id) for v in cands.snapshot.previous}
    for ni, no in enumerate(cands.needs):
        if not no.team_starts:
            continue
        units = no.wanted * no.days
        supplies[2 + ni] = units
        supplies[1] -= units
        tails.append(2 + ni)  # the bypass: not served
        heads.append(1)
        caps.append(units)
        cost.append(0)
        serve_cost.append(0)
    day_arc_start = -1
    day_keys: list[tuple[int, int, int]] = []
    day_tails: list[int] = []
    day_heads: list[int] = []
    day_cost: list[int] = []
    for p, (ni, o) in enumerate(pairs):
        no = cands.needs[ni]
        units = no.wanted * no.days
        e = o.expert_id
        # The same integer terms as the CP-SAT model, so that on a pure assignment problem
        # the flow's optimum and the model's coincide exactly.
        extra = round(w.match * o.score) + (w.keep if (no.need.id, e) in keep else 0)
        tails.append(2 + ni)
        heads.append(base_pair + p)
        caps.append(no.days)
        cost.append(-math.ceil((no.weight / units + extra / no.days) * SCALE))
        serve_cost.append(-math.ceil(no.weight / units * SCALE))
        first = base_day + eidx[e] * n_days
        for t in sorted({t for s in o.starts for t in range(s, s + no.days)}):
            day_tails.append(base_pair + p)
            day_heads.append(first + t)
            day_keys.append((ni, e, t))
            # A one-day visit on day t costs exactly its distance from the ideal day; longer
            # visits are charged nothing here, which keeps the flow an upper bound.
            # (A team shares one date: each member carries its share of the penalty.)
            day_cost.append(w.ideal * abs(t - no.ideal) * SCALE // no.wanted
                            if no.days == 1 else 0)
    day_arc_start = len(tails)
    tails += day_tails
    heads += day_heads
    caps += [1] * len(day_tails)
    cost += day_cost
    serve_cost += [0] * len(day_tails)
    share = cands.fair_share
    for i, e in enumerate(involved):
        expert = experts[e]
        for t in range(n_days):
            tails.append(base_day + i * n_days + t)
            heads.append(base_month + i * len(months) + day_month[t])
        caps += [1] * n_days
        cost += [0] * n_days
        serve_cost += [0] * n_days
        for mi, mk in enumerate(months):
            tails.append(base_month + i * len(months) + mi)
            heads.append(base_year + i * len(years) + years.index(mk[0]))
            caps.append(max(0, expert.month_cap - usage.used_month(e, mk)))
            cost.append(0)
            serve_cost.append(0)
        for yi, y in enumerate(years):
            left = max(0, expert.year_cap - usage.used_year(e, y))
            node = base_year + i * len(years) + yi
            if y == year0 and w.fair:
                # Days over a fair share cost (the model's fairness term, exactly).
                slack = min(left, fair_slack(share, expert.year_cap, usage.used_year(e, y)))
                tails += [node, node]
                heads += [1, 1]
                caps += [slack, left - slack]
                cost += [0, w.fair * SCALE]
                serve_cost += [0, 0]
            else:
                tails.append(node)
                heads.append(1)
                caps.append(left)
                cost.append(0)
                serve_cost.append(0)
    return (np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32),
            np.array(caps, dtype=np.int64), np.array(cost, dtype=np.int64),
            np.array(serve_cost, dtype=np.int64), supplies, day_arc_start, day_keys)


def _solve(tails, heads, caps, costs, supplies):  # type: ignore[no-untyped-def]
    import numpy as np
    from ortools.graph.python import min_cost_flow

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")  # a bug: the bypass always fits
    return flow


def relaxation(cands: Candidates, w: PlanWeights, *, with_weight_bound: bool = False
               ) -> FlowBound:
    """The relaxation's optimum (an upper bound of the main model's objective over all
    options: serve, match, ideal day of one-day visits, fair share, kept visits) and the
    expert-days it uses; ``with_weight_bound`` adds a second solve bounding the
    priority-weighted number of needs served."""
    import time

    import numpy as np

    t0 = time.perf_counter()
    tails, heads, caps, cost, serve_cost, supplies, first_day, keys = _network(cands, w)
    flow = _solve(tails, heads, caps, cost, supplies)
    bound = -flow.optimal_cost() / SCALE
    used: dict[int, dict[int, list[int]]] = {}
    if keys:
        arcs = np.arange(first_day, first_day + len(keys), dtype=np.int32)
        for (ni, e, t), f in zip(keys, flow.flows(arcs), strict=True):
            if f > 0:
                used.setdefault(ni, {}).setdefault(e, []).append(t)
    weight_bound = 0.0
    if with_weight_bound:
        weight_bound = -_solve(tails, heads, caps, serve_cost, supplies).optimal_cost() / SCALE
    return FlowBound(bound, weight_bound, used, time.perf_counter() - t0)
