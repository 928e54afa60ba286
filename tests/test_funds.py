"""Funds: 元 in, 分 stored; budgets and expenses validated; the standard of a dispatch and the
warnings at the right thresholds; statements per dispatch, team and year, as xlsx and PDF."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from services.errors import DuplicateError, ValidationError
from services.outcomes import funds
from tests.conftest import County
from tests.stats_support import Outcomes, build_outcomes


@pytest.fixture
def oc(db, county: County) -> Outcomes:
    return build_outcomes(db, county)


@pytest.mark.parametrize(("text", "fen"), [("1,234.5", 123_450), ("85.50元", 8_550), (12, 1200),
                                           ("0", 0), ("0.01", 1)])
def test_yuan_to_fen(text, fen) -> None:
    assert funds.yuan_to_fen(text) == fen


@pytest.mark.parametrize("bad", ["-1", "1.234", "abc", "", "1e12"])
def test_bad_amounts_are_refused_in_chinese(bad) -> None:
    with pytest.raises(ValidationError) as err:
        funds.yuan_to_fen(bad)
    assert "金额" in err.value.message


def test_expense_validation_and_storage_in_fen(db, uow, oc: Outcomes) -> None:
    code = oc.dispatch_code["d3"]
    with uow() as u:
        errors = funds.check_expense(u.session, {"category": "宴请", "amount": "x"})
        assert set(errors) == {"dispatch_id", "category", "amount", "spent_on"}
        e = funds.create_expense(u.session, {"dispatch": code, "category": "交通费",
                                             "amount": "123.45", "spent_on": "2026-05-05"})
        assert (e.amount_fen, e.year) == (12_345, 2026)
        funds.update_expense(u.session, e.id, {"amount": "100"})
        assert e.amount_fen == 10_000
        u.commit()
    with db.session() as s:
        rows = funds.list_expenses(s, dispatch_id=oc.dispatch["d3"])
    assert [(r["category"], r["amount"]) for r in rows] == [("交通费", "100.00")]


def test_budget_crud_refuses_duplicates_and_two_owners(db, uow, oc: Outcomes) -> None:
    with uow() as u:
        b = funds.create_budget(u.session, {"year": 2027, "amount": "50,000"})
        assert b.amount_fen == 5_000_000
        with pytest.raises(DuplicateError):
            funds.create_budget(u.session, {"year": 2027, "amount": "1"})
        with pytest.raises(ValidationError) as err:
            funds.create_budget(u.session, {"year": 2027, "amount": "1", "team": "TD-0001",
                                            "activity": "HD-2026-0001"})
        assert "activity_id" in err.value.errors
        funds.update_budget(u.session, b.id, {"amount": "60000"})
        assert b.amount_fen == 6_000_000
        u.commit()
    with db.session() as s:
        rows = funds.list_budgets(s, 2026)
    assert {r["owner"]: r["spent"] for r in rows} == {"全县专家服务工作": "2,500.00",
                                                     "茶产业专家服务团": "2,500.00"}


def test_dispatch_standard_and_over_standard_warning(db, oc: Outcomes) -> None:
    code = oc.dispatch_code["d1"]  # 张明远, 正高级, 3 days; 劳务 1500 and 交通 200 spent
    with db.session() as s:
        std = funds.dispatch_standard(s, code)
        assert (std.days, std.level) == (3, "正高级")
        assert std.limits == {"劳务/咨询费": 240_000, "食宿费": 90_000, "交通费": 50_000}
        assert funds.dispatch_warnings(s, code) == []
        # Up to the standard exactly: no warning; one fen more: a warning naming the rule.
        assert funds.dispatch_warnings(s, code, pending=("劳务/咨询费", 90_000)) == []
        over = funds.dispatch_warnings(s, code, pending=("劳务/咨询费", 90_001))
        assert len(over) == 1 and "超过标准 2,400.00 元" in over[0].message
        assert "3 天 × 800.00 元" in over[0].message
        travel = funds.dispatch_warnings(s, code, pending=("交通费", 30_001))
        assert travel and "交通费" in travel[0].message
        preview = funds.preview_expense(s, {"dispatch": code, "category": "劳务/咨询费",
                                            "amount": "900.01", "spent_on": "2026-03-12"})
        assert "合计 3,800.00 元" in preview["standard"]
        assert any("超过标准" in w for w in preview["warnings"])
        # The doctor's day: 副高级, planned 1 day (no service record).
        assert funds.dispatch_standard(s, oc.dispatch_code["d3"]).total_fen == 60_000 + 30_000 \
            + 50_000


def test_budget_thresholds(db, uow, oc: Outcomes) -> None:
    def team_state() -> str:
        with db.session() as s:
            return funds.budget_status(s, 2026, team_id=oc.team_id).state

    # Team budget 3,000 元; 2,500 spent (83.3 %): fine.
    assert team_state() == "ok"

    def spend(yuan: str) -> None:
        with uow() as u:
            funds.create_expense(u.session, {"team": "TD-0001", "category": "资料费",
                                             "amount": yuan, "spent_on": "2026-06-01"})
            u.commit()

    spend("199.99")  # 2,699.99: just under 90 %
    assert team_state() == "ok"
    spend("0.01")  # 2,700.00 = 90 %: early warning
    assert team_state() == "early"
    with db.session() as s:
        w = [x for x in funds.warnings(s, 2026) if x.scope == "team"]
        assert len(w) == 1 and w[0].level == "early" and "预警线 90%" in w[0].message
    spend("299.99")
    assert team_state() == "early"
    spend("0.01")  # 3,000.00 = 100 %: over
    assert team_state() == "over"
    spend("8000")  # the year: 2,500 + 500 + 8,000 = 11,000 of 10,000
    with db.session() as s:
        year = funds.budget_status(s, 2026)
        assert (year.spent_fen, year.budget_fen, year.state) == (1_100_000, 1_000_000, "over")
        messages = [x.message for x in funds.warnings(s, 2026)]
    assert any("已超支" in m and "2026 年全县" in m for m in messages)


def test_statements(db, oc: Outcomes, tmp_path) -> None:
    with db.session() as s:
        year = funds.year_statement(s, 2026)
        assert year.total_fen == 250_000 and year.budget_fen == 1_000_000
        assert year.by_category["劳务/咨询费"] == 150_000
        team = funds.team_statement(s, "茶产业专家服务团", 2026)
        assert team.total_fen == 250_000 and team.budget_fen == 300_000
        one = funds.dispatch_statement(s, oc.dispatch_code["d1"])
        assert one.total_fen == 170_000 and one.standard_fen == 380_000
        xlsx = funds.statement_xlsx(year, tmp_path / "year.xlsx")
        pdf = funds.statement_pdf(s, one, tmp_path / "d1.pdf")
    sheet = load_workbook(xlsx).active
    assert sheet["A1"].value == "2026 年专家服务经费明细"
    assert [c.value for c in sheet[2]][:6] == ["日期", "派遣", "专家", "服务团/活动", "类别",
                                               "金额（元）"]
    assert sum(r[5] for r in sheet.iter_rows(min_row=3, max_row=6, values_only=True)) == 2500
    assert any(r[0] == "合计：2,500.00 元" for r in sheet.iter_rows(values_only=True))
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    text = doc[0].get_textpage().get_text_range()
    assert "派遣经费明细" in text and "劳务/咨询费" in text and "1,500.00" in text


def test_settings_are_defined() -> None:
    from services import settings

    keys = {d.key for d in settings.definitions()}
    assert {"funds.fee_senior", "funds.lodging_per_day", "funds.travel_per_trip",
            "funds.warning_percent", "cards.min_days", "cards.expiring_days"} <= keys
