"""A small county with a year of outcomes, for the statistics, funds and ledger tests.

Built on the ``county`` fixture (青山镇 with 石门村 and the 脱贫村 茶山村, the cooperative, the
health centre, three experts): a second township 白岩乡 with a 重点帮扶村, needs in both,
dispatches (completed, confirmed, cancelled) in 2025 and 2026, service records, a team, a
base, two activities, budgets, expenses and workstation days. Needs and dispatches go through
the services; records, organisations and money through the ORM. Every history entry
(NeedEvent.at) is set to a known day, so periods are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from models import (
    Activity,
    Budget,
    DispatchStatus,
    Expense,
    NeedEvent,
    NeedStatus,
    ServiceBase,
    ServiceRecord,
    Team,
    Workstation,
    WorkstationLog,
    activity_dispatch,
)
from services import dispatches, experts, needs, places, units
from services.database import Database
from tests.conftest import ACTOR, County


@dataclass(frozen=True)
class Outcomes:
    county: County
    township2_id: int  # 白岩乡
    key_village_id: int  # 岩脚村, 重点帮扶
    farm: str  # unit code in 岩脚村
    need: dict[str, int]  # name → id
    dispatch: dict[str, int]  # name → id
    dispatch_code: dict[str, str]
    team_id: int
    base_id: int
    activity_ids: tuple[int, int]
    expert_ids: dict[str, int]  # tea, doctor, vet


# (name, unit, field, village or None, created on, final status)
_NEEDS = (
    ("n1", "coop", "茶叶", None, date(2026, 2, 1), "served"),
    ("n2", "clinic", "全科", None, date(2026, 2, 3), "served"),
    ("n3", "farm", "生猪", None, date(2026, 2, 5), "served"),
    ("n4", "coop", "茶叶", "poor", date(2026, 2, 7), "served"),
    ("n5", "coop", "茶叶", None, date(2026, 3, 1), "rejected"),
    ("n6", "coop", "茶叶", None, date(2025, 10, 1), "served"),
    ("n7", "farm", "生猪", None, date(2026, 9, 1), "submitted"),
)

# (name, need, expert, start, end, final status, service record or None)
_DISPATCHES = (
    ("d1", "n1", "tea", date(2026, 3, 10), date(2026, 3, 12), "completed",
     dict(days_served=3, trainings=2, people_trained=120, problems_solved=5,
          problem_list=["茶园病虫害", "修剪"], beneficiaries=800, economic_benefit=50_000,
          satisfaction=5)),
    ("d2", "n3", "vet", date(2026, 4, 2), date(2026, 4, 3), "completed",
     dict(days_served=0, trainings=1, people_trained=60, problems_solved=3, beneficiaries=15_000,
          economic_benefit=0, satisfaction=4)),
    ("d3", "n4", "doctor", date(2026, 5, 5), date(2026, 5, 5), "completed", None),
    ("d4", "n4", "tea", date(2026, 7, 1), date(2026, 7, 4), "completed",
     dict(actual_start=date(2026, 7, 2), actual_end=date(2026, 7, 3), days_served=2,
          problems_solved=4, beneficiaries=10_000, satisfaction=3)),
    ("d5", "n1", "vet", date(2026, 6, 1), date(2026, 6, 1), "confirmed", None),
    ("d6", "n6", "tea", date(2025, 11, 3), date(2025, 11, 4), "completed",
     dict(days_served=2, problems_solved=7, beneficiaries=300, people_trained=40, satisfaction=5)),
    ("d7", "n3", "doctor", date(2026, 8, 1), date(2026, 8, 2), "cancelled", None),
    ("d8", "n2", "tea", date(2026, 12, 28), date(2026, 12, 30), "completed",
     dict(days_served=3, problems_solved=1, beneficiaries=50)),
)


def build_outcomes(db: Database, county: County) -> Outcomes:
    with db.unit_of_work(ACTOR) as u:
        s = u.session
        t2 = places.create_township(s, {"name": "白岩乡"})
        v2 = places.create_village(s, {"name": "岩脚村", "township_id": t2.id,
                                       "key_support": True})
        farm = units.create_unit(s, {"name": "白岩乡岩脚村生猪养殖场", "unit_type": "企业",
                                     "township_id": t2.id, "village_id": v2.id})
        unit_code = {"coop": county.coop, "clinic": county.clinic, "farm": farm.code}
        expert_ids = {"tea": experts.get_expert(s, county.tea_expert).id,
                      "doctor": experts.get_expert(s, county.doctor).id,
                      "vet": experts.get_expert(s, county.vet).id}
        need_ids: dict[str, int] = {}
        created: dict[str, date] = {}
        for name, unit, field, village, on, final in _NEEDS:
            data = {"title": f"需求{name}", "unit": unit_code[unit], "field": field,
                    "submitted_on": on.isoformat()}
            if village == "poor":
                data |= {"township_id": county.township_id,
                         "village_id": county.poor_village_id}
            need = needs.create_need(s, data, ACTOR)
            need_ids[name] = need.id
            created[name] = on
            if final == "rejected":
                needs.set_status(s, need.id, NeedStatus.REJECTED, ACTOR, "不属于服务范围")
            elif final == "served":
                needs.set_status(s, need.id, NeedStatus.REVIEWED, ACTOR)
                needs.set_status(s, need.id, NeedStatus.MATCHED, ACTOR)
        dispatch_ids: dict[str, int] = {}
        codes: dict[str, str] = {}
        for name, need, who, start, end, final, record in _DISPATCHES:
            d = dispatches.create_dispatch(s, {"need_id": need_ids[need],
                                               "expert_id": expert_ids[who],
                                               "start_date": start, "end_date": end})
            if final != "cancelled":
                dispatches.set_dispatch_status(s, d.id, DispatchStatus.CONFIRMED)
            if final == "completed":
                dispatches.set_dispatch_status(s, d.id, DispatchStatus.COMPLETED)
            elif final == "cancelled":
                dispatches.set_dispatch_status(s, d.id, DispatchStatus.CANCELLED, "专家生病")
            if record is not None:
                s.add(ServiceRecord(dispatch_id=d.id, **record))
            dispatch_ids[name] = d.id
            codes[name] = d.code
        for name in ("n1", "n2", "n3", "n4", "n6"):
            needs.set_status(s, need_ids[name], NeedStatus.SERVED, ACTOR)
        s.flush()
        # History at known days: the k-th entry of a need k days after its creation day,
        # except the served entry of n2, which falls in 2027 (after its December dispatch).
        for name, on in created.items():
            events = list(s.scalars(select(NeedEvent).where(NeedEvent.need_id == need_ids[name])
                                    .order_by(NeedEvent.id)))
            for k, event in enumerate(events):
                at = datetime.combine(on + timedelta(days=k), datetime.min.time()) \
                    + timedelta(hours=9)
                if name == "n2" and event.to_status == NeedStatus.SERVED:
                    at = datetime(2027, 1, 2, 10)
                s.execute(update(NeedEvent).where(NeedEvent.id == event.id).values(at=at))

        team = Team(code="TD-0001", name="茶产业专家服务团", lead_expert_id=expert_ids["tea"])
        s.add(team)
        s.flush()
        team.members = [experts.get_expert(s, county.tea_expert)]
        base = ServiceBase(code="JD-0001", name="白岩生猪专家服务基地", level="县级",
                           host_unit_id=farm.id)
        s.add(base)
        s.flush()
        base.experts = [experts.get_expert(s, county.vet)]
        a1 = Activity(code="HD-2026-0001", name="院士专家基层行（春茶）",
                      start_date=date(2026, 3, 10), end_date=date(2026, 4, 3), team_id=team.id)
        a2 = Activity(code="HD-2025-0001", name="科技下乡", kind="科技下乡",
                      start_date=date(2025, 11, 1), end_date=date(2025, 11, 5))
        s.add_all([a1, a2])
        s.flush()
        s.execute(activity_dispatch.insert(), [
            {"activity_id": a1.id, "dispatch_id": dispatch_ids["d1"]},
            {"activity_id": a1.id, "dispatch_id": dispatch_ids["d2"]},
            {"activity_id": a2.id, "dispatch_id": dispatch_ids["d6"]},
        ])
        s.add_all([
            Budget(year=2026, amount_fen=1_000_000, note="全县专家服务经费"),
            Budget(year=2026, team_id=team.id, amount_fen=300_000, note="服务团经费"),
            Budget(year=2025, amount_fen=500_000, note="2025 年经费"),
        ])
        for d, cat, fen, on in (("d1", "交通费", 20_000, date(2026, 3, 12)),
                                ("d1", "劳务/咨询费", 150_000, date(2026, 3, 12)),
                                ("d2", "食宿费", 30_000, date(2026, 4, 3)),
                                ("d6", "交通费", 10_000, date(2025, 11, 4))):
            s.add(Expense(dispatch_id=dispatch_ids[d], category=cat, amount_fen=fen,
                          spent_on=on, year=on.year))
        s.add(Expense(team_id=team.id, category="资料费", amount_fen=50_000,
                      spent_on=date(2026, 5, 1), year=2026))
        ws = Workstation(code="GZZ-0001", name="茶叶基层科研工作站",
                         expert_id=expert_ids["tea"], host_unit_id=farm.id,
                         start_date=date(2025, 1, 1))
        s.add(ws)
        s.flush()
        s.add_all([WorkstationLog(workstation_id=ws.id, served_on=date(2026, 6, 10), days=4),
                   WorkstationLog(workstation_id=ws.id, served_on=date(2025, 6, 10), days=9)])
        u.commit()
        return Outcomes(county, t2.id, v2.id, farm.code, need_ids, dispatch_ids, codes,
                        team.id, base.id, (a1.id, a2.id), expert_ids)


# ---- the demo county, built once per test process ------------------------------------------

DEMO_SEED = 2026
# A past year, as in tests/test_demo.py: the demo is then seen from 31 December of that year
# whatever the real date, so its figures do not move from one day to the next.
DEMO_YEAR = 2025


@dataclass(frozen=True)
class DemoCounty:
    path: Path  # the SQLite file
    data_dir: Path  # the user data folder the demo's attachments went to
    year: int


_demo_builds: dict[str, DemoCounty] = {}


def shared_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoCounty:
    """The demo county 云岭县 with its year of outcomes. A session-scoped fixture imported into
    several modules is instantiated once per module, so the build is cached here for the
    whole test process: one demo build however many modules use it."""
    if "demo" not in _demo_builds:
        from services.database import open_database
        from services.demo import create_demo

        folder = tmp_path_factory.mktemp("stats-demo")
        data_dir = folder / "user-data"
        data_dir.mkdir()
        path = folder / "云岭县演示.db"
        # The build runs before any test's own data folder is set: give it one, never the
        # developer's.
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("EXPERT_DISPATCH_DATA_DIR", str(data_dir))
            mp.delenv("EXPERT_DISPATCH_DB", raising=False)
            database = open_database(str(path))
            try:
                create_demo(database, seed=DEMO_SEED, year=DEMO_YEAR)
            finally:
                database.close()
        _demo_builds["demo"] = DemoCounty(path, data_dir, DEMO_YEAR)
    return _demo_builds["demo"]


@pytest.fixture(scope="session")
def demo_county(tmp_path_factory: pytest.TempPathFactory) -> DemoCounty:
    return shared_demo(tmp_path_factory)
