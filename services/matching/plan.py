"""A season plan as plain data: the proposed visits, the needs left unplanned with reasons,
what changed against an earlier plan, and how good the solution is (objective, bound, gap).

A plan is a proposal: nothing is written until ``services.matching.schedule.accept_plan``.
``to_dict``/``from_dict`` give JSON for the CLI, the saved proposal and the GUI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# CP-SAT status names → words for the office.
STATUS_TEXT = {
    "OPTIMAL": "已证明最优",
    "FEASIBLE": "可行方案（到时未证明最优）",
    "INFEASIBLE": "无可行方案",
    "MODEL_INVALID": "模型错误",
    "UNKNOWN": "未找到方案",
    "CANCELLED": "已取消（返回目前最好的方案）",
    "EMPTY": "没有需要安排的需求",
    "GREEDY": "逐条安排（贪心）",
    "REDUCED_OPTIMAL": "可行方案（在精简后的候选中已证明最优）",
}


@dataclass
class PlannedVisit:
    """One expert's visit in a plan. ``pinned``: fixed before solving (never moved);
    ``dispatch_code``: the existing dispatch it stands for, if any."""

    need_id: int
    need_code: str
    need_title: str
    expert_id: int
    expert_code: str
    expert_name: str
    start: date
    end: date
    township: str = ""
    score: float = 0.0
    reasons: str = ""
    pinned: bool = False
    dispatch_code: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Unplanned:
    need_id: int
    need_code: str
    need_title: str
    reason: str
    priority: bool = False


@dataclass
class Change:
    """One difference against the earlier plan. ``kind``: moved (same expert, other days),
    reassigned (other expert), added, removed."""

    kind: str
    need_code: str
    text: str
    old_expert: str = ""
    new_expert: str = ""
    old_start: date | None = None
    new_start: date | None = None
    dispatch_code: str = ""


@dataclass
class SolveStats:
    """``objective``: the main model's value of the plan (larger is better); ``bound``: the best
    proven upper bound of that objective over *all* options (CP-SAT's own bound when its model
    was not reduced, and the min-cost-flow relaxation's); ``gap``: their relative distance
    (0 = proven optimal); ``model_bound``: CP-SAT's bound for the model it solved;
    ``greedy_*``: the baseline in the same run; weights are in units of ``weight_unit`` (one
    ordinary need)."""

    status: str = "EMPTY"
    objective: float = 0.0
    bound: float = 0.0
    gap: float = 0.0
    model_bound: float = 0.0
    seconds: float = 0.0
    build_seconds: float = 0.0
    variables: int = 0
    needs_total: int = 0
    needs_served: int = 0
    weight_total: int = 0
    weight_served: int = 0
    weight_unit: int = 1000
    greedy_served: int = 0
    greedy_weight: int = 0
    greedy_objective: float = 0.0
    final_objective: float = 0.0  # after repair and re-timing, with the trips term
    flow_bound: float = 0.0  # min-cost-flow upper bound over all options
    flow_weight_bound: float = 0.0  # … of the priority-weighted needs served
    pruned: bool = False
    engine: str = "CP-SAT"
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step of the planner

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.status, self.status)

    def summary(self) -> str:
        """One line for people: "已证明最优：安排 312/400 条需求，目标值 …，差距 0.0%，用时 3.2 秒"."""
        return (f"{self.status_text}：安排 {self.needs_served}/{self.needs_total} 条需求，"
                f"目标值 {self.objective:,.0f}，上界 {self.bound:,.0f}，"
                f"差距 {self.gap * 100:.2f}%，用时 {self.seconds:.1f} 秒")


@dataclass
class Plan:
    start: date
    end: date
    visits: list[PlannedVisit] = field(default_factory=list)
    unplanned: list[Unplanned] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    stats: SolveStats = field(default_factory=SolveStats)
    # (dispatch id, version) of the dispatches the plan was based on; accepting it is refused
    # when one of them changed since (empty in proposals saved before this check existed).
    based_on: list[tuple[int, int]] = field(default_factory=list)

    def visits_of(self, need_id: int) -> list[PlannedVisit]:
        return [v for v in self.visits if v.need_id == need_id]

    def to_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        data = plain(asdict(self))
        data["stats"]["status_text"] = self.stats.status_text
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        def d(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        stats = {k: v for k, v in data.get("stats", {}).items() if k != "status_text"}
        return cls(
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            visits=[PlannedVisit(**(v | {"start": d(v["start"]), "end": d(v["end"])}))
                    for v in data.get("visits", [])],
            unplanned=[Unplanned(**u) for u in data.get("unplanned", [])],
            changes=[Change(**(c | {"old_start": d(c.get("old_start")),
                                    "new_start": d(c.get("new_start"))}))
                     for c in data.get("changes", [])],
            stats=SolveStats(**stats),
            based_on=[(int(i), int(v)) for i, v in data.get("based_on", [])],
        )
