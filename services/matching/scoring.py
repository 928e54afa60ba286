"""The score of one expert for one need, factor by factor, with each factor's reason in
Chinese ("茶叶专业完全匹配 +40；窗口内可用 9/10 天 +18；今年已服务 32 天 −6 …").

Two paths: ``static_score`` (numbers only, fast, used for thousands of experts and by the
solver) and ``explain`` (the factors with their words, for the few rows a person reads).
Both compute the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from services.matching.config import RankWeights
from services.matching.fieldtree import FieldTree, Match, level_label
from services.matching.snapshot import TITLE_RANK, ExpertInfo, NeedInfo

# Share of the honours weight by the highest honour an expert holds.
HONOUR_SHARE = {
    "院士": 1.0,
    "国家杰青": 0.9,
    "长江学者": 0.9,
    "享受国务院特殊津贴": 0.8,
    "省级专家": 0.6,
    "乡土专家": 0.5,
    "市级专家": 0.4,
    "县级专家": 0.3,
}
_TITLE_LABEL = {4: "正高级", 3: "副高级", 2: "中级", 1: "初级", 0: "无职称"}
MINUS = "−"  # U+2212: reads better than a hyphen in "−6"


@dataclass(frozen=True, slots=True)
class Factor:
    """One part of a score: ``key`` (specialty, title, …), Chinese ``label``, ``points``."""

    key: str
    label: str
    points: float

    def text(self) -> str:
        pts = round(self.points)
        if pts == 0:
            return self.label
        sign = "+" if pts > 0 else MINUS
        return f"{self.label} {sign}{abs(pts)}"


def distance_km(lat1: float | None, lon1: float | None, lat2: float | None,
                lon2: float | None) -> float | None:
    """Great-circle distance; None when either place has no coordinates."""
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def honour_share(honours: tuple[str, ...]) -> tuple[float, str]:
    best, name = 0.0, ""
    for h in honours:
        share = HONOUR_SHARE.get(h, 0.0)
        if share > best:
            best, name = share, h
    return best, name


def title_points(need: NeedInfo, expert: ExpertInfo, w: RankWeights) -> float:
    rank = TITLE_RANK.get(expert.title, 0)
    if need.required_title:
        return w.title if rank >= TITLE_RANK[need.required_title] else -w.title
    # Without a requirement a higher title helps a little, never decides.
    return w.title * 0.5 * rank / 4


def meets_title(need: NeedInfo, expert: ExpertInfo) -> bool:
    return TITLE_RANK.get(expert.title, 0) >= need.required_rank


def conflict_of_interest(need: NeedInfo, expert: ExpertInfo) -> bool:
    """An expert never serves a unit of their own employer."""
    return expert.employer_unit_id is not None and expert.employer_unit_id == need.unit_id


def history_points(need: NeedInfo, expert: ExpertInfo, w: RankWeights) -> float:
    past = expert.history.get(need.unit_id)
    if not past or past[0] <= 0:
        return 0.0
    satisfaction = past[1]
    # An unrated visit still means the expert knows the place: count it as fairly good.
    return w.history * ((satisfaction / 5) if satisfaction is not None else 0.6)


def distance_points(km: float | None, w: RankWeights) -> float:
    if km is None or w.distance_full_km <= 0:
        return 0.0
    return -w.distance * min(1.0, km / w.distance_full_km)


def static_score(need: NeedInfo, expert: ExpertInfo, match: Match, w: RankWeights) -> float:
    """The factors that do not depend on the calendar: specialty, title, honours, distance,
    history, priority place, application."""
    score = w.specialty * match.share + title_points(need, expert, w)
    if expert.honours:
        score += w.honours * honour_share(expert.honours)[0]
    score += distance_points(distance_km(need.latitude, need.longitude, expert.latitude,
                                         expert.longitude), w)
    if expert.history:
        score += history_points(need, expert, w)
    if need.priority:
        score += w.priority
    if expert.id in need.applicants:
        score += w.applicant
    return score


def calendar_score(free: int, window_days: int, used_year: int, year_cap: int,
                   w: RankWeights) -> float:
    """Free days in the window (more is better) and this year's workload (less is better)."""
    score = w.free_days * free / window_days if window_days > 0 else 0.0
    return score - w.workload * min(1.0, used_year / year_cap if year_cap else 1.0)


def explain(need: NeedInfo, expert: ExpertInfo, match: Match, tree: FieldTree, w: RankWeights,
            *, free: int, window_days: int, consecutive_ok: bool, used_year: int,
            year: int) -> list[Factor]:
    """The factors of one score, in the order a person reads them."""
    out = [Factor("specialty", level_label(match, tree, need.field_id), w.specialty * match.share)]
    rank = TITLE_RANK.get(expert.title, 0)
    title = _TITLE_LABEL[rank]
    if need.required_title:
        if meets_title(need, expert):
            label = f"职称{title}，满足要求（{need.required_title}及以上）"
        else:
            label = f"职称{title}，低于要求（{need.required_title}）"
    else:
        label = f"职称{title}"
    out.append(Factor("title", label, title_points(need, expert, w)))
    share, honour = honour_share(expert.honours)
    if honour:
        out.append(Factor("honours", honour, w.honours * share))
    if window_days > 0:
        text = f"窗口内可用 {free}/{window_days} 天"
        if not consecutive_ok:
            text += f"（没有连续 {need.days} 天空闲）"
        out.append(Factor("free_days", text, w.free_days * free / window_days))
    out.append(Factor("workload", f"{year}年已服务 {used_year}/{expert.year_cap} 天",
                      -w.workload * min(1.0, used_year / expert.year_cap
                                        if expert.year_cap else 1.0)))
    km = distance_km(need.latitude, need.longitude, expert.latitude, expert.longitude)
    if km is None:
        out.append(Factor("distance", "缺少坐标，未计距离", 0.0))
    else:
        out.append(Factor("distance", f"距离 {km:.0f} km", distance_points(km, w)))
    past = expert.history.get(need.unit_id)
    if past and past[0] > 0:
        sat = f"且满意度 {past[1]:.1f}".replace(".0", "") if past[1] is not None else ""
        out.append(Factor("history", f"曾服务该单位 {past[0]} 次{sat}",
                          history_points(need, expert, w)))
    if need.priority:
        out.append(Factor("priority", "脱贫村或重点帮扶村优先", w.priority))
    if expert.id in need.applicants:
        out.append(Factor("applicant", "已揭榜领题", w.applicant))
    return out


def reasons_text(factors: list[Factor]) -> str:
    return "；".join(f.text() for f in factors)
