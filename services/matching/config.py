"""Settings of matching and scheduling (weights, rules), registered with ``services.settings``
so the settings screen lists them; read once per action into plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from services import settings
from services.errors import ValidationError
from services.matching.fieldtree import LEVEL_RANK, MIN_LEVEL_CHOICES
from services.validation import normalize_text

GROUP = "匹配与调度"


def _number(low: float, high: float, integer: bool = False):  # type: ignore[no-untyped-def]
    def check(value: Any) -> float | int:
        try:
            number = float(normalize_text(value)) if not isinstance(value, int | float) else value
        except ValueError:
            raise ValidationError.single("value", f"应为数字，现在是“{value}”。") from None
        if isinstance(number, bool) or not low <= number <= high:
            raise ValidationError.single("value", f"应在 {low:g} 到 {high:g} 之间。")
        if integer:
            if int(number) != number:
                raise ValidationError.single("value", "应为整数。")
            return int(number)
        return float(number)

    return check


def _min_level(value: Any) -> str:
    text = normalize_text(value)
    if text not in MIN_LEVEL_CHOICES:
        raise ValidationError.single("value", f"可选：{'、'.join(MIN_LEVEL_CHOICES)}。")
    return text


@dataclass(frozen=True)
class RankWeights:
    """Points of each ranking factor at its full value (the score's parts add up)."""

    specialty: float = 40
    title: float = 10
    honours: float = 6
    free_days: float = 20
    workload: float = 10
    distance: float = 10
    distance_full_km: float = 100
    history: float = 8
    priority: float = 5
    applicant: float = 15


@dataclass(frozen=True)
class PlanWeights:
    """Terms of the season plan's objective (integers; larger wins)."""

    serve: int = 1000  # serving one ordinary need
    priority_factor: float = 1.5  # a need in a 脱贫村 / 重点帮扶村 is worth this many
    match: int = 1  # per score point of each chosen expert
    ideal: int = 2  # per day away from the phase's ideal point
    fair: int = 5  # per day an expert goes over a fair share of the work
    trip: int = 10  # per pair of consecutive days one expert spends in the same township
    keep: int = 300  # replanning: per visit of the earlier plan kept as it was


_RANK_LABELS = {
    "specialty": ("专业对口", "专业完全对口时的得分。"),
    "title": ("职称符合", "满足需求的职称要求时的得分；不满足时扣同样的分。"),
    "honours": ("荣誉称号", "院士、国家杰青等最高荣誉的得分，其他荣誉按比例。"),
    "free_days": ("窗口内空闲", "需求时间窗口内全部空闲时的得分，按空闲天数比例。"),
    "workload": ("工作量", "今年服务天数达到年上限时扣的分，按比例。"),
    "distance": ("距离", "距离达到“距离满扣分”公里数时扣的分，按比例。"),
    "distance_full_km": ("距离满扣分（公里）", "超过这个距离按满分扣。"),
    "history": ("服务过该单位", "曾服务该单位且满意度为 5 时的得分。"),
    "priority": ("重点帮扶地区", "需求在脱贫村、重点帮扶村时的加分。"),
    "applicant": ("揭榜领题", "专家主动揭榜该需求时的加分。"),
}
_PLAN_LABELS = {
    "serve": ("安排一条需求的价值", "目标函数中每安排一条普通需求的分值，应远大于其他各项。"),
    "priority_factor": ("重点帮扶需求倍数", "脱贫村、重点帮扶村的需求按这个倍数计。"),
    "match": ("匹配得分权重", "每位专家的推荐得分乘以这个权重计入目标。"),
    "ideal": ("偏离农时最佳日扣分（每天）", "服务日期离农时最佳日每远一天扣的分。"),
    "fair": ("工作量超出均衡值扣分（每天）", "专家服务天数超过均衡份额时每天扣的分。"),
    "trip": ("同乡镇连续服务加分", "同一专家连续两天在同一乡镇服务（少跑一趟）的加分。"),
    "keep": ("重新排程保持原安排加分", "重新排程时每保留一项原安排的加分，越大改动越少。"),
}

for _f in fields(RankWeights):
    _label, _help = _RANK_LABELS[_f.name]
    settings.define(f"matching.rank.{_f.name}", f"推荐权重：{_label}", _f.default,
                    _number(0, 1000), _help, GROUP)
for _f in fields(PlanWeights):
    _label, _help = _PLAN_LABELS[_f.name]
    settings.define(f"matching.plan.{_f.name}", f"排程权重：{_label}", _f.default,
                    _number(1, 100) if _f.name == "priority_factor"
                    else _number(0, 1_000_000, integer=True), _help, GROUP)

settings.define("matching.allow_holidays", "节假日可安排服务", False, settings.bool_setting,
                "选“否”时，法定节假日和本局自定的放假日不安排专家服务。", GROUP)
settings.define("matching.allow_weekends", "周末可安排服务", True, settings.bool_setting,
                "选“否”时，周六、周日（调休上班日除外）不安排专家服务。", GROUP)
settings.define("matching.min_specialty", "排程要求的最低专业对口程度", "产业", _min_level,
                "专题：专长须与需求的专题一致；产业：同一产业即可；领域：同一领域即可。", GROUP)
settings.define("matching.time_limit", "排程最长计算时间（秒）", 10, _number(1, 3600),
                "到时返回已找到的最好方案。", GROUP)


@dataclass(frozen=True)
class Rules:
    allow_holidays: bool = False
    allow_weekends: bool = True
    min_match_rank: int = LEVEL_RANK[MIN_LEVEL_CHOICES["产业"]]
    time_limit: float = 10.0


def _values(session: Session) -> dict[str, Any]:
    # One query for all settings: each ``settings.get`` of a default value is a query.
    return settings.get_all(session)


def rank_weights(session: Session, values: dict[str, Any] | None = None) -> RankWeights:
    values = values or _values(session)
    return RankWeights(**{f.name: values[f"matching.rank.{f.name}"]
                          for f in fields(RankWeights)})


def plan_weights(session: Session, values: dict[str, Any] | None = None) -> PlanWeights:
    values = values or _values(session)
    return PlanWeights(**{f.name: values[f"matching.plan.{f.name}"]
                          for f in fields(PlanWeights)})


def rules(session: Session, values: dict[str, Any] | None = None) -> Rules:
    values = values or _values(session)
    return Rules(
        allow_holidays=bool(values["matching.allow_holidays"]),
        allow_weekends=bool(values["matching.allow_weekends"]),
        min_match_rank=LEVEL_RANK[MIN_LEVEL_CHOICES[values["matching.min_specialty"]]],
        time_limit=float(values["matching.time_limit"]),
    )


def everything(session: Session) -> tuple[Rules, RankWeights, PlanWeights]:
    values = _values(session)
    return rules(session, values), rank_weights(session, values), plan_weights(session, values)
