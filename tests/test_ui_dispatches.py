"""派遣单 through the page: filters by state, the sheet previewed in the app, printed to a PDF
file through the print path (QPrinter in PDF mode, offscreen) and read back, a refusal with
its replacement created in one click, and the notification texts copied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
import shiboken6
from PySide6.QtGui import QGuiApplication
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models import Dispatch, DispatchStatus
from services import dispatches
from services.database import Database
from services.uow import UnitOfWork
from tests.matching_support import SmallCounty, add_need, build_county
from tests.ui_support import ignore_offscreen, open_window, wait_idle
from ui.pages.dispatches import DispatchesPage, ReplacementDialog, a4_printer

pytestmark = ignore_offscreen
Uow = Callable[..., UnitOfWork]


@pytest.fixture
def small(uow: Uow) -> SmallCounty:
    with uow() as u:
        county = build_county(u.session)
        tea = add_need(u.session, county.coop, "茶园管理", "2026-05-06", "2026-05-20")
        oil = add_need(u.session, county.forest_firm, "夏梢管理", "2026-05-06", "2026-05-20")
        for need, expert, day in ((tea, county.tea, "2026-05-12"), (oil, county.oil, "2026-05-13")):
            dispatches.create_dispatch(u.session, {"need": need, "expert": expert,
                                                   "start_date": day})
        dispatches.confirm_dispatch(u.session, "PQ-2026-0002")
        u.commit()
    return county


def _page(qtbot: QtBot, db: Database, tmp_path: Path) -> tuple[object, DispatchesPage]:
    window = open_window(qtbot, db, tmp_path / "ui-state.json", "dispatches")
    page = window.page("dispatches")
    assert isinstance(page, DispatchesPage)
    wait_idle(qtbot, window)
    return window, page


def _select(qtbot: QtBot, window: object, page: DispatchesPage, code: str) -> int:
    record_id = next(page.model.row_id(r) for r in range(page.model.rowCount())
                     if page.model.value(r, "code") == code)
    page.select_id(record_id)
    qtbot.wait(200)  # the detail follows the selection after a short pause
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    return record_id


def test_list_filters_by_state_and_dates(qtbot: QtBot, db: Database, small: SmallCounty,
                                         tmp_path: Path) -> None:
    window, page = _page(qtbot, db, tmp_path)
    assert page.model.shown == 2
    assert page.filter_bar.select("state", "已确认")
    assert page.model.shown == 1 and page.model.value(0, "code") == "PQ-2026-0002"
    page.filter_bar.clear()
    page.date_from.set_value(date(2026, 5, 12))
    page.date_to.set_value(date(2026, 5, 12))
    page.date_check.setChecked(True)
    assert page.model.shown == 1 and page.model.value(0, "code") == "PQ-2026-0001"
    page.date_check.setChecked(False)
    assert page.model.shown == 2
    window.close()  # type: ignore[attr-defined]


def test_preview_and_print_to_pdf_through_the_print_path(qtbot: QtBot, db: Database,
                                                         small: SmallCounty,
                                                         tmp_path: Path) -> None:
    window, page = _page(qtbot, db, tmp_path)
    _select(qtbot, window, page, "PQ-2026-0001")
    preview = page.detail.preview  # type: ignore[union-attr]
    assert preview.page_count == 1 and preview.pages.images[0].width() > 1000
    assert "1 / 1" in preview.page_label.text()
    zoom = preview.pages.zoom
    preview.step_zoom(1)
    assert preview.pages.zoom > zoom

    page.table.selectAll()
    out = tmp_path / "printed.pdf"
    printer = a4_printer(QPrinter(QPrinter.PrinterMode.ScreenResolution))
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    page.print_selected(printer)
    wait_idle(qtbot, window, 60_000)  # type: ignore[arg-type]
    assert out.exists()
    doc = pypdfium2.PdfDocument(str(out))
    try:
        assert len(doc) == 2  # two sheets, one page each
        width, height = doc[0].get_size()
        assert abs(width - 595) < 3 and abs(height - 842) < 3  # A4
    finally:
        doc.close()

    saved = tmp_path / "saved.pdf"
    page.save_pdf(str(saved))
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    assert saved.read_bytes().startswith(b"%PDF")
    window.close()  # type: ignore[attr-defined]


def test_refusal_offers_a_replacement_and_creates_it(qtbot: QtBot, db: Database, uow: Uow,
                                                      small: SmallCounty, tmp_path: Path) -> None:
    window, page = _page(qtbot, db, tmp_path)
    _select(qtbot, window, page, "PQ-2026-0001")
    page.decline_current("当周有手术")
    wait_idle(qtbot, window, 60_000)  # type: ignore[arg-type]
    dialog = page.replacement_dialog
    assert isinstance(dialog, ReplacementDialog) and dialog.isVisible()
    first = dialog.declined.replacements[0]
    assert first.ok and first.expert_code == small.tea2  # never the one who declined
    assert "王春茶" in dialog.model.rows[0][1] and dialog.model.rows[0][4].startswith("可派")
    dialog.create(0)
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    assert not shiboken6.isValid(dialog)  # closed (and deleted) once created
    with uow() as u:
        rows = {d.code: (d.status, d.expert.code) for d in u.session.scalars(select(Dispatch))}
    assert rows["PQ-2026-0001"][0] == DispatchStatus.DECLINED
    assert (DispatchStatus.PLANNED, small.tea2) in rows.values()
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    assert page.model.total == 3
    window.close()  # type: ignore[attr-defined]


def test_notification_texts_are_copied(qtbot: QtBot, db: Database, small: SmallCounty,
                                       tmp_path: Path) -> None:
    window, page = _page(qtbot, db, tmp_path)
    _select(qtbot, window, page, "PQ-2026-0002")
    page.copy_notice("expert")
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    text = QGuiApplication.clipboard().text()
    assert text == page.last_notice
    for part in ("陈林", "茶山油茶公司", "5月13日", "PQ-2026-0002"):
        assert part in text
    page.copy_notice("unit")
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    assert "陈林" in page.last_notice and "回执" in page.last_notice
    assert page.detail.confirm_button.isEnabled() is False  # already confirmed  # type: ignore[union-attr]
    window.close()  # type: ignore[attr-defined]


def test_the_filtered_list_exports_to_excel(qtbot: QtBot, db: Database, small: SmallCounty,
                                            tmp_path: Path) -> None:
    from openpyxl import load_workbook

    window, page = _page(qtbot, db, tmp_path)
    assert page.filter_bar.select("state", "已确认")
    page.export_action.trigger()  # 导入导出 › 导出到Excel…
    dialog = page.export_dialog
    target = tmp_path / "派遣.xlsx"
    dialog.path.setText(str(target))
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.export_button.click()
    wait_idle(qtbot, window)  # type: ignore[arg-type]
    rows = list(load_workbook(target).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and "PQ-2026-0002" in rows[1]
    window.close()  # type: ignore[attr-defined]
