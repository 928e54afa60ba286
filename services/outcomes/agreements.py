"""Long-term agreements (受聘签约, step 6 of the method): an expert retained by a unit for a
term in a role such as 特聘专家 or 专家工作站, usually after a dispatch there."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Dispatch, Expert, NeedStatus, Unit
from models.outcomes import AGREEMENT_ROLES, Agreement
from services import dispatches
from services import validation as v
from services.errors import NotFoundError, ValidationError
from services.experts import get_expert
from services.outcomes.progress import advance_need
from services.records import apply, check_version
from services.units import get_unit

EDITABLE = ("expert_id", "unit_id", "dispatch_id", "role", "signed_on", "start_date",
            "end_date", "note")


def _values(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    c = v.Collector()
    dispatch: Dispatch | None = None
    dispatch_key = data.get("dispatch_id") or data.get("dispatch")
    if dispatch_key not in (None, ""):
        try:
            dispatch = dispatches.get_dispatch(session, dispatch_key)
        except NotFoundError as exc:
            c.add("dispatch_id", exc.message)
    expert_key = data.get("expert_id") or data.get("expert") or (
        dispatch.expert_id if dispatch else None)
    unit_key = data.get("unit_id") or data.get("unit") or (
        dispatch.need.unit_id if dispatch else None)
    expert: Expert | None = None
    unit: Unit | None = None
    if expert_key in (None, ""):
        c.add("expert_id", "请选择受聘的专家。")
    else:
        try:
            expert = get_expert(session, expert_key)
        except NotFoundError as exc:
            c.add("expert_id", exc.message)
    if unit_key in (None, ""):
        c.add("unit_id", "请选择聘请单位。")
    else:
        try:
            unit = get_unit(session, unit_key)
        except NotFoundError as exc:
            c.add("unit_id", exc.message)
    role = c.check(v.choice, data.get("role") or "特聘专家", "role", "受聘身份", AGREEMENT_ROLES)
    signed = c.check(v.parse_date, data.get("signed_on"), "signed_on", "签约日期")
    if signed is None and "signed_on" not in c.errors:
        c.add("signed_on", "请填写签约日期。")
    elif signed is not None and signed > date.today():
        c.add("signed_on", f"签约日期（{signed}）晚于今天，请核对。")
    start = c.check(v.parse_date, data.get("start_date"), "start_date", "聘期开始") or signed
    end = c.check(v.parse_date, data.get("end_date"), "end_date", "聘期结束")
    if start and end:
        c.check(v.window, start, end, "end_date", "聘期")
    note = c.check(v.optional_text, "note", "备注", data.get("note"), 2000)
    if dispatch is not None and expert is not None and dispatch.expert_id != expert.id:
        c.add("expert_id", f"派遣 {dispatch.code} 的专家不是“{expert.name}”。")
    c.raise_if_any()
    assert expert and unit
    return {"expert_id": expert.id, "unit_id": unit.id,
            "dispatch_id": dispatch.id if dispatch else None, "role": role, "signed_on": signed,
            "start_date": start, "end_date": end, "note": note}


def _advance(session: Session, agreement: Agreement) -> None:
    """Step 6 of the method: the need of the dispatch goes 已总结 → 已签约 (progress.py)."""
    if agreement.dispatch_id is not None:
        dispatch = session.get(Dispatch, agreement.dispatch_id)
        unit = session.get(Unit, agreement.unit_id)
        advance_need(session, dispatch, NeedStatus.CONTRACTED,
                     f"登记受聘签约：{unit.name if unit else ''}聘为{agreement.role}")


def create_agreement(session: Session, data: dict[str, Any]) -> Agreement:
    agreement = Agreement(**_values(session, data))
    session.add(agreement)
    session.flush()
    _advance(session, agreement)
    return agreement


def get_agreement(session: Session, agreement_id: int) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFoundError(f"找不到签约记录（编号 {agreement_id}），可能已被删除。")
    return agreement


def update_agreement(session: Session, agreement_id: int, changes: dict[str, Any],
                     expected_version: int | None = None) -> Agreement:
    agreement = get_agreement(session, agreement_id)
    check_version(agreement, expected_version, "签约记录")
    current = {k: getattr(agreement, k) for k in EDITABLE}
    for name in ("expert", "unit", "dispatch"):
        if name in changes:
            current.pop(f"{name}_id")
    apply(agreement, _values(session, current | changes))
    session.flush()
    _advance(session, agreement)
    return agreement


def delete_agreement(session: Session, agreement_id: int) -> None:
    session.delete(get_agreement(session, agreement_id))
    session.flush()


def list_agreements(session: Session, *, dispatch_id: int | None = None,
                    expert_id: int | None = None) -> list[dict[str, Any]]:
    stmt = (select(Agreement.id, Agreement.role, Agreement.signed_on, Agreement.start_date,
                   Agreement.end_date, Agreement.note, Agreement.dispatch_id,
                   Agreement.version, Expert.code.label("expert_code"),
                   Expert.name.label("expert"), Unit.code.label("unit_code"),
                   Unit.name.label("unit"))
            .join(Expert, Agreement.expert_id == Expert.id)
            .join(Unit, Agreement.unit_id == Unit.id)
            .order_by(Agreement.signed_on, Agreement.id))
    if dispatch_id is not None:
        stmt = stmt.where(Agreement.dispatch_id == dispatch_id)
    if expert_id is not None:
        stmt = stmt.where(Agreement.expert_id == expert_id)
    return [dict(r._mapping) for r in session.execute(stmt)]


def check(session: Session, data: dict[str, Any]) -> dict[str, str]:
    try:
        _values(session, data)
    except ValidationError as exc:
        return exc.errors
    return {}


def agreement_values(session: Session, agreement_id: int) -> dict[str, Any]:
    """The stored values of an agreement, for its edit form."""
    agreement = get_agreement(session, agreement_id)
    return {k: getattr(agreement, k) for k in EDITABLE} | {
        "id": agreement.id, "version": agreement.version}
