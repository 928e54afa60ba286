"""The season planner: from a snapshot to a checked list of visits, in steps.

1. Options of every need (``candidates.build``), and the greedy plan an office would make.
2. The min-cost-flow relaxation (``flow``): an upper bound over all options, and — rounded by
   the greedy rule — often a better first plan than greedy alone (on a pure assignment
   problem it is the optimum, and CP-SAT is skipped).
3. CP-SAT chooses who serves what, and when (``solver``, without the trips term): one model
   for the whole problem when it is small enough to make progress in the time, otherwise
   industry by industry with the rest of the plan fixed (``_improve_in_parts``).
4. Repair: needs still unserved are tried greedily over all options.
5. CP-SAT re-times the chosen visits with the trips term (same-township visits of one expert
   on consecutive days), keeping everyone served.
6. The independent validator checks the result; a violation is a bug and raises.

Pure computation on plain data: no database, no Qt. ``progress(done, total, text)`` reports
milliseconds of the time limit; ``cancel()`` stops the search and returns the best plan so far.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

from services.matching import candidates as cand
from services.matching import greedy as greedy_mod
from services.matching import solver, validate
from services.matching.config import PlanWeights, RankWeights
from services.matching.flow import FlowBound, relaxation
from services.matching.plan import SolveStats
from services.matching.snapshot import Snapshot, Visit
from services.matching.solver import Cancel, Progress


@dataclass(frozen=True)
class PlanOptions:
    """How hard to work. ``reduce_above``: up to this many start options (x variables) one
    CP-SAT model takes the whole problem; above it, CP-SAT works industry by industry, and a
    part above ``part_size`` is reduced to the ``experts_per_need`` best experts of each need
    with ``starts_per_expert`` start days each (plus the current plan's); each part is solved
    on one thread, for at most ``part_seconds``; ``prune_experts``: for
    very large problems, only this many best experts per need are considered at all."""

    time_limit: float = 10.0
    workers: int = 2
    reduce_above: int = 15_000
    part_size: int = 2_500  # start options above which one industry's part is reduced
    part_seconds: float = 1.5  # at most, per part (most are proven optimal well before)
    experts_per_need: int = 6
    starts_per_expert: int = 6
    prune_experts: int | None = None
    use_flow: bool = True
    flow_weight_bound: bool = False  # a second flow bounding the weighted needs served
    retime_share: float = 0.25  # of the time limit kept for re-timing


@dataclass
class PlanResult:
    visits: list[Visit]
    stats: SolveStats
    cands: cand.Candidates
    greedy: list[Visit]
    flow: FlowBound | None = None


def _served_weight(cands: cand.Candidates, visits: list[Visit]) -> tuple[int, int]:
    served = {v.need_id for v in visits}
    weight = sum(no.weight for no in cands.needs if no.need.id in served)
    return len(served & {no.need.id for no in cands.needs}), weight


def _retime_candidates(full: cand.Candidates, visits: list[Visit]) -> cand.Candidates:
    """Only the chosen experts of each served need, with every start day they share."""
    by_need: dict[int, set[int]] = {}
    for v in visits:
        by_need.setdefault(v.need_id, set()).add(v.expert_id)
    out: list[cand.NeedOptions] = []
    for no in full.needs:
        chosen = by_need.get(no.need.id)
        if not chosen:
            continue
        opts = [o for o in no.options if o.expert_id in chosen]
        common = set.intersection(*(set(o.starts) for o in opts)) if opts else set()
        starts = sorted(common)
        out.append(dataclasses.replace(
            no, wanted=len(opts), options=[cand.Option(o.expert_id, o.score, starts)
                                           for o in opts], team_starts=starts))
    return cand.Candidates(full.snapshot, out, full.usage, full.free, full.complete, False,
                           full.fair_share)


def _starts_of(cands: cand.Candidates, visits: list[Visit]) -> dict[int, dict[int, list[int]]]:
    """The visits as (need index → expert → start indices), for ``candidates.restrict``."""
    index = {no.need.id: ni for ni, no in enumerate(cands.needs)}
    out: dict[int, dict[int, list[int]]] = {}
    for v in visits:
        if v.need_id in index:
            out.setdefault(index[v.need_id], {}).setdefault(v.expert_id, []).append(
                cands.index(v.start))
    return out


def _improve_in_parts(snapshot: Snapshot, full: cand.Candidates, rank_w: RankWeights,
                      plan_w: PlanWeights, opts: PlanOptions, visits: list[Visit],
                      previous: list[Visit], *, deadline: float,
                      say: Callable[[str], None], cancel: Cancel | None
                      ) -> tuple[list[Visit], int]:
    """For a problem too large for one CP-SAT model to make progress in the time (a county
    season has ~10⁵ start options, a province ~10⁶): re-solve one industry at a time with the
    rest of the plan fixed, keeping every improvement, in passes until a pass changes nothing
    — a large-neighbourhood search whose neighbourhoods are industries (needs compete for
    experts mostly within one), those with the most unserved weight first. Each part is small
    enough for CP-SAT to solve to optimality in a fraction of a second."""
    tree = snapshot.tree
    groups: dict[int, list[cand.NeedOptions]] = {}
    for no in full.needs:
        if no.team_starts:
            key = tree.industry(no.need.field_id) or tree.root(no.need.field_id)
            groups.setdefault(key, []).append(no)
    current = list(visits)
    best = greedy_mod.objective(full, plan_w, current, previous, trips=False)
    served = {v.need_id for v in current}
    order = sorted(groups.values(), key=lambda g: -sum(no.weight for no in g
                                                      if no.need.id not in served))
    largest = 0
    improved = True
    while improved:  # passes over the industries until one changes nothing
        improved = False
        for group in order:
            left = deadline - time.perf_counter()
            if left < 0.5 or (cancel is not None and cancel()):
                return current, largest
            ids = {no.need.id for no in group}
            fixed = [Visit(v.need_id, v.expert_id, v.start, v.end) for v in current
                     if v.need_id not in ids]
            sub = dataclasses.replace(snapshot, needs=[no.need for no in group],
                                      busy=list(snapshot.busy) + fixed)
            sub_c = cand.build(sub, rank_w, plan_w, max_experts_per_need=opts.prune_experts)
            sub_c.fair_share = full.fair_share  # score the part as the whole is scored
            mine = [v for v in current if v.need_id in ids]
            if sum(len(o.starts) for no in sub_c.needs for o in no.options) > opts.part_size:
                sub_c = cand.restrict(sub_c, experts=opts.experts_per_need,
                                      starts=opts.starts_per_expert, keep=_starts_of(sub_c, mine))
            part = solver.solve(sub_c, plan_w, time_limit=min(left, opts.part_seconds),
                                previous=previous, hint=mine, cancel=cancel, workers=1)
            largest = max(largest, part.variables)
            if part.status in ("OPTIMAL", "FEASIBLE"):
                candidate = fixed + part.visits
                value = greedy_mod.objective(full, plan_w, candidate, previous, trips=False)
                if value > best + 0.5:
                    best, current, improved = value, candidate, True
                    say(f"逐个产业改进方案：目标值 {best:,.0f}")
    return current, largest


def _bound_and_gap(stats: SolveStats, result: solver.SolveResult, *, reduced: bool,
                   flow: FlowBound | None) -> None:
    """The best valid bound over all options: CP-SAT's own only when it saw every option; the
    flow relaxation's always. A plan reaching it is proven optimal whatever the model was."""
    bounds = [] if reduced or result.status not in ("OPTIMAL", "FEASIBLE") else [result.bound]
    if flow is not None:
        bounds.append(flow.bound)
    if not bounds:
        stats.bound, stats.gap = result.bound, result.gap
        return
    stats.bound = max(min(bounds), stats.objective)
    stats.gap = (stats.bound - stats.objective) / max(abs(stats.objective), 1.0)
    if stats.gap < 1e-9 and stats.status in ("FEASIBLE", "OPTIMAL"):
        stats.status = "OPTIMAL"
    elif result.status == "OPTIMAL" and reduced:
        stats.status = "REDUCED_OPTIMAL"


def plan(snapshot: Snapshot, rank_w: RankWeights, plan_w: PlanWeights,
         opts: PlanOptions = PlanOptions(), *, progress: Progress | None = None,
         cancel: Cancel | None = None) -> PlanResult:
    t0 = time.perf_counter()
    limit = opts.time_limit

    def elapsed() -> float:
        return time.perf_counter() - t0

    def say(text: str) -> None:
        if progress is not None:
            progress(min(int(elapsed() * 1000), int(limit * 1000)), int(limit * 1000), text)

    mark = [t0]

    def lap(name: str) -> None:
        now = time.perf_counter()
        stats.phases[name] = round(now - mark[0], 3)
        mark[0] = now

    say("正在整理每条需求可选的专家和日期…")
    stats = SolveStats()
    full = cand.build(snapshot, rank_w, plan_w, max_experts_per_need=opts.prune_experts)
    lap("options")
    previous = list(snapshot.previous)
    base = greedy_mod.greedy(full)
    stats.weight_unit = plan_w.serve
    stats.needs_total = len(full.needs) + len(full.complete)
    stats.weight_total = sum(no.weight for no in full.needs)
    stats.pruned = full.pruned
    stats.greedy_served, stats.greedy_weight = _served_weight(full, base)
    stats.greedy_objective = greedy_mod.objective(full, plan_w, base, previous)
    lap("greedy")
    if not any(no.team_starts for no in full.needs):
        stats.status = "EMPTY"
        stats.needs_served = len(full.complete)
        stats.seconds = elapsed()
        return PlanResult([], stats, full, base)

    bound = None
    hint = base
    if opts.use_flow:
        say("正在求解最小费用流松弛（上界和初始方案）…")
        bound = relaxation(full, plan_w, with_weight_bound=opts.flow_weight_bound)
        stats.flow_bound = bound.bound
        stats.flow_weight_bound = bound.weight_bound
        # Rounding the relaxation often beats the plain greedy plan: start from the better.
        prefer = {full.needs[ni].need.id: d for ni, d in bound.used.items()}
        rounded = greedy_mod.greedy(full, prefer=prefer)
        if greedy_mod.objective(full, plan_w, rounded, previous, trips=False) > \
                greedy_mod.objective(full, plan_w, base, previous, trips=False):
            hint = rounded
        lap("flow")
    size = sum(len(o.starts) for no in full.needs for o in no.options)
    whole = False  # did one CP-SAT model see every option (then its bound is valid too)?

    # Kept back for the repair, the checks and the description of the plan.
    reserve = max(0.2, 0.03 * limit)
    main_limit = max(0.5, (limit - elapsed() - reserve) * (1 - opts.retime_share))
    hint_value = greedy_mod.objective(full, plan_w, hint, previous, trips=False)
    if bound is not None and hint_value >= bound.bound - 1e-6:
        # The rounded relaxation reaches the relaxation's bound: it is optimal as it stands
        # (typically every need wants one expert for one day: a pure assignment problem).
        result = solver.SolveResult(hint, "OPTIMAL", hint_value, bound.bound, 0.0, 0.0, 0)
        stats.engine = "最小费用流"
    elif limit - elapsed() - reserve < 0.5:
        # No time left for the solver (a very large problem): the starting plan stands.
        result = solver.SolveResult(hint, "FEASIBLE", hint_value, 0.0, 0.0, 0.0, 0)
        stats.engine = "最小费用流取整" if hint is not base else "逐条安排"
    elif size > opts.reduce_above:
        visits_parts, n_vars = _improve_in_parts(
            snapshot, full, rank_w, plan_w, opts, hint, previous,
            deadline=time.perf_counter() + main_limit, say=say, cancel=cancel)
        value = greedy_mod.objective(full, plan_w, visits_parts, previous, trips=False)
        result = solver.SolveResult(visits_parts, "FEASIBLE", value, 0.0, 0.0, 0.0, n_vars)
        stats.engine = "CP-SAT（按产业分块）"
    else:
        whole = True
        result = solver.solve(full, plan_w, time_limit=main_limit, previous=previous,
                              hint=hint, progress=progress, cancel=cancel,
                              workers=opts.workers, clock=(elapsed(), limit))
    lap("solve")
    stats.status = result.status
    stats.objective, stats.model_bound = result.objective, result.bound
    stats.variables = result.variables
    stats.build_seconds = result.build_seconds
    visits = result.visits
    if result.status in ("UNKNOWN", "CANCELLED") and not visits:
        visits = hint  # stopped before its first plan: the starting plan is the best so far
    cancelled = result.status == "CANCELLED" or (cancel is not None and cancel())
    if not cancelled:
        visits = greedy_mod.greedy(full, base=visits)  # repair over all options
    # The assignment's value in the main model (without the trips term), against the best
    # bound; re-timing below may trade a few days from the ideal points for fewer trips, and
    # its result is ``final_objective``.
    stats.objective = greedy_mod.objective(full, plan_w, visits, previous, trips=False)
    _bound_and_gap(stats, result, reduced=not whole, flow=bound)
    if not cancelled and plan_w.trip and limit - elapsed() - reserve > 0.2:
        say("正在调整日期，让同一专家在同一乡镇的服务排在相邻几天…")
        retime_w = dataclasses.replace(plan_w, match=0, fair=0)
        retimed = solver.solve(_retime_candidates(full, visits), retime_w,
                               time_limit=limit - elapsed() - reserve, previous=previous,
                               hint=visits,
                               progress=progress, cancel=cancel, trips=True,
                               must_serve=True, workers=opts.workers,
                               clock=(elapsed(), limit))
        if retimed.visits and len(retimed.visits) == len(visits):
            visits = retimed.visits
        lap("retime")
    stats.final_objective = greedy_mod.objective(full, plan_w, visits, previous)
    stats.needs_served, stats.weight_served = _served_weight(full, visits)
    stats.needs_served += len(full.complete)
    violations = validate.validate(snapshot, visits)
    lap("check")
    stats.seconds = elapsed()
    if violations:  # the solver and the builder disagree with the rules: a bug, never shown
        raise AssertionError("plan violates hard rules: " + "; ".join(
            v.message for v in violations[:5]))
    return PlanResult(visits, stats, full, base, bound)
