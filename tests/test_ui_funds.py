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
    page.save_expense()  # on a worker: the service's message comes back
    qtbot.waitUntil(lambda: "金额" in page.warning_label.text(), timeout=10_000)
    wait_idle(qtbot, window)
    page.amount.setText("100")
    page.save_expense()
    wait_idle(qtbot, window)
    assert len(page.expense_model.rows) == 5


def _select(view, row: int) -> None:
    view.selectRow(row)


def test_budget_form_adds_edits_and_deletes(qtbot, db, funds_page) -> None:
    from services.outcomes import funds

    window, page, oc = funds_page
    seen: list = []
    page.ctx.changed.connect(seen.append)
    dialog = page.open_budget_form(None)
    assert not dialog.owner.isEnabled()  # the whole programme: no team to choose
    dialog.owner_kind.setCurrentIndex(dialog.owner_kind.findData("activity"))
    assert dialog.owner.count() == 2 and dialog.owner.isEnabled()
    dialog.amount.setText("3000")
    dialog.note.setText("院士专家基层行")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.saved_id is not None, timeout=10_000)
    wait_idle(qtbot, window)
    assert seen and seen[-1].touches("funds")
    with db.session() as s:
        saved = funds.get_budget(s, dialog.saved_id)
        assert (saved.amount_fen, saved.activity_id, saved.year) == (300_000, oc.activity_ids[0],
                                                                       2026)
    assert len(page.budget_model.rows) == 3

    # A second budget for the same owner and year is refused, with the service's message.
    again = page.open_budget_form(None)
    again.owner_kind.setCurrentIndex(again.owner_kind.findData("activity"))
    again.amount.setText("10")
    again.save()
    qtbot.waitUntil(lambda: "已有这项预算" in again.error.text(), timeout=10_000)
    assert again.saved_id is None and again.isVisible()
    again.reject()

    # Edit: the form opens on the chosen row; change the amount.
    row = [r["id"] for r in page.budget_model.rows].index(dialog.saved_id)
    _select(page.budget_view, row)
    page.edit_budget()
    edit = page.last_dialog
    assert edit.amount.text() == "3000" and edit.owner_kind.currentData() == "activity"
    edit.amount.setText("4500.5")
    edit.save()
    qtbot.waitUntil(lambda: edit.saved_id is not None, timeout=10_000)
    wait_idle(qtbot, window)
    assert {r["id"]: r["amount"] for r in page.budget_model.rows}[dialog.saved_id] == "4,500.50"

    page.delete_budget(dialog.saved_id)
    wait_idle(qtbot, window)
    assert dialog.saved_id not in [r["id"] for r in page.budget_model.rows]
    assert "预算已删除" in page.status.text()


def test_expense_edit_and_delete_off_the_gui_thread(qtbot, db, funds_page) -> None:
    from services.outcomes import funds

    window, page, oc = funds_page
    seen: list = []
    page.ctx.changed.connect(seen.append)
    reports = window.show_page("reports")  # another screen hears the change
    reports.year.setValue(2026)
    reports.refresh()
    wait_idle(qtbot, window)
    before = {r["key"]: r["records"] for r in reports.figures_model.rows}["spending"]
    window.show_page("funds")
    wait_idle(qtbot, window)

    page.dispatch_edit.setText(oc.dispatch_code["d1"])
    page.category.setCurrentText("资料费")
    page.amount.setText("66")
    page.save_expense()
    assert not page.save_button.isEnabled()  # saving runs on a worker
    wait_idle(qtbot, window)
    assert page.save_button.isEnabled() and seen[-1].touches("funds")
    assert len(page.expense_model.rows) == 5
    assert reports._stale  # told; it refreshes when shown

    row = next(i for i, r in enumerate(page.expense_model.rows)
               if r["category"] == "资料费" and r["amount_fen"] == 6600)
    expense_id = page.expense_model.rows[row]["id"]
    _select(page.expense_view, row)
    page.edit_expense()
    assert page.editing_id == expense_id and page.amount.text() == "66"
    assert page.cancel_edit_button.isVisibleTo(page)
    page.amount.setText("77.5")
    page.save_expense()
    wait_idle(qtbot, window)
    with db.session() as s:
        assert funds.get_expense(s, expense_id).amount_fen == 7750
    assert page.editing_id is None and len(page.expense_model.rows) == 5

    # 删除所选支出 asks first; 取消 keeps it, 删除 removes it.
    from PySide6.QtWidgets import QMessageBox

    row = [r["id"] for r in page.expense_model.rows].index(expense_id)
    _select(page.expense_view, row)
    page.ask_delete_expense()
    box = page.findChildren(QMessageBox)[-1]
    box.buttons()[[b.text() for b in box.buttons()].index("取消")].click()
    wait_idle(qtbot, window)
    assert expense_id in [r["id"] for r in page.expense_model.rows]
    _select(page.expense_view, row)
    page.ask_delete_expense()
    box = page.findChildren(QMessageBox)[-1]
    box.buttons()[[b.text() for b in box.buttons()].index("删除")].click()
    wait_idle(qtbot, window)
    assert expense_id not in [r["id"] for r in page.expense_model.rows]
    window.show_page("reports")
    wait_idle(qtbot, window)
    assert {r["key"]: r["records"] for r in reports.figures_model.rows}["spending"] == before


def test_statements_per_year_team_and_dispatch(qtbot, funds_page, tmp_path) -> None:
    from openpyxl import load_workbook

    window, page, oc = funds_page
    scopes = [page.statement_scope.itemData(i) for i in range(page.statement_scope.count())]
    assert "year" in scopes and f"team:{oc.team_id}" in scopes
    page.export_statement("xlsx", str(tmp_path / "year.xlsx"), ("year", None))
    page.statement_scope.setCurrentIndex(page.statement_scope.findData(f"team:{oc.team_id}"))
    page.export_statement("xlsx", str(tmp_path / "team.xlsx"))
    row = next(i for i, r in enumerate(page.expense_model.rows) if r["dispatch"])
    code = page.expense_model.rows[row]["dispatch"]
    _select(page.expense_view, row)
    page.statement_scope.setCurrentIndex(page.statement_scope.findData("dispatch"))
    page.export_statement("pdf", str(tmp_path / "dispatch.pdf"))
    wait_idle(qtbot, window, timeout=120_000)  # the fonts load on the first PDF
    assert (tmp_path / "dispatch.pdf").read_bytes().startswith(b"%PDF")
    titles = {}
    for name in ("year", "team"):
        sheet = load_workbook(tmp_path / f"{name}.xlsx", read_only=True).active
        titles[name] = next(c for r in sheet.iter_rows(values_only=True) for c in r if c)
    assert "2026 年专家服务经费明细" in titles["year"] and "茶产业专家服务团" in titles["team"]
    page.export_statement("xlsx", str(tmp_path / "d.xlsx"))
    wait_idle(qtbot, window)
    sheet = load_workbook(tmp_path / "d.xlsx", read_only=True).active
    assert code in next(c for r in sheet.iter_rows(values_only=True) for c in r if c)
