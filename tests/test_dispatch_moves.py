"""Moving a dispatch by hand (the calendar's drag and drop): days kept, the conflict check,
overrides with a reason, reassigning, the audit; and the calendar board's data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from models import Dispatch, DispatchStatus
from services import audit, dispatch_moves, dispatches
from services.errors import ServiceError
from services.matching import conflicts
from services.uow import UnitOfWork
from tests.conftest import has_cjk
from tests.matching_support import SmallCounty, add_need, build_county

Uow = Callable[..., UnitOfWork]


@pytest.fixture
def small(uow: Uow) -> SmallCounty:
    with uow() as u:
        county = build_county(u.session)
        u.commit()
    return county


def make_dispatch(uow: Uow, unit: str, field: str, expert: str, start: str, end: str,
                  window: tuple[str, str] = ("2026-04-25", "2026-05-31"),
                  status: DispatchStatus | None = None) -> str:
    with uow() as u:
        need = add_need(u.session, unit, field, *window)
        d = dispatches.create_dispatch(u.session, {"need": need, "expert": expert,
                                                   "start_date": start, "end_date": end})
        if status is not None:
            dispatches.set_dispatch_status(u.session, d.code, DispatchStatus.CONFIRMED)
            if status == DispatchStatus.COMPLETED:
                dispatches.set_dispatch_status(u.session, d.code, DispatchStatus.COMPLETED)
            elif status == DispatchStatus.CANCELLED:
                dispatches.set_dispatch_status(u.session, d.code, status, "天气原因")
        u.commit()
        return d.code


def state(uow: Uow, code: str) -> tuple[date, date, int, DispatchStatus, str]:
    with uow() as u:
        d = dispatches.get_dispatch(u.session, code)
        return d.start_date, d.end_date, d.expert_id, d.status, d.status_reason


def test_move_keeps_the_number_of_days_and_is_audited(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2026-05-11", "2026-05-13")
    with uow() as u:
        result = dispatch_moves.move_dispatch(u.session, code, "2026-05-18")
        u.commit()
    assert (result.start, result.end) == (date(2026, 5, 18), date(2026, 5, 20))
    start, end, _expert, status, reason = state(uow, code)
    assert (start, end, status) == (date(2026, 5, 18), date(2026, 5, 20),
                                    DispatchStatus.PLANNED)
    assert "5月11日" in reason and "5月18日" in reason
    with uow() as u:
        d = dispatches.get_dispatch(u.session, code)
        entries = [(e.action, e.actor, e.before, e.after)
                   for e in audit.history(u.session, "Dispatch", d.id)]
    assert entries, "the move must leave an audit entry"
    action, actor, before, after = entries[-1]
    assert (action, actor) == ("update", "测试员")
    assert before["start_date"] == "2026-05-11" and after["start_date"] == "2026-05-18"


def test_history_cannot_move(uow: Uow, small: SmallCounty) -> None:
    done = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2026-05-11", "2026-05-11",
                         status=DispatchStatus.COMPLETED)
    gone = make_dispatch(uow, small.coop, "茶园管理", small.tea2, "2026-05-12", "2026-05-12",
                         status=DispatchStatus.CANCELLED)
    for code in (done, gone):
        with uow() as u, pytest.raises(ServiceError) as err:
            dispatch_moves.move_dispatch(u.session, code, "2026-05-20")
        assert has_cjk(err.value.message) and code in err.value.message


def test_hard_conflict_refuses_then_override_with_reason(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2026-05-11", "2026-05-12")
    other = make_dispatch(uow, small.coop, "茶叶", small.tea, "2026-05-20", "2026-05-21")
    with uow() as u, pytest.raises(conflicts.ConflictCheckError) as err:
        dispatch_moves.move_dispatch(u.session, code, "2026-05-20")
    assert other in err.value.message and "同一天不能去两个地方" in err.value.message
    assert any(f.kind == conflicts.DOUBLE_BOOKED for f in err.value.findings)
    assert state(uow, code)[:2] == (date(2026, 5, 11), date(2026, 5, 12))

    with uow() as u:
        result = dispatch_moves.move_dispatch(u.session, code, "2026-05-20",
                                              override_reason="同一乡镇上午、下午两项服务")
        u.commit()
    assert any(f.kind == conflicts.DOUBLE_BOOKED for f in result.findings)
    start, _end, _e, _s, reason = state(uow, code)
    assert start == date(2026, 5, 20)
    assert "已确认冲突：同一乡镇上午、下午两项服务" in reason


def test_outside_window_is_hard(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2026-05-11", "2026-05-11")
    with uow() as u:
        check = dispatch_moves.check_move(u.session, code, date(2026, 6, 10))
    assert [f.kind for f in check.hard] == [conflicts.OUTSIDE_WINDOW]
    assert check.overridable


def test_soft_findings_come_back_and_the_move_is_made(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2026-05-11", "2026-05-11")
    with uow() as u:
        result = dispatch_moves.move_dispatch(u.session, code, "2026-05-01")  # 劳动节
        u.commit()
    assert [f.kind for f in result.findings] == [conflicts.HOLIDAY]
    assert state(uow, code)[0] == date(2026, 5, 1)


def test_reassign_to_another_expert(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2026-05-11", "2026-05-12",
                         status=DispatchStatus.CONFIRMED)
    with uow() as u:
        result = dispatch_moves.move_dispatch(u.session, code, "2026-05-11", small.tea2)
        u.commit()
        tea2 = dispatches.get_dispatch(u.session, code).expert.code
    assert tea2 == small.tea2
    _s, _e, _x, status, reason = state(uow, code)
    # The new expert has not agreed yet: back to 拟派.
    assert status == DispatchStatus.PLANNED and result.status == DispatchStatus.PLANNED
    assert "张明远 → 王春茶" in reason and "重新确认" in reason


def test_conflict_of_interest_is_never_overridden(uow: Uow, small: SmallCounty) -> None:
    with uow() as u:
        need = add_need(u.session, small.clinic, "全科", "2026-05-01", "2026-05-31")
        vet = dispatches.create_dispatch(u.session, {"need": need, "expert": small.vet,
                                                     "start_date": "2026-05-11"}).code
        u.commit()
    with uow() as u, pytest.raises(conflicts.ConflictCheckError) as err:
        dispatch_moves.move_dispatch(u.session, vet, "2026-05-11", small.doctor,
                                     override_reason="领导同意")
    assert "利益冲突" in err.value.message
    with uow() as u:
        assert dispatches.get_dispatch(u.session, vet).expert.code == small.vet


def test_board_lists_days_dispatches_and_open_needs(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2026-04-03", "2026-04-06",
                         window=("2026-04-01", "2026-04-30"))
    with uow() as u:
        board = dispatch_moves.board(u.session, date(2026, 3, 30), date(2026, 5, 10))
    day = board.day(date(2026, 4, 5))
    assert day is not None and day.solar_term == "清明" and day.holiday_name
    assert board.region and board.crops
    assert [d.code for d in board.dispatches_on(date(2026, 4, 4))] == [code]
    assert board.dispatches_on(date(2026, 4, 7)) == []
    chip = board.dispatches_on(date(2026, 4, 4))[0]
    assert (chip.expert, chip.unit) == ("张明远", "石门村茶叶专业合作社")
    assert chip.in_progress(date(2026, 4, 4)) is False  # planned, not confirmed
    assert [n.title for n in board.needs_on(date(2026, 4, 20))] == ["茶园管理技术指导"]
    assert board.needs_on(date(2026, 5, 5)) == []
    with uow() as u:
        count = len(list(u.session.scalars(select(Dispatch))))
    assert count == 1
