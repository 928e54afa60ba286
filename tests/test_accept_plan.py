"""Accepting a season plan writes what the office sees: the visits fixed or changed by hand
(pinned for the solver) are written like any other, visits that already are dispatches are
not written twice, and a visit accepted again after its dispatch was cancelled brings that
dispatch back instead of hitting the one-dispatch-per-visit rule (uq_dispatch_visit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Dispatch, DispatchStatus, NeedStatus
from services import dispatches, needs
from services import matching as m
from services.errors import ValidationError
from services.uow import UnitOfWork
from tests.matching_support import SmallCounty, add_need, build_county

Uow = Callable[..., UnitOfWork]
MAY = (date(2026, 5, 1), date(2026, 5, 31))


@pytest.fixture
def small(uow: Uow) -> SmallCounty:
    with uow() as u:
        county = build_county(u.session)
        u.commit()
    return county


def new_need(uow: Uow, small: SmallCounty, start: str = "2026-05-06",
             end: str = "2026-05-20") -> str:
    with uow() as u:
        code = add_need(u.session, small.coop, "茶园管理", start, end)
        u.commit()
    return code


def rows(uow: Uow, need_code: str) -> list[tuple[str, int, date, DispatchStatus, str]]:
    with uow() as u:
        need = needs.get_need(u.session, need_code)
        return [(d.code, d.expert_id, d.start_date, d.status, d.status_reason)
                for d in u.session.scalars(select(Dispatch).where(Dispatch.need_id == need.id)
                                           .order_by(Dispatch.id))]


def other_expert(plan: m.Plan, small: SmallCounty, uow: Uow) -> int:
    """The tea expert the plan did not choose."""
    from services.experts import get_expert

    with uow() as u:
        ids = {get_expert(u.session, c).id for c in (small.tea, small.tea2)}
    (other,) = ids - {plan.visits[0].expert_id}
    return other


def test_a_visit_changed_by_hand_is_written_by_accept_plan(uow: Uow, small: SmallCounty) -> None:
    code = new_need(uow, small)
    with uow() as u:
        plan = m.plan_season(u.session, *MAY, time_limit=5)
        day = plan.visits[0].start + timedelta(days=1)
        changed = dispatches.change_plan_visit(u.session, plan, 0,
                                               other_expert(plan, small, uow), day)
        (visit,) = changed.visits
        assert visit.pinned and not visit.dispatch_code
        # accept_plan itself, not the screen's wrapper: the fix is at the source.
        written = m.accept_plan(u.session, changed, u.actor)
        u.commit()
    assert [(d.expert_id, d.start_date) for d in written] == [(visit.expert_id, day)]
    ((_, expert_id, start, status, _),) = rows(uow, code)
    assert (expert_id, start, status) == (visit.expert_id, day, DispatchStatus.PLANNED)
    with uow() as u:
        assert needs.get_need(u.session, code).status == NeedStatus.MATCHED


def test_a_pin_kept_through_a_rerun_is_written(uow: Uow, small: SmallCounty) -> None:
    code = new_need(uow, small)
    with uow() as u:
        plan = m.plan_season(u.session, *MAY, time_limit=5)
        day = plan.visits[0].start + timedelta(days=2)
        changed = dispatches.change_plan_visit(u.session, plan, 0,
                                               plan.visits[0].expert_id, day)
        v = changed.visits[0]
        pins = dispatches.plan_pins(changed, [(v.need_id, v.expert_id, v.start)])
        rerun = m.plan_season(u.session, *MAY, pinned=pins, time_limit=5)
        (again,) = rerun.visits
        assert again.pinned and again.start == day
        m.accept_plan(u.session, rerun, u.actor)
        u.commit()
    assert [(r[2], r[3]) for r in rows(uow, code)] == [(day, DispatchStatus.PLANNED)]


def test_visits_that_already_are_dispatches_are_not_written_again(uow: Uow,
                                                                  small: SmallCounty) -> None:
    code = new_need(uow, small)
    with uow() as u:
        m.accept_plan(u.session, m.plan_season(u.session, *MAY, time_limit=5), u.actor)
        u.commit()
    ((dispatch_code, *_),) = rows(uow, code)
    with uow() as u:
        dispatches.confirm_dispatch(u.session, dispatch_code)
        u.commit()
    with uow() as u:
        replan = m.plan_season(u.session, *MAY, replan=True, time_limit=5)
        (fixed,) = replan.visits
        assert fixed.pinned and fixed.dispatch_code == dispatch_code
        assert m.accept_plan(u.session, replan, u.actor) == []
        u.commit()
    assert [(r[0], r[3]) for r in rows(uow, code)] == [(dispatch_code,
                                                         DispatchStatus.CONFIRMED)]


def test_accepting_a_cancelled_visit_again_brings_its_dispatch_back(uow: Uow,
                                                                    small: SmallCounty) -> None:
    code = new_need(uow, small)
    with uow() as u:
        plan = m.plan_season(u.session, *MAY, time_limit=5)
        m.accept_plan(u.session, plan, u.actor)
        u.commit()
    ((dispatch_code, expert_id, start, _, _),) = rows(uow, code)
    with uow() as u:
        dispatches.set_dispatch_status(u.session, dispatch_code, DispatchStatus.CANCELLED,
                                       "农户推迟采茶")
        needs.set_status(u.session, code, NeedStatus.REVIEWED, u.actor, "派遣取消")
        u.commit()
    with uow() as u:
        again = m.plan_season(u.session, *MAY, time_limit=5)
        # The office puts the same expert back on the same day.
        again = dispatches.change_plan_visit(u.session, again, 0, expert_id, start)
        written = dispatches.accept(u.session, again, u.actor)
        u.commit()
    assert [d.code for d in written] == [dispatch_code]
    ((code_after, expert_after, start_after, status, note),) = rows(uow, code)
    assert (code_after, expert_after, start_after) == (dispatch_code, expert_id, start)
    assert status == DispatchStatus.PLANNED
    assert "曾取消" in note and "农户推迟采茶" in note
    with uow() as u:
        assert needs.get_need(u.session, code).status == NeedStatus.MATCHED
        assert u.session.scalar(select(func.count()).select_from(Dispatch)) == 1


def test_create_dispatch_reuses_a_cancelled_one_and_refuses_a_declined_one(
        uow: Uow, small: SmallCounty) -> None:
    code = new_need(uow, small)
    data = {"need": code, "expert": small.tea, "start_date": "2026-05-11",
            "end_date": "2026-05-11", "tasks": "春茶采摘指导"}
    with uow() as u:
        first = dispatches.create_dispatch(u.session, data)
        dispatches.set_dispatch_status(u.session, first.id, DispatchStatus.CANCELLED, "下雨")
        first_code, first_id = first.code, first.id
        u.commit()
    with uow() as u:
        again = dispatches.create_dispatch(u.session, {**data, "end_date": "2026-05-12"})
        assert (again.id, again.code) == (first_id, first_code)
        assert again.status == DispatchStatus.PLANNED and again.days == 2
        assert again.tasks == "春茶采摘指导"
        dispatches.set_dispatch_status(u.session, again.id, DispatchStatus.DECLINED, "生病")
        u.commit()
    with uow() as u, pytest.raises(ValidationError) as exc:
        dispatches.create_dispatch(u.session, data)
    assert "已婉拒" in exc.value.message and first_code in exc.value.message
    with uow() as u:  # an overlap accepted explicitly still cannot duplicate the visit
        second = dispatches.create_dispatch(u.session, {**data, "start_date": "2026-05-14",
                                                        "end_date": "2026-05-14"})
        with pytest.raises(ValidationError) as dup:
            dispatches.create_dispatch(u.session, {**data, "start_date": "2026-05-14",
                                                   "end_date": "2026-05-14"},
                                       allow_overlap=True)
        assert second.code in dup.value.message
