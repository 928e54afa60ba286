"""The audit viewer (ui/pages/audit.py): filters, lazy loading of a long trail, export."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from pytestqt.qtbot import QtBot
from sqlalchemy import insert

from models import AuditEntry
from services import experts
from services.database import Database
from tests.conftest import County
from tests.ui_support import ignore_offscreen, open_window, wait_idle
from ui.pages.audit import PAGE_SIZE, AuditPage

pytestmark = ignore_offscreen


def test_audit_viewer_filters_pages_and_exports(qtbot: QtBot, qtmodeltester,  # type: ignore[no-untyped-def]
                                                db: Database, county: County,
                                                tmp_path: Path) -> None:
    with db.unit_of_work("审核员") as u:
        experts.update_expert(u.session, county.vet, {"notes": "改一下"})
        u.commit()
    with db.engine.begin() as conn:  # a long trail: more than a page
        conn.execute(insert(AuditEntry), [
            {"actor": "批量", "action": "export", "entity_type": "Export", "note": f"第 {i} 条"}
            for i in range(PAGE_SIZE * 2 + 17)])
    window = open_window(qtbot, db, tmp_path / "state.json", page="audit")
    try:
        page = window.current_page()
        assert isinstance(page, AuditPage)
        page.start.setDate(page.start.date().addYears(-1))
        page.end.setDate(page.end.date().addDays(2))
        page.apply_filter()
        model = page.model
        qtmodeltester.check(model)
        assert model.total > PAGE_SIZE * 2 + 17
        assert model.rowCount() <= PAGE_SIZE * 3  # not the whole trail at once
        while model.canFetchMore():
            model.fetchMore()
        assert model.rowCount() == model.total
        # Filter by user.
        page.user.setCurrentIndex(page.user.findData("审核员"))
        page.apply_filter()
        assert model.total == 1 and model.data(model.index(0, 2)) == "修改"
        assert "notes" in model.data(model.index(0, 6))
        assert page.count_label.text() == "共 1 条"
        # By record code.
        page.user.setCurrentIndex(0)
        page.record.setText(county.vet)
        page.apply_filter()
        assert model.total >= 2
        assert {model.rows[i]["entity_type"] for i in range(model.rowCount())} == {"Expert"}
        # Export what is shown.
        out = tmp_path / "audit.xlsx"
        page.export(str(out))
        wait_idle(qtbot, window)
        ws = load_workbook(out).worksheets[0]
        assert ws.max_row == model.total + 1
    finally:
        window.close()


def test_anonymised_export_from_the_list(qtbot: QtBot, db: Database, county: County,
                                         tmp_path: Path) -> None:
    window = open_window(qtbot, db, tmp_path / "state.json", page="experts")
    try:
        page = window.current_page()
        page.export_action.trigger()
        dialog = page.export_dialog
        dialog.reveal.setChecked(True)
        dialog.anonymise.setChecked(True)
        assert not dialog.reveal.isChecked() and not dialog.reveal.isEnabled()
        target = tmp_path / "脱敏.xlsx"
        dialog.path.setText(str(target))
        with qtbot.waitSignal(dialog.exported, timeout=20_000):
            dialog.export_button.click()
        wait_idle(qtbot, window)
        ws = load_workbook(target).worksheets[0]
        values = " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row)
        assert "张*远" in values and "张明远" not in values
        assert county.tea_expert_phone not in values
    finally:
        window.close()
