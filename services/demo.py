"""The demo county (演示数据): the fictional 云岭县 in the 西南 hills, for trying the program out.

Everything is first planned in memory with one ``random.Random(seed)`` (so the same seed and
year always give the same county), then written THROUGH THE SERVICES (create_township,
create_unit, create_expert, create_need, set_status, create_dispatch …): every record is
validated and audited exactly as if a user had typed it in. The hand-written material (place
names, name parts, employers, need templates with their farming months) lives in
``resources/demo/*.json``; this module only combines it.

One thing is set after the services have run: the time of each history entry (NeedEvent.at),
which the database would otherwise stamp with the moment the demo was generated. A need
"reviewed on 13 March" must show that date in its history, or the demo is not believable.

``create_demo`` refuses a database that already holds data: demo records must never mix with
a bureau's real ones.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import struct
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from models import (
    HONOURS,
    Dispatch,
    DispatchStatus,
    Expert,
    Field,
    Need,
    NeedEvent,
    NeedStatus,
    Township,
    Unit,
    Village,
)
from models.funds import Budget, Expense, TalentCard
from services import dispatches, experts, needs, places, units
from services.database import Database
from services.errors import ServiceError
from services.outcomes import agreements, attachments, organisations, publicity, records
from services.uow import UnitOfWork
from services.validation import id_number_check_char

DEMO_DIR = Path(__file__).resolve().parent.parent / "resources" / "demo"
DEMO_ACTOR = "演示数据"  # the audit trail says plainly where these records came from
NEED_COUNT = 400
NEED_BATCH = 100  # needs per transaction: few commits, yet no single giant transaction

Progress = Callable[[int, int, str], None]
S = NeedStatus
D = DispatchStatus
TITLE_RANK = {"正高级": 4, "副高级": 3, "中级": 2, "初级": 1, "无": 0}
# Sizes of a farm or firm by the measure of its trade: (low, high, step).
_SCALES = {"亩": (50, 1500, 10), "头": (30, 1200, 10), "羽": (2000, 30000, 500),
           "万棒": (5, 60, 1), "吨": (100, 3000, 50), "间": (6, 40, 1), "单": (500, 20000, 100),
           "台": (20, 500, 10), "件": (2000, 50000, 500)}
# A health centre asks mostly for general practice, a school mostly for teaching.
_TRADE_WEIGHT = {"全科": 3.0, "基础教育": 2.0}
# Days no bureau sends anyone out: New Year's Day, the May Day and National Day holidays.
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), (5, 4), (5, 5)} | {(10, d) for d in range(1, 8)}


@dataclass(frozen=True)
class DemoSummary:
    """What ``create_demo`` wrote: record counts and how the needs and dispatches are spread."""

    townships: int
    villages: int
    units: int
    experts: int
    needs: int
    dispatches: int  # visits that stand (planned, confirmed, completed); not declined ones
    need_statuses: dict[str, int] = field(default_factory=dict)
    dispatch_statuses: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        return (f"乡镇 {self.townships} 个、村 {self.villages} 个、单位 {self.units} 家、"
                f"专家 {self.experts} 名、需求 {self.needs} 条、派遣 {self.dispatches} 次")


# ---------------------------------------------------------------------------------------------
# The hand-written material


@cache
def demo_data() -> dict[str, Any]:
    """The JSON tables of resources/demo, keyed by file stem (places, people, units …)."""
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DEMO_DIR.glob("*.json"))
    }


class _Fields:
    """The specialty tree of the database, looked up by the ``产业`` / ``产业›专题`` names the
    data files use (industry names are unique at level 2; some repeat a level-1 name)."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(select(Field.id, Field.name, Field.level, Field.parent_id)).all()
        by_id = {r.id: r for r in rows}
        self.industries: dict[str, int] = {r.name: r.id for r in rows if r.level == 2}
        self.topics: dict[tuple[str, str], int] = {
            (by_id[r.parent_id].name, r.name): r.id for r in rows if r.level == 3
        }
        self.industry_of: dict[int, int] = {}
        for r in rows:
            if r.level == 2:
                self.industry_of[r.id] = r.id
            elif r.level == 3:
                self.industry_of[r.id] = r.parent_id

    def resolve(self, spec: str) -> int:
        parts = [p.strip() for p in spec.split("›")]
        try:
            if len(parts) == 1:
                return self.industries[parts[0]]
            return self.topics[(parts[0], parts[1])]
        except KeyError:
            raise ServiceError(
                f"演示数据引用了不存在的专业领域“{spec}”（resources/demo 与 resources/fields.json 不一致）。"
            ) from None

    def fit(self, need_field: int, specialties: Sequence[int]) -> int:
        """How well an expert's specialties fit a need: 3 the same field, 2 the industry (or
        a topic of the need's industry), 1 a sibling topic of the same industry, 0 none."""
        industry = self.industry_of.get(need_field)
        best = 0
        for s in specialties:
            if s == need_field:
                return 3
            if self.industry_of.get(s) != industry:
                continue
            best = max(best, 2 if industry in (s, need_field) else 1)
        return best


# ---------------------------------------------------------------------------------------------
# The plan: plain records with list indices instead of database ids


@dataclass
class _TownshipPlan:
    name: str
    code: str
    lat: float
    lon: float
    style: str
    industries: dict[str, float]
    villages: list[int] = field(default_factory=list)
    id: int = 0


@dataclass
class _VillagePlan:
    name: str
    township: int
    lat: float
    lon: float
    industries: list[str]
    poverty_alleviated: bool = False
    key_support: bool = False
    id: int = 0

    @property
    def priority(self) -> bool:
        return self.poverty_alleviated or self.key_support


@dataclass
class _UnitPlan:
    name: str
    unit_type: str
    township: int
    village: int | None
    main: list[str]  # what the unit does: most of its needs are about these
    extra: list[str]  # what it may also ask about (e-commerce, soil testing …)
    address: str
    contact: str
    phone: str
    notes: str
    employer_key: str | None = None  # when experts work here (县人民医院 …)
    county_level: bool = False  # a county institution: its needs carry no place prefix
    id: int = 0


@dataclass
class _ExpertPlan:
    name: str
    gender: str
    birth_year: int
    id_number: str
    phone: str
    employer: str
    employer_unit: int | None
    level: str  # 省/州/市/县/乡
    family: str
    title: str
    title_name: str
    honours: list[str]
    home_place: str
    home_lat: float
    home_lon: float
    retired: bool
    cap_month: int
    cap_year: int
    notes: str
    specialties: list[int]
    unavailable: list[tuple[date, date, str]]
    local: bool = False
    id: int = 0


@dataclass
class _DispatchPlan:
    need: int
    expert: int
    start: date
    end: date
    place: str
    tasks: str
    path: list[DispatchStatus]  # the moves after creation (planned → …)
    reason: str = ""
    id: int = 0


@dataclass
class _NeedPlan:
    unit: int
    template: dict[str, Any]
    field_id: int
    title: str
    description: str
    window_start: date
    window_end: date
    experts_wanted: int
    days_wanted: int
    required_title: str | None
    beneficiaries: int
    source: str
    submitted_on: date
    submit_reason: str
    steps: list[tuple[NeedStatus, date, str]] = field(default_factory=list)
    dispatches: list[_DispatchPlan] = field(default_factory=list)
    id: int = 0


@dataclass
class _Plan:
    townships: list[_TownshipPlan]
    villages: list[_VillagePlan]
    units: list[_UnitPlan]
    experts: list[_ExpertPlan]
    needs: list[_NeedPlan]

    @property
    def dispatches(self) -> list[_DispatchPlan]:
        return [d for n in self.needs for d in n.dispatches]


# ---------------------------------------------------------------------------------------------
# Planning


class _Planner:
    """Builds the whole county in memory from the data files and one random generator.

    Order matters for determinism: places, then units, then experts (some work at units),
    then needs with their steps and dispatches (which need the experts). Sets are only ever
    asked for membership, never iterated, so the plan does not depend on hash seeds.
    """

    def __init__(self, data: dict[str, Any], fields: _Fields, rng: random.Random, year: int,
                 as_of: date) -> None:
        self.d = data
        self.fields = fields
        self.rng = rng
        self.year = year
        self.as_of = as_of
        county = data["places"]["county"]
        self.county = county["name"]
        self.seat = county["seat"]
        self.bounds = county["bounds"]
        self.area_code = county["area_code"]
        self.phones: set[str] = set()
        self.id_numbers: set[str] = set()
        self.expert_names: set[str] = set()
        self.townships: list[_TownshipPlan] = []
        self.villages: list[_VillagePlan] = []
        self.units: list[_UnitPlan] = []
        self.experts: list[_ExpertPlan] = []
        self.needs: list[_NeedPlan] = []
        # Each expert's booked days, days per month and per year (active dispatches only).
        self.busy: dict[int, set[int]] = {}
        self.month_days: Counter[tuple[int, int]] = Counter()
        self.year_days: Counter[int] = Counter()

    # -- small helpers -------------------------------------------------------------------------

    def pick(self, weights: dict[str, float]) -> str:
        keys = list(weights)
        return self.rng.choices(keys, weights=[float(weights[k]) for k in keys])[0]

    def fill(self, text: str, **values: Any) -> str:
        return text.format(county=self.county, seat=self.seat, **values)

    def person(self, gender: str | None = None) -> tuple[str, str]:
        people = self.d["people"]
        gender = gender or self.rng.choice(("男", "女"))
        given = people["given"]
        kind = "male" if gender == "男" else "female"
        single = self.rng.random() < given["single_share"]
        name = self.pick(people["surnames"]) + self.rng.choice(
            given[f"{kind}_single" if single else f"{kind}_double"])
        return name, gender

    def mobile(self) -> str:
        while True:
            number = self.pick(self.d["people"]["mobile_prefixes"]) + "".join(
                self.rng.choice("0123456789") for _ in range(8))
            if number not in self.phones:
                self.phones.add(number)
                return number

    def landline(self) -> str:
        while True:
            number = f"{self.area_code}-7{self.rng.randint(200000, 899999)}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def id_number(self, birth_year: int, gender: str, regions: dict[str, float]) -> str:
        while True:
            born = date(birth_year, 1, 1) + timedelta(days=self.rng.randrange(365))
            last = self.rng.choice("13579" if gender == "男" else "02468")
            first17 = (f"{self.pick(regions)}{born:%Y%m%d}"
                       f"{self.rng.randint(0, 99):02d}{last}")
            number = first17 + id_number_check_char(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def near(self, lat: float, lon: float, low: float, high: float) -> tuple[float, float]:
        """A point low–high degrees from (lat, lon), kept inside the county."""
        angle = self.rng.uniform(0, 2 * math.pi)
        r = low + (high - low) * math.sqrt(self.rng.random())
        b = self.bounds
        la = min(max(lat + r * math.sin(angle), b["lat_min"] + 0.005), b["lat_max"] - 0.005)
        # A degree of longitude is shorter than one of latitude at 26° N.
        lo = min(max(lon + r * math.cos(angle) * 1.1, b["lon_min"] + 0.005), b["lon_max"] - 0.005)
        return round(la, 5), round(lo, 5)

    def office_day(self, day: date) -> date:
        """The same day, or the next Monday when it falls on a weekend (office work)."""
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    # -- places --------------------------------------------------------------------------------

    def plan_places(self) -> None:
        data = self.d["places"]
        names = data["village_names"]
        seen: set[str] = set()
        counters = {"镇": 100, "乡": 200}
        for t in data["townships"]:
            kind = "镇" if t["name"].endswith("镇") else "乡"
            counters[kind] += 1
            self.townships.append(_TownshipPlan(
                name=t["name"], code=f"{data['county']['code']}{counters[kind]:03d}",
                lat=t["lat"], lon=t["lon"], style=t["style"], industries=t["industries"],
            ))
        for ti, t in enumerate(data["townships"]):
            town = self.townships[ti]
            for _ in range(t["villages"]):
                style = town.style
                if style != "han" and self.rng.random() >= names["ethnic_share"]:
                    style = "han"
                while True:
                    parts = names[style]
                    first, second = self.rng.choice(parts["first"]), self.rng.choice(parts["second"])
                    base = first + second
                    if first != second and base not in seen and not any(
                            bad in base for bad in names["avoid"]):
                        break
                seen.add(base)
                lat, lon = self.near(town.lat, town.lon, 0.012, 0.065)
                industries = self.distinct(town.industries, 2)
                town.villages.append(len(self.villages))
                self.villages.append(_VillagePlan(f"{base}村", ti, lat, lon, industries))
        # A fixed share of 脱贫村, remote townships weighted up; some of them 重点帮扶村.
        flags = data["village_flags"]
        remote = set(flags["remote_townships_bonus"])
        weights = [2.0 if self.townships[v.township].name in remote else 1.0 for v in self.villages]
        count = round(len(self.villages) * flags["poverty_alleviated"])
        for i in self.weighted_sample(list(range(len(self.villages))), weights, count):
            self.villages[i].poverty_alleviated = True
        for v in self.villages:
            share = flags["key_support_of_alleviated"] if v.poverty_alleviated else flags[
                "key_support_other"]
            v.key_support = self.rng.random() < share

    def distinct(self, weights: dict[str, float], count: int) -> list[str]:
        pool = dict(weights)
        chosen: list[str] = []
        while pool and len(chosen) < count:
            name = self.pick(pool)
            chosen.append(name)
            del pool[name]
        return chosen

    def weighted_sample(self, items: list[int], weights: list[float], count: int) -> list[int]:
        items, weights = list(items), list(weights)
        chosen = []
        for _ in range(min(count, len(items))):
            i = self.rng.choices(range(len(items)), weights=weights)[0]
            chosen.append(items.pop(i))
            weights.pop(i)
        return chosen

    # -- units ---------------------------------------------------------------------------------

    def add_unit(self, name: str, unit_type: str, township: int, village: int | None,
                 main: list[str], extra: Sequence[str] = (), *, mobile: bool, notes: str = "",
                 contact: str | None = None, employer_key: str | None = None,
                 county_level: bool = False) -> int:
        town = self.townships[township]
        if village is not None:
            address = f"{self.county}{town.name}{self.villages[village].name}" + (
                self.rng.choice(self.d["places"]["groups"]) if unit_type != "村委会" else "")
        elif town.name == self.seat:
            address = (f"{self.county}{town.name}{self.rng.choice(self.d['places']['streets'])}"
                       f"{self.rng.randint(1, 260)}号")
        else:
            address = f"{self.county}{town.name}{self.rng.choice(('新街', '老街', '正街', '中街'))}"
            address += f"{self.rng.randint(1, 120)}号"
        self.units.append(_UnitPlan(
            name=name, unit_type=unit_type, township=township, village=village,
            main=list(main), extra=[i for i in extra if i not in main], address=address,
            contact=contact or self.person()[0],
            phone=self.mobile() if mobile else self.landline(), notes=notes,
            employer_key=employer_key, county_level=county_level,
        ))
        return len(self.units) - 1

    def unit_note(self, unit_type: str, scale_unit: str = "亩") -> str:
        options = self.d["units"]["notes"].get(unit_type, [""])
        members = self.rng.randint(12, 260)
        # A plausible size in the trade's own measure (亩, 头, 羽, 万棒 …).
        low, high, step = _SCALES.get(scale_unit, (80, 1200, 10))
        return self.rng.choice(options).format(
            members=members, poor=self.rng.randint(3, max(4, members // 3)),
            scale=self.rng.randrange(low, high, step), unit=scale_unit,
        )

    def plan_units(self) -> None:
        u = self.d["units"]
        counts = u["counts"]
        seat = next(i for i, t in enumerate(self.townships) if t.name == self.seat)
        used_names: set[str] = set()

        def unique(name: str) -> bool:
            if name in used_names:
                return False
            used_names.add(name)
            return True

        for inst in u["institutions"]:
            self.add_unit(self.fill(inst["name"]), inst["type"], seat, None, inst["industries"],
                          mobile=False, notes=inst.get("note", ""),
                          employer_key=inst.get("employer"), county_level=True)
            used_names.add(self.units[-1].name)
        health = ["全科", "中医", "妇幼保健", "口腔"]
        tu = u["township_units"]
        for ti, town in enumerate(self.townships):
            if ti == seat:
                name = self.fill(u["seat_health_centre"], township=town.name)
            else:
                big = len(town.villages) >= 13
                name = self.fill(tu["卫生院"][1 if big else 0], township=town.name)
            self.add_unit(name, "卫生院", ti, None, health, mobile=False)
        for vi in self.rng.sample(range(len(self.villages)), 6):
            v = self.villages[vi]
            self.add_unit(self.fill(tu["village_clinic"], village=v.name), "卫生院", v.township, vi,
                          ["全科", "中医"], mobile=True, notes="村卫生室，乡村医生一名")
        generic_town = ["土壤与肥料", "职业教育", "农村电商", "乡村旅游", "生态环保", "全科",
                        "农机装备"]
        for ti in sorted(self.rng.sample(range(len(self.townships)), counts["乡镇政府"])):
            town = self.townships[ti]
            self.add_unit(self.fill(tu["乡镇政府"], township=town.name), "乡镇政府", ti, None,
                          list(town.industries), generic_town, mobile=False,
                          notes="联系人为乡镇分管副乡（镇）长")
        for ti in sorted(self.rng.sample(range(len(self.townships)), counts["事业单位"])):
            town = self.townships[ti]
            self.add_unit(self.fill(tu["农业服务中心"], township=town.name), "事业单位", ti, None,
                          list(town.industries), ["土壤与肥料", "农机装备", "职业教育"],
                          mobile=False)
        schools = 0
        while schools < counts["学校"]:
            ti = self.rng.randrange(len(self.townships))
            town = self.townships[ti]
            pattern = self.rng.choice(tu["school"])
            vi = self.rng.choice(town.villages) if "{village}" in pattern else None
            name = self.fill(pattern, township=town.name,
                             village=self.villages[vi].name if vi is not None else "")
            if unique(name):
                self.add_unit(name, "学校", ti, vi, ["基础教育", "口腔", "妇幼保健"], mobile=False)
                schools += 1
        other = counts["其他"] - sum(1 for i in u["institutions"] if i["type"] == "其他")
        for ti in sorted(self.rng.sample(range(len(self.townships)), max(0, other))):
            town = self.townships[ti]
            self.add_unit(self.fill(tu["电商服务站"], township=town.name), "其他", ti, None,
                          ["农村电商"], ["冷链物流"], mobile=True)

        village_generic = ["全科", "中医", "农村电商", "生态环保", "职业教育", "土壤与肥料",
                           "基础教育"]
        weights = [1.6 if v.priority else 1.0 for v in self.villages]
        for vi in sorted(self.weighted_sample(list(range(len(self.villages))), weights,
                                              counts["村委会"])):
            v = self.villages[vi]
            self.add_unit(f"{v.name}村民委员会", "村委会", v.township, vi,
                          v.industries, village_generic, mobile=self.rng.random() < 0.6,
                          notes=self.rng.choice(u["notes"]["村委会"]))

        town_weights = [len(t.villages) for t in self.townships]
        products = u["products"]

        def located(prefer_seat: float = 0.0) -> tuple[int, int | None]:
            if self.rng.random() < prefer_seat:
                ti = seat
            else:
                ti = self.rng.choices(range(len(self.townships)), weights=town_weights)[0]
            return ti, self.rng.choice(self.townships[ti].villages)

        # Every township has a cooperative of its leading trade; the rest fall where the
        # villages are.
        firsts = [(ti, max(t.industries, key=lambda i: t.industries[i]))
                  for ti, t in enumerate(self.townships)]
        made = 0
        while made < counts["合作社"]:
            if made < len(firsts):
                ti, industry = firsts[made]
                vi = self.rng.choice(self.townships[ti].villages)
            else:
                ti, vi = located()
                industry = self.pick(self.townships[ti].industries)
            if industry in ("森林防火", "智能制造"):
                continue  # not a cooperative's trade
            p = products[industry]
            name = self.fill(self.rng.choice(u["coop_patterns"]),
                             township=self.townships[ti].name.removesuffix("苗族乡").removesuffix(
                                 "布依族乡"),
                             village=self.villages[vi].name, brand=self.rng.choice(u["brands"]),
                             product=self.rng.choice(p["coop"]))
            if unique(name):
                self.add_unit(name, "合作社", ti, vi, [industry],
                              ["农村电商", "农产品加工", "农机装备", "土壤与肥料"],
                              mobile=True, notes=self.unit_note("合作社", p["scale"]))
                made += 1
        made = 0
        while made < counts["企业"]:
            if self.rng.random() < 0.45:
                industry = self.pick(u["firm_industries"])
                ti, vi = located(prefer_seat=0.7)
            else:
                ti, vi = located(prefer_seat=0.15)
                industry = self.pick(self.townships[ti].industries)
            p = products[industry]
            name = self.fill(self.rng.choice(u["firm_patterns"]),
                             brand=self.rng.choice(u["brands"]), product=self.rng.choice(p["firm"]))
            if unique(name):
                village = None if ti == seat else vi
                self.add_unit(name, "企业", ti, village, [industry],
                              ["农产品加工", "农村电商", "冷链物流"], mobile=False,
                              notes=self.unit_note("企业"))
                made += 1
        for unit_type, patterns in (("家庭农场", u["farm_patterns"]),
                                    ("种养大户", u["grower_patterns"])):
            made = 0
            while made < counts[unit_type]:
                ti, vi = located()
                industry = self.pick(self.townships[ti].industries)
                if industry in u["firm_industries"] or industry in ("乡村旅游", "森林防火"):
                    continue  # a family farm grows or raises something
                p = products[industry]
                owner = self.person("男" if self.rng.random() < 0.8 else "女")[0]
                name = self.fill(self.rng.choice(patterns), township=self.townships[ti].name,
                                 village=self.villages[vi].name, person=owner,
                                 brand=self.rng.choice(u["brands"]), base=p["base"])
                if unique(name):
                    self.add_unit(name, unit_type, ti, vi, [industry], ["农村电商", "土壤与肥料"],
                                  mobile=True, contact=owner,
                                  notes=self.unit_note(unit_type, p["scale"]))
                    made += 1

    # -- experts -------------------------------------------------------------------------------

    def plan_experts(self) -> None:
        e = self.d["experts"]
        employer_units = {u.employer_key: i for i, u in enumerate(self.units) if u.employer_key}
        for pool in e["pools"]:
            for n in range(pool["count"]):
                local = n < pool["local"]
                expert = self.local_expert(pool) if local else self.professional(pool,
                                                                                   employer_units)
                self.experts.append(expert)
        self.assign_honours()
        # Bureaus enter experts as they come (a batch from the academy, a few doctors …), not
        # sorted by industry: shuffle so the codes ZJ-0001 … do not follow the data file.
        self.rng.shuffle(self.experts)

    def specialties(self, pool: dict[str, Any]) -> list[int]:
        chosen = list(self.rng.choice(pool["specialties"]))
        if pool["extras"] and self.rng.random() < 0.35:
            chosen += self.rng.choice(pool["extras"])
        ids = [self.fields.resolve(s) for s in chosen]
        return list(dict.fromkeys(ids))

    def unique_person(self, female_share: float) -> tuple[str, str]:
        while True:
            name, gender = self.person("女" if self.rng.random() < female_share else "男")
            if name not in self.expert_names:
                self.expert_names.add(name)
                return name, gender

    def professional(self, pool: dict[str, Any], employer_units: dict[str, int]) -> _ExpertPlan:
        e = self.d["experts"]
        key = self.pick(pool["employers"])
        employer = e["employers"][key]
        level, family = employer["level"], employer["family"]
        title = self.pick(e["level_titles"][level])
        title_name = self.rng.choice(e["families"][family][title])
        name, gender = self.unique_person(pool["female"])
        low, high = {"正高级": (44, 68), "副高级": (35, 64), "中级": (28, 56), "初级": (24, 40)}[title]
        age = self.rng.randint(low, high)
        retired = age >= 60 or (gender == "女" and age >= 55 and title in ("中级", "初级"))
        home = e["homes"][e["level_homes"][level]]
        lat, lon = home["lat"] + self.rng.uniform(-0.03, 0.03), home["lon"] + self.rng.uniform(
            -0.03, 0.03)
        cap_table = e["caps"]["retired" if retired else family if family in e["caps"]
                              else "default"]
        notes = self.expert_note(name, retired=retired, local=False)
        birth_year = self.year - age
        cap_month, cap_year = self.caps(cap_table)
        return _ExpertPlan(
            name=name, gender=gender, birth_year=birth_year,
            id_number=self.id_number(birth_year, gender, self.d["people"]["id_regions"]),
            phone=self.mobile(), employer=self.fill(employer["name"]),
            employer_unit=employer_units.get(key) if employer.get("county_unit") else None,
            level=level, family=family, title=title, title_name=title_name, honours=[],
            home_place=self.fill(home["place"]), home_lat=round(lat, 4), home_lon=round(lon, 4),
            retired=retired, cap_month=cap_month, cap_year=cap_year, notes=notes,
            specialties=self.specialties(pool), unavailable=self.unavailability(family),
        )

    def local_expert(self, pool: dict[str, Any]) -> _ExpertPlan:
        """A 乡土专家: a grower or craftsman who runs a unit in the county and teaches others."""
        e = self.d["experts"]
        industry = pool["industry"]
        hosts = [i for i, u in enumerate(self.units)
                 if u.unit_type in ("合作社", "家庭农场", "种养大户", "企业")
                 and u.main[0] == industry and u.village is not None]
        name, gender = self.unique_person(pool["female"])
        if hosts:
            host = self.rng.choice(hosts)
            unit = self.units[host]
            vi = unit.village
            employer, employer_unit = unit.name, host
        else:
            towns = [i for i, t in enumerate(self.townships) if industry in t.industries]
            ti = self.rng.choice(towns or list(range(len(self.townships))))
            vi = self.rng.choice(self.townships[ti].villages)
            employer, employer_unit = "", None
        assert vi is not None
        village = self.villages[vi]
        town = self.townships[village.township]
        title = "初级" if self.rng.random() < 0.35 else "无"
        birth_year = self.year - self.rng.randint(34, 66)
        honours = ["乡土专家"] + (["县级专家"] if self.rng.random() < 0.3 else [])
        cap_month, cap_year = self.caps(e["caps"]["乡土"])
        return _ExpertPlan(
            name=name, gender=gender, birth_year=birth_year,
            id_number=self.id_number(birth_year, gender, self.d["people"]["local_id_regions"]),
            phone=self.mobile(), employer=employer, employer_unit=employer_unit, level="乡",
            family="乡土", title=title, title_name=self.rng.choice(e["families"]["乡土"][title]),
            honours=honours, home_place=f"{self.county}{town.name}{village.name}",
            home_lat=village.lat, home_lon=village.lon, retired=False, cap_month=cap_month,
            cap_year=cap_year, notes=self.expert_note(name, retired=False, local=True),
            specialties=self.specialties(pool), unavailable=self.unavailability("乡土"),
            local=True,
        )

    def caps(self, table: dict[str, dict[str, float]]) -> tuple[int, int]:
        """Days per month and per year the expert can give (per month never above per year)."""
        month = int(self.pick(table["month"]))
        year = int(self.pick(table["year"]))
        return min(month, year), year

    def unavailability(self, family: str) -> list[tuple[date, date, str]]:
        e = self.d["experts"]["unavailability"]
        options = e.get(family) or []
        periods: list[tuple[date, date, str]] = []
        if options and self.rng.random() < e["share"]:
            for option in self.rng.sample(options, min(len(options), self.rng.choice((1, 1, 2)))):
                if "start" in option:
                    start = date.fromisoformat(f"{self.year}-{option['start']}")
                    end = date.fromisoformat(f"{self.year}-{option['end']}")
                else:
                    length = self.rng.randint(*option["days"])
                    start = date(self.year, 1, 1) + timedelta(days=self.rng.randrange(365 - length))
                    end = start + timedelta(days=length - 1)
                if all(end < a or b < start for a, b, _ in periods):
                    periods.append((start, end, option["reason"]))
        return sorted(periods)

    def expert_note(self, name: str, *, retired: bool, local: bool) -> str:
        notes = self.d["experts"]["notes"]
        if retired and self.rng.random() < 0.7:
            return self.rng.choice(notes["retired"])
        if local:
            return self.rng.choice(notes["local"])
        if name[0] in notes["minority_surnames"] and self.rng.random() < 0.25:
            return self.rng.choice(notes["minority"])
        return self.rng.choice(notes["any"])

    def assign_honours(self) -> None:
        rules = self.d["experts"]["honours"]
        tiers = ("省级专家", "市级专家", "县级专家")
        for honour, rule in rules.items():
            if honour.startswith("_"):
                continue
            fitting = [
                i for i, x in enumerate(self.experts)
                if not x.local and x.title in rule["titles"] and x.level in rule["levels"]
                and rule.get("min_age", 0) <= self.year - x.birth_year <= rule.get("max_age", 200)
                and not (honour in tiers and any(t in x.honours for t in tiers))
            ]
            for i in self.rng.sample(fitting, min(rule["max"], len(fitting))):
                self.experts[i].honours.append(honour)
        for x in self.experts:
            x.honours.sort(key=HONOURS.index)

    # -- needs ---------------------------------------------------------------------------------

    def plan_needs(self) -> None:
        templates = self.d["needs"]["templates"]
        # How often a unit asks for help, and how much of it is about its own trade.
        type_weight = {"村委会": 1.0, "合作社": 1.5, "企业": 1.3, "家庭农场": 0.8,
                       "种养大户": 0.7, "卫生院": 1.1, "学校": 1.0, "乡镇政府": 1.6,
                       "事业单位": 1.6, "其他": 1.0}
        main_share = {"村委会": 0.6, "乡镇政府": 0.55, "合作社": 0.8, "企业": 0.8,
                      "家庭农场": 0.8, "种养大户": 0.85}
        options: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
        for unit in self.units:
            main, extra = [], []
            for t in templates:
                industry = t["field"].split("›")[0]
                if unit.unit_type not in t["units"]:
                    continue
                if "name_has" in t and not any(s in unit.name for s in t["name_has"]):
                    continue
                if industry in unit.main:
                    main.append(t)
                elif industry in unit.extra and not t.get("main_only"):
                    extra.append(t)
            options.append((main, extra))
        # Units of the county's leading industries and in priority villages ask more often
        # (and get heard more): that is where the programme puts its effort.
        leading = self.d["places"]["county"]["leading"]
        weights = [
            type_weight[u.unit_type]
            * (1.4 if u.village is not None and self.villages[u.village].priority else 1.0)
            * max((leading.get(i, 1.0) for i in u.main), default=1.0)
            if any(options[n]) else 0.0
            for n, u in enumerate(self.units)
        ]
        # In autumn the townships already collect next year's needs (提前申报): a few of
        # those are in, still waiting for review.
        ahead = round(NEED_COUNT * 0.06) if self.as_of.year == self.year and (
            self.as_of.month >= 9) else 0
        planned: list[_NeedPlan] = []
        asked: set[tuple[int, str]] = set()  # a unit does not file the same request twice
        while len(planned) < NEED_COUNT:
            ui = self.rng.choices(range(len(self.units)), weights=weights)[0]
            main, extra = options[ui]
            share = main_share.get(self.units[ui].unit_type, 1.0)
            group = main if main and (not extra or self.rng.random() < share) else extra
            # First the trade, then the request: an industry with many templates is not
            # asked about more often for that.
            trades = sorted({t["field"].split("›")[0] for t in group})
            industry = self.rng.choices(trades, [_TRADE_WEIGHT.get(i, 1.0) for i in trades])[0]
            template = self.rng.choice([t for t in group if t["field"].split("›")[0] == industry])
            next_year = len(planned) < ahead
            if next_year and not set(template.get("months") or range(1, 13)) & {1, 2, 3, 4}:
                continue
            if (ui, template["title"]) in asked:
                continue
            asked.add((ui, template["title"]))
            planned.append(self.need(ui, template, next_year=next_year))
        # Codes follow the order of entry, and a need is entered when it is submitted.
        planned.sort(key=lambda n: n.submitted_on)
        self.needs = planned
        for ni, need in enumerate(self.needs):
            self.progress_need(ni, need)

    def window(self, months: list[int], year: int) -> tuple[date, date]:
        """A wanted window of two to six weeks inside the allowed months of ``year``."""
        allowed = set(months)
        month = self.rng.choice(months)
        first, last = month, month
        while first - 1 in allowed:
            first -= 1
        while last + 1 in allowed:
            last += 1
        # Nothing is wanted in the first days of January: the year's list is not out yet.
        run_start = max(date(year, first, 1), date(year, 1, 8))
        run_end = (date(year, last, 1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        length = min(self.rng.randint(14, 45), (run_end - run_start).days)
        month_start = date(year, month, 1)
        month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        lo = max(run_start, month_start)
        hi = min(month_end, run_end - timedelta(days=length))
        if hi < lo:
            lo, hi = run_start, run_end - timedelta(days=length)
        start = lo + timedelta(days=self.rng.randint(0, (hi - lo).days))
        return start, start + timedelta(days=length)

    def need(self, ui: int, t: dict[str, Any], *, next_year: bool = False) -> _NeedPlan:
        data = self.d["needs"]
        unit = self.units[ui]
        town = self.townships[unit.township]
        village = self.villages[unit.village] if unit.village is not None else None
        place = village.name if village else town.name
        title = t["title"]
        if (not unit.county_level and unit.unit_type not in ("企业", "事业单位", "学校", "其他")
                and self.rng.random() < data["title_prefix_share"]):
            title = f"{place}{title}"
        scale = self.rng.randint(*t["scale"]) if "scale" in t else 0
        if scale >= 100:
            scale = round(scale, -1 if scale < 1000 else -2)
        people = self.rng.randint(*t["people"])
        if people > 50:
            people = round(people / 5) * 5
        description = t["desc"].format(unit=unit.name, place=place, scale=scale, people=people)
        months = t.get("months") or list(range(1, 13))
        if next_year:
            start, end = self.window([m for m in months if m <= 4], self.year + 1)
            submitted = min(self.office_day(self.as_of - timedelta(days=self.rng.randint(0, 40))),
                            self.as_of)
        else:
            start, end = self.window(months, self.year)
            lead = self.rng.randint(15, 60)
            submitted = min(max(self.office_day(start - timedelta(days=lead)),
                                self.office_day(date(self.year, 1, 4))), self.as_of)
        source = self.pick(data["sources"])
        reason = {
            "乡镇上报": f"由{town.name}汇总上报",
            "Excel导入": "从乡镇需求汇总表导入",
            "单位申报": "需求单位申报",
            "电话": "电话登记",
            "现场调研": "人才科现场调研收集",
            "揭榜挂帅": "列入“揭榜挂帅”需求清单",
        }.get(source, "录入需求")
        field_id = self.fields.resolve(t["field"])
        required = None
        roll = self.rng.random() * 100
        for level, share in data["required_title"].items():
            roll -= share
            if roll < 0:
                # Units ask for a senior expert only where the county can find a few.
                fitting = sum(1 for x in self.experts if TITLE_RANK[x.title] >= TITLE_RANK[level]
                              and self.fields.fit(field_id, x.specialties) >= 2)
                required = level if fitting >= 3 else None
                break
        return _NeedPlan(
            unit=ui, template=t, field_id=field_id, title=title,
            description=description, window_start=start, window_end=end,
            experts_wanted=self.rng.randint(*t["experts"]),
            days_wanted=self.rng.randint(*t["days"]), required_title=required,
            beneficiaries=people, source=source, submitted_on=submitted, submit_reason=reason,
        )

    def after(self, day: date, low: int, high: int) -> date:
        return self.office_day(day + timedelta(days=self.rng.randint(low, high)))

    def progress_need(self, ni: int, need: _NeedPlan) -> None:
        """How far along the seven steps the need has come by ``as_of``: each step gets a date
        after the one before, and a step dated after ``as_of`` has not happened yet."""
        data = self.d["needs"]
        as_of = self.as_of
        steps = need.steps
        roll = self.rng.random()
        if roll < 0.035:
            day = self.after(need.submitted_on, 2, 10)
            if day <= as_of:
                steps.append((S.REJECTED, day, self.rng.choice(data["reject_reasons"])))
            return
        reviewed = self.after(need.submitted_on, 3, 12)
        if reviewed > as_of:
            return
        if (need.window_start - as_of).days > 45 and self.rng.random() < 0.4:
            return  # far off: the bureau has not got round to reviewing it yet
        if roll < 0.07:
            withdrawn = self.after(need.submitted_on, 3, 25)
            if withdrawn <= as_of:
                if withdrawn > reviewed:
                    steps.append((S.REVIEWED, reviewed, self.review_note()))
                steps.append((S.WITHDRAWN, withdrawn, self.rng.choice(data["withdraw_reasons"])))
            return
        steps.append((S.REVIEWED, reviewed, self.review_note()))
        if need.window_start.year > self.year:
            return  # next year's list: experts are matched once the year has begun
        matched = max(self.after(reviewed, 1, 4),
                      self.office_day(need.window_start - timedelta(days=self.rng.randint(5, 25))))
        if matched > as_of or self.rng.random() < 0.015:
            return  # still looking for an expert
        visits = self.plan_visits(ni, need, matched)
        if not visits:
            return
        names = "、".join(self.experts[v.expert].name for v in visits if not v.reason)
        first = min(v.start for v in visits if not v.reason)
        steps.append((S.MATCHED, min(matched, first - timedelta(days=1)),
                      f"确定专家：{names}，{first.month}月{first.day}日起到现场服务"))
        last = max(v.end for v in visits if not v.reason)
        served = self.after(last, 0, 4)
        self.settle_visits(need, served <= as_of)
        if served > as_of:
            return
        steps.append((S.SERVED, served, self.rng.choice(data["served_notes"]).format(
            people=need.beneficiaries, problems=self.rng.randint(2, 8),
            materials=self.rng.choice((50, 80, 100, 120, 200)))))
        if self.rng.random() > 0.85:
            return
        summarised = self.after(served, 3, 20)
        if summarised > as_of:
            return
        steps.append((S.SUMMARISED, summarised, self.rng.choice(data["summary_notes"]).format(
            problems=self.rng.randint(2, 6))))
        day = summarised
        if self.rng.random() < 0.28:
            contracted = self.after(day, 7, 40)
            if contracted > as_of:
                return
            lead = self.experts[next(v.expert for v in visits if not v.reason)]
            steps.append((S.CONTRACTED, contracted, self.rng.choice(data["contract_notes"]).format(
                years=self.rng.choice((2, 3))) + f"（{lead.name}）"))
            day = contracted
        if self.rng.random() < 0.45:
            publicised = self.after(day, 3, 30)
            if publicised <= as_of:
                steps.append((S.PUBLICISED, publicised,
                              f"{self.rng.choice(data['outlets'])}刊发《"
                              f"{self.rng.choice(data['headlines'])}》"))

    def review_note(self) -> str:
        return self.rng.choice((
            "经核实，需求真实、可行，符合专家服务范围",
            "经与乡镇核实，同意列入年度需求清单",
            "论证通过，待匹配专家",
            "已电话回访需求单位，需求属实",
        ))

    # -- dispatches ----------------------------------------------------------------------------

    def day_ok(self, day: date) -> bool:
        return day.weekday() != 6 and (day.month, day.day) not in _FIXED_HOLIDAYS

    def free(self, xi: int, start: date, end: date) -> bool:
        x = self.experts[xi]
        busy = self.busy.get(xi, set())
        days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
        if any(d.toordinal() in busy for d in days):
            return False
        if any(s <= end and start <= e for s, e, _ in x.unavailable):
            return False
        per_month = Counter(d.month for d in days)
        if any(self.month_days[(xi, m)] + n > x.cap_month for m, n in per_month.items()):
            return False
        return self.year_days[xi] + len(days) <= x.cap_year

    def book(self, xi: int, start: date, end: date) -> None:
        for k in range((end - start).days + 1):
            day = start + timedelta(days=k)
            self.busy.setdefault(xi, set()).add(day.toordinal())
            self.month_days[(xi, day.month)] += 1
            self.year_days[xi] += 1

    def plan_visits(self, ni: int, need: _NeedPlan, matched: date) -> list[_DispatchPlan]:
        """Experts and dates for a matched need: the best-fitting free experts, all on one
        date when they can (a team visit), inside the window and never double-booked."""
        unit = self.units[need.unit]
        lo = max(need.window_start, matched + timedelta(days=1))
        hi = need.window_end - timedelta(days=need.days_wanted - 1)
        starts = [lo + timedelta(days=k) for k in range((hi - lo).days + 1)]
        starts = [d for d in starts if self.day_ok(d)]
        if not starts:
            return []
        need_rank = TITLE_RANK[need.required_title] if need.required_title else 0
        scored = []
        for xi, x in enumerate(self.experts):
            if x.employer_unit is not None and x.employer_unit == need.unit:
                continue  # never at the expert's own employer
            if TITLE_RANK[x.title] < need_rank:
                continue
            score = self.fields.fit(need.field_id, x.specialties)
            if score:
                scored.append((score, xi))
        if not scored:
            return []
        # Experts of the same topic or industry before those of a neighbouring topic; among
        # them whoever has served least (so the work spreads), then by chance.
        self.rng.shuffle(scored)
        scored.sort(key=lambda s: (-min(s[0], 2), self.year_days[s[1]] // 3))
        candidates = [xi for _, xi in scored[:10]]
        place = unit.address if unit.village is None else (
            f"{self.townships[unit.township].name}{self.villages[unit.village].name}")
        tasks = need.template.get("tasks", "")
        team_day = self.rng.choice(starts)
        visits: list[_DispatchPlan] = []
        for xi in candidates:
            if len(visits) >= need.experts_wanted:
                break
            options = [team_day, *self.rng.sample(starts, min(len(starts), 12))]
            for start in options:
                end = start + timedelta(days=need.days_wanted - 1)
                if self.free(xi, start, end):
                    break
            else:
                continue
            self.book(xi, start, end)
            team_day = start
            visits.append(_DispatchPlan(ni, xi, start, end, place, tasks, []))
        if not visits:
            return []
        # Now and then the first expert asked said no; the sheet stays, marked declined.
        first = visits[0]
        spare = [xi for xi in candidates if all(v.expert != xi for v in visits)
                 and self.free(xi, first.start, first.end)]
        if spare and self.rng.random() < 0.06:
            visits.insert(0, _DispatchPlan(
                ni, spare[0], first.start, first.end, place, tasks, [D.DECLINED],
                self.rng.choice(self.d["needs"]["decline_reasons"])))
        need.dispatches = visits
        return visits

    def settle_visits(self, need: _NeedPlan, served: bool) -> None:
        """Dispatch statuses that agree with the need: all completed once it is served;
        otherwise completed when over, confirmed when under way, and later ones confirmed or
        still only planned."""
        for v in need.dispatches:
            if v.reason:
                continue
            if served or v.end < self.as_of:
                v.path = [D.CONFIRMED, D.COMPLETED]
            elif v.start <= self.as_of or self.rng.random() < 0.7:
                v.path = [D.CONFIRMED]

    def plan(self) -> _Plan:
        self.plan_places()
        self.plan_units()
        self.plan_experts()
        self.plan_needs()
        return _Plan(self.townships, self.villages, self.units, self.experts, self.needs)


# ---------------------------------------------------------------------------------------------
# Writing the plan through the services


class _Writer:
    """Writes a plan through the services, a few large transactions in all.

    Two things keep it fast without going around any service: every record a service will
    look up is loaded once per transaction and held (the session's identity map only keeps
    objects someone references, so otherwise each lookup would be a query), and the
    backdated times of the history entries are written in one statement per transaction.
    """

    def __init__(self, database: Database, plan: _Plan, rng: random.Random,
                 progress: Progress | None, staff: list[str], hours: list[int]) -> None:
        self.database = database
        self.plan = plan
        self.rng = rng
        self.progress = progress
        self.staff = staff
        self.hours = hours
        self.total = (len(plan.townships) + len(plan.villages) + len(plan.units)
                      + len(plan.experts) + 2 * len(plan.needs) + len(plan.dispatches))
        self.done = 0
        self.held: list[Any] = []
        self.stamps: list[tuple[NeedEvent, datetime]] = []

    def tick(self, text: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total, text)

    def stamp(self, event: NeedEvent, day: date) -> None:
        """Remember to date a history entry on ``day`` in office hours: the history shows when
        each step happened, not when the demo was generated."""
        at = datetime.combine(day, time(self.rng.choice(self.hours), self.rng.randrange(60)))
        self.stamps.append((event, at))

    def hold(self, s: Session, *models: type[Any]) -> None:
        for model in models:
            stmt = select(model)
            if model is Need:
                stmt = stmt.options(selectinload(Need.events))
            self.held.extend(s.scalars(stmt))

    def finish(self, uow: UnitOfWork) -> None:
        s = uow.session
        s.flush()
        if self.stamps:
            s.execute(update(NeedEvent), [{"id": e.id, "at": at} for e, at in self.stamps])
        uow.commit()
        self.held.clear()
        self.stamps.clear()

    def write(self) -> None:
        self.write_places_and_units()
        self.write_experts()
        self.write_needs()
        self.write_dispatches()
        self.write_progress()

    def write_places_and_units(self) -> None:
        p = self.plan
        with self.database.unit_of_work(DEMO_ACTOR) as uow:
            s = uow.session
            for t in p.townships:
                township = places.create_township(s, {"name": t.name, "code": t.code,
                                                      "latitude": t.lat, "longitude": t.lon})
                t.id = township.id
                self.held.append(township)
                self.tick("乡镇")
            for v in p.villages:
                village = places.create_village(s, {
                    "name": v.name, "township_id": p.townships[v.township].id,
                    "poverty_alleviated": v.poverty_alleviated, "key_support": v.key_support,
                    "latitude": v.lat, "longitude": v.lon,
                })
                v.id = village.id
                self.held.append(village)
                self.tick("村")
            for u in p.units:
                unit = units.create_unit(s, {
                    "name": u.name, "unit_type": u.unit_type,
                    "township_id": p.townships[u.township].id,
                    "village_id": p.villages[u.village].id if u.village is not None else None,
                    "address": u.address, "contact_person": u.contact, "phone": u.phone,
                    "notes": u.notes,
                })
                u.id = unit.id
                self.held.append(unit)
                self.tick("需求单位")
            self.finish(uow)

    def write_experts(self) -> None:
        p = self.plan
        with self.database.unit_of_work(DEMO_ACTOR) as uow:
            s = uow.session
            self.hold(s, Field, Unit)
            for x in p.experts:
                expert = experts.create_expert(s, {
                    "name": x.name, "gender": x.gender, "birth_year": x.birth_year,
                    "id_number": x.id_number, "phone": x.phone, "employer": x.employer,
                    "employer_unit_id": p.units[x.employer_unit].id
                    if x.employer_unit is not None else None,
                    "title": x.title, "title_name": x.title_name, "honours": x.honours,
                    "home_place": x.home_place, "home_latitude": x.home_lat,
                    "home_longitude": x.home_lon, "retired": x.retired,
                    "max_days_per_month": x.cap_month, "max_days_per_year": x.cap_year,
                    "notes": x.notes, "specialties": [str(f) for f in x.specialties],
                })
                x.id = expert.id
                self.held.append(expert)
                for start, end, reason in x.unavailable:
                    experts.add_unavailability(s, expert.id, start, end, reason)
                self.tick("专家")
            self.finish(uow)

    def write_needs(self) -> None:
        """Create the needs and take them through review (or out: rejected, withdrawn)."""
        p = self.plan
        for batch in range(0, len(p.needs), NEED_BATCH):
            with self.database.unit_of_work(DEMO_ACTOR) as uow:
                s = uow.session
                self.hold(s, Field, Township, Village, Unit)
                for n in p.needs[batch:batch + NEED_BATCH]:
                    clerk = self.rng.choice(self.staff)
                    need = needs.create_need(s, {
                        "title": n.title, "description": n.description,
                        "unit_id": p.units[n.unit].id, "field_id": n.field_id,
                        "window_start": n.window_start, "window_end": n.window_end,
                        "experts_wanted": n.experts_wanted, "days_wanted": n.days_wanted,
                        "required_title": n.required_title,
                        "beneficiaries_estimate": n.beneficiaries, "source": n.source,
                        "submitted_on": n.submitted_on, "reason": n.submit_reason,
                    }, clerk)
                    self.held.append(need)
                    self.stamp(need.events[-1], n.submitted_on)
                    n.id = need.id
                    for status, day, reason in n.steps:
                        if status not in (S.REVIEWED, S.REJECTED, S.WITHDRAWN):
                            break
                        self.move(s, n, status, day, reason, clerk)
                    self.tick("需求")
                self.finish(uow)

    def move(self, s: Session, n: _NeedPlan, status: NeedStatus, day: date, reason: str,
             clerk: str) -> None:
        need = needs.set_status(s, n.id, status, clerk, reason)
        self.stamp(need.events[-1], day)

    def write_dispatches(self) -> None:
        """Dispatches in date order, so their codes PQ-… run with the calendar."""
        p = self.plan
        ordered = sorted(p.dispatches, key=lambda d: (d.start, d.need, bool(not d.reason)))
        with self.database.unit_of_work(DEMO_ACTOR) as uow:
            s = uow.session
            self.hold(s, Township, Expert, Need)
            for d in ordered:
                try:
                    # Both services check everything before they change anything, so a
                    # refusal leaves the session clean (no savepoint needed).
                    dispatch = dispatches.create_dispatch(s, {
                        "need_id": p.needs[d.need].id, "expert_id": p.experts[d.expert].id,
                        "start_date": d.start, "end_date": d.end, "place": d.place,
                        "tasks": d.tasks,
                    })
                except ServiceError:
                    # The planner keeps the same rules, so this means a rule changed; the
                    # need simply goes without this visit rather than failing the demo.
                    d.id = 0
                else:
                    d.id = dispatch.id
                    self.held.append(dispatch)
                    for target in d.path:
                        dispatches.set_dispatch_status(s, dispatch.id, target, d.reason)
                self.tick("派遣")
            self.finish(uow)

    def write_progress(self) -> None:
        """Take matched needs on through the remaining steps."""
        p = self.plan
        with self.database.unit_of_work(DEMO_ACTOR) as uow:
            s = uow.session
            self.hold(s, Need)
            for n in p.needs:
                later = [st for st in n.steps
                         if st[0] not in (S.REVIEWED, S.REJECTED, S.WITHDRAWN)]
                if later and any(d.id and not d.reason for d in n.dispatches):
                    clerk = self.rng.choice(self.staff)
                    for status, day, reason in later:
                        self.move(s, n, status, day, reason, clerk)
                self.tick("需求流转")
            self.finish(uow)


# ---------------------------------------------------------------------------------------------
# A year of outcomes for the dispatches that took place

# 劳务/咨询费 per day by title (元): the demo office's own rule of thumb.
_FEE_PER_DAY = {"正高级": 1000, "副高级": 800, "中级": 500, "初级": 300, "无": 300}
_BOARD_PER_DAY = 260  # 食宿费 per day (元)
_OVER_STANDARD = 2  # dispatches whose fee is deliberately paid above the standard


def _png(width: int, height: int, rgb: tuple[int, int, int], stripes: int) -> bytes:
    """A small valid PNG (solid colour with a few darker stripes): a stand-in photo that costs
    no time to make."""
    dark = bytes(max(0, c - 60) for c in rgb)
    light = bytes(rgb)
    rows = b"".join(
        b"\x00" + b"".join(dark if (x // 8 + y // 8 + stripes) % 5 == 0 else light
                           for x in range(width))
        for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


class _OutcomeWriter:
    """Service records, receipts, attachments, organisations, activities, agreements,
    publicity, budgets, expenses and talent cards for the completed dispatches of a written
    plan. A random generator of its own (seeded from the demo's seed) keeps the county before
    it exactly as it was."""

    def __init__(self, database: Database, plan: _Plan, data: dict[str, Any], seed: int,
                 year: int, as_of: date) -> None:
        self.database = database
        self.plan = plan
        self.d = data["outcomes"]
        self.needs_data = data["needs"]
        self.county = data["places"]["county"]["name"]
        self.rng = random.Random(f"outcomes-{seed}")
        self.year = year
        self.as_of = as_of
        self.category = {topic: cat for cat, topics in self.d["categories"].items()
                         for topic in topics}
        self.done = [d for d in sorted(plan.dispatches, key=lambda d: (d.start, d.need, d.expert))
                     if d.id and D.COMPLETED in d.path]

    def topic(self, d: _DispatchPlan) -> str:
        return self.plan.needs[d.need].template["field"].split("›")[0]

    def write(self) -> None:
        with self.database.unit_of_work(DEMO_ACTOR) as uow:
            s = uow.session
            # Held for the transaction, so the services' lookups by id need no query.
            held = [*s.scalars(select(Dispatch)), *s.scalars(select(Need)),
                    *s.scalars(select(Expert)), *s.scalars(select(Unit))]
            recorded = self.records(s)
            self.attach(s, recorded)
            teams = self.organisations(s)
            activities = self.activities(s)
            self.agreements_and_publicity(s, activities)
            self.funds(s, teams, activities)
            self.cards(s)
            uow.commit()
            held.clear()

    # -- service records and receipts ------------------------------------------------------------

    def records(self, s: Session) -> list[_DispatchPlan]:
        r = self.rng
        recorded = []
        for d in self.done:
            if r.random() < 0.04:
                continue  # the expert's report has not come in yet
            need = self.plan.needs[d.need]
            topic = self.topic(d)
            cat = self.category.get(topic, "产业")
            f = self.d["figures"][cat]
            days = (d.end - d.start).days + 1
            trainings = r.randint(1, 2) * days if r.random() < 0.9 else 0
            people = r.randint(*f["trained_per_day"]) * days if trainings else 0
            problems = [p.format(topic=topic) for p in r.sample(
                self.d["problems"][cat], min(len(self.d["problems"][cat]),
                                             r.randint(*f["problems"]) + (days > 1)))]
            solved = len(problems) + (r.randint(0, 2) if r.random() < 0.2 else 0)
            low, high = f["benefit"]
            benefit = round(r.randint(low, high) * days, -3) if high else 0
            beneficiaries = max(people, min(need.beneficiaries * 3, r.randint(*f["beneficiaries"])))
            received = None
            signer = ""
            if r.random() < 0.85:
                received = min(self.as_of, d.end + timedelta(days=r.randint(2, 20)))
                unit = self.plan.units[need.unit]
                signer = unit.contact
            values: dict[str, Any] = {
                "actual_start": d.start, "actual_end": d.end, "days_served": days,
                "trainings": trainings, "people_trained": people, "problems_solved": solved,
                "problem_list": problems, "beneficiaries": beneficiaries,
                "economic_benefit": benefit,
                "satisfaction": r.choices((5, 4, 3), weights=(60, 32, 8))[0],
                "feedback": r.choice(self.d["feedback"]),
                "suggestions": r.choice(self.d["suggestions"]).format(topic=topic)
                if r.random() < 0.6 else "",
                "summary": r.choice(self.d["summaries"]).format(
                    topic=topic, problems=solved, people=people) if r.random() < 0.7 else "",
                "receipt_received_on": received, "receipt_signed_by": signer,
            }
            records.save_record(s, d.id, values, today=self.as_of)
            recorded.append(d)
        return recorded

    def attach(self, s: Session, recorded: list[_DispatchPlan]) -> None:
        """A few photos and sign-in sheets: enough to show, cheap to make."""
        r = self.rng
        for i, d in enumerate(r.sample(recorded, min(6, len(recorded)))):
            code = s.get(Dispatch, d.id).code
            colour = (r.randint(90, 200), r.randint(120, 220), r.randint(60, 160))
            attachments.add_attachment_bytes(s, d.id, f"{code}-现场照片.png",
                                             _png(48, 32, colour, i), "照片", "服务现场")
            if i % 2 == 0:
                expert = self.plan.experts[d.expert].name
                sheet = (f"{code} 培训签到表\n专家：{expert}\n日期：{d.start.isoformat()}\n"
                         + "".join(f"{k + 1}. {self.signer_name(d.expert + k + 1)}\n"
                                   for k in range(r.randint(5, 12))))
                attachments.add_attachment_bytes(s, d.id, f"{code}-签到表.txt",
                                                 sheet.encode("utf-8"), "签到表")

    def signer_name(self, i: int) -> str:
        """A name on a sign-in sheet: a surname from the expert list and 某某 (the demo
        makes up no trainees)."""
        return self.plan.experts[i % len(self.plan.experts)].name[:1] + "某某"

    # -- teams, bases, workstations ---------------------------------------------------------------

    def served_by_topic(self, topics: list[str]) -> list[_DispatchPlan]:
        return [d for d in self.done if self.topic(d) in topics]

    def organisations(self, s: Session) -> list[tuple[int, tuple[int, int]]]:
        r = self.rng
        teams: list[tuple[int, tuple[int, int]]] = []
        for t in self.d["teams"]:
            served = self.served_by_topic(t["topics"])
            counts = Counter(d.expert for d in served)
            members = [xi for xi, _ in counts.most_common(r.randint(4, 7))]
            if len(members) < 2:
                continue
            lead = max(members, key=lambda xi: (TITLE_RANK[self.plan.experts[xi].title],
                                                counts[xi]))
            team = organisations.create_team(s, {
                "name": t["name"], "kind": t["kind"], "focus": t["focus"],
                "lead_expert_id": self.plan.experts[lead].id,
                "members": [self.plan.experts[xi].id for xi in members],
                "focus_field": t["topics"][0], "formed_on": date(self.year - 1, 3, 1)})
            teams.append((team.id, tuple(t["budget"])))
        for b in self.d["bases"]:
            served = self.served_by_topic(b["topics"])
            by_unit = Counter(self.plan.needs[d.need].unit for d in served)
            if not by_unit:
                continue
            ui = by_unit.most_common(1)[0][0]
            experts = sorted({d.expert for d in served if self.plan.needs[d.need].unit == ui})
            unit = self.plan.units[ui]
            base = organisations.create_base(s, {
                "name": b["name"].format(unit=unit.name), "level": b["level"],
                "host_unit_id": unit.id, "established_on": date(self.year - 2, 6, 1),
                "experts": [self.plan.experts[xi].id for xi in experts]})
            organisations.evaluate_base(s, base.id, self.year - 1, r.choice(("优秀", "良好")))
        pairs = Counter((d.expert, self.plan.needs[d.need].unit) for d in self.done)
        used: set[int] = set()
        made = 0
        for (xi, ui), _n in pairs.most_common():
            if made == 3:
                break
            if xi in used or self.plan.experts[xi].employer_unit == ui:
                continue
            used.add(xi)
            x, unit = self.plan.experts[xi], self.plan.units[ui]
            start = date(self.year - 1, r.choice((3, 6, 9)), 1)
            ws = organisations.create_workstation(s, {
                "name": f"{x.name}专家基层科研工作站", "expert_id": x.id, "host_unit_id": unit.id,
                "start_date": start, "end_date": start.replace(year=start.year + 3) - timedelta(1)})
            for _ in range(r.randint(4, 8)):
                day = date(self.year, 1, 1) + timedelta(days=r.randrange(
                    max(1, (self.as_of - date(self.year, 1, 1)).days)))
                organisations.add_log(s, ws.id, day, r.randint(1, 3),
                                      r.choice(self.d["workstation_notes"]))
            made += 1
        return teams

    # -- activities, agreements, publicity ----------------------------------------------------------

    def activities(self, s: Session) -> list[int]:
        made: list[int] = []
        taken: set[int] = set()
        spans: list[tuple[date, date]] = []
        for a in self.d["activities"]:
            best: tuple[int, date] | None = None
            free = [o.start.toordinal() for o in self.done if o.id not in taken]  # sorted
            for start in sorted({d.start for d in self.done}):
                end = start + timedelta(days=a["days"] - 1)
                if any(lo <= end and start <= hi for lo, hi in spans):
                    continue
                n = (bisect.bisect_right(free, end.toordinal())
                     - bisect.bisect_left(free, start.toordinal()))
                if best is None or n > best[0]:
                    best = (n, start)
            if best is None or best[0] < 3:
                continue
            start = best[1]
            end = start + timedelta(days=a["days"] - 1)
            linked = [o for o in self.done if start <= o.start <= end and o.id not in taken][:8]
            towns = sorted({self.plan.townships[self.plan.units[self.plan.needs[o.need].unit]
                                                .township].name for o in linked})
            activity = organisations.create_activity(s, {
                "name": a["name"].format(year=self.year, county=self.county), "kind": a["kind"],
                "start_date": start, "end_date": end, "places": "、".join(towns),
                "organiser": a["organiser"], "dispatches": [o.id for o in linked]})
            taken.update(o.id for o in linked)
            spans.append((start, end))
            made.append(activity.id)
        return made

    def agreements_and_publicity(self, s: Session, activities: list[int]) -> None:
        r = self.rng
        outlets, headlines = self.needs_data["outlets"], self.needs_data["headlines"]
        for d in self.done:
            need = self.plan.needs[d.need]
            first = next((o for o in need.dispatches if o.id and not o.reason), None)
            if first is not d:
                continue  # one agreement / report per need, through its first expert
            steps = {status: day for status, day, _ in need.steps}
            if S.CONTRACTED in steps:
                signed = steps[S.CONTRACTED]
                agreements.create_agreement(s, {
                    "dispatch_id": d.id, "role": r.choice(("特聘专家", "特聘专家", "技术顾问",
                                                           "产业顾问")),
                    "signed_on": signed,
                    "end_date": signed.replace(year=signed.year + r.choice((2, 3)))
                    - timedelta(days=1)})
            if S.PUBLICISED in steps:
                publicity.create_publicity(s, {
                    "dispatch_id": d.id, "outlet": r.choice(outlets),
                    "published_on": steps[S.PUBLICISED], "title": r.choice(headlines)})
        for activity_id in activities:
            activity = organisations.get_activity(s, activity_id)
            publicity.create_publicity(s, {
                "activity_id": activity_id, "outlet": r.choice(outlets),
                "published_on": min(self.as_of, activity.end_date + timedelta(days=2)),
                "title": r.choice(self.d["activity_headlines"]).format(
                    name=activity.name, places=activity.places.split("、")[0])})

    # -- budgets, expenses, talent cards ------------------------------------------------------------

    def funds(self, s: Session, teams: list[tuple[int, tuple[int, int]]],
              activities: list[int]) -> None:
        r = self.rng
        rows: list[Any] = [Budget(year=self.year, amount_fen=800_000_00,
                                  note=f"{self.year}年专家服务基层专项经费")]
        for team_id, (low, high) in teams:
            rows.append(Budget(year=self.year, team_id=team_id,
                               amount_fen=round(r.randint(low, high), -4) * 100,
                               note="服务团年度工作经费"))
        if activities:
            rows.append(Budget(year=self.year, activity_id=activities[0], amount_fen=60_000_00,
                               note="院士专家基层行活动经费"))
        over = set(r.sample(range(len(self.done)), min(_OVER_STANDARD, len(self.done))))
        for i, d in enumerate(self.done):
            x = self.plan.experts[d.expert]
            days = (d.end - d.start).days + 1
            paid = d.end + timedelta(days=r.randint(3, 15))
            paid = min(paid, self.as_of)
            fee = _FEE_PER_DAY[x.title] * days * (3 if i in over else 1)
            amounts = {"交通费": r.randrange(80, 480, 10), "食宿费": _BOARD_PER_DAY * days,
                       "劳务/咨询费": fee}
            if r.random() < 0.3:
                amounts["资料费"] = r.randrange(100, 500, 50)
            for category, amount in amounts.items():
                rows.append(Expense(dispatch_id=d.id, category=category, amount_fen=amount * 100,
                                    spent_on=paid, year=paid.year, payee=x.name,
                                    note="超标准支付，待说明" if category == "劳务/咨询费"
                                    and i in over else ""))
        s.add_all(rows)
        s.flush()

    def cards(self, s: Session) -> None:
        r = self.rng
        days = Counter()
        for d in self.done:
            days[d.expert] += (d.end - d.start).days + 1
        prefix = self.d["card_prefix"]
        for n, (xi, _served) in enumerate(days.most_common(6), start=1):
            if n <= 2:  # issued two years ago: about to expire
                issued = self.as_of - timedelta(days=730 - r.randint(10, 40))
            else:
                issued = self.as_of - timedelta(days=r.randint(30, 300))
            s.add(TalentCard(number=f"{prefix}-{issued.year}-{n:04d}", kind="惠才卡",
                             expert_id=self.plan.experts[xi].id, issued_on=issued,
                             valid_until=issued + timedelta(days=730)))
        s.flush()


# ---------------------------------------------------------------------------------------------
# Entry point


def existing_data(session: Session) -> dict[str, int]:
    """Records a user may have entered, by Chinese label with its measure word (deleted ones
    count too): {"专家 名": 12, …}."""
    counts = {
        "乡镇 个": session.scalar(select(func.count()).select_from(Township)) or 0,
        "村 个": session.scalar(select(func.count()).select_from(Village)) or 0,
        "需求单位 家": session.scalar(select(func.count()).select_from(Unit)) or 0,
        "专家 名": session.scalar(select(func.count()).select_from(Expert)) or 0,
        "需求 条": session.scalar(select(func.count()).select_from(Need)) or 0,
    }
    return {k: n for k, n in counts.items() if n}


def create_demo(
    database: Database,
    *,
    seed: int = 2026,
    year: int | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo county 云岭县 and return what was written.

    ``year``: the year of the needs (default: this year). ``today``: the day the demo is "seen
    from" (default: the real today); needs before it are further along the seven steps, later
    ones are still being reviewed. Same seed, year and today → the same content (apart from
    UUIDs and creation timestamps). ``progress(done, total, text)`` is called as records are
    written. Raises ``ServiceError`` when the database already holds data.
    """
    today = today or date.today()
    year = year or today.year
    if not 2000 <= year <= today.year + 1:
        raise ServiceError(f"演示数据的年份应在 2000 到 {today.year + 1} 之间，现在是 {year}。")
    with database.session() as session:
        found = existing_data(session)
        if found:
            what = "、".join(f"{label.split()[0]} {n} {label.split()[1]}"
                            for label, n in found.items())
            raise ServiceError(
                f"数据库“{database.display_name}”中已有数据（{what}），演示数据不能与真实数据混在一起。"
                "请换一个新的文件名再生成，例如：main.py demo --db 演示县.db"
            )
        fields = _Fields(session)
    data = demo_data()
    rng = random.Random(seed)
    as_of = min(today, date(year, 12, 31))
    plan = _Planner(data, fields, rng, year, as_of).plan()
    people = data["people"]
    last = [0, 0]

    def relay(done: int, total: int, text: str) -> None:
        last[:] = [done, total]
        if progress is not None:
            progress(done, total, text)

    _Writer(database, plan, rng, relay, people["bureau_staff"],
            data["needs"]["event_hours"]).write()
    if progress is not None:
        progress(last[1], last[1], "服务成效")
    _OutcomeWriter(database, plan, data, seed, year, as_of).write()

    with database.session() as session:
        need_statuses = Counter(
            NeedStatus(v).value for v in session.scalars(select(Need.status)))
        dispatch_statuses = Counter(
            DispatchStatus(v).value for v in session.scalars(select(Dispatch.status)))
    return DemoSummary(
        townships=len(plan.townships), villages=len(plan.villages), units=len(plan.units),
        experts=len(plan.experts), needs=len(plan.needs),
        dispatches=sum(n for st, n in dispatch_statuses.items()
                       if st not in (D.DECLINED.value, D.CANCELLED.value)),
        need_statuses=dict(sorted(need_statuses.items())),
        dispatch_statuses=dict(sorted(dispatch_statuses.items())),
    )
