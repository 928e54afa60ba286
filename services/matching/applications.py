"""揭榜挂帅: the published list (榜单) of open needs, and experts or teams taking a need up.

An application records who applied, when, and their plan; its experts then appear first in
the need's ranking (``ranking.py``) with their own score and reasons.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Application,
    ApplicationStatus,
    Expert,
    Field,
    Need,
    NeedStatus,
    Township,
    Unit,
    Village,
)
from services import validation as v
from services.errors import DuplicateError, IllegalTransitionError, ValidationError
from services.experts import get_expert
from services.fields import field_path
from services.needs import get_need
from services.records import get_record, next_code

STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: "已揭榜",
    ApplicationStatus.SELECTED: "已选定",
    ApplicationStatus.NOT_SELECTED: "未选定",
    ApplicationStatus.WITHDRAWN: "已撤回",
}
_OPEN_APPLICATION = (ApplicationStatus.SUBMITTED, ApplicationStatus.SELECTED)

# Columns of the published list: (key, Chinese header).
PUBLISHED_COLUMNS = (
    ("code", "需求编号"),
    ("title", "需求名称"),
    ("unit", "需求单位"),
    ("place", "地点"),
    ("field", "专业领域"),
    ("window", "服务时间"),
    ("experts_wanted", "需要专家（人）"),
    ("days_wanted", "每次天数"),
    ("required_title", "职称要求"),
    ("priority", "重点帮扶"),
    ("applications", "已揭榜（个）"),
    ("description", "需求说明"),
)


def published_list(session: Session) -> list[dict[str, Any]]:
    """Needs open for application: reviewed (论证通过) and not yet given their experts."""
    counts = dict(session.execute(
        select(Application.need_id, func.count())
        .where(Application.status.in_(_OPEN_APPLICATION))
        .group_by(Application.need_id)).all())
    rows = session.execute(
        select(Need.id, Need.code, Need.title, Need.description, Need.field_id,
               Need.window_start, Need.window_end, Need.experts_wanted, Need.days_wanted,
               Need.required_title, Unit.name.label("unit"), Township.name.label("township"),
               Village.name.label("village"), Village.key_support, Village.poverty_alleviated)
        .join(Unit, Need.unit_id == Unit.id)
        .join(Township, Need.township_id == Township.id)
        .outerjoin(Village, Need.village_id == Village.id)
        .where(Need.status == NeedStatus.REVIEWED, Need.deleted_at.is_(None))
        .order_by(Need.window_start.is_(None), Need.window_start, Need.code))
    fields = {f.id: f for f in session.scalars(select(Field))}
    out = []
    for r in rows:
        window = (f"{r.window_start or '待定'} 至 {r.window_end or '待定'}"
                  if r.window_start or r.window_end else "待定")
        out.append({
            "need_id": r.id, "code": r.code, "title": r.title, "unit": r.unit,
            "place": r.township + (r.village or ""), "field": field_path(fields[r.field_id]),
            "window": window, "experts_wanted": r.experts_wanted, "days_wanted": r.days_wanted,
            "required_title": r.required_title or "不限",
            "priority": "是" if (r.key_support or r.poverty_alleviated) else "",
            "applications": counts.get(r.id, 0), "description": r.description,
        })
    return out


def published_csv(session: Session) -> str:
    """The published list as CSV text with Chinese headers (write it with encoding
    ``utf-8-sig`` so that Excel and WPS open it correctly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([h for _, h in PUBLISHED_COLUMNS])
    for row in published_list(session):
        writer.writerow([row[k] for k, _ in PUBLISHED_COLUMNS])
    return out.getvalue()


def apply(session: Session, need_key: int | str, experts: Iterable[int | str], *,
          team_name: str = "", plan: str = "", applied_on: Any = None) -> Application:
    """Record that an expert (or a team: several experts, the first is the lead) takes up a
    published need, with their plan."""
    need = get_need(session, need_key)
    if need.status != NeedStatus.REVIEWED:
        raise IllegalTransitionError(f"需求 {need.code} 不在榜单上（只有已论证、尚未确定专家的"
                                     "需求可以揭榜）。")
    members: list[Expert] = []
    for key in experts:
        expert = get_expert(session, key)
        if expert not in members:
            members.append(expert)
    if not members:
        raise ValidationError.single("experts", "请填写揭榜的专家。")
    for expert in members:
        if expert.employer_unit_id is not None and expert.employer_unit_id == need.unit_id:
            raise ValidationError.single(
                "experts", f"专家“{expert.name}”是需求单位的职工，存在利益冲突，不能揭榜本单位的需求。")
    team = v.optional_text("team_name", "团队名称", team_name, 100)
    if len(members) > 1 and not team:
        raise ValidationError.single("team_name", "多名专家一起揭榜时，请填写团队名称。")
    lead = members[0]
    other = session.scalar(select(Application).where(
        Application.need_id == need.id, Application.lead_expert_id == lead.id,
        Application.status.in_(_OPEN_APPLICATION)))
    if other is not None:
        raise DuplicateError.single("experts", f"专家“{lead.name}”已揭榜该需求（{other.code}）。")
    day = v.parse_date(applied_on, "applied_on", "揭榜日期") or date.today()
    application = Application(
        code=next_code(session, Application, f"JB-{day.year}-"), need_id=need.id,
        lead_expert_id=lead.id, team_name=team, applied_on=day,
        plan=v.optional_text("plan", "服务方案", plan, 5000))
    application.members = members
    session.add(application)
    session.flush()
    return application


def get_application(session: Session, code: str) -> Application:
    return get_record(session, Application, code, "揭榜申请")


def set_status(session: Session, code: str, status: ApplicationStatus,
               reason: str = "") -> Application:
    application = get_application(session, code)
    if application.status not in _OPEN_APPLICATION:
        raise IllegalTransitionError(
            f"揭榜申请 {application.code} 已{STATUS_LABELS[application.status][1:]}，不能再改。")
    if status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.NOT_SELECTED) and not \
            v.normalize_text(reason):
        raise ValidationError.single("reason", "撤回或不选定揭榜申请，必须填写原因。")
    application.status = status
    application.status_reason = v.normalize_text(reason)
    session.flush()
    return application


def list_applications(session: Session, need_key: int | str | None = None
                      ) -> list[dict[str, Any]]:
    stmt = select(Application).order_by(Application.applied_on, Application.code)
    if need_key is not None:
        stmt = stmt.where(Application.need_id == get_need(session, need_key).id)
    return [{
        "code": a.code, "need_code": a.need.code, "need_title": a.need.title,
        "applicant": a.team_name or a.lead.name, "lead": a.lead.name,
        "members": "、".join(m.name for m in a.members), "applied_on": a.applied_on,
        "plan": a.plan, "status": a.status, "status_label": STATUS_LABELS[a.status],
    } for a in session.scalars(stmt)]
