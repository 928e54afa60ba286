"""Benchmark: how long the calendar takes to produce a month view's data.

A month view is 42 days (6 weeks, Monday first), each with its lunar date, solar term, holiday
status and active crop phases. Measured cold (every cache cleared, as at program start), cached
(the same month again, as when the user flips back), and for a whole year, and compared with
lunar-python's own bare per-day conversion (``Lunar.fromSolar``) measured in the same run.

    uv run python bench/calendar_bench.py [--year 2026] [--month 5] [--region 西南] [--repeat 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lunar_python import Lunar, LunarYear, Solar

from services.calendar import crop_phases, holidays, lunar, terms
from services.calendar.grid import GRID_DAYS, MonthView, month_grid_dates, month_view


def clear_caches(*, keep_files: bool = False) -> None:
    """Forget everything computed so far, as at program start (imports stay loaded).

    ``keep_files`` keeps the parsed catalogue and holiday files (read once at program start)
    and clears only the astronomy and window caches.
    """
    file_caches = (crop_phases.load_catalogue, holidays.load_statutory, holidays.statutory_calendar)
    for fn in (
        terms._terms_unchecked,
        terms._term_dates_unchecked,
        terms._terms_by_date_unchecked,
        lunar._year_table,
        crop_phases.parse_spec,
        crop_phases._window,
        *(() if keep_files else file_caches),
    ):
        fn.cache_clear()
    # lunar-python keeps the last LunarYear it computed; drop it so "cold" is really cold.
    LunarYear._LunarYear__CACHE_YEAR = None  # type: ignore[attr-defined]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def bare_lunar_python(days: list[dt.date]) -> None:
    """lunar-python's per-day conversion: lunar date and the term of the day, nothing else."""
    for day in days:
        lunar_day = Lunar.fromSolar(Solar.fromYmd(day.year, day.month, day.day))
        lunar_day.getJieQi()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description="日历月视图性能测试")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--month", type=int, default=5)
    parser.add_argument("--region", default="西南")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    year, month, region, repeat = args.year, args.month, args.region, args.repeat

    first, last = month_grid_dates(year, month)
    grid = [first + dt.timedelta(days=i) for i in range(GRID_DAYS)]
    assert grid[-1] == last

    def one_month() -> MonthView:
        return month_view(year, month, region=region)

    def whole_year() -> object:
        return [month_view(year, m, region=region) for m in range(1, 13)]

    cold_month = []
    for _ in range(max(3, repeat // 10)):
        clear_caches()
        cold_month.extend(timed(one_month, 1))
    cold_astronomy = []
    for _ in range(max(3, repeat // 10)):
        clear_caches(keep_files=True)
        cold_astronomy.extend(timed(one_month, 1))
    cached_month = timed(one_month, repeat)

    cold_year = []
    for _ in range(3):
        clear_caches()
        cold_year.extend(timed(whole_year, 1))
    cached_year = timed(whole_year, max(3, repeat // 5))

    # The library's bare conversion of the same 42 days; first call pays for its year cache.
    LunarYear._LunarYear__CACHE_YEAR = None  # type: ignore[attr-defined]
    bare_cold = timed(lambda: bare_lunar_python(grid), 1)[0]
    bare_month = statistics.median(timed(lambda: bare_lunar_python(grid), repeat))
    year_days = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366)]
    year_days = [d for d in year_days if d.year == year]
    bare_year = statistics.median(timed(lambda: bare_lunar_python(year_days), 3))
    bare_per_day = bare_month / len(grid)

    view = one_month()
    phases = sum(len(c.phases) for c in view.days)
    print(
        f"月视图 {year}-{month:02d}（{region}，42天，共 {phases} 个农时格）  重复 {repeat} 次，取中位数"
    )
    print(f"lunar-python 单日换算（农历+节气）         {ms(bare_per_day)} /天")
    print(f"lunar-python 42天逐日换算（首次/常态）      {ms(bare_cold)} / {ms(bare_month)}")
    print()
    rows = [
        ("月视图 冷启动（清空全部缓存）", statistics.median(cold_month), bare_month),
        ("月视图 冷启动（数据文件已载入）", statistics.median(cold_astronomy), bare_month),
        ("月视图 已缓存（再次打开同月）", statistics.median(cached_month), bare_month),
        ("全年12个月视图 冷启动", statistics.median(cold_year), bare_year),
        ("全年12个月视图 已缓存", statistics.median(cached_year), bare_year),
    ]
    print(f"{'项目':<28}{'耗时':>12}{'对比 lunar-python 逐日换算':>30}")
    for label, value, baseline in rows:
        print(f"{label:<28}{ms(value)}    {value / baseline:8.2f} 倍（基准 {ms(baseline)}）")
    print()
    print(
        f"已缓存月视图每天 {ms(statistics.median(cached_month) / len(grid))}，"
        f"是 lunar-python 单日换算的 {statistics.median(cached_month) / len(grid) / bare_per_day:.3f} 倍"
    )


if __name__ == "__main__":
    main()
