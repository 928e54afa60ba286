"""The statistics on the demo county 云岭县 and its year of outcomes: each figure equals a count
made independently (plain SQL on the SQLite file, slices applied in Python), for the whole
county, a township, a field, a team and the priority villages; each drill-down lists exactly
the records counted; ``main.py report`` prints the paragraph and writes the PDF and the
workbook; ``main.py ledger`` gives an expert's days."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from services import statistics as st
from services.database import open_database
from tests import stats_support
from tests.conftest import PROJECT_ROOT
from tests.stats_support import DemoCounty

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

demo_county = stats_support.demo_county  # the demo county, built once per test process


@dataclass(frozen=True)
class Served:
    """A completed dispatch of the year, as plain SQL sees it."""

    id: int
    expert_id: int
    need_id: int
    township_id: int
    field_id: int
    village_id: int | None
    days: int
    problems: int
    trained: int
    beneficiaries: int


class Independent:
    """The demo's figures counted without the statistics service."""

    def __init__(self, path: Path, year: int) -> None:
        self.con = sqlite3.connect(path)
        self.year = year
        lo, hi = f"{year}-01-01", f"{year}-12-31"
        rows = self.con.execute(
            """SELECT d.id, d.expert_id, d.need_id, n.township_id, n.field_id, n.village_id,
                      d.start_date, d.end_date, r.days_served, r.problems_solved,
                      r.people_trained, r.beneficiaries
               FROM dispatch d JOIN need n ON n.id = d.need_id
               LEFT JOIN service_record r ON r.dispatch_id = d.id
               WHERE d.status = 'completed'
                 AND COALESCE(r.actual_start, d.start_date) BETWEEN ? AND ?""",
            (lo, hi)).fetchall()
        self.served = [
            Served(i, e, n, t, f, v,
                   days or (date.fromisoformat(end) - date.fromisoformat(start)).days + 1,
                   solved or 0, trained or 0, benefit or 0)
            for i, e, n, t, f, v, start, end, days, solved, trained, benefit in rows]
        self.children: dict[int, list[int]] = defaultdict(list)
        for fid, parent in self.con.execute("SELECT id, parent_id FROM field"):
            if parent is not None:
                self.children[parent].append(fid)
        self.priority = {v for (v,) in self.con.execute(
            "SELECT id FROM village WHERE key_support OR poverty_alleviated")}

    def subtree(self, field_id: int) -> set[int]:
        out, todo = set(), [field_id]
        while todo:
            f = todo.pop()
            out.add(f)
            todo += self.children[f]
        return out

    def team_dispatch_ids(self, team_id: int) -> set[int]:
        members = {e for (e,) in self.con.execute(
            "SELECT expert_id FROM team_member WHERE team_id = ?", (team_id,))}
        of_activities = {d for (d,) in self.con.execute(
            """SELECT ad.dispatch_id FROM activity_dispatch ad
               JOIN activity a ON a.id = ad.activity_id WHERE a.team_id = ?""", (team_id,))}
        return {s.id for s in self.served if s.expert_id in members or s.id in of_activities}

    def in_slice(self, sl: st.Slice) -> list[Served]:
        if sl.kind == "all":
            return self.served
        if sl.kind == "township":
            return [s for s in self.served if s.township_id == sl.key]
        if sl.kind == "field":
            fields = self.subtree(int(sl.key or 0))
            return [s for s in self.served if s.field_id in fields]
        if sl.kind == "priority":
            return [s for s in self.served if s.village_id in self.priority]
        if sl.kind == "team":
            ids = self.team_dispatch_ids(int(sl.key or 0))
            return [s for s in self.served if s.id in ids]
        raise AssertionError(sl.kind)

    def needs_received(self, sl: st.Slice) -> set[int]:
        rows = self.con.execute(
            """SELECT DISTINCT n.id, n.township_id, n.field_id, n.village_id
               FROM need_event e JOIN need n ON n.id = e.need_id
               WHERE n.deleted_at IS NULL AND e.to_status = 'submitted'
                 AND e.from_status IS NULL AND e.at >= ? AND e.at < ?""",
            (f"{self.year}-01-01", f"{self.year + 1}-01-01")).fetchall()
        if sl.kind == "township":
            rows = [r for r in rows if r[1] == sl.key]
        elif sl.kind == "field":
            fields = self.subtree(int(sl.key or 0))
            rows = [r for r in rows if r[2] in fields]
        elif sl.kind == "priority":
            rows = [r for r in rows if r[3] in self.priority]
        elif sl.kind == "team":
            # A team's needs: those of any of its dispatches, whatever their status.
            needs = self.team_needs(int(sl.key or 0))
            rows = [r for r in rows if r[0] in needs]
        return {r[0] for r in rows}

    def team_needs(self, team_id: int) -> set[int]:
        """Needs of any dispatch of the team (any status), as a team slice of needs counts."""
        return {n for (n,) in self.con.execute(
            """SELECT d.need_id FROM dispatch d WHERE d.expert_id IN
                   (SELECT expert_id FROM team_member WHERE team_id = ?)
               OR d.id IN (SELECT ad.dispatch_id FROM activity_dispatch ad
                           JOIN activity a ON a.id = ad.activity_id WHERE a.team_id = ?)""",
            (team_id, team_id))}

    def activities(self) -> set[int]:
        return {a for (a,) in self.con.execute(
            "SELECT id FROM activity WHERE deleted_at IS NULL AND start_date BETWEEN ? AND ?",
            (f"{self.year}-01-01", f"{self.year}-12-31"))}

    def spending_fen(self) -> int:
        return self.con.execute(
            "SELECT COALESCE(SUM(amount_fen), 0) FROM expense WHERE spent_on BETWEEN ? AND ?",
            (f"{self.year}-01-01", f"{self.year}-12-31")).fetchone()[0]


@pytest.fixture(scope="module")
def demo(demo_county: DemoCounty) -> Any:
    database = open_database(str(demo_county.path))
    try:
        yield database, Independent(demo_county.path, demo_county.year)
    finally:
        database.close()


def _slices(database: Any, sql: Independent) -> list[st.Slice]:
    """The whole county, the township and the top-level field with the most completed
    dispatches, the team with the most members, the priority villages."""
    town = max({s.township_id for s in sql.served},
               key=lambda t: sum(s.township_id == t for s in sql.served))
    tops = [f for (f,) in sql.con.execute("SELECT id FROM field WHERE parent_id IS NULL")]
    top = max(tops, key=lambda f: len(sql.in_slice(st.Slice("field", f))))
    team = sql.con.execute(
        """SELECT team_id FROM team_member GROUP BY team_id
           ORDER BY COUNT(*) DESC, team_id LIMIT 1""").fetchone()[0]
    with database.session() as s:
        return [st.ALL, st.make_slice(s, "township", town), st.make_slice(s, "field", top),
                st.make_slice(s, "team", team), st.Slice("priority")]


def test_the_demo_has_a_year_to_count(demo) -> None:
    _database, sql = demo
    assert len(sql.served) > 50
    assert len(sql.activities()) > 0 and sql.spending_fen() > 0
    assert sum(s.problems for s in sql.served) > 0 and sum(s.trained for s in sql.served) > 0


@pytest.mark.parametrize("index", range(5), ids=["全县", "乡镇", "领域", "服务团", "重点村"])
def test_figures_equal_independent_counts_and_drill_down_to_them(demo, index: int) -> None:
    database, sql = demo
    sl = _slices(database, sql)[index]
    period = st.Period.of_year(sql.year)
    served = sql.in_slice(sl)
    assert served, sl.label  # every slice chosen has work in it
    expected = {
        "dispatches": ({s.id for s in served}, len(served)),
        "experts": ({s.expert_id for s in served}, len({s.expert_id for s in served})),
        "expert_days": ({s.id for s in served}, sum(s.days for s in served)),
        "problems_solved": ({s.id for s in served if s.problems},
                            sum(s.problems for s in served)),
        "people_trained": ({s.id for s in served if s.trained},
                           sum(s.trained for s in served)),
        "beneficiaries": ({s.id for s in served if s.beneficiaries},
                          sum(s.beneficiaries for s in served)),
        "needs_received": (sql.needs_received(sl), len(sql.needs_received(sl))),
    }
    if sl.kind == "all":
        expected["activities"] = (sql.activities(), len(sql.activities()))
    with database.session() as s:
        for key, (ids, number) in expected.items():
            value = st.compute(s, key, period, sl)
            rows = st.drill_down(s, key, period, sl)
            assert value.number == number, (sl.label, key)
            assert [r.id for r in rows] and {r.id for r in rows} == ids, (sl.label, key)
            assert len(rows) == len(ids) == value.records, (sl.label, key)  # each once
            assert st.figures.aggregate(st.figure(key), rows) == number, (sl.label, key)
        if sl.kind == "all":
            spending = st.compute(s, "spending", period, sl)
            assert spending.number == sql.spending_fen() / 100
            assert sum(r.value for r in st.drill_down(s, "spending", period, sl)) \
                == sql.spending_fen()


def test_slices_add_up(demo) -> None:
    """Priority villages and the others split the county; the townships too."""
    database, sql = demo
    period = st.Period.of_year(sql.year)
    with database.session() as s:
        whole = st.compute_all(s, period, st.ALL, ("dispatches", "problems_solved"))
        for key in ("dispatches", "problems_solved"):
            parts = [st.compute(s, key, period, st.Slice(k)).number
                     for k in ("priority", "ordinary")]
            assert sum(parts) == whole.number(key) and all(parts), key
            towns = st.by_slice(s, period, "township", (key,))
            assert sum(r.number(key) for r in towns) == whole.number(key)


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "main.py", *args], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert result.returncode == 0, result.stderr
    return result


def test_cli_report_prints_the_paragraph_and_writes_pdf_and_xlsx(
        demo, demo_county: DemoCounty, subprocess_env: dict[str, str], tmp_path: Path) -> None:
    database, sql = demo
    db, year = str(demo_county.path), str(demo_county.year)
    with database.session() as s:
        figures = st.compute_all(s, st.Period.of_year(demo_county.year))
    paragraph = st.summary_paragraph(figures)
    for key in ("activities", "experts", "problems_solved", "people_trained",
                "beneficiaries"):
        assert figures.number(key) > 0, key
    out = _cli("report", "--db", db, "--year", year, env=subprocess_env).stdout
    assert paragraph in out
    assert f"共开展专家服务活动 {len(sql.activities())} 场" in out
    experts = len({x.expert_id for x in sql.served})
    assert f"邀请专家 {experts} 名" in out or f"邀请专家 {experts:,} 名" in out

    pdf, xlsx = tmp_path / "年报.pdf", tmp_path / "年报.xlsx"
    assert "已保存统计报表" in _cli("report", "--db", db, "--year", year, "--out", str(pdf),
                                   env=subprocess_env).stdout
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    _cli("report", "--db", db, "--year", year, "--out", str(xlsx), env=subprocess_env)
    book = load_workbook(xlsx, read_only=True)
    assert len(book.sheetnames) >= 3
    cells = [str(c) for row in book[book.sheetnames[0]].iter_rows(values_only=True)
             for c in row if c is not None]
    assert paragraph in cells or any(paragraph[:30] in c for c in cells)
    assert str(len(sql.served)) in cells or len(sql.served) in [
        c for row in book[book.sheetnames[0]].iter_rows(values_only=True) for c in row]


def test_cli_ledger_of_an_expert_with_dispatches(demo, demo_county: DemoCounty,
                                                 subprocess_env: dict[str, str]) -> None:
    _database, sql = demo
    days: dict[int, int] = defaultdict(int)
    for s in sql.served:
        days[s.expert_id] += s.days
    busiest = max(days, key=lambda e: (days[e], -e))
    code = sql.con.execute("SELECT code FROM expert WHERE id = ?", (busiest,)).fetchone()[0]
    logs = sql.con.execute(
        """SELECT COALESCE(SUM(l.days), 0) FROM workstation_log l
           JOIN workstation w ON w.id = l.workstation_id
           WHERE w.expert_id = ? AND w.deleted_at IS NULL
             AND l.served_on BETWEEN ? AND ?""",
        (busiest, f"{sql.year}-01-01", f"{sql.year}-12-31")).fetchone()[0]
    out = _cli("ledger", code, "--db", str(demo_county.path), "--year", str(sql.year),
               env=subprocess_env).stdout
    assert code in out and "服务基层台账" in out
    assert f"合计：{days[busiest] + logs} 天（派遣 {days[busiest]} 天，工作站 {logs} 天）" in out
