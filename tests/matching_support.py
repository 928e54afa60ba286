"""Helpers of the matching tests: small snapshots built by hand (no database), and a small
county in a database built through the services."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from services.matching import planner
from services.matching.config import PlanWeights, RankWeights
from services.matching.fieldtree import FieldTree
from services.matching.snapshot import ExpertInfo, NeedInfo, Snapshot, Visit

# A little specialty tree: 种植业 › 茶叶 › {茶园管理, 茶叶加工}; 林业 › 油茶 › 夏梢管理;
# 医疗卫生 › 全科.
TREE = FieldTree([
    (1, "种植业", None), (2, "茶叶", 1), (3, "茶园管理", 2), (4, "茶叶加工", 2),
    (10, "林业", None), (11, "油茶", 10), (12, "夏梢管理", 11),
    (20, "医疗卫生", None), (21, "全科", 20),
    (5, "马铃薯", 1),
])
TEA, TEA_GARDEN, TEA_PROCESS, OIL_TEA, SUMMER_SHOOT, GP, POTATO = 2, 3, 4, 11, 12, 21, 5


def expert(i: int, *fields: int, name: str = "", **kw: Any) -> ExpertInfo:
    return ExpertInfo(id=i, code=f"ZJ-{i:04d}", name=name or f"专家{i}", field_ids=fields,
                      **kw)


def need(i: int, field: int, start: date, end: date, **kw: Any) -> NeedInfo:
    kw.setdefault("unit_id", 100 + i)
    kw.setdefault("township_id", 1)
    return NeedInfo(id=i, code=f"XQ-2026-{i:04d}", title=f"需求{i}", field_id=field,
                    window_start=start, window_end=end, **kw)


def snapshot(needs: list[NeedInfo], experts: list[ExpertInfo], start: date = date(2026, 5, 4),
             end: date = date(2026, 5, 31), **kw: Any) -> Snapshot:
    return Snapshot(start=start, end=end, needs=needs, experts={e.id: e for e in experts},
                    tree=TREE, **kw)


FAST = planner.PlanOptions(time_limit=5.0, workers=2)


def solve(snap: Snapshot, options: planner.PlanOptions = FAST, **weights: Any
          ) -> planner.PlanResult:
    return planner.plan(snap, RankWeights(), replace(PlanWeights(), **weights), options)


def by_need(visits: list[Visit]) -> dict[int, list[Visit]]:
    out: dict[int, list[Visit]] = {}
    for v in visits:
        out.setdefault(v.need_id, []).append(v)
    return out


@dataclass(frozen=True)
class SmallCounty:
    """Codes of the county built by ``build_county``."""

    coop: str  # 茶叶合作社 in 石门村
    clinic: str  # 卫生院, employer of the doctor
    forest_firm: str  # 油茶企业 in 白岩乡 (a 脱贫村)
    tea: str  # 张明远, 茶园管理, 正高级
    tea2: str  # 王春茶, 茶叶, 中级
    doctor: str  # 刘慧, 全科, works at the clinic
    oil: str  # 陈林, 油茶 › 夏梢管理
    vet: str  # 杨志强, 生猪


def build_county(session: Any, actor: str = "测试员") -> SmallCounty:
    from services import experts, places, units

    qs = places.create_township(session, {"name": "青山镇", "latitude": 26.90,
                                          "longitude": 106.70})
    by = places.create_township(session, {"name": "白岩乡", "latitude": 26.95,
                                          "longitude": 106.85})
    stone = places.create_village(session, {"name": "石门村", "township_id": qs.id,
                                            "latitude": 26.91, "longitude": 106.71})
    poor = places.create_village(session, {"name": "茶山村", "township_id": by.id,
                                           "poverty_alleviated": True})
    coop = units.create_unit(session, {"name": "石门村茶叶专业合作社", "unit_type": "合作社",
                                       "township_id": qs.id, "village_id": stone.id})
    clinic = units.create_unit(session, {"name": "青山镇卫生院", "unit_type": "卫生院",
                                         "township_id": qs.id})
    firm = units.create_unit(session, {"name": "茶山油茶公司", "unit_type": "企业",
                                       "township_id": by.id, "village_id": poor.id})

    def add(name: str, gender: str, title: str, specialties: list[str], **kw: Any) -> str:
        return experts.create_expert(session, {"name": name, "gender": gender, "title": title,
                                               "specialties": specialties, **kw}).code

    tea = add("张明远", "男", "正高级", ["种植业 › 茶叶 › 茶园管理"], honours=["省级专家"],
              home_latitude=26.6, home_longitude=106.6)
    tea2 = add("王春茶", "女", "中级", ["茶叶"], home_latitude=26.92, home_longitude=106.72)
    doctor = add("刘慧", "女", "副高级", ["全科"], employer_unit_id=clinic.id)
    oil = add("陈林", "男", "副高级", ["林业 › 油茶 › 夏梢管理"])
    vet = add("杨志强", "男", "中级", ["生猪"])
    session.flush()
    return SmallCounty(coop.code, clinic.code, firm.code, tea, tea2, doctor, oil, vet)


def add_need(session: Any, unit: str, field: str, start: str, end: str, *, actor: str = "测试员",
             status: str = "reviewed", **extra: Any) -> str:
    from services import needs

    n = needs.create_need(session, {"title": extra.pop("title", f"{field}技术指导"), "unit": unit,
                                    "field": field, "window_start": start, "window_end": end,
                                    **extra}, actor)
    if status == "reviewed":
        needs.set_status(session, n.id, "reviewed", actor)
    return n.code
