"""Benchmark of matching and scheduling (issue 4).

Season plans on seeded problems at county scale (400 needs × 150 experts × one season) and
province scale (5,000 needs × 2,000 experts): time, objective, bound and gap, needs served,
against the greedy baseline of the same run (priority-weighted ratio) and the min-cost-flow
upper bound over all options, each plan checked by the independent feasibility validator.
Then the ranking of one need over 10,000 experts, from a SQLite database (median of many
needs) and on data already in memory.

    uv run python bench/scheduling.py [--scale county|province|all] [--seeds 1,2,3]
                                      [--time-limit 10] [--province-limit 60]
                                      [--skip-ranking] [--json out.json]

Wall-clock times depend on what else runs on the machine; CPU seconds of this process are
printed beside them (the solver uses two threads, so its CPU time can exceed wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scheduling_data import COUNTY, PROVINCE, Scale, generate  # noqa: E402
from services.matching import planner, validate  # noqa: E402
from services.matching.config import PlanWeights, RankWeights  # noqa: E402
from services.matching.flow import relaxation  # noqa: E402


def cold_import_seconds() -> float:
    """Seconds a fresh process takes to import CP-SAT's Python module (paid once, lazily)."""
    code = ("import time; t = time.perf_counter(); from ortools.sat.python import cp_model; "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def plan_once(scale: Scale, seed: int, options: planner.PlanOptions) -> dict[str, Any]:
    snapshot = generate(scale, seed)
    wall, cpu = time.perf_counter(), time.process_time()
    result = planner.plan(snapshot, RankWeights(), PlanWeights(), options)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    s = result.stats
    # Outside the timing: a second flow bounding the priority-weighted needs served.
    weight_bound = relaxation(result.cands, PlanWeights(), with_weight_bound=True).weight_bound
    violations = validate.validate(snapshot, result.visits)
    greedy_violations = validate.validate(snapshot, result.greedy)
    unit = PlanWeights().serve
    return {
        "scale": scale.name, "seed": seed, "needs": len(snapshot.needs),
        "experts": len(snapshot.experts), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "status": s.status, "objective": s.objective, "bound": s.bound,
        "gap_pct": round(s.gap * 100, 3), "final_objective": s.final_objective,
        "served": s.needs_served, "weighted_served": s.weight_served / unit,
        "greedy_served": s.greedy_served, "greedy_weighted": s.greedy_weight / unit,
        "ratio_vs_greedy": round(s.weight_served / max(1, s.greedy_weight), 4),
        "flow_weight_bound": round(weight_bound / unit, 2),
        "flow_objective_bound": round(s.flow_bound, 1),
        "variables": s.variables, "reduced": s.pruned, "phases": s.phases,
        "violations": len(violations), "greedy_violations": len(greedy_violations),
        "violation_examples": [v.message for v in violations[:3]],
    }


def print_plan_row(r: dict[str, Any]) -> None:
    print(f"{r['scale']:8} seed {r['seed']}: {r['status']:8} gap {r['gap_pct']:6.3f}%  "
          f"wall {r['wall_s']:6.2f}s cpu {r['cpu_s']:6.2f}s  served {r['served']}/{r['needs']} "
          f"weighted {r['weighted_served']:.1f} vs greedy {r['greedy_weighted']:.1f} "
          f"(ratio {r['ratio_vs_greedy']:.4f}; flow bound {r['flow_weight_bound']:.1f})  "
          f"vars {r['variables']}  violations {r['violations']}/{r['greedy_violations']}")
    print(f"          phases {r['phases']}")


# -- ranking over 10,000 experts ----------------------------------------------------------------


def ranking_db(n_experts: int = 10_000, n_needs: int = 60, seed: int = 3
               ) -> tuple[Any, list[str]]:
    """A SQLite database with ``n_experts`` experts (specialties, leave, a year of dispatches)
    written with bulk inserts; returns it and the codes of ``n_needs`` needs to rank."""
    import random
    from datetime import date, timedelta

    from sqlalchemy import insert, select

    from models import (
        Dispatch,
        Expert,
        ExpertUnavailability,
        Field,
        Need,
        Township,
        Unit,
        Village,
        expert_specialty,
    )
    from services.database import open_database

    rnd = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="bench-ranking-"))
    os.environ["EXPERT_DISPATCH_DATA_DIR"] = str(folder / "data")
    db = open_database(str(folder / "ranking.db"))
    with db.unit_of_work("bench") as uow:
        s = uow.session
        fields = list(s.execute(select(Field.id, Field.level)))
        topics = [f for f, level in fields if level == 3]
        industries = [f for f, level in fields if level == 2]
        s.execute(insert(Township), [{"name": f"乡镇{i}", "latitude": 26 + rnd.random(),
                                      "longitude": 107 + rnd.random()} for i in range(30)])
        towns = list(s.scalars(select(Township.id)))
        s.execute(insert(Village), [{"name": f"村{i}", "township_id": rnd.choice(towns),
                                     "poverty_alleviated": rnd.random() < 0.3}
                                    for i in range(300)])
        s.execute(insert(Unit), [{"code": f"DW-{i:04d}", "name": f"单位{i}", "unit_type": "合作社",
                                  "township_id": rnd.choice(towns)} for i in range(1, 601)])
        units = list(s.scalars(select(Unit.id)))
        s.execute(insert(Expert), [{
            "code": f"ZJ-{i:05d}", "name": f"专家{i}", "gender": rnd.choice("男女"),
            "title": rnd.choice(("正高级", "副高级", "中级", "初级", "无")),
            "honours": ["省级专家"] if rnd.random() < 0.2 else [],
            "employer_unit_id": rnd.choice(units) if rnd.random() < 0.05 else None,
            "home_latitude": 26 + rnd.random(), "home_longitude": 107 + rnd.random(),
            "max_days_per_month": 10, "max_days_per_year": 60,
        } for i in range(1, n_experts + 1)])
        experts = list(s.scalars(select(Expert.id)))
        links = {(e, rnd.choice(topics if rnd.random() < 0.6 else industries))
                 for e in experts for _ in range(rnd.randint(1, 3))}
        s.execute(insert(expert_specialty), [{"expert_id": e, "field_id": f} for e, f in links])
        s.execute(insert(ExpertUnavailability), [{
            "expert_id": e, "start_date": date(2026, 5, 1) + timedelta(days=rnd.randrange(60)),
            "end_date": date(2026, 7, 10), "reason": "外出"} for e in rnd.sample(experts, 1500)])
        s.execute(insert(Need), [{
            "code": f"XQ-2026-{i:04d}", "title": f"需求{i}", "unit_id": rnd.choice(units),
            "township_id": rnd.choice(towns), "field_id": rnd.choice(topics),
            "window_start": date(2026, 5, 1) + timedelta(days=rnd.randrange(40)),
            "window_end": date(2026, 6, 20), "status": "reviewed", "days_wanted": 1,
            "experts_wanted": 1, "source": "bench"} for i in range(1, n_needs + 301)])
        needs = list(s.execute(select(Need.id, Need.code)))
        visits = {(rnd.choice(needs)[0], rnd.choice(experts),
                   date(2026, 1, 5) + timedelta(days=rnd.randrange(170)))
                  for _ in range(3 * n_experts)}
        s.execute(insert(Dispatch), [{
            "code": f"PQ-2026-{i:05d}", "need_id": n, "expert_id": e, "start_date": d,
            "end_date": d + timedelta(days=rnd.randint(0, 2)), "status": "completed"}
            for i, (n, e, d) in enumerate(sorted(visits), start=1)])
        uow.commit()
    return db, [c for _, c in needs[:n_needs]]


def ranking_bench(n_experts: int = 10_000, n_needs: int = 60) -> dict[str, Any]:
    """``rank_experts`` for many needs over ``n_experts`` experts: from the database (the
    whole call: queries and scoring) and on data already in memory (scoring only)."""
    from datetime import date

    from models import Need
    from services.matching import loading, ranking
    from services.matching.availability import Usage

    db, codes = ranking_db(n_experts, n_needs)
    times: list[float] = []
    counts: list[int] = []
    with db.session() as session:
        ranking.rank_experts(session, codes[0])  # warm: imports, statement caches
        cpu: list[float] = []
        for code in codes:
            t, c = time.perf_counter(), time.process_time()
            result = ranking.rank_experts(session, code)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            counts.append(len(result.experts))
        # With the experts loaded once (a match panel keeps an ExpertPool while open).
        t = time.perf_counter()
        pool = ranking.ExpertPool.load(session, date(2026, 1, 1), date(2026, 12, 31))
        pool_load = time.perf_counter() - t
        pooled: list[float] = []
        pooled_cpu: list[float] = []
        for code in codes:
            t, c = time.perf_counter(), time.process_time()
            ranking.rank_experts(session, code, pool=pool)
            pooled.append(time.perf_counter() - t)
            pooled_cpu.append(time.process_time() - c)
        # The scoring alone over all 10,000 experts in memory.
        (need,) = loading.need_infos(session, list(session.execute(
            loading.need_query().where(Need.code == codes[0]))))
        lo, hi = need.window_start, need.window_end
        every = list(loading.expert_infos(session, None, lo, hi).values())
        usage = Usage.of(loading.active_visits(session, date(2026, 1, 1), date(2026, 12, 31)))
        tree = loading.field_tree(session)
    memory: list[float] = []
    for _ in range(20):
        t = time.perf_counter()
        ranking.rank_need(need, every, tree, RankWeights(), window=(lo, hi), usage=usage)
        memory.append(time.perf_counter() - t)
    db.close()
    return {
        "experts": n_experts, "needs_ranked": len(codes),
        "db_median_ms": round(statistics.median(times) * 1000, 1),
        "db_p90_ms": round(sorted(times)[int(0.9 * len(times))] * 1000, 1),
        "eligible_median": statistics.median(counts),
        "memory_all_10000_median_ms": round(statistics.median(memory) * 1000, 1),
        "pool_load_s": round(pool_load, 2),
        "pool_median_ms": round(statistics.median(pooled) * 1000, 1),
        "pool_p90_ms": round(sorted(pooled)[int(0.9 * len(pooled))] * 1000, 1),
        "pool_cpu_median_ms": round(statistics.median(pooled_cpu) * 1000, 1),
        "db_cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "province", "all"), default="all")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--province-limit", type=float, default=60.0)
    parser.add_argument("--skip-ranking", action="store_true")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    out: dict[str, Any] = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    out["cp_sat_cold_import_s"] = round(cold_import_seconds(), 2)
    print(f"CP-SAT import in a fresh process: {out['cp_sat_cold_import_s']} s "
          f"(load average {out['load_before'][0]:.1f} on {out['cpus']} CPUs)")
    from ortools.sat.python import cp_model  # noqa: F401  (paid once, outside the timings)

    rows = []
    scales = {"county": [COUNTY], "province": [PROVINCE], "all": [COUNTY, PROVINCE]}[args.scale]
    for scale in scales:
        limit = args.time_limit if scale is COUNTY else args.province_limit
        options = planner.PlanOptions(time_limit=limit)
        if scale is PROVINCE:
            options = replace(options, prune_experts=12)
        for seed in seeds if scale is COUNTY else seeds[:1]:
            row = plan_once(scale, seed, options)
            print_plan_row(row)
            rows.append(row)
    out["plans"] = rows
    if not args.skip_ranking:
        r = ranking_bench()
        out["ranking"] = r
        print(f"ranking over {r['experts']} experts ({r['eligible_median']} eligible per need): "
              f"median {r['pool_median_ms']} ms wall / {r['pool_cpu_median_ms']} ms CPU with "
              f"the experts loaded once (p90 {r['pool_p90_ms']} ms; loading them "
              f"{r['pool_load_s']} s); {r['db_median_ms']} ms wall / {r['db_cpu_median_ms']} ms "
              f"CPU reading each need's experts from the database (p90 {r['db_p90_ms']} ms); "
              f"scoring alone {r['memory_all_10000_median_ms']} ms")
    out["load_after"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2,
                                              default=str), encoding="utf-8")
    bad = sum(r["violations"] + r["greedy_violations"] for r in rows)
    print(f"validator: {bad} hard-constraint violations in {len(rows)} plans")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
