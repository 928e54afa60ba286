"""services/outcomes/organisations.py: teams (lead among members), bases (level, evaluation),
workstations (logs inside the term), activities (a dispatch in at most one activity)."""

from __future__ import annotations

from datetime import date

import pytest

from models import DispatchStatus
from services import audit
from services.errors import NotFoundError, ServiceError, ValidationError
from services.outcomes import organisations as org
from tests.matching_support import SmallCounty
from tests.outcomes_support import Uow, make_dispatch, small_county


@pytest.fixture
def small(uow: Uow) -> SmallCounty:
    return small_county(uow)


def test_team_codes_lead_among_members_and_audited_membership(uow: Uow,
                                                             small: SmallCounty) -> None:
    with uow() as u:
        team = org.create_team(u.session, {"name": "茶产业专家服务团", "lead": small.tea,
                                           "members": [small.tea, small.tea2],
                                           "focus_field": "茶叶", "focus": "茶园管理与加工"})
        second = org.create_team(u.session, {"name": "油茶服务团", "lead": small.oil})
        u.commit()
        assert (team.code, second.code) == ("TD-0001", "TD-0002")
        assert [m.code for m in second.members] == [small.oil]  # the lead joined
        team_id = team.id
    with uow() as u, pytest.raises(ValidationError) as err:
        org.update_team(u.session, team_id, {"lead": small.vet})
    assert "lead_expert_id" in err.value.errors
    with uow() as u, pytest.raises(ValidationError) as err:
        org.update_team(u.session, team_id, {"members": [small.tea2]})  # drops the lead
    assert "lead_expert_id" in err.value.errors
    with uow() as u:
        org.update_team(u.session, team_id, {"members": [small.tea, small.tea2, small.vet]})
        u.commit()
    with uow() as u:
        assert org.list_teams(u.session)[0]["members"] == 3
        changes = [e.after for e in audit.history(u.session, "Team", team_id)]
        assert any("members" in after for after in changes)
        org.delete_team(u.session, team_id)
        u.commit()
    with uow() as u:
        assert [t["code"] for t in org.list_teams(u.session)] == ["TD-0002"]
        with pytest.raises(NotFoundError):
            org.get_team(u.session, "TD-0001")
        org.restore_team(u.session, "TD-0001")
        u.commit()


def test_base_level_experts_and_one_evaluation_a_year(uow: Uow, small: SmallCounty) -> None:
    with uow() as u:
        base = org.create_base(u.session, {"name": "石门村茶叶专家服务基地", "level": "县级",
                                           "host_unit": small.coop, "experts": [small.tea],
                                           "established_on": "2023-03-01"})
        assert base.code == "JD-0001"
        org.evaluate_base(u.session, base.code, 2024, "良好")
        org.evaluate_base(u.session, base.code, 2024, "优秀", "示范带动作用明显")
        u.commit()
    with uow() as u:
        values = org.base_values(u.session, "JD-0001")
        assert values["evaluations"] == [{"year": 2024, "result": "优秀",
                                          "note": "示范带动作用明显"}]
        assert org.list_bases(u.session)[0]["evaluation"] == "2024 年优秀"
        with pytest.raises(ValidationError) as err:
            org.evaluate_base(u.session, "JD-0001", 2022, "合格")
        assert "year" in err.value.errors
        with pytest.raises(ValidationError) as err:
            org.create_base(u.session, {"name": "某基地", "level": "乡级"})
        assert {"level", "host_unit_id"} <= set(err.value.errors)


def test_workstation_logs_stay_inside_the_term(uow: Uow, small: SmallCounty) -> None:
    with uow() as u:
        ws = org.create_workstation(u.session, {
            "name": "张明远茶叶专家基层科研工作站", "expert": small.tea, "host_unit": small.coop,
            "start_date": "2024-01-01", "end_date": "2025-12-31"})
        assert ws.code == "GZZ-0001"
        org.add_log(u.session, ws.code, "2025-03-10", 3, "春茶开采前修剪指导")
        org.add_log(u.session, ws.code, "2024-10-08", 2)
        with pytest.raises(ValidationError) as err:
            org.add_log(u.session, ws.code, "2026-01-05", 1)
        assert "served_on" in err.value.errors
        with pytest.raises(ValidationError) as err:
            org.add_log(u.session, ws.code, "2025-05-01", 0)
        assert "days" in err.value.errors
        u.commit()
    with uow() as u:
        assert org.workstation_days(u.session, "GZZ-0001", 2025) == 3
        assert org.list_workstations(u.session)[0]["days"] == 5
        with pytest.raises(ValidationError):
            org.update_workstation(u.session, "GZZ-0001", {"start_date": "2025-01-01"})


def test_activity_links_each_dispatch_once(uow: Uow, small: SmallCounty) -> None:
    a = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-08")
    b = make_dispatch(uow, small.forest_firm, "夏梢管理", small.oil, "2025-04-09", "2025-04-09",
                      status=DispatchStatus.CONFIRMED)
    with uow() as u:
        activity = org.create_activity(u.session, {
            "name": "2025年院士专家基层行", "kind": "院士专家基层行", "start_date": "2025-04-07",
            "end_date": "2025-04-10", "places": "青山镇、白岩乡", "dispatches": [a, b]})
        u.commit()
        assert activity.code == "HD-2025-0001"
        assert {e.code for e in activity.experts} == {small.tea, small.oil}
    with uow() as u:
        with pytest.raises(ValidationError, match="HD-2025-0001") as err:
            org.create_activity(u.session, {"name": "科技下乡", "start_date": "2025-04-01",
                                            "end_date": "2025-04-30", "dispatches": [a]})
        assert "dispatches" in err.value.errors
        with pytest.raises(ValidationError, match="不在活动日期"):
            org.create_activity(u.session, {"name": "专题培训", "start_date": "2025-05-01",
                                            "dispatches": [b]})
        org.update_activity(u.session, "HD-2025-0001", {"dispatches": [a]})
        u.commit()
    with uow() as u:
        assert org.activity_values(u.session, "HD-2025-0001")["dispatches"] == [a]
        assert org.list_activities(u.session)[0]["dispatches"] == 1
        second = org.create_activity(u.session, {"name": "科技下乡", "start_date": "2025-04-01",
                                                 "end_date": "2025-04-30", "dispatches": [b]})
        assert second.code == "HD-2025-0002"
        org.delete_activity(u.session, second.code)
        with pytest.raises(ServiceError):
            org.delete_activity(u.session, second.code)
        assert date(2025, 4, 1) == second.start_date
