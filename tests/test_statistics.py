"""Statistics: every figure equals an independent SQL count on a county with outcomes, for
several periods and slices; each drill-down lists exactly the records counted; the summary
paragraph's Chinese number formatting."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Date, bindparam, text

from services import statistics as st
from services.statistics import Period, Slice
from tests.conftest import County
from tests.stats_support import Outcomes, build_outcomes

Y2026 = Period.of_year(2026)


@pytest.fixture
def oc(db, county: County) -> Outcomes:
    return build_outcomes(db, county)


def _sql(db, sql: str, period: Period, **params) -> list:
    stmt = text(sql).bindparams(*(bindparam(k, type_=Date) for k in ("s", "e")
                                   if f":{k} " in sql + " " or f":{k}\n" in sql))
    values = {"s": period.start, "e": period.end, **params}
    with db.session() as s:
        return list(s.execute(stmt, {k: v for k, v in values.items() if f":{k}" in sql}))


# Independent definitions: plain SQL written from docs/statistics.md, not from the service.
SERVED = """
    FROM dispatch d JOIN need n ON n.id = d.need_id
    LEFT JOIN service_record r ON r.dispatch_id = d.id
    WHERE d.status = 'completed' AND COALESCE(r.actual_start, d.start_date) BETWEEN :s AND :e
"""
SLICE_SQL = {
    "all": "",
    "township": " AND n.township_id = :k",
    "priority": " AND n.village_id IN (SELECT id FROM village WHERE key_support OR "
                "poverty_alleviated)",
    "ordinary": " AND (n.village_id IS NULL OR n.village_id NOT IN (SELECT id FROM village "
                "WHERE key_support OR poverty_alleviated))",
    "base": " AND d.expert_id IN (SELECT expert_id FROM base_expert WHERE base_id = :k)",
    "team": " AND (d.expert_id IN (SELECT expert_id FROM team_member WHERE team_id = :k) OR "
            "d.id IN (SELECT ad.dispatch_id FROM activity_dispatch ad JOIN activity a ON "
            "a.id = ad.activity_id WHERE a.team_id = :k))",
}


def _independent(db, period: Period, kind: str, key: int | None) -> dict[str, float]:
    where = SLICE_SQL[kind]
    p = {"k": key} if key is not None else {}
    out: dict[str, float] = {}
    out["dispatches"] = _sql(db, f"SELECT COUNT(*) {SERVED}{where}", period, **p)[0][0]
    out["experts"] = _sql(db, f"SELECT COUNT(DISTINCT d.expert_id) {SERVED}{where}",
                          period, **p)[0][0]
    rows = _sql(db, f"SELECT r.days_served, d.start_date, d.end_date {SERVED}{where}", period,
                **p)
    days = 0
    for served, start, end in rows:
        start, end = (date.fromisoformat(str(x)[:10]) for x in (start, end))
        days += served if served else (end - start).days + 1
    out["expert_days"] = days
    for col in ("problems_solved", "trainings", "people_trained", "beneficiaries",
                "economic_benefit"):
        out[col] = _sql(db, f"SELECT COALESCE(SUM(r.{col}), 0) {SERVED}{where}", period,
                        **p)[0][0]
    out["satisfaction_count"] = _sql(
        db, f"SELECT COUNT(r.satisfaction) {SERVED}{where}", period, **p)[0][0]
    need_where = where.replace("d.expert_id", "x.expert_id").replace("d.id", "x.id")
    if kind in ("team", "base"):
        need_where = (f" AND n.id IN (SELECT x.need_id FROM dispatch x WHERE 1=1"
                      f"{need_where})")
    for key_, status, created in (("needs_received", "submitted", True),
                                  ("needs_reviewed", "reviewed", False),
                                  ("needs_served", "served", False),
                                  ("needs_rejected", "rejected", False)):
        extra = " AND e.from_status IS NULL" if created else ""
        out[key_] = _sql(db, f"""
            SELECT COUNT(DISTINCT n.id) FROM need_event e JOIN need n ON n.id = e.need_id
            WHERE n.deleted_at IS NULL AND e.to_status = '{status}'{extra}
              AND e.at >= :s AND e.at < :after{need_where}""", period,
            after=period.end_before, **p)[0][0]
    return out


SLICES = [("all", None), ("township", "t2"), ("township", "t1"), ("priority", None),
          ("ordinary", None), ("team", "team"), ("base", "base")]


@pytest.mark.parametrize("period", [Y2026, Period.of_year(2025), Period.of_quarter(2026, 1),
                                    Period.custom(date(2026, 4, 1), date(2026, 7, 31))],
                         ids=["2026", "2025", "2026Q1", "custom"])
def test_figures_equal_independent_sql(db, oc: Outcomes, period: Period) -> None:
    keys = {"t1": oc.county.township_id, "t2": oc.township2_id, "team": oc.team_id,
            "base": oc.base_id, None: None}
    for kind, ref in SLICES:
        key = keys[ref]
        sl = Slice(kind, key)
        expected = _independent(db, period, kind, key)
        with db.session() as s:
            got = st.compute_all(s, period, sl, expected)
        assert {k: got.number(k) for k in expected} == expected, (kind, ref)


def test_hand_counted_figures_for_2026(db, oc: Outcomes) -> None:
    with db.session() as s:
        f = st.compute_all(s, Y2026)
        assert f.number("dispatches") == 5 and f.number("experts") == 3
        assert f.number("expert_days") == 11  # 3 + 2 (planned) + 1 (planned) + 2 + 3
        assert (f.number("needs_received"), f.number("needs_reviewed"),
                f.number("needs_served"), f.number("needs_rejected")) == (6, 4, 3, 1)
        assert f.number("problems_solved") == 13 and f.number("people_trained") == 180
        assert f.number("beneficiaries") == 25_850 and f.number("economic_benefit") == 50_000
        assert f.number("satisfaction") == 4.0 and f.number("satisfaction_count") == 3
        assert f.number("activities") == 1
        assert f.number("spending") == 2500.0 and f.number("budget") == 10_000.0
        team = st.compute_all(s, Y2026, Slice("team", oc.team_id))
        assert team.number("dispatches") == 4 and team.number("spending") == 2500.0
        assert team.number("budget") == 3000.0 and team.number("activities") == 1
        t2 = st.compute_all(s, Y2026, Slice("township", oc.township2_id))
        assert t2["budget"].number is None and t2.number("spending") == 300.0
        assert t2.number("needs_received") == 2 and t2.number("activities") == 1
        tea = st.make_slice(s, "field", "茶叶")
        assert st.compute(s, "dispatches", Y2026, tea).number == 3
        crops = st.make_slice(s, "field", "种植业")  # the tree below counts
        assert st.compute(s, "dispatches", Y2026, crops).number == 3


def test_drill_down_lists_exactly_the_records_counted(db, oc: Outcomes) -> None:
    with db.session() as s:
        for sl in (st.ALL, Slice("priority"), Slice("team", oc.team_id)):
            for key, fig in st.FIGURES.items():
                rows = st.drill_down(s, key, Y2026, sl)
                value = st.compute(s, key, Y2026, sl)
                if value.number is None:
                    continue
                assert value.records == len(rows) == len({r.id for r in rows}), key
                assert value.number == st.figures.aggregate(fig, rows), key
        served = st.drill_down(s, "dispatches", Y2026)
        assert {r.id for r in served} == {oc.dispatch[d] for d in ("d1", "d2", "d3", "d4", "d8")}
        assert {r.code for r in served} == {oc.dispatch_code[d]
                                            for d in ("d1", "d2", "d3", "d4", "d8")}
        days = {r.code: r.value for r in st.drill_down(s, "expert_days", Y2026)}
        assert days[oc.dispatch_code["d2"]] == 2 and days[oc.dispatch_code["d4"]] == 2
        assert {r.id for r in st.drill_down(s, "needs_served", Y2026)} == {
            oc.need[n] for n in ("n1", "n3", "n4")}
        assert {r.id for r in st.drill_down(s, "experts", Y2026)} == set(oc.expert_ids.values())
        assert all(r.kind == "expert" for r in st.drill_down(s, "experts", Y2026))


def test_period_labels_and_quarters() -> None:
    q = Period.of_quarter(2026, 4)
    assert (q.start, q.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert Period.of_quarter(2026, 1).end == date(2026, 3, 31)
    with pytest.raises(st.periods.ValidationError):
        Period.of_quarter(2026, 5)
    with pytest.raises(st.periods.ValidationError):
        Period.custom(date(2026, 5, 1), date(2026, 4, 1))


@pytest.mark.parametrize(("n", "text_"), [
    (3560, "3,560"), (126, "126"), (23_456, "约 2.3 万"), (20_000, "2 万"),
    (23_000, "2.3 万"), (9_999, "9,999"), (123_456_789, "约 1.2 亿"), (1_050_000, "105 万"),
])
def test_chinese_number(n: int, text_: str) -> None:
    assert st.chinese_number(n) == text_


def test_period_openings() -> None:
    today = date(2026, 11, 29)
    assert st.period_opening(Period.of_year(2026), today) == "今年以来"
    assert st.period_opening(Period.of_year(2025), today) == "2025年"
    assert st.period_opening(Period.of_quarter(2026, 4), today) == "四季度以来"
    assert st.period_opening(Period.of_quarter(2026, 1), today) == "一季度"
    assert st.period_opening(Period.of_quarter(2025, 1), today) == "2025年一季度"
    assert st.period_opening(Period.custom(date(2026, 3, 1), date(2026, 4, 15)),
                             today) == "3月1日至4月15日"


def test_summary_paragraph_in_the_programme_style(db, oc: Outcomes) -> None:
    with db.session() as s:
        text_ = st.summary_paragraph(st.compute_all(s, Y2026), today=date(2026, 11, 29))
        t2 = st.summary_paragraph(
            st.compute_all(s, Y2026, st.make_slice(s, "township", "白岩乡")),
            today=date(2026, 11, 29))
    assert text_.startswith("今年以来，共开展专家服务活动 1 场，邀请专家 3 名，")
    assert "解决各类难题 13 个" in text_ and "培训基层技术骨干 180 人次" in text_
    assert "惠及群众约 2.6 万人" in text_  # 25,850
    assert "带动增收 5 万元" in text_ and "满意度平均 4.0 分" in text_
    assert text_.endswith("。")
    assert t2.startswith("今年以来，白岩乡共开展专家服务活动 1 场")
    assert "惠及群众 1.5 万人" in t2  # exactly 15,000: no 约


def test_breakdowns(db, oc: Outcomes) -> None:
    with db.session() as s:
        rows = st.by_slice(s, Y2026, "township")
        assert [r.slice.label for r in rows] == ["青山镇", "白岩乡"]
        assert sum(r.number("dispatches") for r in rows) == 5
        months = dict(st.monthly(s, Y2026, "dispatches"))
        assert len(months) == 12 and months["2026-07"] == 1 and months["2026-12"] == 1
        assert sum(months.values()) == 5
        assert dict(st.monthly(s, Y2026, "spending"))["2026-03"] == 1700.0


def test_paragraph_sets_any_big_figure_the_same_way() -> None:
    """The demo county's year: 14,861 people trained read “培训基层技术骨干约 1.5 万人次”,
    not “骨干 约 1.5 万人次”, the same as beneficiaries."""
    numbers = {"activities": 3, "experts": 126, "dispatches": 378, "expert_days": 520,
               "problems_solved": 12_000, "people_trained": 14_861, "beneficiaries": 64_215,
               "economic_benefit": 103_310_000, "satisfaction": 4.52,
               "satisfaction_count": 370}
    values = {k: st.FigureValue(k, f.label, f.unit, numbers.get(k, 0), 1)
              for k, f in st.FIGURES.items()}
    text_ = st.summary_paragraph(st.Figures(Period.of_year(2025), st.ALL, values),
                                 today=date(2026, 11, 29))
    assert text_.startswith("2025年，共开展专家服务活动 3 场，邀请专家 126 名，"
                            "深入基层服务 378 人次、520 天，解决各类难题 1.2 万个，")
    assert "培训基层技术骨干约 1.5 万人次，惠及群众约 6.4 万人，带动增收约 1 亿元。" in text_
    assert " 约" not in text_ and "（370 份评价）" in text_
