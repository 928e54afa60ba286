"""Seeded generator of planning problems for bench/scheduling.py: a county season
(400 needs × 150 experts) and a province season (5,000 needs × 2,000 experts).

The numbers are chosen to look like a real bureau's season: a county concentrates on a dozen
industries, most needs want one expert for one or two days inside a crop window of one to four
weeks, a fifth ask for a team, and experts — who have their own jobs — give three to eight days
a month, with leave and earlier dispatches.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from services.fields import shipped_tree
from services.matching.fieldtree import FieldTree
from services.matching.snapshot import ExpertInfo, NeedInfo, Snapshot, Visit

HONOURS = ("院士", "国家杰青", "享受国务院特殊津贴", "省级专家", "市级专家", "县级专家", "乡土专家")
TITLES = ("正高级", "副高级", "中级", "初级", "无")
TITLE_P = (0.15, 0.30, 0.35, 0.10, 0.10)


@dataclass(frozen=True)
class Scale:
    name: str
    needs: int
    experts: int
    townships: int
    spread_deg: float  # how far places lie from the centre
    focus_industries: int
    window_days: tuple[int, int] = (7, 35)  # shortest and longest wanted window
    month_cap: tuple[int, int] = (6, 12)


# Experts serve a few days a month beside their own work; windows follow crop phases.
COUNTY = Scale("county", 400, 150, 20, 0.35, 12, window_days=(5, 28), month_cap=(3, 8))
PROVINCE = Scale("province", 5000, 2000, 300, 3.0, 30, window_days=(5, 28), month_cap=(3, 8))


def field_tree() -> tuple[FieldTree, dict[int, list[int]]]:
    """The shipped specialty tree with synthetic ids; also topics per industry."""
    nodes: list[tuple[int, str, int | None]] = []
    topics: dict[int, list[int]] = {}
    next_id = 1
    for top in shipped_tree():
        root = next_id
        nodes.append((root, top["name"], None))
        next_id += 1
        for industry in top.get("children", []):
            ind = next_id
            nodes.append((ind, industry["name"], root))
            next_id += 1
            topics[ind] = []
            for topic in industry.get("children", []):
                nodes.append((next_id, topic, ind))
                topics[ind].append(next_id)
                next_id += 1
    return FieldTree(nodes), topics


def _holidays(start: date, end: date) -> frozenset[date]:
    try:
        from services.calendar.holidays import statutory_calendar

        cal = statutory_calendar()
        out = set()
        day = start
        while day <= end:
            if cal.is_holiday(day):
                out.add(day)
            day += timedelta(days=1)
        return frozenset(out)
    except ImportError:  # calendar not built yet: the 2026 spring holidays by hand
        return frozenset([date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6)]
                         + [date(2026, 5, d) for d in range(1, 6)])


def generate(scale: Scale, seed: int = 1, start: date = date(2026, 3, 1),
             end: date = date(2026, 5, 31)) -> Snapshot:
    rnd = random.Random(seed)
    tree, topics = field_tree()
    industries = list(topics)
    rnd.shuffle(industries)
    focus = industries[: scale.focus_industries]
    weights = [8.0 / (i + 1) ** 0.5 for i in range(len(focus))] + [0.3] * (
        len(industries) - len(focus))
    ordered = focus + industries[scale.focus_industries:]
    centre = (26.6, 107.5)

    def place() -> tuple[float, float]:
        return (centre[0] + rnd.uniform(-scale.spread_deg, scale.spread_deg),
                centre[1] + rnd.uniform(-scale.spread_deg, scale.spread_deg))

    townships = {i + 1: place() for i in range(scale.townships)}
    n_units = scale.needs * 3 // 4

    experts: dict[int, ExpertInfo] = {}
    busy: list[Visit] = []
    for i in range(1, scale.experts + 1):
        fields: list[int] = []
        for _ in range(rnd.choices((1, 2, 3), (0.5, 0.35, 0.15))[0]):
            ind = rnd.choices(ordered, weights)[0]
            fields.append(rnd.choice(topics[ind]) if topics[ind] and rnd.random() < 0.6
                          else ind)
        lat, lon = place() if rnd.random() < 0.7 else (centre[0] + 1.0, centre[1] + 1.2)
        unavailable = []
        for _ in range(rnd.choices((0, 1, 2, 3), (0.4, 0.3, 0.2, 0.1))[0]):
            a = start + timedelta(days=rnd.randrange((end - start).days))
            unavailable.append((a, a + timedelta(days=rnd.randint(2, 10))))
        month_cap = rnd.randint(*scale.month_cap)
        year_cap = rnd.randint(40, 80)
        experts[i] = ExpertInfo(
            id=i, code=f"ZJ-{i:04d}", name=f"专家{i}", field_ids=tuple(dict.fromkeys(fields)),
            title=rnd.choices(TITLES, TITLE_P)[0],
            honours=tuple(rnd.sample(HONOURS, 1)) if rnd.random() < 0.3 else (),
            employer_unit_id=rnd.randint(1, n_units) if rnd.random() < 0.1 else None,
            latitude=lat, longitude=lon, month_cap=month_cap, year_cap=year_cap,
            unavailable=tuple(sorted(unavailable)),
            history={rnd.randint(1, n_units): (rnd.randint(1, 3), rnd.choice((None, 4.0, 5.0)))}
            if rnd.random() < 0.3 else {},
        )
        # Work done earlier this year (counts against the caps) and a few fixed visits in
        # the season for needs outside this plan.
        for j in range(rnd.randint(0, 3)):
            a = date(start.year, 1, 5) + timedelta(days=j * 15 + rnd.randrange(12))
            busy.append(Visit(-(i * 10 + j), i, a, a + timedelta(days=rnd.randint(0, 2)),
                              pinned=True))
        if rnd.random() < 0.3:
            a = start + timedelta(days=rnd.randrange((end - start).days - 3))
            if not any(x <= a <= y for x, y in unavailable):
                busy.append(Visit(-(i * 10 + 9), i, a, a, pinned=True))

    needs: list[NeedInfo] = []
    period = (end - start).days
    for i in range(1, scale.needs + 1):
        ind = rnd.choices(ordered, weights)[0]
        field_id = rnd.choice(topics[ind]) if topics[ind] and rnd.random() < 0.7 else ind
        length = rnd.randint(*scale.window_days)
        ws = start + timedelta(days=rnd.randrange(max(1, period - 5)))
        we = min(end, ws + timedelta(days=length - 1))
        township = rnd.randint(1, scale.townships)
        lat, lon = townships[township]
        days = rnd.choices((1, 2, 3, 5), (0.55, 0.25, 0.15, 0.05))[0]
        ideal = ws + timedelta(days=rnd.randrange((we - ws).days + 1))
        needs.append(NeedInfo(
            id=i, code=f"XQ-2026-{i:04d}", title=f"需求{i}", unit_id=rnd.randint(1, n_units),
            field_id=field_id, township_id=township, window_start=ws, window_end=we,
            days=days, experts_wanted=rnd.choices((1, 2, 3), (0.7, 0.22, 0.08))[0],
            required_title=("副高级" if rnd.random() < 0.7 else "正高级")
            if rnd.random() < 0.12 else None,
            priority=rnd.random() < 0.3, latitude=lat + rnd.uniform(-0.02, 0.02),
            longitude=lon + rnd.uniform(-0.02, 0.02), ideal=ideal,
            township_name=f"乡镇{township}",
        ))
    return Snapshot(start=start, end=end, needs=needs, experts=experts, tree=tree, busy=busy,
                    days_off=_holidays(start, end),
                    township_names={t: f"乡镇{t}" for t in townships})
