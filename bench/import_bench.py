"""Benchmark: importing 20,000 needs from .xlsx.

    uv run python bench/import_bench.py [--rows 20000] [--repeat 3]

Measures, on a fresh database with a county of 15 townships, 120 villages and 300 units:

1. reading the workbook into rows with python-calamine and with openpyxl (read-only mode,
   its fastest), the best of ``--repeat`` runs: the reader is chosen by this measurement;
2. one full import (read → validate every row with the services' rules → write in one
   transaction → commit): time per 1,000 rows and the share of reading, validating, writing;
3. importing the same file again (every row a duplicate, nothing written).

Wall-clock and CPU time are both printed: on a shared machine the CPU time is the steadier
figure. Results go into docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["EXPERT_DISPATCH_DATA_DIR"] = str(folder / "data")
        from bench.exchange_data import HEADER, build_county, need_rows, write_workbook
        from services.database import open_database
        from services.exchange.importer import ImportOptions, Outcome, import_file
        from services.exchange.reading import open_book

        db = open_database(str(folder / "bench.db"))
        county = build_county(db)
        path = write_workbook(folder / "needs.xlsx", HEADER, need_rows(county, args.rows),
                              "2026年全县专家服务需求汇总表")
        size = path.stat().st_size / 1024 / 1024
        print(f"{args.rows} 行需求，文件 {size:.1f} MB，Python {sys.version.split()[0]}")

        print(f"\n读取（取 {args.repeat} 次中最快的一次）")
        print("| 读取器 | 墙钟时间 s | CPU 时间 s | 每千行 ms |")
        print("|---|---|---|---|")
        readers = {}
        for engine in ("calamine", "openpyxl"):
            best = None
            for _ in range(args.repeat):
                rows, wall, cpu = _timed(lambda e=engine: open_book(path, e).sheet().rows)
                assert len(rows) == args.rows + 2
                best = (wall, cpu) if best is None or wall < best[0] else best
            assert best is not None
            readers[engine] = best
            print(f"| {engine} | {best[0]:.2f} | {best[1]:.2f} | "
                  f"{best[0] / args.rows * 1000 * 1000:.1f} |")
        ratio = readers["openpyxl"][0] / readers["calamine"][0]
        print(f"\ncalamine 比 openpyxl 快 {ratio:.1f} 倍。")

        result, wall, cpu = _timed(lambda: import_file(db, "needs", path,
                                                        ImportOptions(year=2026)))
        assert result.all_accepted and result.count(Outcome.NEW) == args.rows
        t = result.timings
        total = t["read"] + t["validate"] + t["write"]
        total_cpu = t["read_cpu"] + t["validate_cpu"] + t["write_cpu"]
        per = args.rows / 1000
        print("\n导入（一次事务，全部新增）")
        print("| 阶段 | 墙钟 s | 占比 | CPU s | 占比 | 每千行墙钟 ms | 每千行 CPU ms |")
        print("|---|---|---|---|---|---|---|")
        for key, label in (("read", "读取文件"), ("validate", "逐行检查"), ("write", "写入并提交")):
            print(f"| {label} | {t[key]:.2f} | {t[key] / total:.0%} | {t[key + '_cpu']:.2f} | "
                  f"{t[key + '_cpu'] / total_cpu:.0%} | {t[key] / per * 1000:.0f} | "
                  f"{t[key + '_cpu'] / per * 1000:.0f} |")
        print(f"| 合计 | {total:.2f} | | {total_cpu:.2f} | | {total / per * 1000:.0f} | "
              f"{total_cpu / per * 1000:.0f} |")
        print(f"\n（含生成结果在内的整个调用：墙钟 {wall:.2f} s，CPU {cpu:.2f} s）")

        again, wall, cpu = _timed(lambda: import_file(db, "needs", path,
                                                       ImportOptions(year=2026)))
        assert again.count(Outcome.NEW) == again.count(Outcome.UPDATE) == 0
        print(f"\n再次导入同一文件（全部判为重复，不写入）：墙钟 {wall:.2f} s，CPU {cpu:.2f} s，"
              f"每千行 {wall / per * 1000:.0f} ms")
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
