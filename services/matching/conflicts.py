"""The conflict check for a visit entered or moved by hand, before it is saved.

Each problem is a typed ``Finding`` with a Chinese message. Hard findings block the save unless
the office overrides them explicitly with a reason (e.g. a morning and an afternoon visit in
the same township); some hard findings can never be overridden (conflict of interest, a need
that is not open). Soft findings only warn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Dispatch, DispatchStatus, Need, NeedStatus, Township
from services import dispatches
from services import validation as v
from services.errors import ServiceError, ValidationError
from services.experts import get_expert
from services.matching import calendar_link, config, loading
from services.matching.availability import Usage, month_days
from services.matching.explain import cn_date, cn_range
from services.matching.fieldtree import NONE
from services.matching.needstate import update_need_statuses
from services.matching.scoring import TITLE_RANK
from services.needs import get_need

HARD = "hard"
SOFT = "soft"

# Kinds of finding.
NEED_CLOSED = "need_closed"
CONFLICT_OF_INTEREST = "conflict_of_interest"
DOUBLE_BOOKED = "double_booked"
OUTSIDE_WINDOW = "outside_window"
UNAVAILABLE = "unavailable"
HOLIDAY = "holiday"
WEEKEND = "weekend"
MONTH_CAP = "month_cap"
YEAR_CAP = "year_cap"
SPECIALTY = "specialty"
TITLE = "title"
DAYS = "days"
DECLINED = "declined"
TEAM_FULL = "team_full"

_OPEN = (NeedStatus.REVIEWED, NeedStatus.MATCHED, NeedStatus.SERVED)


@dataclass(frozen=True)
class Finding:
    """``severity``: "hard" blocks the save, "soft" warns; ``overridable``: a hard finding the
    office may accept explicitly; ``dispatch_code``: the other dispatch involved, if any."""

    kind: str
    severity: str
    message: str
    overridable: bool = True
    dispatch_code: str = ""

    @property
    def hard(self) -> bool:
        return self.severity == HARD


class ConflictCheckError(ValidationError):
    """A save refused by the conflict check; ``findings`` lists every problem found."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        hard = [f for f in findings if f.hard]
        super().__init__({"start_date": "；".join(f.message for f in hard)})


def _days(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def check_visit(session: Session, need_key: int | str, expert_key: int | str, start: date,
                end: date, *, exclude_dispatch: int | str | None = None) -> list[Finding]:
    """Every problem of sending the expert to the need from ``start`` to ``end``.
    ``exclude_dispatch``: the dispatch being edited (it does not clash with itself)."""
    if end < start:
        raise ValidationError.single("end_date", f"结束日期（{end}）早于开始日期（{start}）。")
    need_row = get_need(session, need_key)
    expert_row = get_expert(session, expert_key)
    exclude_id = (dispatches.get_dispatch(session, exclude_dispatch).id
                  if exclude_dispatch is not None else None)
    rules = config.rules(session)
    (need,) = loading.need_infos(session, list(session.execute(
        loading.need_query().where(Need.id == need_row.id))))
    expert = loading.expert_infos(session, [expert_row.id], start, end)[expert_row.id]
    name = expert.name
    out: list[Finding] = []

    if need_row.status not in _OPEN:
        out.append(Finding(NEED_CLOSED, HARD, f"需求 {need.code} 尚未通过论证或已结束，不能派遣专家。",
                           overridable=False))
    if expert.employer_unit_id is not None and expert.employer_unit_id == need.unit_id:
        out.append(Finding(CONFLICT_OF_INTEREST, HARD,
                           f"{name}是需求单位“{need.unit_name}”的职工，存在利益冲突，不能派往本单位。",
                           overridable=False))

    # Other dispatches of this expert: the same days, and the caps of the months and years.
    year_lo, year_hi = date(start.year, 1, 1), date(end.year, 12, 31)
    others = [x for x in loading.active_visits(session, year_lo, year_hi, [expert.id])
              if x.dispatch_id != exclude_id]
    townships = dict(session.execute(
        select(Dispatch.id, Township.name).join(Need, Dispatch.need_id == Need.id)
        .join(Township, Need.township_id == Township.id)
        .where(Dispatch.id.in_([x.dispatch_id for x in others] or [-1]))).all())
    for x in others:
        if x.start <= end and x.end >= start:
            place = townships.get(x.dispatch_id or 0, "")
            hint = ("；如是同一乡镇上午、下午两项服务，可确认后仍然保存"
                    if place == need.township_name else "")
            days = cn_range(max(x.start, start), min(x.end, end))
            out.append(Finding(DOUBLE_BOOKED, HARD,
                               f"{name}在 {days} 已有派遣 {x.dispatch_code}（{place}），"
                               f"同一天不能去两个地方{hint}。", dispatch_code=x.dispatch_code))
    usage = Usage.of(others)
    for (y, m), n in month_days(start, (end - start).days + 1).items():
        used = usage.used_month(expert.id, (y, m))
        if used + n > expert.month_cap:
            out.append(Finding(MONTH_CAP, HARD, f"{name}{y}年{m}月已服务 {used} 天，再加 {n} 天"
                                                f"超过每月上限 {expert.month_cap} 天。"))
    per_year: dict[int, int] = {}
    for d in _days(start, end):
        per_year[d.year] = per_year.get(d.year, 0) + 1
    for y, n in per_year.items():
        used = usage.used_year(expert.id, y)
        if used + n > expert.year_cap:
            out.append(Finding(YEAR_CAP, HARD, f"{name}{y}年已服务 {used} 天，再加 {n} 天超过"
                                               f"每年上限 {expert.year_cap} 天。"))

    # The need's window, the expert's own days, the calendar.
    if need.window_start and need.window_end and (start < need.window_start
                                                  or end > need.window_end):
        out.append(Finding(OUTSIDE_WINDOW, HARD,
                           f"{cn_range(start, end)} 不在需求的时间窗口 "
                           f"{cn_range(need.window_start, need.window_end)} 内。"))
    away = [d for d in _days(start, end) if expert.is_unavailable(d)]
    if away:
        out.append(Finding(UNAVAILABLE, HARD, f"{name}在 {cn_range(away[0], away[-1])} 不可服务"
                                              "（见专家的不可服务时段）。"))
    calendar = calendar_link.day_rules(session, start, end)
    off = [d for d in _days(start, end) if d in calendar.off]
    if off and not rules.allow_holidays:
        holiday = calendar.names.get(off[0], "放假")
        out.append(Finding(HOLIDAY, SOFT, f"{cn_date(off[0])}是节假日（{holiday}），"
                                          "按设置节假日不安排服务。"))
    weekend = [d for d in _days(start, end)
               if d.weekday() >= 5 and d not in calendar.workdays]
    if weekend and not rules.allow_weekends:
        out.append(Finding(WEEKEND, SOFT, f"{cn_date(weekend[0])}是周末，按设置周末不安排服务。"))

    # Fit of the expert to what the need asks.
    tree = loading.field_tree(session)
    match = tree.match(need.field_id, expert.field_ids)
    field_name = tree.name(need.field_id)
    if match.level == NONE:
        out.append(Finding(SPECIALTY, HARD, f"{name}的专长与需求的专业领域“{field_name}”不对口。"))
    elif match.rank < rules.min_match_rank:
        out.append(Finding(SPECIALTY, SOFT, f"{name}的专长（{tree.name(match.field_id)}）与"
                                            f"“{field_name}”只是同一领域，专业对口程度较低。"))
    if need.required_title and TITLE_RANK.get(expert.title, 0) < TITLE_RANK[need.required_title]:
        out.append(Finding(TITLE, SOFT, f"{name}的职称（{expert.title}）低于需求要求的"
                                        f"{need.required_title}。"))
    if (end - start).days + 1 != need.days:
        out.append(Finding(DAYS, SOFT, f"本次 {(end - start).days + 1} 天，需求要求每次连续 "
                                       f"{need.days} 天。"))
    if expert.id in need.declined:
        out.append(Finding(DECLINED, SOFT, f"{name}曾婉拒该需求。"))
    team = set(session.scalars(select(Dispatch.expert_id).where(
        Dispatch.need_id == need.id, Dispatch.status.in_(loading.ACTIVE),
        Dispatch.id != (exclude_id or -1))))
    if expert.id not in team and len(team) >= need.experts_wanted:
        out.append(Finding(TEAM_FULL, SOFT, f"需求 {need.code} 已有 {len(team)} 名专家，"
                                            f"需求只要 {need.experts_wanted} 名。"))
    return out


def assign(session: Session, need_key: int | str, expert_key: int | str, start: Any,
           end: Any = None, *, override: bool = False, reason: str = "",
           actor: str = "", tasks: str = "") -> tuple[Dispatch, list[Finding]]:
    """Save a visit entered by hand as a dispatch (拟派) after the conflict check.

    Hard findings refuse the save (``ConflictCheckError`` with every finding) unless
    ``override`` is given with a ``reason`` and each hard finding is overridable; soft findings
    are returned as warnings. When the need then has all its experts it becomes ``matched``.
    """
    c = v.Collector()
    s = c.check(v.parse_date, start, "start_date", "开始日期")
    e = c.check(v.parse_date, end or start, "end_date", "结束日期")
    if s is None and "start_date" not in c.errors:
        c.add("start_date", "请填写开始日期。")
    c.raise_if_any()
    assert s is not None and e is not None
    findings = check_visit(session, need_key, expert_key, s, e)
    hard = [f for f in findings if f.hard]
    if hard and (not override or any(not f.overridable for f in hard)):
        raise ConflictCheckError(findings)
    reason = v.normalize_text(reason)
    if hard and not reason:
        raise ValidationError.single("reason", "确认冲突后仍要保存，必须写明原因。")
    need = get_need(session, need_key)
    expert = get_expert(session, expert_key)
    dispatch = dispatches.create_dispatch(
        session, {"need_id": need.id, "expert_id": expert.id, "start_date": s, "end_date": e,
                  "tasks": tasks or need.title},
        allow_overlap=any(f.kind == DOUBLE_BOOKED for f in hard))
    if hard:
        dispatch.status_reason = "已确认冲突：" + reason
    update_need_statuses(session, [need.id], actor or "本机用户", "专家已确定")
    session.flush()
    return dispatch, [f for f in findings if not f.hard or override]


def check_dispatch(session: Session, code: str) -> list[Finding]:
    """The conflict check of an existing dispatch (e.g. after its expert's leave changed)."""
    d = dispatches.get_dispatch(session, code)
    if d.status not in (DispatchStatus.PLANNED, DispatchStatus.CONFIRMED):
        raise ServiceError(f"派遣 {d.code} 已{dispatches.STATUS_LABELS[d.status][1:]}，无需检查。")
    return check_visit(session, d.need_id, d.expert_id, d.start_date, d.end_date,
                       exclude_dispatch=d.id)
