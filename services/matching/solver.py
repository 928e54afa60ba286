"""The season plan as a CP-SAT model (OR-Tools), solved with a time limit, progress reports
and cancellation; it returns the best plan found so far when stopped.

Model (all integer, maximised):
- ``x[n, e, s]``: expert ``e`` serves need ``n`` starting on day ``s`` for the need's days.
  Only options that ``candidates.build`` allowed exist, so window, free days, holidays,
  specialty, title, conflict of interest and single-visit caps hold by construction.
- A need asking for k experts: they share one start (``z[n, s]``), ``Σ_e x = k·z``.
- One place per expert per day: at most one ``x`` covers any (expert, day).
- Monthly and yearly caps: days of chosen visits plus days already taken ≤ cap.
- Objective: value of each served need (priority-weighted) + match scores − days away from the
  phase's ideal day − days over a fair share of work + (replanning) visits of the earlier plan
  kept; with ``trips=True`` also + consecutive days one expert spends in one township (the
  re-timing step uses it; its LP relaxation is too weak for the main model).
- ``must_serve=True`` (re-timing): every need with options is served exactly once.

OR-Tools is imported inside the functions: the program's start must not pay for it.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from services.matching.availability import month_days
from services.matching.candidates import Candidates
from services.matching.config import PlanWeights
from services.matching.snapshot import Visit

Progress = Callable[[int, int, str], None]  # (done, total, text); here milliseconds of time
Cancel = Callable[[], bool]


@dataclass
class SolveResult:
    visits: list[Visit]
    status: str
    objective: float
    bound: float
    seconds: float
    build_seconds: float
    variables: int
    solutions: int = 0  # 1 when a solution was found (no callback counts improvements)
    log: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        if self.status == "OPTIMAL":
            return 0.0
        denom = max(abs(self.objective), 1.0)
        return max(0.0, (self.bound - self.objective) / denom)


def _center_penalty(s: int, d: int, ideal: int) -> int:
    # Distance of the visit's middle from the ideal day, in whole days.
    return abs(s + (d - 1) // 2 - ideal)


def fair_slack(share: float, year_cap: int, used: int) -> int:
    """Days an expert may still take this year before going over a fair share of the load
    (the share of their cap that the whole demand fills)."""
    return max(0, int(share * year_cap + 0.999) - used)


class _Proto:
    """Writes the CP-SAT model proto directly by variable index: for models of 10⁵ variables
    this is several times faster than building Python expression objects."""

    def __init__(self) -> None:
        from ortools.sat.python import cp_model

        self.model = cp_model.CpModel()
        self.proto = self.model.proto
        self.n = 0
        self.objective: dict[int, int] = {}

    def var(self, lo: int = 0, hi: int = 1) -> int:
        v = self.proto.variables.add()
        v.domain.extend([lo, hi])
        self.n += 1
        return self.n - 1

    def at_most_one(self, literals: list[int]) -> None:
        if len(literals) > 1:
            self.proto.constraints.add().at_most_one.literals.extend(literals)

    def exactly_one(self, literals: list[int]) -> None:
        self.proto.constraints.add().exactly_one.literals.extend(literals)

    def linear(self, vars_: list[int], coeffs: list[int], lo: int, hi: int) -> None:
        ct = self.proto.constraints.add().linear
        ct.vars.extend(vars_)
        ct.coeffs.extend(coeffs)
        ct.domain.extend([lo, hi])

    def maximise(self) -> None:
        # The proto minimises; a scaling factor of −1 reports the maximised value.
        items = [(v, c) for v, c in self.objective.items() if c]
        obj = self.proto.objective
        obj.vars.extend(v for v, _ in items)
        obj.coeffs.extend(-c for _, c in items)
        obj.scaling_factor = -1

    def hint(self, values: dict[int, int]) -> None:
        self.proto.solution_hint.vars.extend(values.keys())
        self.proto.solution_hint.values.extend(values.values())


INF = 1 << 40


@dataclass
class _Model:
    proto: _Proto
    x: dict[tuple[int, int, int], int]  # (need index, expert id, start) → variable index
    z: dict[tuple[int, int], int]  # (need index, start) → variable index of a team's date
    # Auxiliary variables and how to compute them from x and z, for a complete hint:
    # ("over", var, vars, coeffs, slack) and ("pair", var, enders, starters).
    aux: list[tuple] = field(default_factory=list)


def _build(cands: Candidates, w: PlanWeights, previous: list[Visit], *, trips: bool = False,
           must_serve: bool = False) -> _Model:
    p = _Proto()
    obj = p.objective
    x: dict[tuple[int, int, int], int] = {}
    z: dict[tuple[int, int], int] = {}
    cover: dict[tuple[int, int], list[int]] = defaultdict(list)
    ends_at: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
    starts_at: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
    by_expert: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # (var, s, d)
    keep_exact = {(v.need_id, v.expert_id, cands.index(v.start)) for v in previous}
    keep_expert = {(v.need_id, v.expert_id) for v in previous}
    split_cache: dict[tuple[int, int], list[tuple[tuple[int, int], int]]] = {}
    aux: list[tuple] = []

    def split(s: int, d: int) -> list[tuple[tuple[int, int], int]]:
        key = (s, d)
        out = split_cache.get(key)
        if out is None:
            out = split_cache[key] = list(month_days(cands.day(s), d).items())
        return out

    for ni, no in enumerate(cands.needs):
        if not no.team_starts:
            continue
        need = no.need
        d = no.days
        team = no.wanted > 1
        if team:
            zs = []
            for s in no.team_starts:
                var = p.var()
                z[ni, s] = var
                zs.append(var)
                obj[var] = no.weight - w.ideal * _center_penalty(s, d, no.ideal)
            p.exactly_one(zs) if must_serve else p.at_most_one(zs)
        members: dict[int, list[int]] = defaultdict(list)
        all_x = []
        for o in no.options:
            e = o.expert_id
            base = round(w.match * o.score)
            if (need.id, e) in keep_expert:
                base += w.keep // 3  # the same expert, maybe on other days: a smaller change
            for s in o.starts:
                var = p.var()
                x[ni, e, s] = var
                all_x.append(var)
                c = base
                if not team:
                    c += no.weight - w.ideal * _center_penalty(s, d, no.ideal)
                if (need.id, e, s) in keep_exact:
                    c += w.keep - w.keep // 3
                obj[var] = c
                members[s].append(var)
                for t in range(s, s + d):
                    cover[e, t].append(var)
                ends_at[e, need.township_id, s + d - 1].append((var, ni))
                starts_at[e, need.township_id, s].append((var, ni))
                by_expert[e].append((var, s, d))
        if team:
            for s in no.team_starts:
                vs = members.get(s, [])
                p.linear([*vs, z[ni, s]], [1] * len(vs) + [-no.wanted], 0, 0)
        elif must_serve:
            p.exactly_one(all_x)
        else:
            p.at_most_one(all_x)

    for vars_ in cover.values():
        p.at_most_one(vars_)

    # Caps: only where the options could exceed what is left.
    experts = cands.snapshot.experts
    usage = cands.usage
    year0 = cands.snapshot.start.year
    share = cands.fair_share
    for e, items in by_expert.items():
        expert = experts[e]
        per_month: dict[tuple[int, int], tuple[list[int], list[int]]] = defaultdict(
            lambda: ([], []))
        per_year: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for var, s, d in items:
            for mk, c in split(s, d):
                vs, cs = per_month[mk]
                vs.append(var)
                cs.append(c)
                vs, cs = per_year[mk[0]]
                vs.append(var)
                cs.append(c)
        for mk, (vs, cs) in per_month.items():
            left = expert.month_cap - usage.used_month(e, mk)
            if sum(cs) > left:
                p.linear(vs, cs, -INF, left)
        for y, (vs, cs) in per_year.items():
            left = expert.year_cap - usage.used_year(e, y)
            if sum(cs) > left:
                p.linear(vs, cs, -INF, left)
        # Fair spread: days beyond the expert's share of the whole load cost something.
        if w.fair and year0 in per_year:
            vs, cs = per_year[year0]
            slack = fair_slack(share, expert.year_cap, usage.used_year(e, year0))
            if sum(cs) > slack:
                over = p.var(0, sum(cs) - slack)
                p.linear([*vs, over], [*cs, -1], -INF, slack)  # over ≥ load − slack
                obj[over] = -w.fair
                aux.append(("over", over, vs, cs, slack))

    # Fewer trips: one visit ending on day t and another (of another need) starting on t+1 in
    # the same township, for the same expert.
    if trips and w.trip:
        for key, enders in ends_at.items():
            e, township, t = key
            starters = starts_at.get((e, township, t + 1))
            if not starters:
                continue
            if len({ni for _, ni in enders} | {ni for _, ni in starters}) < 2:
                continue  # only one need: it cannot both end and start here
            pair = p.var()
            p.linear([pair] + [v for v, _ in enders], [1] + [-1] * len(enders), -INF, 0)
            p.linear([pair] + [v for v, _ in starters], [1] + [-1] * len(starters), -INF, 0)
            obj[pair] = w.trip
            aux.append(("pair", pair, [v for v, _ in enders], [v for v, _ in starters]))

    p.maximise()
    return _Model(p, x, z, aux)


def _hint_values(built: _Model, cands: Candidates, hint: list[Visit]) -> dict[int, int]:
    """A complete hint (every variable) from a feasible plan, so CP-SAT starts from it."""
    need_index = {no.need.id: ni for ni, no in enumerate(cands.needs)}
    chosen = {(need_index.get(v.need_id, -1), v.expert_id, cands.index(v.start)) for v in hint}
    team_start = {(ni, s) for ni, _, s in chosen}
    values = {var: int(key in chosen) for key, var in built.x.items()}
    values |= {var: int(key in team_start) for key, var in built.z.items()}
    for item in built.aux:
        if item[0] == "over":
            _, var, vs, cs, slack = item
            values[var] = max(0, sum(c * values[v] for v, c in zip(vs, cs, strict=True)) - slack)
        else:
            _, var, enders, starters = item
            values[var] = min(sum(values[v] for v in enders), sum(values[v] for v in starters), 1)
    return values


def solve(
    cands: Candidates,
    w: PlanWeights,
    *,
    time_limit: float = 10.0,
    previous: list[Visit] | None = None,
    hint: list[Visit] | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    trips: bool = False,
    must_serve: bool = False,
    workers: int = 2,
    clock: tuple[float, float] = (0.0, 0.0),
) -> SolveResult:
    """Solve the plan. ``hint``: a known feasible plan (e.g. the greedy one) to start from;
    ``previous``: the earlier plan's movable visits (replanning keeps them where it can);
    ``trips``: include the consecutive-days-in-one-township term (its LP relaxation is weak, so
    the planner uses it only when re-timing a fixed assignment); ``must_serve``: every need
    with options must be served (re-timing). ``clock``: (seconds already spent, total seconds)
    of the whole run, for progress reports."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    built = _build(cands, w, previous or [], trips=trips, must_serve=must_serve)
    if hint:
        built.proto.hint(_hint_values(built, cands, hint))
    build_seconds = time.perf_counter() - t0
    n_vars = built.proto.n
    if not built.x:
        return SolveResult([], "EMPTY", 0.0, 0.0, build_seconds, build_seconds, 0)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, time_limit - build_seconds)
    params.num_workers = workers
    # Probing and repeated presolve cost seconds on these models and buy little: the LP
    # relaxation is close to integral already.
    params.cp_model_probing_level = 0
    params.max_presolve_iterations = 1
    params.symmetry_level = 0
    cancelled = threading.Event()
    spent, total = clock
    total_ms = int((total or time_limit) * 1000)

    def report(elapsed: float, text: str) -> None:
        if progress is not None:
            progress(min(total_ms, int((spent + elapsed) * 1000)), total_ms, text)

    # No solution callback: CP-SAT calls it on its own threads, and also synchronously on the
    # calling thread when the hint (a re-run with pinned visits) is already a complete
    # solution; taking the GIL there crashed the process when the caller was a Qt worker
    # thread. A Python thread of ours reports the elapsed time and answers Cancel instead.
    done = threading.Event()
    started = time.perf_counter()

    def watch() -> None:
        next_report = 0.5
        while not done.wait(0.05):
            if cancel is not None and cancel():
                cancelled.set()
                solver.stop_search()
                return
            elapsed = time.perf_counter() - started
            if progress is not None and elapsed >= next_report:
                next_report = elapsed + 0.5
                try:
                    report(build_seconds + elapsed, f"正在求解…（已用 {elapsed:.0f} 秒）")
                except Exception:  # the caller's progress said stop (e.g. a cancelled task)
                    cancelled.set()
                    solver.stop_search()
                    return

    watcher = (threading.Thread(target=watch, daemon=True)
               if cancel is not None or progress is not None else None)
    if watcher is not None:
        watcher.start()
    report(build_seconds, f"模型已建立（{n_vars:,} 个变量），开始求解…")
    try:
        status = solver.solve(built.proto.model)
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    name = solver.status_name(status)
    visits: list[Visit] = []
    objective = bound = 0.0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        objective = solver.objective_value
        bound = solver.best_objective_bound
        solution = solver.response_proto.solution
        for (ni, e, s), var in built.x.items():
            if solution[var]:
                no = cands.needs[ni]
                start = cands.day(s)
                visits.append(Visit(no.need.id, e, start, start + timedelta(days=no.days - 1)))
    if cancelled.is_set() and name != "OPTIMAL":
        name = "CANCELLED"
    return SolveResult(visits, name, objective, bound, time.perf_counter() - t0, build_seconds,
                       n_vars, 1 if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else 0)
