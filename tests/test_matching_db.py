"""Matching against a database: ranking with reasons, 揭榜挂帅, plans accepted and declined,
replanning with a change list, and the conflict check for visits entered by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from models import Dispatch, DispatchStatus, NeedStatus
from services import dispatches, experts, needs, settings
from services import matching as m
from services.errors import DuplicateError, IllegalTransitionError, ServiceError, ValidationError
from services.matching import applications, conflicts, ranking
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


def new_need(uow: Uow, unit: str, field: str, start: str = "2026-05-06",
             end: str = "2026-05-20", **extra: object) -> str:
    with uow() as u:
        code = add_need(u.session, unit, field, start, end, **extra)
        u.commit()
    return code


def dispatch_rows(uow: Uow, need_code: str) -> list[SimpleNamespace]:
    """The need's dispatches as plain values (they outlive the session)."""
    with uow() as u:
        need = needs.get_need(u.session, need_code)
        return [SimpleNamespace(code=d.code, need_id=d.need_id, expert_id=d.expert_id,
                                start_date=d.start_date, status=d.status, days=d.days,
                                status_reason=d.status_reason)
                for d in u.session.scalars(select(Dispatch).where(Dispatch.need_id == need.id))]


# -- ranking ------------------------------------------------------------------------------------


def test_ranking_orders_by_score_with_reasons_per_factor(uow: Uow, small: SmallCounty) -> None:
    code = new_need(uow, small.coop, "茶园管理")
    with uow() as u:
        ranking = m.rank_experts(u.session, code)
    names = [r.name for r in ranking.experts]
    assert names == ["张明远", "王春茶"]  # the oil-tea expert and the vet are not eligible
    best, alternate = ranking.experts
    assert best.role == "推荐" and alternate.role == "备选"
    assert best.score > alternate.score
    assert "专业完全匹配 +40" in best.reasons
    assert "窗口内可用 15/15 天 +20" in best.reasons
    assert "距离" in best.reasons and "省级专家" in best.reasons
    assert "涵盖" in alternate.reasons
    assert sum(f.points for f in best.factors) == pytest.approx(best.score, abs=0.1)
    assert len(best.free_days) == 15


def test_ranking_counts_workload_and_busy_days(uow: Uow, small: SmallCounty) -> None:
    code = new_need(uow, small.coop, "茶园管理")
    other = new_need(uow, small.coop, "茶叶", "2026-04-01", "2026-05-31")
    with uow() as u:
        dispatches.create_dispatch(u.session, {"need": other, "expert": small.tea,
                                               "start_date": "2026-05-07",
                                               "end_date": "2026-05-09"})
        u.commit()
    with uow() as u:
        best = m.rank_experts(u.session, code).experts[0]
    assert "窗口内可用 12/15 天" in best.reasons
    assert "2026年已服务 3/60 天 −0" not in best.reasons  # rounded to nothing: no sign
    assert "2026年已服务 3/60 天" in best.reasons


def test_ranking_from_a_loaded_pool_equals_the_database_one(uow: Uow,
                                                             small: SmallCounty) -> None:
    code = new_need(uow, small.coop, "茶园管理")
    other = new_need(uow, small.coop, "茶叶", "2026-04-01", "2026-05-31")
    with uow() as u:
        dispatches.create_dispatch(u.session, {"need": other, "expert": small.tea,
                                               "start_date": "2026-05-07"})
        u.commit()
    with uow() as u:
        pool = ranking.ExpertPool.load(u.session, date(2026, 1, 1), date(2026, 12, 31))
        direct = m.rank_experts(u.session, code)
        pooled = m.rank_experts(u.session, code, pool=pool)
    assert [(r.name, r.score, r.reasons) for r in pooled.experts] == [
        (r.name, r.score, r.reasons) for r in direct.experts]
    assert pooled.experts[0].free_days == direct.experts[0].free_days


def test_ranking_excludes_conflict_of_interest(uow: Uow, small: SmallCounty) -> None:
    code = new_need(uow, small.clinic, "全科")
    with uow() as u:
        ranking = m.rank_experts(u.session, code)
    assert ranking.experts == []
    assert ranking.excluded and "利益冲突" in ranking.excluded[0][1]


def test_applicants_come_first_with_their_own_score(uow: Uow, small: SmallCounty) -> None:
    code = new_need(uow, small.coop, "茶园管理")
    with uow() as u:
        app = applications.apply(u.session, code, [small.tea2], plan="三天现场指导")
        u.commit()
        assert app.code.startswith("JB-")
    with uow() as u:
        ranking = m.rank_experts(u.session, code)
    first = ranking.experts[0]
    assert (first.name, first.role, first.applicant) == ("王春茶", "揭榜", True)
    assert "已揭榜领题 +15" in first.reasons


def test_ranking_weights_are_settings(uow: Uow, small: SmallCounty) -> None:
    code = new_need(uow, small.coop, "茶园管理")
    with uow() as u:
        settings.set_value(u.session, "matching.rank.specialty", 10)
        settings.set_value(u.session, "matching.rank.distance", 60)
        u.commit()
    with uow() as u:
        ranking = m.rank_experts(u.session, code)
    assert ranking.experts[0].name == "王春茶"  # the near expert wins once distance weighs


# -- 揭榜挂帅 -------------------------------------------------------------------------------------


def test_published_list_and_applications(uow: Uow, small: SmallCounty) -> None:
    code = new_need(uow, small.coop, "茶园管理")
    with uow() as u:
        add_need(u.session, small.coop, "茶叶", "2026-06-01", "2026-06-10", status="submitted")
        u.commit()
    with uow() as u:
        rows = applications.published_list(u.session)
        assert [r["code"] for r in rows] == [code]  # only reviewed needs are published
        applications.apply(u.session, code, [small.tea, small.tea2], team_name="茶产业服务团",
                           plan="建园与修剪")
        with pytest.raises(DuplicateError):
            applications.apply(u.session, code, [small.tea])
        with pytest.raises(ValidationError):
            applications.apply(u.session, code, [small.tea2, small.tea])  # team without name
        u.commit()
    with uow() as u:
        text = applications.published_csv(u.session)
        assert text.splitlines()[0].startswith("需求编号,需求名称")
        assert ",1," in text.splitlines()[1]  # one application counted
        (row,) = applications.list_applications(u.session, code)
        assert row["applicant"] == "茶产业服务团" and row["members"] == "张明远、王春茶"
        withdrawn = applications.set_status(u.session, row["code"],
                                            m.applications.ApplicationStatus.WITHDRAWN, "另有任务")
        assert withdrawn.status_reason == "另有任务"
        u.commit()


def test_application_refuses_conflict_of_interest_and_closed_needs(uow: Uow,
                                                                   small: SmallCounty) -> None:
    code = new_need(uow, small.clinic, "全科")
    with uow() as u:
        with pytest.raises(ValidationError) as exc:
            applications.apply(u.session, code, [small.doctor])
        assert "利益冲突" in exc.value.message
        submitted = add_need(u.session, small.coop, "茶叶", "2026-06-01", "2026-06-10",
                             status="submitted")
        with pytest.raises(IllegalTransitionError):
            applications.apply(u.session, submitted, [small.tea])


# -- plans: propose, accept, decline, replan ----------------------------------------------------


def test_plan_accept_writes_dispatches_and_matches_needs(uow: Uow, small: SmallCounty) -> None:
    tea = new_need(uow, small.coop, "茶园管理")
    team = new_need(uow, small.coop, "茶叶", "2026-05-11", "2026-05-15", experts_wanted=2)
    oil = new_need(uow, small.forest_firm, "夏梢管理", days_wanted=2)
    clinic = new_need(uow, small.clinic, "全科")
    with uow() as u:
        plan = m.plan_season(u.session, *MAY, time_limit=5)
        assert plan.stats.needs_served == 3 and plan.stats.needs_total == 4
        assert {v.need_code for v in plan.visits} == {tea, team, oil}
        (why,) = plan.unplanned
        assert why.need_code == clinic and "利益冲突" in why.reason
        assert dispatch_rows(uow, tea) == []  # a proposal writes nothing
        written = m.accept_plan(u.session, plan, u.actor)
        u.commit()
    assert len(written) == 4
    with uow() as u:
        status = {n["code"]: n["status"] for n in needs.list_needs(u.session)}
    assert status == {tea: NeedStatus.MATCHED, team: NeedStatus.MATCHED,
                      oil: NeedStatus.MATCHED, clinic: NeedStatus.REVIEWED}
    (d,) = dispatch_rows(uow, oil)
    assert d.status == DispatchStatus.PLANNED and d.days == 2


def test_saved_proposal_can_be_accepted_later(uow: Uow, small: SmallCounty) -> None:
    tea = new_need(uow, small.coop, "茶园管理")
    with uow() as u:
        proposal = m.save_proposal(u.session, m.plan_season(u.session, *MAY, time_limit=5),
                                   u.actor)
        u.commit()
        code = proposal.code
    with uow() as u:
        written = m.accept_proposal(u.session, code, u.actor)
        u.commit()
    assert len(written) == 1 and dispatch_rows(uow, tea)
    with uow() as u, pytest.raises(ServiceError):
        m.accept_proposal(u.session, code, u.actor)


def test_accept_refuses_a_plan_overtaken_by_events(uow: Uow, small: SmallCounty) -> None:
    new_need(uow, small.coop, "茶园管理")
    with uow() as u:
        plan = m.plan_season(u.session, *MAY, time_limit=5)
    (visit,) = plan.visits
    with uow() as u:  # meanwhile the expert goes away on those days
        experts.add_unavailability(u.session, visit.expert_code, visit.start, visit.end, "出差")
        u.commit()
    with uow() as u:
        with pytest.raises(ServiceError) as exc:
            m.accept_plan(u.session, plan, u.actor)
        assert "不可服务" in exc.value.message and has_cjk(exc.value.message)


def test_decline_frees_the_need_and_proposes_a_replacement(uow: Uow,
                                                          small: SmallCounty) -> None:
    tea = new_need(uow, small.coop, "茶园管理")
    with uow() as u:
        m.accept_plan(u.session, m.plan_season(u.session, *MAY, time_limit=5), u.actor)
        u.commit()
    (d,) = dispatch_rows(uow, tea)
    assert d.expert_id != 0
    with uow() as u:
        replacement = m.decline_dispatch(u.session, d.code, "当周有手术", u.actor)
        u.commit()
    (declined,) = dispatch_rows(uow, tea)
    assert declined.status == DispatchStatus.DECLINED and declined.status_reason == "当周有手术"
    with uow() as u:
        assert needs.get_need(u.session, tea).status == NeedStatus.REVIEWED
    (v,) = replacement.visits
    assert v.expert_id != d.expert_id  # never the one who declined
    with uow() as u:
        m.accept_plan(u.session, replacement, u.actor)
        u.commit()
    with uow() as u:
        assert needs.get_need(u.session, tea).status == NeedStatus.MATCHED


def test_replan_keeps_what_it_can_and_lists_changes(uow: Uow, small: SmallCounty) -> None:
    first = new_need(uow, small.coop, "茶园管理", "2026-05-11", "2026-05-15")
    second = new_need(uow, small.coop, "茶叶", "2026-05-18", "2026-05-22")
    with uow() as u:
        m.accept_plan(u.session, m.plan_season(u.session, *MAY, time_limit=5), u.actor)
        u.commit()
    before = {d.need_id: (d.expert_id, d.start_date) for c in (first, second)
              for d in dispatch_rows(uow, c)}
    (d1,) = dispatch_rows(uow, first)
    with uow() as u:  # the expert of the first need drops out for that week
        experts.add_unavailability(u.session, d1.expert_id, "2026-05-11", "2026-05-15", "住院")
        u.commit()
    with uow() as u:
        plan = m.plan_season(u.session, *MAY, replan=True, time_limit=5)
        assert plan.stats.needs_served == 2
        kinds = {c.need_code: c.kind for c in plan.changes}
        assert kinds == {first: "reassigned"}  # the second need is untouched
        assert "改派" in plan.changes[0].text
        m.accept_plan(u.session, plan, u.actor)
        u.commit()
    after = {d.need_id: (d.expert_id, d.start_date) for c in (first, second)
             for d in dispatch_rows(uow, c) if d.status == DispatchStatus.PLANNED}
    assert after[d1.need_id][0] != d1.expert_id
    second_id = next(k for k in before if k != d1.need_id)
    assert after[second_id] == before[second_id]
    (cancelled,) = [d for d in dispatch_rows(uow, first) if d.status == DispatchStatus.CANCELLED]
    assert cancelled.status_reason == "重新排程调整"


def test_plan_respects_holidays_from_the_calendar(uow: Uow, small: SmallCounty) -> None:
    # 2026-05-01…05 is the statutory Labour Day holiday.
    new_need(uow, small.coop, "茶园管理", "2026-05-01", "2026-05-06")
    with uow() as u:
        (v,) = m.plan_season(u.session, *MAY, time_limit=5).visits
        assert v.start == date(2026, 5, 6)
        settings.set_value(u.session, "matching.allow_holidays", True)
        (v,) = m.plan_season(u.session, *MAY, time_limit=5).visits
        assert v.start < date(2026, 5, 6)


def test_plan_period_is_checked(uow: Uow, small: SmallCounty) -> None:
    with uow() as u, pytest.raises(ValidationError):
        m.plan_season(u.session, date(2026, 5, 31), date(2026, 5, 1))


# -- the conflict check -------------------------------------------------------------------------


def kinds_of(findings: list[conflicts.Finding]) -> dict[str, str]:
    return {f.kind: f.severity for f in findings}


def test_conflict_findings(uow: Uow, small: SmallCounty) -> None:
    tea = new_need(uow, small.coop, "茶园管理", days_wanted=1, required_title="副高级")
    other = new_need(uow, small.forest_firm, "茶叶", "2026-05-01", "2026-05-31")
    with uow() as u:
        dispatches.create_dispatch(u.session, {"need": other, "expert": small.tea2,
                                               "start_date": "2026-05-12"})
        experts.add_unavailability(u.session, small.tea2, "2026-05-14", "2026-05-14", "培训")
        experts.update_expert(u.session, small.tea2, {"max_days_per_month": 2})
        u.commit()
    with uow() as u:
        s = u.session
        found = kinds_of(m.check_visit(s, tea, small.tea2, date(2026, 5, 12),
                                       date(2026, 5, 14)))
        assert found == {"double_booked": "hard", "unavailable": "hard", "month_cap": "hard",
                         "title": "soft", "days": "soft"}
        assert kinds_of(m.check_visit(s, tea, small.tea, date(2026, 5, 4), date(2026, 5, 4))) \
            == {"outside_window": "hard", "holiday": "soft"}
        assert kinds_of(m.check_visit(s, tea, small.oil, date(2026, 5, 7), date(2026, 5, 7))) \
            == {"specialty": "hard"}
        clinic = add_need(s, small.clinic, "全科", "2026-05-06", "2026-05-20")
        (finding,) = m.check_visit(s, clinic, small.doctor, date(2026, 5, 7), date(2026, 5, 7))
        assert finding.kind == "conflict_of_interest" and not finding.overridable
        for f in m.check_visit(s, tea, small.tea2, date(2026, 5, 12), date(2026, 5, 14)):
            assert has_cjk(f.message)


def test_assign_blocks_hard_findings_and_allows_an_explicit_override(
        uow: Uow, small: SmallCounty) -> None:
    tea = new_need(uow, small.coop, "茶园管理")
    other = new_need(uow, small.coop, "茶叶", "2026-05-01", "2026-05-31")
    with uow() as u:
        dispatches.create_dispatch(u.session, {"need": other, "expert": small.tea,
                                               "start_date": "2026-05-12"})
        u.commit()
    with uow() as u:
        with pytest.raises(conflicts.ConflictCheckError) as exc:
            m.assign(u.session, tea, small.tea, "2026-05-12")
        assert "上午、下午" in exc.value.message  # same township: the hint to override
        with pytest.raises(ValidationError):
            m.assign(u.session, tea, small.tea, "2026-05-12", override=True)  # no reason
        dispatch, warnings = m.assign(u.session, tea, small.tea, "2026-05-12", override=True,
                                      reason="上午合作社、下午村委会", actor=u.actor)
        u.commit()
        assert dispatch.status_reason.startswith("已确认冲突")
        assert [w.kind for w in warnings] == ["double_booked"]
    with uow() as u:
        assert needs.get_need(u.session, tea).status == NeedStatus.MATCHED


def test_assign_never_overrides_conflict_of_interest(uow: Uow, small: SmallCounty) -> None:
    clinic = new_need(uow, small.clinic, "全科")
    with uow() as u, pytest.raises(conflicts.ConflictCheckError) as exc:
        m.assign(u.session, clinic, small.doctor, "2026-05-07", override=True, reason="急需")
    assert "利益冲突" in exc.value.message
