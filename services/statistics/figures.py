"""The figures of the programme and the records behind each.

Every figure is one function returning a ``Select`` of the records it counts, with the same
labelled columns (``id``, ``code``, ``label``, ``on``, ``value``, plus what a figure needs
to compute its value). The number is an aggregate over exactly the rows of that select, and
the drill-down lists exactly those rows: both come from one definition, so they cannot
disagree. docs/statistics.md says what each figure counts and which date decides the period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Select, String, and_, cast, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import (
    Activity,
    Budget,
    Dispatch,
    DispatchStatus,
    Expense,
    Expert,
    Field,
    Need,
    NeedEvent,
    NeedStatus,
    ServiceRecord,
    Village,
    activity_dispatch,
    base_expert,
    team_member,
)
from models.dialect import as_text
from services.errors import ValidationError
from services.statistics.periods import ALL, Period, Slice

# What a drill-down row opens: the screen that lists that kind of record.
RECORD_KINDS = {"need": "需求", "dispatch": "派遣", "expert": "专家", "activity": "活动",
                "expense": "支出", "budget": "预算"}


@dataclass(frozen=True)
class DrillRow:
    """One record behind a figure and what it adds to it (``value``)."""

    kind: str  # RECORD_KINDS
    id: int
    code: str
    label: str
    on: date | None
    value: float | int


@dataclass(frozen=True)
class FigureValue:
    key: str
    label: str
    unit: str
    number: float | int | None  # None: not defined for this slice (e.g. a township's budget)
    records: int  # how many records are behind it

    @property
    def text(self) -> str:
        if self.number is None:
            return "—"
        if isinstance(self.number, float):
            return f"{self.number:,.2f}"
        return f"{self.number:,}"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    kind: str  # RECORD_KINDS of the rows
    query: Callable[[Period, Slice], Select[Any] | None]
    aggregate: str = "count"  # count | sum | average | money
    value: Callable[[Any], float | int] | None = None  # per row; default: the ``value`` column
    help: str = ""


# ---- slices -----------------------------------------------------------------------------

def _field_tree(field_id: int) -> Select[Any]:
    tree = select(Field.id.label("id")).where(Field.id == field_id).cte("field_tree",
                                                                       recursive=True)
    tree = tree.union_all(select(Field.id).where(Field.parent_id == tree.c.id))
    return select(tree.c.id)


def _priority_villages() -> Select[Any]:
    return select(Village.id).where(or_(Village.key_support, Village.poverty_alleviated))


def _need_clause(sl: Slice) -> ColumnElement[bool] | None:
    """For slices that are properties of the need (where, what); None for the others."""
    if sl.kind == "township":
        return Need.township_id == sl.key
    if sl.kind == "field":
        return Need.field_id.in_(_field_tree(int(sl.key or 0)))
    if sl.kind == "priority":
        return Need.village_id.in_(_priority_villages())
    if sl.kind == "ordinary":
        return or_(Need.village_id.is_(None), Need.village_id.not_in(_priority_villages()))
    return None


def _team_activities(team_id: int) -> Select[Any]:
    return select(Activity.id).where(Activity.team_id == team_id)


def _dispatch_clause(sl: Slice) -> ColumnElement[bool] | None:
    """A condition on ``Dispatch`` joined with its ``Need``: the dispatch is in the slice."""
    if sl.kind == "all":
        return None
    if sl.kind == "team":
        # A team's work: its members' dispatches and the dispatches of its activities.
        return or_(
            Dispatch.expert_id.in_(select(team_member.c.expert_id)
                                   .where(team_member.c.team_id == sl.key)),
            Dispatch.id.in_(select(activity_dispatch.c.dispatch_id).where(
                activity_dispatch.c.activity_id.in_(_team_activities(int(sl.key or 0))))),
        )
    if sl.kind == "base":
        return Dispatch.expert_id.in_(select(base_expert.c.expert_id)
                                      .where(base_expert.c.base_id == sl.key))
    return _need_clause(sl)


def dispatches_in_slice(sl: Slice) -> Select[Any]:
    stmt = select(Dispatch.id).join(Need, Dispatch.need_id == Need.id)
    clause = _dispatch_clause(sl)
    return stmt.where(clause) if clause is not None else stmt


# ---- dispatch-based figures ---------------------------------------------------------------

def served_on() -> ColumnElement[Any]:
    """The date that puts a completed dispatch into a period: the actual start from the
    service record when known, else the planned start."""
    return func.coalesce(ServiceRecord.actual_start, Dispatch.start_date, type_=Date)


def _served(period: Period, sl: Slice, *columns: Any) -> Select[Any]:
    day = served_on()
    stmt = (select(*columns).select_from(Dispatch)
            .join(Need, Dispatch.need_id == Need.id)
            .join(Expert, Dispatch.expert_id == Expert.id)
            .outerjoin(ServiceRecord, ServiceRecord.dispatch_id == Dispatch.id)
            .where(Dispatch.status == DispatchStatus.COMPLETED,
                   day >= period.start, day <= period.end))
    clause = _dispatch_clause(sl)
    return stmt.where(clause) if clause is not None else stmt


def _dispatch_label() -> ColumnElement[str]:
    return (Expert.name + literal(" · ", String) + Need.title)


def _dispatch_rows(value: Any) -> Callable[[Period, Slice], Select[Any]]:
    def query(period: Period, sl: Slice) -> Select[Any]:
        return _served(period, sl, Dispatch.id.label("id"), Dispatch.code.label("code"),
                       _dispatch_label().label("label"), served_on().label("on"),
                       value.label("value")).order_by(served_on(), Dispatch.id)
    return query


def _record_sum(column: Any) -> Callable[[Period, Slice], Select[Any]]:
    def query(period: Period, sl: Slice) -> Select[Any]:
        return _dispatch_rows(column)(period, sl).where(column > 0)
    return query


def _expert_days_query(period: Period, sl: Slice) -> Select[Any]:
    return _served(period, sl, Dispatch.id.label("id"), Dispatch.code.label("code"),
                   _dispatch_label().label("label"), served_on().label("on"),
                   ServiceRecord.days_served.label("value"),
                   Dispatch.start_date.label("start"), Dispatch.end_date.label("end")
                   ).order_by(served_on(), Dispatch.id)


def dispatch_days(days_served: int | None, start: date, end: date) -> int:
    """Days a completed dispatch counts for: the service record's days when it gives them,
    else the planned days."""
    if days_served:
        return int(days_served)
    return (end - start).days + 1


def _expert_days_value(row: Any) -> int:
    return dispatch_days(row.value, row.start, row.end)


def _experts_query(period: Period, sl: Slice) -> Select[Any]:
    return (_served(period, sl, Expert.id.label("id"), Expert.code.label("code"),
                    Expert.name.label("label"), func.min(served_on()).label("on"),
                    func.count(Dispatch.id).label("value"))
            .group_by(Expert.id, Expert.code, Expert.name).order_by(Expert.code))


def _satisfaction_query(period: Period, sl: Slice) -> Select[Any]:
    return _dispatch_rows(ServiceRecord.satisfaction)(period, sl).where(
        ServiceRecord.satisfaction.is_not(None))


# ---- needs ------------------------------------------------------------------------------

def _needs_moved(target: NeedStatus, created: bool = False
                 ) -> Callable[[Period, Slice], Select[Any]]:
    """Needs with a history entry into ``target`` inside the period (each need once)."""

    def query(period: Period, sl: Slice) -> Select[Any]:
        at = as_text(func.min(NeedEvent.at))
        stmt = (select(Need.id.label("id"), Need.code.label("code"), Need.title.label("label"),
                       at.label("on"), func.count(NeedEvent.id).label("value"))
                .select_from(NeedEvent).join(Need, NeedEvent.need_id == Need.id)
                .where(Need.deleted_at.is_(None), NeedEvent.to_status == target,
                       NeedEvent.at >= period.start_at, NeedEvent.at < period.end_before))
        if created:
            stmt = stmt.where(NeedEvent.from_status.is_(None))
        if sl.kind in ("team", "base"):
            stmt = stmt.where(Need.id.in_(
                select(Dispatch.need_id).where(Dispatch.id.in_(dispatches_in_slice(sl)))))
        else:
            clause = _need_clause(sl)
            if clause is not None:
                stmt = stmt.where(clause)
        return stmt.group_by(Need.id, Need.code, Need.title).order_by(Need.code)
    return query


# ---- activities and money -----------------------------------------------------------------

def _activities_query(period: Period, sl: Slice) -> Select[Any]:
    stmt = (select(Activity.id.label("id"), Activity.code.label("code"),
                   Activity.name.label("label"), Activity.start_date.label("on"),
                   literal(1).label("value"))
            .where(Activity.deleted_at.is_(None), Activity.start_date >= period.start,
                   Activity.start_date <= period.end))
    if sl.kind != "all":
        # An activity is in a slice when one of its dispatches is (or it is the team's own).
        has_dispatch = Activity.id.in_(
            select(activity_dispatch.c.activity_id)
            .where(activity_dispatch.c.dispatch_id.in_(dispatches_in_slice(sl))))
        stmt = stmt.where(or_(has_dispatch, Activity.team_id == sl.key)
                          if sl.kind == "team" else has_dispatch)
    return stmt.order_by(Activity.start_date, Activity.id)


def _spending_query(period: Period, sl: Slice) -> Select[Any]:
    label = func.coalesce(Dispatch.code, literal("", String)) + literal(" ", String) \
        + Expense.category
    stmt = (select(Expense.id.label("id"),
                   func.coalesce(Dispatch.code, literal("", String)).label("code"),
                   label.label("label"), Expense.spent_on.label("on"),
                   Expense.amount_fen.label("value"))
            .select_from(Expense).outerjoin(Dispatch, Expense.dispatch_id == Dispatch.id)
            .where(Expense.spent_on >= period.start, Expense.spent_on <= period.end))
    if sl.kind == "team":
        stmt = stmt.where(or_(Expense.team_id == sl.key,
                              Expense.activity_id.in_(_team_activities(int(sl.key or 0))),
                              Expense.dispatch_id.in_(dispatches_in_slice(sl))))
    elif sl.kind != "all":
        stmt = stmt.where(Expense.dispatch_id.in_(dispatches_in_slice(sl)))
    return stmt.order_by(Expense.spent_on, Expense.id)


def _budget_query(period: Period, sl: Slice) -> Select[Any] | None:
    """The programme's own budgets (no team, no activity) of the period's years; a team's
    budgets for a team; other slices have no budget of their own."""
    if sl.kind not in ("all", "team"):
        return None
    owner: ColumnElement[bool] = (
        and_(Budget.team_id.is_(None), Budget.activity_id.is_(None)) if sl.kind == "all"
        else Budget.team_id == sl.key)
    return (select(Budget.id.label("id"), cast(Budget.year, String).label("code"),
                   Budget.note.label("label"), literal(None, Date).label("on"),
                   Budget.amount_fen.label("value"))
            .where(owner, Budget.year.in_(period.years)).order_by(Budget.year, Budget.id))


# ---- the catalogue ----------------------------------------------------------------------

FIGURES: dict[str, Figure] = {f.key: f for f in (
    Figure("activities", "开展专家服务活动", "场", "activity", _activities_query,
           help="开始日期在期间内的专家服务活动（未删除）。"),
    Figure("dispatches", "专家服务", "人次", "dispatch", _dispatch_rows(literal(1)),
           help="已完成的派遣，服务日期（实际开始日期，未填则计划开始日期）在期间内。"),
    Figure("experts", "服务专家", "名", "expert", _experts_query,
           help="期间内有已完成派遣的专家，每人只计一次。"),
    Figure("expert_days", "专家服务天数", "人·天", "dispatch", _expert_days_query, "sum",
           value=_expert_days_value,
           help="已完成派遣的服务天数：服务记录填了天数用记录，否则用计划天数。"),
    Figure("needs_received", "收到需求", "条", "need", _needs_moved(NeedStatus.SUBMITTED, True),
           help="录入（申报）时间在期间内的需求。"),
    Figure("needs_reviewed", "论证通过", "条", "need", _needs_moved(NeedStatus.REVIEWED),
           help="期间内有“论证通过”记录的需求。"),
    Figure("needs_served", "完成实地服务", "条", "need", _needs_moved(NeedStatus.SERVED),
           help="期间内有“已服务”记录的需求。"),
    Figure("needs_rejected", "驳回需求", "条", "need", _needs_moved(NeedStatus.REJECTED),
           help="期间内被驳回的需求。"),
    Figure("problems_solved", "解决各类难题", "个", "dispatch",
           _record_sum(ServiceRecord.problems_solved), "sum",
           help="期间内已完成派遣的服务记录中“解决问题数”之和。"),
    Figure("trainings", "举办培训", "场", "dispatch", _record_sum(ServiceRecord.trainings),
           "sum", help="服务记录中“培训场次”之和。"),
    Figure("people_trained", "培训基层技术骨干", "人次", "dispatch",
           _record_sum(ServiceRecord.people_trained), "sum",
           help="服务记录中“培训人次”之和。"),
    Figure("beneficiaries", "惠及群众", "人", "dispatch",
           _record_sum(ServiceRecord.beneficiaries), "sum",
           help="服务记录中“惠及群众”之和。"),
    Figure("economic_benefit", "经济效益（估算）", "元", "dispatch",
           _record_sum(ServiceRecord.economic_benefit), "sum",
           help="服务记录中“经济效益”估算之和。"),
    Figure("satisfaction", "满意度（平均）", "分", "dispatch", _satisfaction_query, "average",
           help="填了满意度（1–5 分）的服务记录的平均分。"),
    Figure("satisfaction_count", "满意度评价", "份", "dispatch", _satisfaction_query,
           help="填了满意度的服务记录份数。"),
    Figure("spending", "经费支出", "元", "expense", _spending_query, "money",
           help="支出日期在期间内的经费支出。"),
    Figure("budget", "经费预算", "元", "budget", _budget_query, "money",
           help="期间所在年度的预算（全县：不属于某个服务团或活动的总预算）。"),
)}

DASHBOARD_KEYS = ("needs_received", "needs_reviewed", "needs_served", "experts", "expert_days",
                  "people_trained", "beneficiaries", "problems_solved")


def figure(key: str) -> Figure:
    try:
        return FIGURES[key]
    except KeyError:
        raise ValidationError.single("figure", f"没有“{key}”这项统计。") from None


def figure_select(key: str, period: Period, sl: Slice = ALL) -> Select[Any] | None:
    """The query of the records behind a figure (None when the figure does not apply)."""
    return figure(key).query(period, sl)


def _on(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def drill_down(session: Session, key: str, period: Period, sl: Slice = ALL) -> list[DrillRow]:
    """Exactly the records a figure counts, each with what it adds."""
    fig = figure(key)
    stmt = fig.query(period, sl)
    if stmt is None:
        return []
    get = fig.value or (lambda r: r.value)
    return [DrillRow(fig.kind, row.id, row.code or "", row.label or "", _on(row.on),
                     get(row) if get(row) is not None else 0)
            for row in session.execute(stmt)]


def aggregate(fig: Figure, rows: Sequence[DrillRow]) -> float | int:
    if fig.aggregate == "count":
        return len(rows)
    if fig.aggregate == "average":
        return round(sum(r.value for r in rows) / len(rows), 2) if rows else 0.0
    total = sum(int(r.value) for r in rows)
    return round(total / 100, 2) if fig.aggregate == "money" else total


def compute(session: Session, key: str, period: Period, sl: Slice = ALL) -> FigureValue:
    fig = figure(key)
    if fig.query(period, sl) is None:
        return FigureValue(key, fig.label, fig.unit, None, 0)
    rows = drill_down(session, key, period, sl)
    return FigureValue(key, fig.label, fig.unit, aggregate(fig, rows), len(rows))


@dataclass(frozen=True)
class Figures:
    period: Period
    slice: Slice
    values: dict[str, FigureValue]

    def __getitem__(self, key: str) -> FigureValue:
        return self.values[key]

    def number(self, key: str) -> float | int:
        return self.values[key].number or 0


def compute_all(session: Session, period: Period, sl: Slice = ALL,
                keys: Iterable[str] | None = None) -> Figures:
    return Figures(period, sl, {k: compute(session, k, period, sl)
                                for k in (keys or FIGURES)})
