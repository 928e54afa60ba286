"""The season planner on hand-made snapshots (no database): every hard rule, pinning,
priorities, cancellation, and the independent validator itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.matching import greedy, planner, validate
from services.matching.fieldtree import LEVEL_RANK
from services.matching.snapshot import Visit
from tests.matching_support import (
    FAST,
    GP,
    OIL_TEA,
    POTATO,
    SUMMER_SHOOT,
    TEA,
    TEA_GARDEN,
    TEA_PROCESS,
    by_need,
    expert,
    need,
    snapshot,
    solve,
)

D = date


def check(snap, result) -> None:  # type: ignore[no-untyped-def]
    assert validate.validate(snap, result.visits) == []


def test_visit_lies_inside_the_window() -> None:
    snap = snapshot([need(1, TEA, D(2026, 5, 12), D(2026, 5, 14), days=2)], [expert(1, TEA)])
    result = solve(snap)
    (v,) = result.visits
    assert D(2026, 5, 12) <= v.start and v.end <= D(2026, 5, 14)
    assert v.days == 2
    check(snap, result)


def test_window_is_clipped_to_the_period() -> None:
    snap = snapshot([need(1, TEA, D(2026, 4, 20), D(2026, 5, 5))], [expert(1, TEA)])
    (v,) = solve(snap).visits
    assert v.start in (D(2026, 5, 4), D(2026, 5, 5))


def test_unavailable_days_are_avoided() -> None:
    snap = snapshot([need(1, TEA, D(2026, 5, 10), D(2026, 5, 12), ideal=D(2026, 5, 10))],
                    [expert(1, TEA, unavailable=((D(2026, 5, 9), D(2026, 5, 11)),))])
    (v,) = solve(snap).visits
    assert v.start == D(2026, 5, 12)


def test_holidays_are_avoided_unless_allowed() -> None:
    off = frozenset({D(2026, 5, 10), D(2026, 5, 11)})
    needs = [need(1, TEA, D(2026, 5, 10), D(2026, 5, 12), ideal=D(2026, 5, 10))]
    snap = snapshot(needs, [expert(1, TEA)], days_off=off)
    assert solve(snap).visits[0].start == D(2026, 5, 12)
    snap = snapshot(needs, [expert(1, TEA)], days_off=off, allow_holidays=True)
    assert solve(snap).visits[0].start == D(2026, 5, 10)


def test_weekends_when_not_allowed_except_makeup_workdays() -> None:
    # 2026-05-09 is a Saturday.
    needs = [need(1, TEA, D(2026, 5, 9), D(2026, 5, 11), ideal=D(2026, 5, 9))]
    snap = snapshot(needs, [expert(1, TEA)], allow_weekends=False)
    assert solve(snap).visits[0].start == D(2026, 5, 11)
    snap = snapshot(needs, [expert(1, TEA)], allow_weekends=False,
                    workdays=frozenset({D(2026, 5, 9)}))
    assert solve(snap).visits[0].start == D(2026, 5, 9)


def test_an_expert_is_in_one_place_per_day() -> None:
    day = D(2026, 5, 12)
    snap = snapshot([need(1, TEA, day, day), need(2, TEA, day, day)], [expert(1, TEA)])
    result = solve(snap)
    assert len(result.visits) == 1
    check(snap, result)
    # With room in the windows both are served, on different days.
    snap = snapshot([need(1, TEA, day, day + timedelta(days=1)),
                     need(2, TEA, day, day + timedelta(days=1))], [expert(1, TEA)])
    result = solve(snap)
    assert {v.start for v in result.visits} == {day, day + timedelta(days=1)}


def test_existing_dispatches_block_their_days() -> None:
    day = D(2026, 5, 12)
    busy = [Visit(-1, 1, day, day)]
    snap = snapshot([need(1, TEA, day, day + timedelta(days=1))], [expert(1, TEA)], busy=busy)
    (v,) = solve(snap).visits
    assert v.start == day + timedelta(days=1)


def test_monthly_cap_counts_earlier_dispatches() -> None:
    needs = [need(i, TEA, D(2026, 5, 11), D(2026, 5, 15)) for i in range(1, 4)]
    snap = snapshot(needs, [expert(1, TEA, month_cap=2)])
    result = solve(snap)
    assert len(result.visits) == 2
    check(snap, result)
    busy = [Visit(-1, 1, D(2026, 5, 4), D(2026, 5, 4))]
    snap = snapshot(needs, [expert(1, TEA, month_cap=2)], busy=busy)
    assert len(solve(snap).visits) == 1


def test_a_visit_across_two_months_counts_in_each() -> None:
    busy = [Visit(-1, 1, D(2026, 5, 20), D(2026, 5, 20))]
    n = need(1, TEA, D(2026, 5, 31), D(2026, 6, 1), days=2)
    snap = snapshot([n], [expert(1, TEA, month_cap=1)], end=D(2026, 6, 30), busy=busy)
    assert solve(snap).visits == []  # May would have two days
    snap = snapshot([n], [expert(1, TEA, month_cap=2)], end=D(2026, 6, 30), busy=busy)
    assert len(solve(snap).visits) == 1


def test_yearly_cap_counts_earlier_dispatches() -> None:
    busy = [Visit(-1, 1, D(2026, 2, 2), D(2026, 2, 5))]  # 4 days served in February
    needs = [need(i, TEA, D(2026, 5, 11), D(2026, 5, 20)) for i in range(1, 4)]
    snap = snapshot(needs, [expert(1, TEA, year_cap=5)], busy=busy)
    result = solve(snap)
    assert len(result.visits) == 1
    check(snap, result)


def test_a_team_gets_distinct_experts_on_the_same_days() -> None:
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 15), days=2, experts_wanted=2)],
                    [expert(1, TEA, unavailable=((D(2026, 5, 11), D(2026, 5, 12)),)),
                     expert(2, TEA_GARDEN), expert(3, OIL_TEA)])
    result = solve(snap)
    team = result.visits
    assert len(team) == 2 and {v.expert_id for v in team} == {1, 2}
    assert len({(v.start, v.end) for v in team}) == 1
    assert team[0].start >= D(2026, 5, 13)
    check(snap, result)


def test_a_team_without_enough_experts_is_not_half_served() -> None:
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 15), experts_wanted=2)],
                    [expert(1, TEA), expert(2, OIL_TEA)])
    assert solve(snap).visits == []


def test_specialty_must_cover_the_need() -> None:
    n = need(1, TEA_GARDEN, D(2026, 5, 11), D(2026, 5, 15))
    # Same industry (another topic) is enough by default; the same field (种植业) is not.
    snap = snapshot([n], [expert(1, TEA_PROCESS), expert(2, POTATO), expert(3, GP)])
    assert [v.expert_id for v in solve(snap).visits] == [1]
    snap = snapshot([n], [expert(2, POTATO), expert(3, GP)])
    assert solve(snap).visits == []
    snap = snapshot([n], [expert(1, TEA_PROCESS)], min_match_rank=LEVEL_RANK["exact"])
    assert solve(snap).visits == []


def test_better_specialty_match_is_preferred() -> None:
    snap = snapshot([need(1, TEA_GARDEN, D(2026, 5, 11), D(2026, 5, 15))],
                    [expert(1, TEA_PROCESS), expert(2, TEA_GARDEN), expert(3, TEA)])
    assert [v.expert_id for v in solve(snap).visits] == [2]


def test_multi_day_visits_are_consecutive_free_days() -> None:
    # Free: 11, 12, (13 away), 14, 15, 16 → a 3-day visit must be 14–16.
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 16), days=3)],
                    [expert(1, TEA, unavailable=((D(2026, 5, 13), D(2026, 5, 13)),))])
    (v,) = solve(snap).visits
    assert (v.start, v.end) == (D(2026, 5, 14), D(2026, 5, 16))


def test_pinned_visits_never_move_and_teammates_join_them() -> None:
    pinned = Visit(1, 1, D(2026, 5, 14), D(2026, 5, 15), pinned=True)
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 20), days=2, experts_wanted=2,
                          ideal=D(2026, 5, 11))],
                    [expert(1, TEA), expert(2, TEA), expert(3, TEA)], busy=[pinned])
    result = solve(snap)
    (v,) = result.visits  # only the missing teammate is planned
    assert v.expert_id in (2, 3) and (v.start, v.end) == (pinned.start, pinned.end)
    check(snap, result)


def test_a_need_complete_with_pinned_visits_is_not_planned_again() -> None:
    pinned = Visit(1, 1, D(2026, 5, 14), D(2026, 5, 14), pinned=True)
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 20))], [expert(1, TEA),
                                                                      expert(2, TEA)],
                    busy=[pinned])
    result = solve(snap)
    assert result.visits == []
    assert result.stats.needs_served == 1


def test_conflict_of_interest_and_declines_exclude() -> None:
    n = need(1, TEA, D(2026, 5, 11), D(2026, 5, 15), unit_id=7, declined=frozenset({2}))
    snap = snapshot([n], [expert(1, TEA, employer_unit_id=7), expert(2, TEA), expert(3, TEA)])
    assert [v.expert_id for v in solve(snap).visits] == [3]


def test_title_requirement() -> None:
    n = need(1, TEA, D(2026, 5, 11), D(2026, 5, 15), required_title="副高级")
    snap = snapshot([n], [expert(1, TEA, title="中级"), expert(2, TEA, title="正高级")])
    assert [v.expert_id for v in solve(snap).visits] == [2]


def test_priority_needs_win_a_contested_day() -> None:
    day = D(2026, 5, 12)
    snap = snapshot([need(1, TEA, day, day), need(2, TEA, day, day, priority=True)],
                    [expert(1, TEA)])
    assert [v.need_id for v in solve(snap).visits] == [2]


def test_visits_prefer_the_ideal_day() -> None:
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 25), ideal=D(2026, 5, 20))],
                    [expert(1, TEA)])
    assert solve(snap).visits[0].start == D(2026, 5, 20)


def test_same_township_visits_are_put_on_consecutive_days() -> None:
    # Two needs in one township with wide windows, ideal days far apart: the re-timing step
    # brings them together when the trip bonus outweighs the days away from the ideal.
    needs = [need(1, TEA, D(2026, 5, 11), D(2026, 5, 22), ideal=D(2026, 5, 12)),
             need(2, TEA, D(2026, 5, 11), D(2026, 5, 22), ideal=D(2026, 5, 15))]
    snap = snapshot(needs, [expert(1, TEA)])
    result = solve(snap, trip=50)
    starts = sorted(v.start for v in result.visits)
    assert (starts[1] - starts[0]).days == 1
    assert result.stats.final_objective >= result.stats.objective - 1e-6


def test_optimum_beats_greedy_on_a_crafted_case() -> None:
    # Greedy gives the only expert who can serve need 2 to need 1 (which had an alternative
    # expert on another day): the optimum serves both.
    day = D(2026, 5, 12)
    needs = [need(1, TEA, day, day, priority=True), need(2, TEA_GARDEN, day, day)]
    experts = [expert(1, TEA_GARDEN, name="全能"), expert(2, TEA_PROCESS, name="加工")]
    result = solve(snapshot(needs, experts))
    assert len(result.visits) == 2
    assert result.stats.weight_served >= result.stats.greedy_weight


def test_cancel_returns_the_best_plan_so_far() -> None:
    needs = [need(i, TEA, D(2026, 5, 11), D(2026, 5, 25)) for i in range(1, 9)]
    snap = snapshot(needs, [expert(i, TEA) for i in range(1, 4)])
    result = planner.plan(snap, *_weights(), FAST, cancel=lambda: True)
    assert result.stats.status in ("CANCELLED", "OPTIMAL")
    assert result.visits  # at least the greedy plan
    check(snap, result)


def test_progress_reports_time_and_words() -> None:
    calls: list[tuple[int, int, str]] = []
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 15))], [expert(1, TEA)])
    planner.plan(snap, *_weights(), FAST, progress=lambda *a: calls.append(a))
    assert calls and all(0 <= done <= total for done, total, _ in calls)
    assert any("求解" in text for _, _, text in calls)


def test_stats_report_objective_bound_gap_and_baseline() -> None:
    needs = [need(i, TEA, D(2026, 5, 11), D(2026, 5, 15), priority=i % 2 == 0)
             for i in range(1, 7)]
    result = solve(snapshot(needs, [expert(1, TEA), expert(2, TEA_GARDEN)]),
                   replace(FAST, flow_weight_bound=True))
    s = result.stats
    assert s.status == "OPTIMAL" and s.gap == 0
    assert s.bound >= s.objective > 0
    assert s.needs_served == 6 and s.weight_served >= s.greedy_weight
    assert s.flow_bound >= s.objective - 1e-6  # the relaxation bounds the main objective
    assert s.final_objective >= s.objective  # re-timing only adds the trips term
    assert s.flow_weight_bound >= s.weight_served - 1e-6
    assert "已证明最优" in s.summary()


def test_a_pure_assignment_is_solved_exactly_by_the_flow() -> None:
    # One expert for one day each: the min-cost flow is the plan, proven optimal without CP-SAT.
    needs = [need(i, TEA, D(2026, 5, 11), D(2026, 5, 13), priority=i == 3) for i in range(1, 6)]
    snap = snapshot(needs, [expert(1, TEA), expert(2, TEA_GARDEN, month_cap=1)])
    result = solve(snap)
    assert result.stats.status == "OPTIMAL" and result.stats.engine == "最小费用流"
    assert len(result.visits) == 4  # 3 days of expert 1, one day of expert 2
    assert 3 in {v.need_id for v in result.visits}  # the priority need is among them
    check(snap, result)


def test_large_problems_are_solved_industry_by_industry() -> None:
    # Force the large-problem path on a small case (two industries, every part reduced):
    # still a valid plan, at least as good as where it started.
    needs = [need(i, TEA if i % 3 else OIL_TEA, D(2026, 5, 4), D(2026, 5, 31), days=1 + i % 2)
             for i in range(1, 15)]
    experts = [expert(i, TEA, month_cap=6) for i in range(1, 5)] + [expert(9, OIL_TEA)]
    snap = snapshot(needs, experts)
    options = replace(FAST, reduce_above=1, experts_per_need=2, starts_per_expert=3)
    result = solve(snap, options)
    assert result.stats.engine == "CP-SAT（按产业分块）"
    assert len(by_need(result.visits)) == 14
    assert result.stats.objective >= result.stats.greedy_objective - 100  # trips aside
    check(snap, result)


def _weights():  # type: ignore[no-untyped-def]
    from services.matching.config import PlanWeights, RankWeights

    return RankWeights(), PlanWeights()


# -- the validator itself: each rule is caught ------------------------------------------------


@pytest.mark.parametrize(("visit", "kind"), [
    (Visit(1, 1, D(2026, 5, 9), D(2026, 5, 9)), validate.WINDOW),
    (Visit(1, 1, D(2026, 5, 12), D(2026, 5, 13)), validate.LENGTH),
    (Visit(1, 2, D(2026, 5, 12), D(2026, 5, 12)), validate.UNAVAILABLE),
    (Visit(1, 1, D(2026, 5, 14), D(2026, 5, 14)), validate.HOLIDAY),
    (Visit(1, 3, D(2026, 5, 12), D(2026, 5, 12)), validate.SPECIALTY),
    (Visit(1, 4, D(2026, 5, 12), D(2026, 5, 12)), validate.CONFLICT),
    (Visit(1, 5, D(2026, 5, 12), D(2026, 5, 12)), validate.DECLINED),
    (Visit(1, 6, D(2026, 5, 12), D(2026, 5, 12)), validate.TITLE),
    (Visit(1, 1, D(2026, 5, 11), D(2026, 5, 11)), validate.DOUBLE_BOOKED),
    (Visit(1, 7, D(2026, 5, 12), D(2026, 5, 12)), validate.MONTH_CAP),
])
def test_validator_catches_each_rule(visit: Visit, kind: str) -> None:
    n = need(1, TEA, D(2026, 5, 10), D(2026, 5, 15), unit_id=9, declined=frozenset({5}),
             required_title="中级")
    experts = [expert(1, TEA, title="中级"),
               expert(2, TEA, title="中级", unavailable=((D(2026, 5, 12), D(2026, 5, 12)),)),
               expert(3, OIL_TEA, title="中级"), expert(4, TEA, title="中级", employer_unit_id=9),
               expert(5, TEA, title="中级"), expert(6, TEA, title="初级"),
               expert(7, TEA, title="中级", month_cap=1)]
    busy = [Visit(-1, 1, D(2026, 5, 11), D(2026, 5, 11)), Visit(-2, 7, D(2026, 5, 5),
                                                                D(2026, 5, 5))]
    snap = snapshot([n], experts, busy=busy, days_off=frozenset({D(2026, 5, 14)}))
    kinds = {v.kind for v in validate.validate(snap, [visit])}
    assert kind in kinds


def test_validator_catches_team_and_pinning_errors() -> None:
    n = need(1, TEA, D(2026, 5, 10), D(2026, 5, 15), experts_wanted=2)
    snap = snapshot([n], [expert(1, TEA), expert(2, TEA)],
                    busy=[Visit(1, 1, D(2026, 5, 12), D(2026, 5, 12), pinned=True)])
    kinds = {v.kind for v in validate.validate(snap, [Visit(1, 2, D(2026, 5, 13),
                                                            D(2026, 5, 13))])}
    assert validate.TEAM_DATES in kinds
    kinds = {v.kind for v in validate.validate(snap, [Visit(1, 1, D(2026, 5, 13),
                                                            D(2026, 5, 13))])}
    assert validate.PINNED in kinds and validate.TEAM_SIZE in kinds


def test_usage_summary_agrees_with_the_full_count() -> None:
    from services.matching.availability import Usage

    visits = [Visit(1, 1, D(2026, 4, 28), D(2026, 5, 2)), Visit(2, 1, D(2026, 5, 20),
                                                             D(2026, 5, 20)),
              Visit(3, 2, D(2025, 12, 30), D(2026, 1, 2)), Visit(4, 2, D(2026, 6, 30),
                                                            D(2026, 7, 1))]
    full = Usage.of(visits)
    lo, hi = D(2026, 5, 1), D(2026, 6, 30)
    quick = Usage.summarise(((v.expert_id, v.start, v.end) for v in visits), lo, hi)
    for e in (1, 2):
        assert quick.used_year(e, 2026) == full.used_year(e, 2026)
        for month in ((2026, 5), (2026, 6)):
            assert quick.used_month(e, month) == full.used_month(e, month)
        assert quick.busy.get(e, set()) == {o for o in full.busy.get(e, set())
                                            if lo.toordinal() <= o <= hi.toordinal()}


def test_random_problems_are_valid_and_beat_greedy() -> None:
    import random

    rnd = random.Random(7)
    fields = [TEA, TEA_GARDEN, TEA_PROCESS, OIL_TEA, SUMMER_SHOOT]
    for _ in range(3):
        experts = [expert(i, rnd.choice(fields), month_cap=rnd.randint(2, 5),
                          unavailable=((D(2026, 5, rnd.randint(5, 25)),
                                        D(2026, 5, rnd.randint(25, 28))),))
                   for i in range(1, 7)]
        needs = []
        for i in range(1, 21):
            a = D(2026, 5, rnd.randint(4, 25))
            needs.append(need(i, rnd.choice(fields), a, a + timedelta(days=rnd.randint(0, 6)),
                              days=rnd.choice((1, 1, 2)), experts_wanted=rnd.choice((1, 1, 2)),
                              priority=rnd.random() < 0.3, township_id=rnd.randint(1, 3)))
        snap = snapshot(needs, experts, days_off=frozenset({D(2026, 5, 10)}))
        result = solve(snap)
        check(snap, result)
        assert validate.validate(snap, result.greedy) == []
        assert result.stats.weight_served >= result.stats.greedy_weight
        assert result.stats.flow_bound >= result.stats.objective - 1e-6
        assert greedy.objective(result.cands, _weights()[1], result.visits) == pytest.approx(
            result.stats.final_objective)


# -- why a need was left out ------------------------------------------------------------------


def reasons_for(snap) -> dict[int, str]:  # type: ignore[no-untyped-def]
    from services.matching import explain

    result = solve(snap)
    return explain.reasons(snap, result.cands, result.visits)


def test_reason_no_expert_of_the_specialty() -> None:
    snap = snapshot([need(1, OIL_TEA, D(2026, 5, 11), D(2026, 5, 15))], [expert(1, TEA)])
    assert reasons_for(snap)[1].startswith("专家库中没有油茶专业的专家")


def test_reason_window_too_short() -> None:
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 12), days=3)], [expert(1, TEA)])
    assert "只有 2 天，短于每次服务所需的连续 3 天" in reasons_for(snap)[1]


def test_reason_nobody_free_names_the_nearest_expert() -> None:
    snap = snapshot([need(1, OIL_TEA, D(2026, 5, 6), D(2026, 5, 20))],
                    [expert(1, OIL_TEA, name="张某",
                            unavailable=((D(2026, 5, 1), D(2026, 5, 21)),)),
                     expert(2, SUMMER_SHOOT, name="李某",
                            unavailable=((D(2026, 5, 4), D(2026, 5, 25)),))])
    text = reasons_for(snap)[1]
    assert text.startswith("窗口 5月6日–5月20日内没有连续 1 天空闲的油茶专家（2 人：2 人不可服务）")
    assert "最接近的是张某（5月22日起可用）" in text


def test_reason_busy_and_caps() -> None:
    busy = [Visit(-1, 1, D(2026, 5, 11), D(2026, 5, 12))]
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 12))], [expert(1, TEA)], busy=busy)
    assert "1 人已有派遣" in reasons_for(snap)[1]
    busy = [Visit(-1, 1, D(2026, 5, 4), D(2026, 5, 5))]
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 12))],
                    [expert(1, TEA, month_cap=2)], busy=busy)
    assert "服务天数已达上限" in reasons_for(snap)[1]


def test_reason_team_short_of_experts() -> None:
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 13), experts_wanted=3)],
                    [expert(1, TEA), expert(2, TEA, unavailable=((D(2026, 5, 11),
                                                                  D(2026, 5, 13)),)),
                     expert(3, TEA_GARDEN)])
    text = reasons_for(snap)[1]
    assert text.startswith("需要 3 名专家同时到场") and "最多只有 2 名" in text


def test_reason_days_given_to_other_needs() -> None:
    day = D(2026, 5, 12)
    snap = snapshot([need(1, TEA, day, day), need(2, TEA, day, day, priority=True)],
                    [expert(1, TEA)])
    text = reasons_for(snap)[1]
    assert "已安排给其他需求（XQ-2026-0002 等）" in text


def test_reason_title_and_conflict_of_interest() -> None:
    snap = snapshot([need(1, TEA, D(2026, 5, 11), D(2026, 5, 13), required_title="正高级"),
                     need(2, TEA, D(2026, 5, 11), D(2026, 5, 13), unit_id=5)],
                    [expert(1, TEA, name="王某", title="中级", employer_unit_id=5)])
    reasons = reasons_for(snap)
    assert "职称都低于要求（正高级及以上）" in reasons[1]
    assert "王某是该单位职工（利益冲突）" in reasons[2]
