"""Excel out, 数据报送 and backups in the window: a filtered list exported and read back with
openpyxl (real dates, masked numbers unless asked, and that choice audited), the selection
exported from the bulk menu, a package exported and merged with its report, a backup to a
chosen folder, restore from the list of backups (the window reopens on it), and start-up: the
daily backup once a day off the GUI thread, and a damaged database offering the newest good
backup instead of crashing."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from models import AuditEntry, Need
from services import backup, needs, places
from services.database import open_database
from services.exchange.export import mask_id_number
from tests.conftest import ACTOR, County, _copy_sqlite, _Templates, has_cjk
from tests.test_backup import corrupt
from tests.ui_support import ignore_offscreen, open_window, wait_idle, window  # noqa: F401
from ui import backup_dialogs
from ui.backup_dialogs import RestoreDialog
from ui.export_dialog import ExportDialog, PackageExportDialog, PackageImportDialog
from ui.main_window import MainWindow
from ui.state import UiState

pytestmark = ignore_offscreen

NEEDS = (("茶园春季修剪", "茶叶", date(2026, 4, 1)), ("茶叶加工工艺", "茶叶", date(2026, 5, 3)),
         ("马铃薯晚疫病防治", "马铃薯", date(2026, 6, 10)))


def townships(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM township ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture
def need_ids(uow, county: County) -> list[int]:
    ids = []
    with uow() as u:
        for title, field, start in NEEDS:
            ids.append(needs.create_need(u.session, {
                "title": title, "unit": county.coop if "茶" in title else county.clinic,
                "field": field,
                "window_start": start.isoformat(), "window_end": start.replace(day=28).isoformat(),
            }, ACTOR).id)
        u.commit()
    return ids


def export_with(qtbot, window: MainWindow, dialog: ExportDialog, target: Path) -> Path:  # noqa: F811
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    dialog.path.setText(str(target))
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.export_button.click()
    wait_idle(qtbot, window)
    return target


def sheet_rows(path: Path) -> tuple[list[str], list[tuple]]:
    ws = load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


# --- export -----------------------------------------------------------------------------------


def test_a_filtered_list_exports_with_real_dates(qtbot, db, window, need_ids,  # noqa: F811
                                                 tmp_path: Path) -> None:
    page = window.show_page("needs")
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: page.model.search_index is not None)
    page.search.setText("茶")  # two of the three
    assert page.model.shown == 2
    page.export_action.trigger()  # 导入导出 › 导出到Excel…
    dialog = page.export_dialog
    assert "当前列表（2 条）" in dialog.shown_radio.text()
    assert not dialog.reveal.isChecked()
    path = export_with(qtbot, window, dialog, tmp_path / "需求")
    assert path.exists() is False and Path(f"{path}.xlsx").exists()
    header, rows = sheet_rows(Path(f"{path}.xlsx"))
    titles = [r[header.index("需求标题")] for r in rows]
    assert sorted(titles) == sorted(t for t, _f, _d in NEEDS if "茶" in t)
    ws = load_workbook(Path(f"{path}.xlsx")).worksheets[0]
    cell = ws.cell(row=2, column=header.index("开始日期") + 1)
    assert isinstance(cell.value, datetime) and cell.number_format == "yyyy-mm-dd"
    assert cell.value.date() in {d for _t, _f, d in NEEDS}
    assert ws.freeze_panes == "A2"
    with db.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
        assert entry is not None and entry.after["count"] == 2
        assert entry.after["reveal_personal"] is False and "茶" in entry.note


def test_experts_masked_unless_asked_and_the_choice_is_audited(
    qtbot, db, county: County, window, tmp_path: Path  # noqa: F811
) -> None:
    page = window.show_page("experts")
    wait_idle(qtbot, window)
    page.export_action.trigger()
    masked = export_with(qtbot, window, page.export_dialog, tmp_path / "专家.xlsx")
    header, rows = sheet_rows(masked)
    ids = {r[header.index("身份证号")] for r in rows}
    phones = {r[header.index("联系电话")] for r in rows}
    assert mask_id_number(county.tea_expert_id_number) in ids
    assert county.tea_expert_id_number not in ids and "138****0001" in phones

    page.export_action.trigger()
    dialog = page.export_dialog
    dialog.reveal.setChecked(True)
    assert dialog.reveal_note.isVisible()
    full = export_with(qtbot, window, dialog, tmp_path / "专家-完整.xlsx")
    header, rows = sheet_rows(full)
    assert county.tea_expert_id_number in {r[header.index("身份证号")] for r in rows}
    assert county.tea_expert_phone in {r[header.index("联系电话")] for r in rows}
    with db.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                                 .order_by(AuditEntry.id)))
    assert [e.after["reveal_personal"] for e in entries] == [False, True]
    assert "完整身份证号" in entries[1].note


def test_the_selection_exports_from_the_bulk_menu(qtbot, window, need_ids, tmp_path) -> None:  # noqa: F811
    page = window.show_page("needs")
    wait_idle(qtbot, window)
    page.select_ids(need_ids[:2])
    actions = page.bulk_actions(page.selected_ids())
    export = next(a for a in actions if a.text().startswith("导出选中的"))
    assert export.text() == "导出选中的 2 条…"
    export.trigger()
    dialog = page.export_dialog
    assert dialog.selected_radio.isChecked() and dialog.ids() == need_ids[:2]
    path = export_with(qtbot, window, dialog, tmp_path / "选中.xlsx")
    _header, rows = sheet_rows(path)
    assert len(rows) == 2


def test_the_file_menu_exports_the_list_shown(qtbot, window, tmp_path: Path) -> None:  # noqa: F811
    window.show_page("dashboard")
    wait_idle(qtbot, window)
    assert window.export_current() is None  # no list on screen: said, nothing opened
    window.last_message.accept()
    window.show_page("units")
    wait_idle(qtbot, window)
    dialog = window.export_current()
    path = export_with(qtbot, window, dialog, tmp_path / "单位.xlsx")
    header, rows = sheet_rows(path)
    assert header[:2] == ["编号", "单位名称"] and len(rows) == 2


# --- 数据报送 ----------------------------------------------------------------------------------


def test_a_package_exports_and_merges_into_another_database(
    qtbot, db, window, need_ids, tmp_path: Path, _templates: _Templates  # noqa: F811
) -> None:
    dialog = window.export_package()
    assert isinstance(dialog, PackageExportDialog)
    wait_idle(qtbot, window)
    assert "（" in dialog.office.text()  # bureau (county), from the settings
    dialog.year.setCurrentIndex(dialog.year.findData(2026))
    target = tmp_path / "数据报送.zip"
    dialog.path.setText(str(target))
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.export_button.click()
    wait_idle(qtbot, window)
    assert target.exists() and dialog.manifest.counts["needs"] == len(NEEDS)
    assert "已导出" in dialog.result_text.toPlainText()
    dialog.accept()

    # This very database refuses its own package, in words.
    own = window.import_package(str(target))
    wait_idle(qtbot, window)
    own.run(dry_run=False)
    wait_idle(qtbot, window)
    assert own.error.isVisible() and "本库自己导出" in own.error.text()
    own.reject()

    # The city office: another database merges it (preview first, then import).
    city_path = tmp_path / "city.db"
    _copy_sqlite(_templates.bare_db, city_path)
    city = open_database(str(city_path), sync_reference=False)
    other = open_window(qtbot, city, tmp_path / "city-ui.json")
    try:
        merge = other.import_package(str(target))
        assert isinstance(merge, PackageImportDialog)
        wait_idle(qtbot, other)
        assert merge.manifest is not None and "需求 3 条" in merge.about.text()
        merge.preview_button.click()
        wait_idle(qtbot, other)
        assert merge.result is not None and merge.result.dry_run
        with city.session() as s:
            assert s.scalar(select(func.count()).select_from(Need)) == 0
        merge.import_button.click()
        wait_idle(qtbot, other)
        assert merge.result is not None and not merge.result.dry_run
        assert not merge.import_button.isEnabled(), "imported once"
        with city.session() as s:
            assert s.scalar(select(func.count()).select_from(Need)) == len(NEEDS)
        report = merge.save_report(tmp_path / "冲突报告.txt")
        text = report.read_text(encoding="utf-8-sig")
        assert "已导入" in text and "没有冲突" in text
        merge.accept()
    finally:
        other.close()
        city.close()


def test_a_damaged_package_is_refused_in_words(qtbot, window, tmp_path: Path) -> None:  # noqa: F811
    bad = tmp_path / "坏包.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    dialog = window.import_package(str(bad))
    wait_idle(qtbot, window)
    assert dialog.error.isVisible() and has_cjk(dialog.error.text())
    assert not dialog.preview_button.isEnabled() and not dialog.import_button.isEnabled()
    dialog.reject()


# --- backup and restore -----------------------------------------------------------------------


def test_backup_to_a_chosen_folder(qtbot, window, db_path: Path, tmp_path: Path) -> None:  # noqa: F811
    stick = tmp_path / "U盘"
    stick.mkdir()
    window.backup_to(str(stick))
    wait_idle(qtbot, window)
    made = list(stick.glob("*.db"))
    assert len(made) == 1 and backup.check_integrity(made[0]).ok
    assert "手动" in made[0].name
    assert str(made[0]) in window.last_message.text()
    window.last_message.accept()


def test_restore_from_the_list_reopens_the_restored_database(qtbot, db, window, uow,  # noqa: F811
                                                             db_path: Path) -> None:
    saved = backup.backup_database(db_path, "每日")
    with uow() as u:
        places.create_township(u.session, {"name": "后来加的镇"})
        u.commit()
    window.show_page("needs")
    wait_idle(qtbot, window)
    dialog = window.open_restore_dialog()
    assert isinstance(dialog, RestoreDialog)
    wait_idle(qtbot, window)
    assert dialog.select(saved)
    kinds = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert "每日" in kinds
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: dialog.confirm_box is not None and dialog.confirm_box.isVisible(),
                    timeout=10_000)
    box = dialog.confirm_box
    assert "恢复" in box.text()
    with qtbot.waitSignal(window.databaseReady, timeout=30_000):
        next(b for b in box.buttons() if b.text() == "恢复").click()
    wait_idle(qtbot, window)
    assert window.database is not None and window.database is not db
    assert "后来加的镇" not in townships(db_path)
    kept = [b for b in backup.list_backups(db_path) if b.kind == "恢复前"]
    assert kept and "后来加的镇" in townships(kept[0].path), "the current one was kept"
    assert window.current_key == "needs", "the screens are back"
    window.last_message.accept()


def test_a_damaged_backup_is_not_restored(qtbot, db, window, db_path: Path,  # noqa: F811
                                          tmp_path: Path) -> None:
    bad = backup.backup_database(db_path, "手动", folder=tmp_path)
    corrupt(bad)
    dialog = window.open_restore_dialog()
    wait_idle(qtbot, window)
    dialog.add_file(bad)
    dialog.restore_button.click()
    wait_idle(qtbot, window)
    assert dialog.error.isVisible() and "不能用这个备份恢复" in dialog.error.text()
    assert dialog.confirm_box is None
    assert window.database is db, "nothing was closed or replaced"
    dialog.reject()


# --- start-up -----------------------------------------------------------------------------------


def test_the_daily_backup_runs_once_a_day_at_start_off_the_gui_thread(
    qtbot, db, county: County, db_path: Path, tmp_path: Path, monkeypatch
) -> None:
    db.close()
    threads: list[bool] = []
    real = backup.daily_backup

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(backup, "daily_backup", watched)
    for n in range(2):  # two starts on the same day
        main = MainWindow(state=UiState(tmp_path / f"ui-{n}.json"))
        qtbot.addWidget(main)
        main.show()
        with qtbot.waitSignal(main.databaseReady, timeout=30_000):
            main.open_database_async(str(db_path))
        wait_idle(qtbot, main)
        assert main.startup_check is not None and main.startup_check.ok
        assert (main.startup_check.daily is not None) == (n == 0)
        main.close()
    assert threads == [False, False], "checked at each start, never on the GUI thread"
    daily = [b for b in backup.list_backups(db_path) if b.kind == "每日"]
    assert len(daily) == 1 and daily[0].taken_at.date() == date.today()


def damaged_with_a_good_backup(db, uow, db_path: Path) -> Path:  # type: ignore[no-untyped-def]
    with uow() as u:
        places.create_township(u.session, {"name": "白云镇"})
        u.commit()
    good = backup.backup_database(db_path, "每日")
    db.close()
    corrupt(db_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    assert not backup.check_integrity(db_path).ok
    return good


def test_a_damaged_database_at_start_offers_the_newest_good_backup(
    qtbot, db, uow, db_path: Path, tmp_path: Path, monkeypatch
) -> None:
    good = damaged_with_a_good_backup(db, uow, db_path)
    offered = []

    def answer(parent, check, on_answer):  # type: ignore[no-untyped-def]
        offered.append(check)
        on_answer(backup_dialogs.RESTORE)
        return None

    monkeypatch.setattr(backup_dialogs, "offer_startup_restore", answer)
    main = MainWindow(state=UiState(tmp_path / "ui.json"))
    qtbot.addWidget(main)
    main.show()
    with qtbot.waitSignal(main.databaseReady, timeout=30_000):
        main.open_database_async(str(db_path))
    wait_idle(qtbot, main)
    try:
        assert len(offered) == 1 and not offered[0].ok and has_cjk(offered[0].message)
        assert offered[0].candidate is not None and offered[0].candidate.path == good
        assert main.restored.previous_saved_as is not None
        assert "损坏" in main.restored.previous_saved_as.name, "the damaged file is kept"
        assert townships(db_path) == ["白云镇"]
        assert main.database is not None and main.nav.count() > 0
    finally:
        main.close()
        if main.database is not None:
            main.database.close()


def test_the_offer_is_a_chinese_dialog_and_quit_closes(qtbot, db, uow, db_path: Path,
                                                       tmp_path: Path) -> None:
    damaged_with_a_good_backup(db, uow, db_path)
    before = db_path.read_bytes()
    main = MainWindow(state=UiState(tmp_path / "ui.json"))
    qtbot.addWidget(main)
    main.show()
    main.open_database_async(str(db_path))
    qtbot.waitUntil(lambda: getattr(main, "startup_offer", None) is not None
                    and main.startup_offer.isVisible(), timeout=30_000)
    box = main.startup_offer
    assert isinstance(box, QMessageBox)
    assert "检查未通过" in box.text() and "备份" in box.text()
    labels = [b.text() for b in box.buttons()]
    assert sorted(labels) == sorted(["用这份备份恢复", "选择备份文件…", "退出程序"])
    assert main.database is None, "a damaged database is never opened"
    next(b for b in box.buttons() if b.text() == "退出程序").click()
    qtbot.waitUntil(lambda: not main.isVisible(), timeout=10_000)
    assert db_path.read_bytes() == before, "nothing was touched"
