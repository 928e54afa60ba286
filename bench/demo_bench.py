"""How long ``create_demo`` takes, stage by stage (wall clock and CPU), and how many SQL
statements and flushes each stage costs. Prints figures; asserts nothing.

    uv run python bench/demo_bench.py [--seed N] [--year YYYY] [--profile]

Runs in a throwaway folder; the user's data folder is never touched.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description="Time the demo county build.")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--year", type=int)
    parser.add_argument("--profile", action="store_true",
                        help="also print the 25 most expensive functions (cumulative)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="demo-bench-") as tmp:
        os.environ["EXPERT_DISPATCH_DATA_DIR"] = str(Path(tmp) / "data")
        os.environ.pop("EXPERT_DISPATCH_DB", None)

        t0 = time.perf_counter()
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        from services.database import open_database
        from services.demo import create_demo

        imports = time.perf_counter() - t0
        t0 = time.perf_counter()
        database = open_database(str(Path(tmp) / "demo.db"))
        opened = time.perf_counter() - t0

        counters = {"sql": 0, "flush": 0}

        def on_sql(*_a: object) -> None:
            counters["sql"] += 1

        def on_flush(*_a: object) -> None:
            counters["flush"] += 1

        event.listen(database.engine, "before_cursor_execute", on_sql)
        event.listen(Session, "after_flush", on_flush)

        stages: list[list] = []  # [name, wall start, cpu start, sql start, flush start]

        def progress(done: int, total: int, text: str) -> None:
            if not stages or stages[-1][0] != text:
                stages.append([text, time.perf_counter(), time.process_time(),
                               counters["sql"], counters["flush"]])

        profiler = cProfile.Profile() if args.profile else None
        wall0, cpu0 = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        summary = create_demo(database, seed=args.seed, year=args.year, progress=progress)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        end = ["结束", time.perf_counter(), time.process_time(), counters["sql"],
               counters["flush"]]
        database.close()

        # How fast this machine runs plain Python, to compare figures between machines (a
        # recent office PC takes roughly 0.4–0.6 s).
        c0 = time.process_time()
        total = 0
        for i in range(10_000_000):
            total += i
        print(f"calibration: 10^7 loop steps take {time.process_time() - c0:.2f} s CPU")
        print(f"imports {imports:.2f} s, open_database {opened:.2f} s")
        print(f"create_demo: wall {wall:.2f} s, CPU {cpu:.2f} s, "
              f"{counters['sql']} SQL statements, {counters['flush']} flushes")
        if stages:
            print(f"  planning (before the first write): wall {stages[0][1] - wall0:.2f} s")
        print(f"  {'stage':<12}{'wall s':>8}{'CPU s':>8}{'SQL':>8}{'flushes':>9}")
        for current, following in zip(stages, [*stages[1:], end], strict=True):
            print(f"  {current[0]:<12}{following[1] - current[1]:>8.2f}"
                  f"{following[2] - current[2]:>8.2f}{following[3] - current[3]:>8}"
                  f"{following[4] - current[4]:>9}")
        print(summary.text())
        print("需求状态:", summary.need_statuses)
        print("派遣状态:", summary.dispatch_statuses)
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
