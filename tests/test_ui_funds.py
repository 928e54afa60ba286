"""经费: budgets with their state, the entry form's live standard and warning, saving."""

from __future__ import annotations

import pytest

from tests.stats_support import build_outcomes
from tests.ui_support import ignore_offscreen, open_window, wait_idle

pytestmark = ignore_offscreen


@pytest.fixture
def funds_page(qtbot, db, county, tmp_path):
    oc = build_outcomes(db, county)
    window = open_window(qtbot, db, tmp_path / "ui-state.json")
    page = window.show_page("funds")
    page.year.setValue(2026)
    page.refresh()
    wait_idle(qtbot, window)
    yield window, page, oc
    window.close()


def test_budgets_and_live_warning(qtbot, funds_page) -> None:
    window, page, oc = funds_page
    assert {r["owner"]: r["spent"] for r in page.budget_model.rows} == {
        "全县专家服务工作": "2,500.00", "茶产业专家服务团": "2,500.00"}
    assert len(page.expense_model.rows) == 4
    page.dispatch_edit.setText(oc.dispatch_code["d1"])
    page.category.setCurrentText("劳务/咨询费")
    page.amount.setText("900")
    qtbot.waitUntil(lambda: "合计 3,800.00 元" in page.standard_label.text(), timeout=10_000)
    wait_idle(qtbot, window)
    assert "超过标准" not in page.warning_label.text()  # exactly the standard
    page.amount.setText("900.01")
    qtbot.waitUntil(lambda: "超过标准" in page.warning_label.text(), timeout=10_000)
    page.amount.setText("abc")
    page.save_expense()
    assert "金额" in page.warning_label.text()
    page.amount.setText("100")
    page.save_expense()
    wait_idle(qtbot, window)
    assert len(page.expense_model.rows) == 5
