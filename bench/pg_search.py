"""Benchmark: search and list loading on PostgreSQL, with and without ``pg_trgm``.

    EXPERT_DISPATCH_TEST_PG=postgresql+psycopg://user:pw@127.0.0.1/db \\
        uv run python bench/pg_search.py [--rows 100000] [--repeat 5]

The server URL names any database the user may connect to; the benchmark creates its own
throw-away database next to it (the user needs CREATEDB; ``.ci/pg-setup`` makes such a user)
and drops it at the end. It fills ``need`` with ``--rows`` needs (titles made of common
Chinese words) in one INSERT … SELECT, then measures, best of ``--repeat``:

1. what the program does: the need list as the list screen reads it (``needs.list_rows``,
   every live row as a tuple) and the in-memory quick search over it (services/search.py);
2. SQL substring search ``title ILIKE '%…%'`` for 2-, 3- and 4-character Chinese queries and
   an ASCII one, without an index and with a ``pg_trgm`` GIN index.

Results go into docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ["茶园", "春茶", "病虫害", "绿色防控", "油茶", "低产林", "改造", "马铃薯", "晚疫病",
         "防治", "水稻", "插秧", "机械化", "冷链", "物流", "电商", "直播", "培训", "乡村旅游",
         "民宿", "牦牛", "养殖", "技术", "指导", "加工", "工艺", "品牌", "建设", "全科",
         "义诊", "果树", "栽培", "黑土地", "保护", "盐碱地", "修复", "Pro", "v2"]
QUERIES = ["茶园", "病虫害", "绿色防控", "冷链物流", "pro"]


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("EXPERT_DISPATCH_TEST_PG")
    if not url:
        raise SystemExit("请设置 EXPERT_DISPATCH_TEST_PG=postgresql+psycopg://…（见 .ci/pg-setup）")

    import psycopg
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from services import needs, search
    from services.database import open_database

    base = make_url(url)
    admin = psycopg.connect(base.set(drivername="postgresql").render_as_string(
        hide_password=False), autocommit=True)
    name = f"bench_search_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    bench_url = base.set(database=name).render_as_string(hide_password=False)
    try:
        database = open_database(bench_url)
        from services import places, units

        with database.unit_of_work("测试") as u:
            township = places.create_township(u.session, {"name": "青山镇"})
            units.create_unit(u.session, {"name": "青山镇合作社", "unit_type": "合作社",
                                          "township_id": township.id})
            u.commit()
        with database.engine.begin() as conn:
            server = conn.exec_driver_sql("SHOW server_version").scalar()
            collate = conn.exec_driver_sql(
                "SELECT datcollate FROM pg_database WHERE datname = current_database()").scalar()
            words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
            n = len(WORDS)
            t = time.perf_counter()
            conn.exec_driver_sql(f"""
                INSERT INTO need (code, title, description, unit_id, township_id, field_id,
                                  experts_wanted, days_wanted, status, source, uuid)
                SELECT 'XQ-2026-' || lpad(g::text, 6, '0'),
                       ({words})[1 + mod(g * 7, {n})] || ({words})[1 + mod(g * 13, {n})]
                         || ({words})[1 + mod(g * 31, {n})] || '第' || g || '号', '',
                       (SELECT id FROM unit), (SELECT id FROM township),
                       (SELECT min(id) FROM field), 1, 1, 'submitted', '基准', 'b-' || g
                FROM generate_series(1, {args.rows}) AS g""")
            print(f"PostgreSQL {server} (collation {collate}); {args.rows:,} needs inserted "
                  f"in {time.perf_counter() - t:.1f} s")
            conn.exec_driver_sql("ANALYZE need")

        def list_rows() -> object:
            with database.session() as s:
                return needs.list_rows(s)

        rows = list_rows()
        print(f"list screen: needs.list_rows ({len(rows.rows):,} rows): "
              f"{best(list_rows, args.repeat) * 1000:.0f} ms")
        title = rows.index("title")
        haystacks = [search.normalize_query(r[title]) for r in rows.rows]
        joined = [" ".join(h) for h in haystacks]
        for q in QUERIES:
            ms = best(lambda q=q: [h for h in joined if q.lower() in h], args.repeat) * 1000
            print(f"  in-memory substring test, {q!r}: {ms:.1f} ms")

        def sql(q: str) -> int:
            with database.engine.connect() as conn:
                return len(conn.execute(text("SELECT id FROM need WHERE title ILIKE :p"),
                                        {"p": f"%{q}%"}).all())

        results: dict[str, list[str]] = {q: [] for q in QUERIES}
        for label in ("no index", "pg_trgm GIN"):
            if label == "pg_trgm GIN":
                with database.engine.begin() as conn:
                    t = time.perf_counter()
                    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    conn.exec_driver_sql(
                        "CREATE INDEX ix_need_title_trgm ON need USING gin (title gin_trgm_ops)")
                    conn.exec_driver_sql("ANALYZE need")
                    print(f"pg_trgm GIN index built in {time.perf_counter() - t:.1f} s")
            for q in QUERIES:
                found = sql(q)
                ms = best(lambda q=q: sql(q), args.repeat) * 1000
                with database.engine.connect() as conn:
                    plan = " ".join(r[0] for r in conn.execute(
                        text("EXPLAIN SELECT id FROM need WHERE title ILIKE :p"),
                        {"p": f"%{q}%"}))
                how = "index" if "Bitmap" in plan or "Index" in plan else "seq scan"
                results[q].append(f"{ms:.0f} ms ({how}, {found:,} rows)")
        print("SQL title ILIKE '%q%':  no index | pg_trgm GIN")
        for q, r in results.items():
            print(f"  {q!r}: {' | '.join(r)}")
        database.close()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
