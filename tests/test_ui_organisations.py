"""团队与基地 screen: a team created through its form with members chosen in the expert
picker (searched by pinyin initials), a validation error shown beside its field, a dispatch
linked to an activity through the activity form, and delete / restore."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from services import dispatches, experts
from services.database import Database
from services.outcomes import organisations as org
from tests.conftest import County
from tests.outcomes_support import make_dispatch
from tests.ui_support import ignore_offscreen, type_text, wait_idle, window  # noqa: F401

pytestmark = ignore_offscreen


def _expert_id(db: Database, code: str) -> int:
    with db.session() as s:
        return experts.get_expert(s, code).id


def test_team_with_members_from_the_picker_and_a_field_error(
        qtbot, qtmodeltester, window, db: Database, county: County) -> None:  # noqa: F811
    page = window.show_page("organisations")
    wait_idle(qtbot, window)
    form = page.open_form("teams", None)
    qtbot.waitUntil(lambda: form._initial is not None, timeout=10_000)
    type_text(qtbot, form.fields["name"].widget, "茶产业专家服务团")

    # Members: search the picker by pinyin initials (张明远 → zmy), tick, then 刘慧.
    picker = form.members.open_picker()
    qtmodeltester.check(picker.model)
    assert picker.model.rowCount() == 3
    picker.search.setText("zmy")
    assert picker.model.rowCount() == 1
    assert picker.model.data(picker.model.index(0, 0)) == "张明远"
    picker.model.toggle(0)
    picker.search.setText("刘")
    assert picker.model.rowCount() == 1
    picker.model.toggle(0)
    picker.search.setText("")
    assert "2" in picker.summary.text()
    picker.accept()
    tea, doctor, vet = (_expert_id(db, c) for c in (county.tea_expert, county.doctor,
                                                      county.vet))
    assert form.fields["members"].get() == [tea, doctor]
    assert form.members.text.text() == "张明远、刘慧"

    # The lead must be a member: 杨志强 is not, and the service's message shows by the field.
    lead = form.lead.open_picker()
    lead.search.setText("yzq")
    assert lead.model.rowCount() == 1 and lead.chosen() == [vet]
    lead.accept()
    with qtbot.assertNotEmitted(form.saved):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.field_error("lead_expert_id") != "", timeout=10_000)
    assert "团队成员" in form.field_error("lead_expert_id")
    form.fields["lead_expert_id"].set(tea)
    with qtbot.waitSignal(form.saved, timeout=10_000) as saved:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    team_id = saved.args[0]
    with db.session() as s:
        team = org.get_team(s, team_id)
        assert team.name == "茶产业专家服务团" and team.lead_expert_id == tea
        assert [m.id for m in team.members] == [tea, doctor]
    model = page.models["teams"]
    qtbot.waitUntil(lambda: model.has_id(team_id), timeout=10_000)
    assert model.value_of_id(team_id, "members") == 2

    # Delete, show deleted, restore.
    page.select_id("teams", team_id)
    page.delete("teams")
    qtbot.waitUntil(lambda: not model.has_id(team_id), timeout=10_000)
    page.show_deleted.setChecked(True)
    qtbot.waitUntil(lambda: model.has_id(team_id), timeout=10_000)
    assert model.value_of_id(team_id, "state") == "已删除"
    page.select_id("teams", team_id)
    assert page.buttons["teams"]["restore"].isEnabled()
    page.restore("teams")
    qtbot.waitUntil(lambda: model.value_of_id(team_id, "state") == "", timeout=10_000)


def test_a_dispatch_linked_to_an_activity_through_the_form(
        qtbot, window, db: Database, county: County) -> None:  # noqa: F811
    code = make_dispatch(db.unit_of_work, county.coop, "茶园管理", county.tea_expert,
                         "2025-04-08", "2025-04-09")
    page = window.show_page("organisations")
    wait_idle(qtbot, window)
    form = page.open_form("activities", None)
    qtbot.waitUntil(lambda: form._initial is not None, timeout=10_000)
    form.fields["name"].set("2025 年院士专家基层行")
    form.fields["kind"].set("院士专家基层行")
    form.fields["start_date"].set("2025-04-01")
    form.fields["end_date"].set("2025-04-05")
    form.fields["places"].set("青山镇")
    form.fields["dispatches"].set(code)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)  # outside the dates
    qtbot.waitUntil(lambda: form.field_error("dispatches") != "", timeout=10_000)
    assert code in form.field_error("dispatches") and "不在活动日期" in form.field_error(
        "dispatches")
    form.fields["end_date"].set("2025-04-10")
    with qtbot.waitSignal(form.saved, timeout=10_000) as saved:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    activity_id = saved.args[0]
    with db.session() as s:
        dispatch = dispatches.get_dispatch(s, code)
        found = org.activity_of(s, dispatch.id)
        assert found is not None and found.id == activity_id
        assert [e.code for e in found.experts] == [county.tea_expert]
    model = page.models["activities"]
    qtbot.waitUntil(lambda: model.value_of_id(activity_id, "dispatches") == 1, timeout=10_000)


@pytest.mark.parametrize("days, message", [("40", "31"), ("2", "")])
def test_workstation_days_logged_through_the_form(
        qtbot, window, db: Database, county: County, days: str, message: str) -> None:  # noqa: F811
    with db.unit_of_work() as u:
        ws = org.create_workstation(u.session, {
            "name": "茶叶工作站", "expert": county.tea_expert, "host_unit": county.coop,
            "start_date": "2025-01-01"})
        u.commit()
        ws_id = ws.id
    page = window.show_page("organisations")
    wait_idle(qtbot, window)
    page.tabs.setCurrentIndex(2)
    page.select_id("workstations", ws_id)
    qtbot.mouseClick(page.buttons["workstations"]["log"], Qt.MouseButton.LeftButton)
    form = page.editor
    assert form is not None
    qtbot.waitUntil(lambda: form._initial is not None, timeout=10_000)
    form.fields["served_on"].set("2025-03-02")
    form.fields["days"].set(days)
    if message:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.field_error("days") != "", timeout=10_000)
        assert message in form.field_error("days")
        return
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    with db.session() as s:
        assert org.workstation_days(s, ws_id) == 2
    qtbot.waitUntil(lambda: page.models["workstations"].value_of_id(ws_id, "days") == 2,
                    timeout=10_000)
