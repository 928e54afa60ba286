"""Dispatch services of the dispatches screen: the notification texts for WeChat/SMS, the list
with its 进行中 state, a refusal with its replacements, and the planning-board helpers
(changing, removing and comparing proposals)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

import pytest

from models import DispatchStatus, NeedStatus
from services import dispatches, needs, notifications
from services import matching as m
from services.errors import ValidationError
from services.matching.conflicts import ConflictCheckError
from services.uow import UnitOfWork
from tests.conftest import has_cjk
from tests.matching_support import SmallCounty, add_need, build_county

Uow = Callable[..., UnitOfWork]
MAY = (date(2026, 5, 1), date(2026, 5, 31))


@pytest.fixture
def small(uow: Uow) -> SmallCounty:
    with uow() as u:
        county = build_county(u.session)
        u.commit()
    return county


def _dispatch(uow: Uow, small: SmallCounty, start: str = "2026-05-12", end: str = "2026-05-13",
              expert: str | None = None) -> str:
    with uow() as u:
        need = add_need(u.session, small.coop, "茶园管理", "2026-05-06", "2026-05-20")
        d = dispatches.create_dispatch(u.session, {"need": need, "expert": expert or small.tea,
                                                   "start_date": start, "end_date": end})
        u.commit()
        return d.code


def test_notice_for_the_expert_names_unit_place_dates_and_tasks(uow: Uow,
                                                                 small: SmallCounty) -> None:
    code = _dispatch(uow, small)
    with uow() as u:
        text = notifications.expert_notice(u.session, code)
    assert text.startswith("张明远")
    for part in ("石门村茶叶专业合作社", "5月12日", "5月13日", "共 2 天", "石门村", code,
                 "服务内容", "请回复"):
        assert part in text, part
    assert "<" not in text and "\t" not in text  # plain text for WeChat/SMS


def test_notice_for_the_unit_names_the_expert_and_dates(uow: Uow, small: SmallCounty) -> None:
    code = _dispatch(uow, small)
    with uow() as u:
        dispatches.confirm_dispatch(u.session, code)
        u.commit()
    with uow() as u:
        text = notifications.notice(u.session, code, "unit")
    for part in ("张明远", "石门村茶叶专业合作社", "2026年5月12日", "回执", code):
        assert part in text, part
    assert "专家确认后" not in text  # confirmed: no longer provisional


def test_no_notice_for_a_declined_dispatch(uow: Uow, small: SmallCounty) -> None:
    code = _dispatch(uow, small)
    with uow() as u:
        dispatches.set_dispatch_status(u.session, code, DispatchStatus.DECLINED, "出差")
        u.commit()
    with uow() as u, pytest.raises(ValidationError) as exc:
        notifications.expert_notice(u.session, code)
    assert has_cjk(exc.value.message)
    with uow() as u, pytest.raises(ValidationError):
        notifications.notice(u.session, code, "everyone")


def test_list_rows_show_in_progress_for_a_confirmed_dispatch_under_way(
        uow: Uow, small: SmallCounty) -> None:
    code = _dispatch(uow, small)
    with uow() as u:
        (row,) = dispatches.list_rows(u.session, today=date(2026, 5, 12)).dicts()
        assert row["state_label"] == "拟派" and row["days"] == 2
        dispatches.confirm_dispatch(u.session, code)
        (row,) = dispatches.list_rows(u.session, today=date(2026, 5, 12)).dicts()
        assert (row["state"], row["state_label"]) == ("in_progress", "进行中")
        (row,) = dispatches.list_rows(u.session, today=date(2026, 5, 20)).dicts()
        assert row["state_label"] == "已确认"


def test_decline_offers_replacements_and_one_is_created(uow: Uow, small: SmallCounty) -> None:
    code = _dispatch(uow, small, "2026-05-12", "2026-05-12")
    with uow() as u:
        declined = dispatches.decline(u.session, code, "当周有手术", u.actor)
        u.commit()
    assert declined.replacements
    assert all(r.expert_code != small.tea for r in declined.replacements)
    best = declined.replacements[0]
    assert best.ok and best.expert_code == small.tea2
    with uow() as u:
        assert needs.get_need(u.session, declined.need_code).status == NeedStatus.REVIEWED
        new = dispatches.create_replacement(u.session, code, best.expert_id, best.start,
                                            best.end, actor=u.actor)
        u.commit()
        assert new.status == DispatchStatus.PLANNED
    with uow() as u:
        assert needs.get_need(u.session, declined.need_code).status == NeedStatus.MATCHED
        with pytest.raises(ValidationError):  # only a declined dispatch is replaced
            dispatches.create_replacement(u.session, new.code, small.tea, "2026-05-14")


def test_change_remove_and_compare_a_proposal(uow: Uow, small: SmallCounty) -> None:
    with uow() as u:
        first = add_need(u.session, small.coop, "茶园管理", "2026-05-11", "2026-05-15")
        second = add_need(u.session, small.coop, "茶叶", "2026-05-11", "2026-05-15")
        u.commit()
    with uow() as u:
        plan = m.plan_season(u.session, *MAY, time_limit=5)
        assert len(plan.visits) == 2
        i = next(i for i, v in enumerate(plan.visits) if v.need_code == first)
        other = plan.visits[1 - i]
        # The other visit's expert on the other visit's day: the proposal's own clash.
        found = dispatches.check_plan_visit(u.session, plan, i, other.expert_id, other.start)
        assert any(f.hard and "本方案" in f.message for f in found)
        with pytest.raises(ConflictCheckError):
            dispatches.change_plan_visit(u.session, plan, i, other.expert_id, other.start)
        day = next(d for d in (date(2026, 5, 11), date(2026, 5, 12), date(2026, 5, 13))
                   if d != plan.visits[i].start and d != other.start)
        changed = dispatches.change_plan_visit(u.session, plan, i, plan.visits[i].expert_id, day)
    moved = next(v for v in changed.visits if v.need_code == first)
    assert moved.start == day and moved.pinned
    (change,) = dispatches.plan_changes(plan, changed)
    assert change.kind == "moved" and first in change.text
    smaller = dispatches.remove_plan_visits(changed, [(moved.need_id, moved.expert_id, day)])
    assert [v.need_code for v in smaller.visits] == [second]
    assert smaller.unplanned[-1].need_code == first and "手工" in smaller.unplanned[-1].reason
    assert "安排了 2 条" in dispatches.plan_summary(plan)


def test_planning_needs_filter_by_township_crop_and_priority(uow: Uow,
                                                             small: SmallCounty) -> None:
    with uow() as u:
        tea = add_need(u.session, small.coop, "茶园管理", "2026-05-11", "2026-05-15")
        oil = add_need(u.session, small.forest_firm, "夏梢管理", "2026-05-11", "2026-05-15")
        add_need(u.session, small.coop, "茶叶", "2026-07-01", "2026-07-05")  # outside May
        u.commit()
    with uow() as u:
        s = u.session
        assert [r[1] for r in dispatches.planning_needs(s, *MAY).rows] == [tea, oil]
        assert [r[1] for r in dispatches.planning_needs(s, *MAY, township="青山镇").rows] == [tea]
        assert [r[1] for r in dispatches.planning_needs(s, *MAY, crop="油茶").rows] == [oil]
        assert [r[1] for r in dispatches.planning_needs(s, *MAY, priority=True).rows] == [oil]
        assert dispatches.planning_needs(s, *MAY, statuses=("matched",)).rows == []


def test_cli_notify_prints_both_texts(uow: Uow, small: SmallCounty, db: object,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from services.cli import dispatches as cli

    code = _dispatch(uow, small)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["dispatches", "notify", code, "--db", str(db.url)])  # type: ignore[attr-defined]
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "发给专家" in out and "发给接收单位" in out and out.count(code) >= 2
