"""Funds (经费): budgets per year, team and activity; expenses per dispatch by category; the
office's standard rates (settings); warnings when a dispatch spends more than its standard or
a team or the year comes near or over its budget; statements per dispatch, team and year.

People type and read 元; the database keeps whole 分 so sums are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    EXPENSE_CATEGORIES,
    Activity,
    Budget,
    Dispatch,
    Expense,
    Expert,
    Need,
    ServiceRecord,
    Team,
    Unit,
)
from services import settings
from services import validation as v
from services.dispatches import get_dispatch
from services.errors import DuplicateError, NotFoundError, ValidationError
from services.records import as_record_id, looks_like_id
from services.statistics.figures import dispatch_days, dispatches_in_slice
from services.statistics.periods import Period, Slice

GROUP = "经费标准"
FEE = "劳务/咨询费"
LODGING = "食宿费"
TRAVEL = "交通费"
MAX_YUAN = Decimal("100000000")

# 职称级别 → the setting holding its daily 劳务/咨询费 (models.experts.TITLES).
FEE_SETTINGS = {"正高级": "funds.fee_senior", "副高级": "funds.fee_associate",
                "中级": "funds.fee_intermediate", "初级": "funds.fee_junior",
                "无": "funds.fee_other"}


def _money_setting(label: str):  # type: ignore[no-untyped-def]
    def check(value: object) -> str:
        return str(fen_to_yuan(yuan_to_fen(value, "value", label)))

    return check


def _percent(value: object) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError.single("value", "预警比例应为整数（百分比）。") from None
    if not 1 <= number <= 100:
        raise ValidationError.single("value", "预警比例应在 1 到 100 之间。")
    return number


for _title, _key, _default in (("正高级", "funds.fee_senior", "800"),
                               ("副高级", "funds.fee_associate", "600"),
                               ("中级", "funds.fee_intermediate", "400"),
                               ("初级", "funds.fee_junior", "300"),
                               ("无职称", "funds.fee_other", "200")):
    settings.define(_key, f"劳务/咨询费标准：{_title}（元/天）", _default,
                    _money_setting("劳务/咨询费标准"),
                    f"{_title}专家每服务一天的劳务/咨询费上限。", GROUP)
settings.define("funds.lodging_per_day", "食宿费标准（元/天）", "300",
                _money_setting("食宿费标准"), "每服务一天的食宿费上限。", GROUP)
settings.define("funds.travel_per_trip", "交通费上限（元/次）", "500",
                _money_setting("交通费上限"), "每次派遣往返交通费的上限。", GROUP)
settings.define("funds.warning_percent", "预算预警比例（%）", 90, _percent,
                "服务团或全年支出达到预算的这个比例时提前提醒；达到 100% 时提示超支。", GROUP)


# ---- money ------------------------------------------------------------------------------

def yuan_to_fen(value: object, field_name: str = "amount", label: str = "金额") -> int:
    """"1,234.5" / 1234.5 / Decimal → 123450 分. At most two decimals, not negative."""
    if isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    else:
        text = v.normalize_text(value).replace(",", "").replace("，", "").removesuffix("元")
        if not text:
            raise ValidationError.single(field_name, f"请填写{label}。")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError.single(field_name, f"{label}应为数字（元），如 1200 或 "
                                                     "85.50。") from None
    if not amount.is_finite():
        raise ValidationError.single(field_name, f"{label}应为数字（元）。")
    if amount < 0:
        raise ValidationError.single(field_name, f"{label}不能为负数。")
    if amount > MAX_YUAN:
        raise ValidationError.single(field_name, f"{label}过大，请检查是否多输了位数。")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError.single(field_name, f"{label}最多精确到分（两位小数）。")
    return int((amount * 100).to_integral_value(ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def yuan_text(fen: int) -> str:
    return f"{fen_to_yuan(fen):,.2f}"


def _rate(session: Session, key: str) -> int:
    return yuan_to_fen(settings.get(session, key), "value", "标准")


# ---- budgets ----------------------------------------------------------------------------

def _team(session: Session, key: Any) -> Team:
    team = None
    if looks_like_id(key):
        team = session.get(Team, as_record_id(key))
    if team is None:
        team = session.scalars(select(Team).where((Team.code == str(key))
                                                  | (Team.name == str(key)))).first()
    if team is None or team.deleted_at is not None:
        raise NotFoundError(f"找不到专家服务团“{key}”。")
    return team


def _activity(session: Session, key: Any) -> Activity:
    activity = None
    if looks_like_id(key):
        activity = session.get(Activity, as_record_id(key))
    if activity is None:
        activity = session.scalars(select(Activity).where(
            (Activity.code == str(key)) | (Activity.name == str(key)))).first()
    if activity is None or activity.deleted_at is not None:
        raise NotFoundError(f"找不到专家服务活动“{key}”。")
    return activity


def _owner(session: Session, data: dict[str, Any], c: v.Collector
           ) -> tuple[int | None, int | None]:
    team_key = data.get("team_id") or data.get("team")
    activity_key = data.get("activity_id") or data.get("activity")
    team = activity = None
    if team_key not in (None, ""):
        try:
            team = _team(session, team_key)
        except NotFoundError as exc:
            c.add("team_id", exc.message)
    if activity_key not in (None, ""):
        try:
            activity = _activity(session, activity_key)
        except NotFoundError as exc:
            c.add("activity_id", exc.message)
    return (team.id if team else None), (activity.id if activity else None)


def _budget_values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    c = v.Collector()
    year = c.check(v.int_in_range, data.get("year"), "year", "年度", 2000, 2100)
    amount = c.check(yuan_to_fen, data.get("amount", data.get("amount_yuan")), "amount",
                     "预算金额")
    team_id, activity_id = _owner(session, data, c)
    if team_id and activity_id:
        c.add("activity_id", "一笔预算只能属于一个服务团或一个活动，不能同时属于两者。")
    note = c.check(v.optional_text, "note", "备注", data.get("note"), 2000)
    c.raise_if_any()
    return {"year": year, "amount_fen": amount, "team_id": team_id,
            "activity_id": activity_id, "note": note or ""}


def _same_owner(session: Session, values: dict[str, Any], exclude: int | None) -> None:
    stmt = select(Budget.id).where(
        Budget.year == values["year"],
        Budget.team_id.is_(None) if values["team_id"] is None
        else Budget.team_id == values["team_id"],
        Budget.activity_id.is_(None) if values["activity_id"] is None
        else Budget.activity_id == values["activity_id"])
    if exclude is not None:
        stmt = stmt.where(Budget.id != exclude)
    if session.scalars(stmt).first() is not None:
        raise DuplicateError.single("year", f"{values['year']} 年已有这项预算，请修改原预算。")


def create_budget(session: Session, data: dict[str, Any]) -> Budget:
    """``data``: year, amount (元), team or activity (id, code or name; neither: the whole
    programme), note."""
    values = _budget_values(session, data)
    _same_owner(session, values, None)
    budget = Budget(**values)
    session.add(budget)
    session.flush()
    return budget


def get_budget(session: Session, budget_id: int) -> Budget:
    budget = session.get(Budget, budget_id)
    if budget is None:
        raise NotFoundError(f"找不到预算（编号 {budget_id}）。")
    return budget


def update_budget(session: Session, budget_id: int, data: dict[str, Any]) -> Budget:
    budget = get_budget(session, budget_id)
    current = {"year": budget.year, "amount": fen_to_yuan(budget.amount_fen),
               "team_id": budget.team_id, "activity_id": budget.activity_id,
               "note": budget.note}
    values = _budget_values(session, current | data)
    _same_owner(session, values, budget.id)
    for key, value in values.items():
        setattr(budget, key, value)
    session.flush()
    return budget


def delete_budget(session: Session, budget_id: int) -> None:
    session.delete(get_budget(session, budget_id))
    session.flush()


def list_budgets(session: Session, year: int | None = None) -> list[dict[str, Any]]:
    stmt = (select(Budget, Team.name, Activity.name)
            .outerjoin(Team, Budget.team_id == Team.id)
            .outerjoin(Activity, Budget.activity_id == Activity.id)
            .order_by(Budget.year.desc(), Budget.team_id, Budget.activity_id, Budget.id))
    if year is not None:
        stmt = stmt.where(Budget.year == year)
    rows = []
    for budget, team, activity in session.execute(stmt):
        owner = team or activity or "全县专家服务工作"
        status = budget_status(session, budget.year, budget.team_id, budget.activity_id)
        rows.append({"id": budget.id, "year": budget.year, "owner": owner,
                     "team_id": budget.team_id, "activity_id": budget.activity_id,
                     "amount_fen": budget.amount_fen, "amount": yuan_text(budget.amount_fen),
                     "spent_fen": status.spent_fen, "spent": yuan_text(status.spent_fen),
                     "percent": status.percent, "state": status.state_label,
                     "note": budget.note})
    return rows


# ---- expenses ---------------------------------------------------------------------------

def _expense_values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    c = v.Collector()
    dispatch_key = data.get("dispatch_id") or data.get("dispatch")
    dispatch = None
    if dispatch_key not in (None, ""):
        try:
            dispatch = get_dispatch(session, dispatch_key)
        except NotFoundError as exc:
            c.add("dispatch_id", exc.message)
    team_id, activity_id = _owner(session, data, c)
    if dispatch is None and not team_id and not activity_id and "dispatch_id" not in c.errors:
        c.add("dispatch_id", "请选择这笔支出所属的派遣，或所属的服务团、活动。")
    category = c.check(v.choice, data.get("category"), "category", "支出类别",
                       EXPENSE_CATEGORIES)
    amount = c.check(yuan_to_fen, data.get("amount", data.get("amount_yuan")), "amount",
                     "金额")
    spent_on = c.check(v.parse_date, data.get("spent_on"), "spent_on", "支出日期")
    if spent_on is None and "spent_on" not in c.errors:
        c.add("spent_on", "请填写支出日期。")
    payee = c.check(v.optional_text, "payee", "收款人", data.get("payee"), 100)
    note = c.check(v.optional_text, "note", "备注", data.get("note"), 2000)
    c.raise_if_any()
    assert spent_on is not None
    return {"dispatch_id": dispatch.id if dispatch else None, "team_id": team_id,
            "activity_id": activity_id, "category": category, "amount_fen": amount,
            "spent_on": spent_on, "year": spent_on.year, "payee": payee or "",
            "note": note or ""}


def check_expense(session: Session, data: dict[str, Any]) -> dict[str, str]:
    """Field → message for a form, without saving."""
    try:
        _expense_values(session, data)
    except ValidationError as exc:
        return exc.errors
    return {}


def create_expense(session: Session, data: dict[str, Any]) -> Expense:
    """``data``: dispatch (id or code) and/or team/activity, category, amount (元), spent_on,
    payee, note."""
    expense = Expense(**_expense_values(session, data))
    session.add(expense)
    session.flush()
    return expense


def get_expense(session: Session, expense_id: int) -> Expense:
    expense = session.get(Expense, expense_id)
    if expense is None:
        raise NotFoundError(f"找不到支出记录（编号 {expense_id}）。")
    return expense


def update_expense(session: Session, expense_id: int, data: dict[str, Any]) -> Expense:
    expense = get_expense(session, expense_id)
    current = {"dispatch_id": expense.dispatch_id, "team_id": expense.team_id,
               "activity_id": expense.activity_id, "category": expense.category,
               "amount": fen_to_yuan(expense.amount_fen), "spent_on": expense.spent_on,
               "payee": expense.payee, "note": expense.note}
    for key, value in _expense_values(session, current | data).items():
        setattr(expense, key, value)
    session.flush()
    return expense


def delete_expense(session: Session, expense_id: int) -> None:
    session.delete(get_expense(session, expense_id))
    session.flush()


def list_expenses(session: Session, *, year: int | None = None, dispatch_id: int | None = None,
                  team_id: int | None = None, ids: list[int] | None = None
                  ) -> list[dict[str, Any]]:
    stmt = (select(Expense, Dispatch.code, Expert.name, Team.name, Activity.name)
            .outerjoin(Dispatch, Expense.dispatch_id == Dispatch.id)
            .outerjoin(Expert, Dispatch.expert_id == Expert.id)
            .outerjoin(Team, Expense.team_id == Team.id)
            .outerjoin(Activity, Expense.activity_id == Activity.id)
            .order_by(Expense.spent_on, Expense.id))
    if year is not None:
        stmt = stmt.where(Expense.year == year)
    if dispatch_id is not None:
        stmt = stmt.where(Expense.dispatch_id == dispatch_id)
    if team_id is not None:
        stmt = stmt.where(Expense.team_id == team_id)
    if ids is not None:
        stmt = stmt.where(Expense.id.in_(ids))
    return [{"id": e.id, "spent_on": e.spent_on, "dispatch_id": e.dispatch_id,
             "dispatch": code or "", "expert": expert or "", "team": team or "",
             "activity": activity or "", "category": e.category, "amount_fen": e.amount_fen,
             "amount": yuan_text(e.amount_fen), "payee": e.payee, "note": e.note}
            for e, code, expert, team, activity in session.execute(stmt)]


# ---- standards and warnings -------------------------------------------------------------

@dataclass(frozen=True)
class Standard:
    """What a dispatch may spend under the office's rules: per rated category, in 分."""

    dispatch_id: int
    code: str
    days: int
    level: str
    limits: dict[str, int]

    @property
    def total_fen(self) -> int:
        return sum(self.limits.values())

    def describe(self) -> str:
        return (f"{self.code}：{self.days} 天，{self.level}。标准：劳务/咨询费 "
                f"{yuan_text(self.limits[FEE])} 元，食宿费 {yuan_text(self.limits[LODGING])} 元，"
                f"交通费 {yuan_text(self.limits[TRAVEL])} 元，合计 {yuan_text(self.total_fen)} 元。")


@dataclass(frozen=True)
class FundsWarning:
    scope: str  # "dispatch", "team", "year"
    key: str  # dispatch code, team name or year
    level: str  # "early" (reached the warning share) or "over"
    message: str
    spent_fen: int = 0
    limit_fen: int = 0


def dispatch_standard(session: Session, dispatch_key: int | str) -> Standard:
    """Days (the service record's, else planned) × the rates of the expert's title level,
    plus one trip's travel cap."""
    dispatch = get_dispatch(session, dispatch_key)
    record = session.scalars(select(ServiceRecord).where(
        ServiceRecord.dispatch_id == dispatch.id)).first()
    days = dispatch_days(record.days_served if record else None, dispatch.start_date,
                         dispatch.end_date)
    level = dispatch.expert.title if dispatch.expert.title in FEE_SETTINGS else "无"
    limits = {FEE: days * _rate(session, FEE_SETTINGS[level]),
              LODGING: days * _rate(session, "funds.lodging_per_day"),
              TRAVEL: _rate(session, "funds.travel_per_trip")}
    return Standard(dispatch.id, dispatch.code, days, "无职称" if level == "无" else level,
                    limits)


def _spent_by_category(session: Session, dispatch_id: int, exclude: int | None = None
                       ) -> dict[str, int]:
    stmt = select(Expense.id, Expense.category, Expense.amount_fen).where(
        Expense.dispatch_id == dispatch_id)
    out: dict[str, int] = {}
    for eid, category, fen in session.execute(stmt):
        if eid != exclude:
            out[category] = out.get(category, 0) + fen
    return out


def dispatch_warnings(session: Session, dispatch_key: int | str, *,
                      pending: tuple[str, int] | None = None, exclude: int | None = None
                      ) -> list[FundsWarning]:
    """Over-standard warnings for a dispatch; ``pending`` (category, 分) is an expense being
    typed, counted as if saved (``exclude``: the id of the expense it replaces)."""
    standard = dispatch_standard(session, dispatch_key)
    spent = _spent_by_category(session, standard.dispatch_id, exclude)
    if pending is not None:
        spent[pending[0]] = spent.get(pending[0], 0) + pending[1]
    out = []
    for category, limit in standard.limits.items():
        if spent.get(category, 0) > limit:
            out.append(FundsWarning(
                "dispatch", standard.code, "over",
                f"派遣 {standard.code} 的{category} {yuan_text(spent[category])} 元，"
                f"超过标准 {yuan_text(limit)} 元（{_basis(standard, category)}）。",
                spent[category], limit))
    rated = sum(spent.get(c, 0) for c in standard.limits)
    if rated > standard.total_fen:
        out.append(FundsWarning(
            "dispatch", standard.code, "over",
            f"派遣 {standard.code} 按标准可报 {yuan_text(standard.total_fen)} 元，"
            f"已报 {yuan_text(rated)} 元，超出 {yuan_text(rated - standard.total_fen)} 元。",
            rated, standard.total_fen))
    return out


def _basis(standard: Standard, category: str) -> str:
    if category == TRAVEL:
        return "每次派遣的上限"
    per_day = standard.limits[category] // standard.days if standard.days else 0
    return f"{standard.days} 天 × {yuan_text(per_day)} 元"


@dataclass(frozen=True)
class BudgetStatus:
    year: int
    owner: str
    budget_fen: int | None  # None: no budget set
    spent_fen: int
    warning_percent: int
    expense_ids: list[int] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        if not self.budget_fen:
            return None
        return round(self.spent_fen * 100 / self.budget_fen, 1)

    @property
    def state(self) -> str:
        if self.budget_fen is None:
            return "none"
        if self.budget_fen == 0:
            return "over" if self.spent_fen > 0 else "ok"
        if self.spent_fen >= self.budget_fen:
            return "over"
        if self.spent_fen * 100 >= self.budget_fen * self.warning_percent:
            return "early"
        return "ok"

    @property
    def state_label(self) -> str:
        return {"none": "未设预算", "over": "已用完或超支", "early": "接近预算",
                "ok": "正常"}[self.state]


def budget_status(session: Session, year: int, team_id: int | None = None,
                  activity_id: int | None = None) -> BudgetStatus:
    """Budget and spending of the year as a whole, of one team or of one activity. The
    spending is the statistics' "经费支出" figure for the same slice, so the two agree."""
    from services.statistics.figures import drill_down

    period = Period.of_year(year)
    warn = settings.get(session, "funds.warning_percent")
    budgets = select(Budget.amount_fen).where(Budget.year == year)
    if activity_id is not None:
        owner = session.get(Activity, activity_id)
        name = owner.name if owner else str(activity_id)
        amounts = list(session.scalars(budgets.where(Budget.activity_id == activity_id)))
        rows = session.execute(select(Expense.id, Expense.amount_fen).where(
            Expense.year == year, (Expense.activity_id == activity_id) | Expense.dispatch_id.in_(
                select(_activity_dispatches(activity_id))))).all()
        ids, spent = [r[0] for r in rows], sum(r[1] for r in rows)
    else:
        sl = Slice("team", team_id) if team_id is not None else Slice()
        if team_id is not None:
            team = session.get(Team, team_id)
            name = team.name if team else str(team_id)
            amounts = list(session.scalars(budgets.where(Budget.team_id == team_id)))
        else:
            name = f"{year} 年全县"
            amounts = list(session.scalars(budgets.where(Budget.team_id.is_(None),
                                                         Budget.activity_id.is_(None))))
        records = drill_down(session, "spending", period, sl)
        ids, spent = [r.id for r in records], sum(int(r.value) for r in records)
    return BudgetStatus(year, name, sum(amounts) if amounts else None, spent, warn, ids)


def _activity_dispatches(activity_id: int) -> Any:
    from models import activity_dispatch

    return select(activity_dispatch.c.dispatch_id).where(
        activity_dispatch.c.activity_id == activity_id).scalar_subquery()


def budget_warning(status: BudgetStatus) -> FundsWarning | None:
    if status.state not in ("early", "over"):
        return None
    assert status.budget_fen is not None
    if status.state == "over":
        text = (f"{status.owner}经费已支出 {yuan_text(status.spent_fen)} 元，"
                f"达到预算 {yuan_text(status.budget_fen)} 元的 {status.percent}%，"
                + ("已超支。" if status.spent_fen > status.budget_fen else "预算已用完。"))
    else:
        text = (f"{status.owner}经费已支出 {yuan_text(status.spent_fen)} 元，"
                f"达到预算 {yuan_text(status.budget_fen)} 元的 {status.percent}%"
                f"（预警线 {status.warning_percent}%）。")
    scope = "year" if status.owner.endswith("全县") else "team"
    return FundsWarning(scope, status.owner, status.state, text, status.spent_fen,
                        status.budget_fen)


def warnings(session: Session, year: int) -> list[FundsWarning]:
    """Every funds warning of the year: the year's budget, each team's, each dispatch."""
    out: list[FundsWarning] = []
    for status in [budget_status(session, year)] + [
            budget_status(session, year, team_id=t) for t in session.scalars(
                select(Budget.team_id).where(Budget.year == year,
                                             Budget.team_id.is_not(None)).distinct())]:
        w = budget_warning(status)
        if w is not None:
            out.append(w)
    for (dispatch_id,) in session.execute(select(Expense.dispatch_id).where(
            Expense.year == year, Expense.dispatch_id.is_not(None)).distinct()):
        out += dispatch_warnings(session, dispatch_id)
    return out


def preview_expense(session: Session, data: dict[str, Any], exclude: int | None = None
                    ) -> dict[str, Any]:
    """For the entry form while it is typed: the dispatch's standard, and the warnings the
    expense would raise if saved (nothing is written). Bad fields give no warning."""
    out: dict[str, Any] = {"standard": "", "warnings": []}
    key = data.get("dispatch_id") or data.get("dispatch")
    try:
        fen = yuan_to_fen(data.get("amount", "0") or "0")
    except ValidationError:
        fen = 0
    category = data.get("category")
    if key not in (None, ""):
        try:
            standard = dispatch_standard(session, key)
        except (NotFoundError, ValidationError):
            return out
        out["standard"] = standard.describe()
        pending = (category, fen) if category in EXPENSE_CATEGORIES else None
        out["warnings"] = [w.message for w in dispatch_warnings(
            session, key, pending=pending, exclude=exclude)]
        try:
            when = v.parse_date(data.get("spent_on"), "spent_on", "支出日期")
        except ValidationError:
            when = None
        year = (when or date.today()).year
        dispatch_id = standard.dispatch_id
        team_ids = [t for (t,) in session.execute(
            select(Budget.team_id).where(Budget.year == year, Budget.team_id.is_not(None)))
            if session.scalar(select(Dispatch.id).where(
                Dispatch.id == dispatch_id,
                Dispatch.id.in_(dispatches_in_slice(Slice("team", t)))))]
        for status in [budget_status(session, year)] + [
                budget_status(session, year, team_id=t) for t in team_ids]:
            status = BudgetStatus(status.year, status.owner, status.budget_fen,
                                  status.spent_fen + fen, status.warning_percent)
            w = budget_warning(status)
            if w is not None:
                out["warnings"].append(w.message)
    return out


# ---- statements -------------------------------------------------------------------------

STATEMENT_COLUMNS = (("spent_on", "日期"), ("dispatch", "派遣"), ("expert", "专家"),
                     ("owner", "服务团/活动"), ("category", "类别"), ("amount", "金额（元）"),
                     ("payee", "收款人"), ("note", "备注"))


@dataclass(frozen=True)
class Statement:
    title: str
    rows: list[dict[str, Any]]
    by_category: dict[str, int]  # 分
    total_fen: int
    budget_fen: int | None = None
    standard_fen: int | None = None
    notes: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        lines = [f"{c}：{yuan_text(f)} 元" for c, f in self.by_category.items() if f]
        lines.append(f"合计：{yuan_text(self.total_fen)} 元")
        if self.standard_fen is not None:
            lines.append(f"按标准可报：{yuan_text(self.standard_fen)} 元")
        if self.budget_fen is not None:
            lines.append(f"预算：{yuan_text(self.budget_fen)} 元，"
                         f"余额：{yuan_text(self.budget_fen - self.total_fen)} 元")
        return lines + self.notes


def _statement(title: str, rows: list[dict[str, Any]], **kw: Any) -> Statement:
    by_category = {c: 0 for c in EXPENSE_CATEGORIES}
    for r in rows:
        r["owner"] = r["team"] or r["activity"]
        by_category[r["category"]] = by_category.get(r["category"], 0) + r["amount_fen"]
    return Statement(title, rows, by_category, sum(r["amount_fen"] for r in rows), **kw)


def dispatch_statement(session: Session, dispatch_key: int | str) -> Statement:
    dispatch = get_dispatch(session, dispatch_key)
    standard = dispatch_standard(session, dispatch.id)
    unit = session.scalar(select(Unit.name).join(Need, Need.unit_id == Unit.id)
                          .where(Need.id == dispatch.need_id))
    return _statement(f"派遣经费明细（{dispatch.code} {dispatch.expert.name} · {unit}）",
                      list_expenses(session, dispatch_id=dispatch.id),
                      standard_fen=standard.total_fen,
                      notes=[w.message for w in dispatch_warnings(session, dispatch.id)])


def team_statement(session: Session, team_key: int | str, year: int) -> Statement:
    team = _team(session, team_key)
    status = budget_status(session, year, team_id=team.id)
    w = budget_warning(status)
    return _statement(f"{team.name} {year} 年经费明细", list_expenses(
        session, ids=status.expense_ids), budget_fen=status.budget_fen,
        notes=[w.message] if w else [])


def year_statement(session: Session, year: int) -> Statement:
    status = budget_status(session, year)
    return _statement(f"{year} 年专家服务经费明细", list_expenses(session, year=year),
                      budget_fen=status.budget_fen,
                      notes=[w.message for w in warnings(session, year)])


def _statement_table(statement: Statement) -> tuple[list[str], list[list[Any]]]:
    header = [h for _, h in STATEMENT_COLUMNS]
    rows = [[r["spent_on"], r["dispatch"], r["expert"], r["owner"], r["category"],
             float(fen_to_yuan(r["amount_fen"])), r["payee"], r["note"]]
            for r in statement.rows]
    return header, rows


def statement_xlsx(statement: Statement, target: str | Path) -> Path:
    """The statement as a workbook: the rows, then the totals by category."""
    from openpyxl import Workbook

    from services.exchange import xlsx

    book = Workbook()
    sheet = book.active
    sheet.title = "经费明细"
    sheet.append([statement.title])
    sheet["A1"].font = xlsx.TITLE_FONT
    header, rows = _statement_table(statement)
    sheet.append(header)
    for cell in sheet[2]:
        cell.font, cell.fill, cell.border = xlsx.HEADER_FONT, xlsx.HEADER_FILL, xlsx.BORDER
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.font, cell.border = xlsx.BODY_FONT, xlsx.BORDER
        sheet.cell(sheet.max_row, 1).number_format = xlsx.DATE_FORMAT
        sheet.cell(sheet.max_row, 6).number_format = "#,##0.00"
    sheet.append([])
    for line in statement.summary_lines():
        sheet.append([line])
    for i, title in enumerate(header, 1):
        values = [r[i - 1] for r in rows]
        sheet.column_dimensions[chr(64 + i)].width = xlsx.column_width(title, values)
    sheet.freeze_panes = "A3"
    return xlsx.save_workbook(book, target, "经费明细")


def statement_pdf(session: Session, statement: Statement, target: str | Path) -> Path:
    """The statement as a landscape PDF table with its totals, for printing and signing."""
    from reportlab.lib.colors import Color
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm

    from services.documents.fonts import font_set
    from services.documents.page import SIZE_5, PdfJob, office
    from services.documents.typeset import Cell, Style, draw_row, layout_row

    info = office(session)
    job = PdfJob(target, font_set(session), title=statement.title, author=info.bureau,
                 landscape_pages=True)
    page_w, page_h = landscape(A4)
    left, width, top_y, bottom = 15 * mm, page_w - 30 * mm, page_h - 15 * mm, 15 * mm
    head = Style("hei", SIZE_5, leading=SIZE_5 * 1.3, align="center")
    cell = Style("fangsong", SIZE_5, leading=SIZE_5 * 1.35, align="left")
    num = cell.but(align="right")
    title = Style("title", 18, leading=26, align="center")
    fill = Color(0.92, 0.92, 0.92)
    widths = [w * width for w in (0.1, 0.12, 0.09, 0.15, 0.1, 0.1, 0.12, 0.22)]
    header, rows = _statement_table(statement)
    ts = job.ts
    try:
        top = ts.paragraph(left, top_y, width, statement.title, title) - 3 * mm
        head_row = layout_row(ts, [Cell(h, head) for h in header], widths)
        top = draw_row(ts, head_row, left, top, fill=fill)
        for r in rows:
            texts = [str(r[0]), r[1], r[2], r[3], r[4], f"{r[5]:,.2f}", r[6], r[7]]
            row = layout_row(ts, [Cell(t, num if i == 5 else cell)
                                  for i, t in enumerate(texts)], widths)
            if top - row.height < bottom:
                job.end_page()
                top = draw_row(ts, head_row, left, top_y, fill=fill)
            top = draw_row(ts, row, left, top)
        top -= 4 * mm
        for line in statement.summary_lines():
            if top - cell.pitch < bottom:
                job.end_page()
                top = top_y
            top = ts.paragraph(left, top, width, line, cell.but(size=12, leading=18))
        job.end_page()
    except BaseException:
        job.abort()
        raise
    job.finish()
    return Path(target)
