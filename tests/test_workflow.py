"""services/workflow.py: the seven-step state machine of a need."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from models import Need, NeedEvent, NeedStatus
from services import needs, workflow
from services.errors import IllegalTransitionError, ValidationError
from services.uow import UnitOfWork
from tests.conftest import ACTOR, County, has_cjk

S = NeedStatus
LEGAL = {(t.source, t.target): t for t in workflow.TRANSITIONS}
ILLEGAL = [pair for pair in itertools.product(S, S) if pair not in LEGAL]
HAPPY_PATH = [S.REVIEWED, S.MATCHED, S.SERVED, S.SUMMARISED, S.CONTRACTED, S.PUBLICISED]

UowFactory = Callable[..., UnitOfWork]


def _pair_id(pair: tuple[NeedStatus, NeedStatus]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


def _new_need(uow: UowFactory, county: County, status: NeedStatus = S.SUBMITTED) -> str:
    """A need put straight into ``status`` (bypassing the workflow, as a fixture may)."""
    with uow() as u:
        need = needs.create_need(u.session, {
            "title": "春茶采摘期茶园病虫害绿色防控", "unit": county.coop, "field": "茶叶",
            "submitted_on": date(2026, 3, 1),
        }, u.actor)
        need.status = status
        u.commit()
        return need.code


def test_transition_table_is_sane() -> None:
    assert len(LEGAL) == len(workflow.TRANSITIONS), "a pair is listed twice"
    assert len(ILLEGAL) == len(S) ** 2 - len(LEGAL)
    for t in workflow.TRANSITIONS:
        assert t.source != t.target
        assert has_cjk(t.action)
    # The ways out always need a reason.
    for t in workflow.TRANSITIONS:
        if t.target in (S.REJECTED, S.WITHDRAWN):
            assert t.reason_required
    # Every status is reachable from submitted.
    seen, todo = {S.SUBMITTED}, [S.SUBMITTED]
    while todo:
        for t in workflow.allowed_transitions(todo.pop()):
            if t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    assert seen == set(S)


@pytest.mark.parametrize("move", workflow.TRANSITIONS,
                         ids=[_pair_id((t.source, t.target)) for t in workflow.TRANSITIONS])
def test_every_legal_transition(uow: UowFactory, county: County,
                                move: workflow.Transition) -> None:
    code = _new_need(uow, county, move.source)
    reason = "乡镇已另行安排技术员" if move.reason_required else ""
    with uow("审核员甲") as u:
        event = workflow.transition(u.session, needs.get_need(u.session, code), move.target,
                                    u.actor, reason)
        assert event.id is not None
        u.commit()
    with uow() as u:
        need = needs.get_need(u.session, code)
        assert need.status == move.target
        last = need.events[-1]
        assert (last.actor, last.from_status, last.to_status, last.reason) == (
            "审核员甲", move.source, move.target, reason)
        assert last.at is not None


@pytest.mark.parametrize("pair", ILLEGAL, ids=[_pair_id(p) for p in ILLEGAL])
def test_every_illegal_transition_is_refused(
    uow: UowFactory, county: County, pair: tuple[NeedStatus, NeedStatus]
) -> None:
    source, target = pair
    code = _new_need(uow, county, source)
    with uow() as u:
        need = needs.get_need(u.session, code)
        events_before = len(need.events)
        with pytest.raises(IllegalTransitionError) as info:
            # A reason must not make an illegal move legal.
            workflow.transition(u.session, need, target, u.actor, "理由充分")
        message = info.value.message
        assert has_cjk(message)
        assert code in message
        assert workflow.status_label(source) in message
        assert workflow.status_label(target) in message
        assert need.status == source
        assert len(need.events) == events_before
        u.commit()
    with uow() as u:
        assert needs.get_need(u.session, code).status == source


@pytest.mark.parametrize("move", [t for t in workflow.TRANSITIONS if t.reason_required],
                         ids=[_pair_id((t.source, t.target))
                              for t in workflow.TRANSITIONS if t.reason_required])
@pytest.mark.parametrize("reason", ["", "   ", "\u3000\t\n"])
def test_reason_required(uow: UowFactory, county: County, move: workflow.Transition,
                         reason: str) -> None:
    code = _new_need(uow, county, move.source)
    with uow() as u:
        need = needs.get_need(u.session, code)
        with pytest.raises(ValidationError) as info:
            workflow.transition(u.session, need, move.target, u.actor, reason)
        assert list(info.value.errors) == ["reason"]
        assert has_cjk(info.value.message) and move.action in info.value.message
        assert need.status == move.source


def test_reason_is_kept_when_optional_and_limited_in_length(uow: UowFactory,
                                                            county: County) -> None:
    code = _new_need(uow, county)
    with uow() as u:
        need = needs.get_need(u.session, code)
        with pytest.raises(ValidationError):
            workflow.transition(u.session, need, S.REVIEWED, u.actor, "长" * 2001)
        event = workflow.transition(u.session, need, S.REVIEWED, u.actor, "  需求真实、可行 ")
        assert event.reason == "需求真实、可行"


def test_happy_path(uow: UowFactory, county: County) -> None:
    code = _new_need(uow, county)
    for target in HAPPY_PATH:
        with uow() as u:
            needs.set_status(u.session, code, target, u.actor)
            u.commit()
    with uow() as u:
        need = needs.get_need(u.session, code)
        assert need.status == S.PUBLICISED
        steps = [(e.from_status, e.to_status) for e in need.events]
        assert steps == [(None, S.SUBMITTED), *zip([S.SUBMITTED, *HAPPY_PATH[:-1]], HAPPY_PATH,
                                                   strict=True)]
        assert {e.actor for e in need.events} == {ACTOR}
        # Stored too, not only in the session.
        stored = u.session.scalars(
            select(NeedEvent.to_status).where(NeedEvent.need_id == need.id).order_by(NeedEvent.id)
        ).all()
        assert stored == [S.SUBMITTED, *HAPPY_PATH]
        assert workflow.allowed_transitions(need.status) == []
        # A finished need explains that it is finished.
        with pytest.raises(IllegalTransitionError) as info:
            needs.set_status(u.session, code, S.SERVED, u.actor)
        assert "已结束" in info.value.message


def test_reject_then_resubmit(uow: UowFactory, county: County) -> None:
    code = _new_need(uow, county)
    with uow() as u:
        needs.set_status(u.session, code, "已驳回", u.actor, "不属于专家服务范围")
        needs.set_status(u.session, code, "submitted", u.actor, "补充材料后重新申报")
        needs.set_status(u.session, code, "论证", u.actor)  # label without 已
        u.commit()
    with uow() as u:
        need = u.session.scalar(select(Need).where(Need.code == code))
        assert need is not None and need.status == S.REVIEWED
        assert [e.reason for e in need.events[1:]] == ["不属于专家服务范围", "补充材料后重新申报", ""]


def test_status_labels_are_chinese() -> None:
    assert set(workflow.STATUS_LABELS) == set(S)
    labels = list(workflow.STATUS_LABELS.values())
    assert len(set(labels)) == len(labels)
    for status in S:
        label = workflow.status_label(status)
        assert has_cjk(label)
        assert workflow.status_label(status.value) == label
    assert workflow.status_label(S.SUBMITTED) == "已申报"
    assert workflow.status_label(S.PUBLICISED) == "已宣传"
    assert set(workflow.STEP_NAMES) == set(HAPPY_PATH) | {S.SUBMITTED}


@pytest.mark.parametrize("status", list(S), ids=[s.value for s in S])
def test_parse_status(status: NeedStatus) -> None:
    assert workflow.parse_status(status.value) == status
    assert workflow.parse_status(workflow.STATUS_LABELS[status]) == status
    assert workflow.parse_status(f"  {workflow.STATUS_LABELS[status]} ") == status


@pytest.mark.parametrize("text", ["", "done", "已完成", "Reviewed?", "审核"])
def test_parse_status_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        workflow.parse_status(text)
    assert list(info.value.errors) == ["status"]
    assert has_cjk(info.value.message) and "reviewed（已论证）" in info.value.message


def test_history_and_audit_times_are_the_office_clock(uow: UowFactory, county: County,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A county office in China is eight hours ahead of UTC, which is what SQLite's
    CURRENT_TIMESTAMP gives: history and audit times must be local, or a need reviewed at
    07:30 on 1 January would be counted in the old year."""
    import time
    from datetime import datetime, timedelta

    from models import AuditEntry

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        code = _new_need(uow, county)
        with uow() as u:
            needs.set_status(u.session, code, S.REVIEWED, u.actor)
            u.commit()
        now = datetime.now()
        with uow() as u:
            need = needs.get_need(u.session, code)
            assert all(abs(e.at - now) < timedelta(minutes=5) for e in need.events)
            entry = u.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert entry is not None and abs(entry.at - now) < timedelta(minutes=5)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
