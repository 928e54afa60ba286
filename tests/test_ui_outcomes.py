"""服务成效 screen: a receipt entered through the form (the dispatch completes), a bad value
shown under its field, an attachment added and listed with its checksum state, and the
dispatches screen's 登记回执 opening the record directly."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from models import DispatchStatus
from services import dispatches
from services.database import Database
from services.outcomes import attachments, records
from tests.conftest import County
from tests.outcomes_support import make_dispatch
from tests.ui_support import ignore_offscreen, type_text, wait_idle, window  # noqa: F401

pytestmark = ignore_offscreen


@pytest.fixture
def dispatch_id(db: Database, county: County, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("EXPERT_DISPATCH_DATA_DIR", str(tmp_path / "data"))
    code = make_dispatch(db.unit_of_work, county.coop, "茶园管理", county.tea_expert,
                         "2025-04-08", "2025-04-09", status=DispatchStatus.CONFIRMED)
    with db.session() as s:
        return dispatches.get_dispatch(s, code).id


def test_receipt_through_the_form_with_field_errors_and_an_attachment(
        qtbot, qtmodeltester, window, db: Database, dispatch_id: int, tmp_path: Path) -> None:  # noqa: F811
    page = window.show_page("outcomes", dispatch_id)  # as 登记回执 on the dispatches screen
    wait_idle(qtbot, window)
    qtmodeltester.check(page.model)
    assert page.model.total == 1
    assert page.model.value_of_id(dispatch_id, "record_label") == "未登记"
    form = page.editor
    assert form is not None and form.record_id == dispatch_id
    qtbot.waitUntil(lambda: form._initial is not None, timeout=10_000)
    assert form.fields["actual_start"].get() == "2025-04-08"
    assert not page.add_button.isEnabled()  # no attachment before a record

    type_text(qtbot, form.fields["people_trained"].widget, "abc")
    qtbot.waitUntil(lambda: form.field_error("people_trained") != "", timeout=10_000)
    assert "整数" in form.field_error("people_trained")
    form.fields["people_trained"].widget.setText("40")
    form.fields["trainings"].widget.setText("2")
    form.fields["problems_solved"].widget.setText("2")
    form.fields["problem_list"].set(["茶小绿叶蝉防治", "春季修剪"])
    form.fields["satisfaction"].set(5)
    form.fields["receipt_received_on"].widget.setText("2025-04-20")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)  # refused: no signer
    qtbot.waitUntil(lambda: form.field_error("receipt_signed_by") != "", timeout=10_000)
    assert "签字人" in form.field_error("receipt_signed_by")
    form.fields["receipt_signed_by"].widget.setText("王建国")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.value_of_id(dispatch_id, "record_label") == "已收回执",
                    timeout=10_000)
    with db.session() as s:
        assert dispatches.get_dispatch(s, dispatch_id).status == DispatchStatus.COMPLETED
        record = records.record_of(s, dispatch_id)
        assert record is not None and record.people_trained == 40
        assert record.problem_list == ["茶小绿叶蝉防治", "春季修剪"]

    page.select_id(dispatch_id)
    qtbot.waitUntil(page.add_button.isEnabled, timeout=10_000)
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(b"\x89PNG test photo")
    page.add_files([photo])
    qtbot.waitUntil(lambda: page.files.total == 1, timeout=10_000)
    assert page.files.value(0, "file_name") == "现场照片.png"
    assert page.files.value(0, "state_label") == "完好"
    with db.session() as s:
        assert [c.state for c in attachments.verify(s)] == ["ok"]


def test_agreement_and_publicity_added_edited_and_deleted(
        qtbot, window, db: Database, dispatch_id: int) -> None:  # noqa: F811
    from services import needs
    from services.outcomes import agreements, publicity

    with db.unit_of_work() as u:  # the need has had its summary: step 6 is next
        need = dispatches.get_dispatch(u.session, dispatch_id).need
        for target in ("matched", "served", "summarised"):
            if need.status != target:
                needs.set_status(u.session, need.id, target, "测试")
        u.commit()
    page = window.show_page("outcomes")
    wait_idle(qtbot, window)
    page.select_id(dispatch_id)
    qtbot.waitUntil(page.item_buttons["deal"]["add"].isEnabled, timeout=10_000)

    form = page.add_item("deal")
    qtbot.waitUntil(lambda: form._initial is not None, timeout=10_000)
    form.fields["role"].set("技术顾问")
    form.fields["signed_on"].widget.setText("2099-01-01")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.field_error("signed_on") != "", timeout=10_000)
    assert "晚于今天" in form.field_error("signed_on")
    form.fields["signed_on"].widget.setText("2025-05-01")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.deals.total == 1, timeout=10_000)
    assert page.deals.value(0, "role") == "技术顾问"
    with db.session() as s:
        assert dispatches.get_dispatch(s, dispatch_id).need.status == "contracted"

    page.deals_view.setCurrentIndex(page.deals.index(0, 0))
    form = page.edit_item("deal")
    qtbot.waitUntil(lambda: form._initial is not None, timeout=10_000)
    assert form.fields["signed_on"].get() == "2025-05-01"
    form.fields["role"].set("特聘专家")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.deals.value(0, "role") == "特聘专家", timeout=10_000)

    form = page.add_item("report")
    qtbot.waitUntil(lambda: form._initial is not None, timeout=10_000)
    form.fields["outlet"].widget.setText("县融媒体中心")
    form.fields["published_on"].widget.setText("2025-05-10")
    form.fields["title"].widget.setText("专家进茶园")
    form.fields["link"].widget.setText("ftp://x")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.field_error("link") != "", timeout=10_000)
    form.fields["link"].widget.setText("https://www.example.gov.cn/a")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.reports.total == 1, timeout=10_000)
    with db.session() as s:
        assert dispatches.get_dispatch(s, dispatch_id).need.status == "publicised"

    page.reports_view.setCurrentIndex(page.reports.index(0, 0))
    page.delete_item("report")
    [button] = [b for b in page.confirm.buttons() if b.text() == "删除"]
    button.click()
    qtbot.waitUntil(lambda: page.reports.total == 0, timeout=10_000)
    with db.session() as s:
        assert publicity.list_publicity(s, dispatch_id=dispatch_id) == []
        assert len(agreements.list_agreements(s, dispatch_id=dispatch_id)) == 1
