"""The service queries and bulk actions behind the list screens and forms (added for the GUI):
``list_rows``, ``check``, ``form_values``, ``detail``, bulk status/delete/restore, overview,
setting definitions."""

from __future__ import annotations

from datetime import date

import pytest

from models import NeedStatus
from services import experts, needs, overview, places, settings, units
from services.errors import DuplicateError, ValidationError
from services.records import RowSet
from tests.conftest import ACTOR, County


@pytest.fixture
def three_needs(uow, county: County) -> list[int]:
    with uow() as u:
        ids = [
            needs.create_need(u.session, {"title": f"茶园病虫害防治{i}", "unit": county.coop,
                                          "field": "茶叶", "window_start": "2026-04-01",
                                          "window_end": "2026-04-20"}, ACTOR).id
            for i in range(3)
        ]
        u.commit()
    return ids


def test_need_rows_are_plain_tuples_with_names(db, county: County, three_needs) -> None:
    with db.session() as s:
        rows = needs.list_rows(s)
    assert isinstance(rows, RowSet)
    assert rows.columns == needs.ROW_COLUMNS
    first = rows.dicts()[0]
    assert first["title"] == "茶园病虫害防治0"
    assert first["status"] == "submitted"
    assert first["unit"] == "青山镇石门村茶叶专业合作社"
    assert first["township"] == "青山镇" and first["village"] == "石门村"
    assert first["window_start"] == "2026-04-01"
    assert first["priority"] == 0  # 石门村 is an ordinary village


def test_need_rows_by_ids_include_deleted(db, uow, three_needs) -> None:
    with uow() as u:
        needs.delete_need(u.session, three_needs[0])
        u.commit()
    with db.session() as s:
        live = needs.list_rows(s)
        bin_ = needs.list_rows(s, deleted=True)
        some = needs.list_rows(s, ids=[three_needs[0], three_needs[1]])
    assert [r[0] for r in live.rows] == three_needs[1:]
    assert [r[0] for r in bin_.rows] == three_needs[:1]
    assert {r[0] for r in some.rows} == set(three_needs[:2])
    assert some.dicts()[0]["deleted_at"]


def test_bulk_status_moves_the_legal_and_reports_the_rest(db, uow, three_needs) -> None:
    with uow() as u:
        needs.set_status(u.session, three_needs[0], NeedStatus.REJECTED, ACTOR, "重复申报")
        u.commit()
    with uow() as u:
        result = needs.set_status_many(u.session, three_needs, NeedStatus.REVIEWED, ACTOR)
        u.commit()
    assert len(result.done) == 2
    assert list(result.refused) and "不能改为" in next(iter(result.refused.values()))
    assert "已处理 2 条" in result.summary and "未处理" in result.summary
    with db.session() as s:
        assert [r[3] for r in needs.list_rows(s).rows] == ["rejected", "reviewed", "reviewed"]


def test_bulk_status_needing_a_reason_refuses_without_one(uow, three_needs) -> None:
    with uow() as u:
        result = needs.set_status_many(u.session, three_needs, "withdrawn", ACTOR)
    assert result.done == [] and len(result.refused) == 3
    assert all("原因" in why for why in result.refused.values())


def test_bulk_delete_and_restore(db, uow, three_needs) -> None:
    with uow() as u:
        result = needs.delete_many(u.session, three_needs[:2])
        u.commit()
    assert len(result.done) == 2
    with uow() as u:
        again = needs.delete_many(u.session, three_needs[:1])
        back = needs.restore_many(u.session, three_needs)
        u.commit()
    assert again.done == [] and again.refused
    assert len(back.done) == 2 and len(back.refused) == 1
    with db.session() as s:
        assert len(needs.list_rows(s).rows) == 3


def test_need_check_reports_fields_without_saving(db, county: County) -> None:
    with db.session() as s:
        errors = needs.check(s, {"title": "", "unit": county.coop, "field": "茶叶",
                                 "window_start": "2026-05-10", "window_end": "2026-05-01"})
        assert set(errors) == {"title", "window_end"}
        assert needs.check(s, {"title": "测土配方", "unit": county.coop, "field": "茶叶"}) == {}
        assert needs.list_rows(s).rows == []


def test_need_detail_has_history_and_legal_actions(db, uow, three_needs) -> None:
    with uow() as u:
        needs.set_status(u.session, three_needs[0], "reviewed", ACTOR)
        u.commit()
    with db.session() as s:
        detail = needs.detail(s, three_needs[0])
        values = needs.form_values(s, three_needs[0])
    assert detail["status_label"] == "已论证"
    assert [e["to_status"] for e in detail["events"]] == ["submitted", "reviewed"]
    assert detail["events"][1]["actor"] == ACTOR
    assert {t["action"] for t in detail["transitions"]} == {"确定专家", "撤回"}
    assert detail["field_path"] == "种植业 › 茶叶"
    assert values["window_start"] == date(2026, 4, 1) and values["version"] >= 1


def test_status_counts_and_overview(db, uow, county: County, three_needs) -> None:
    with uow() as u:
        needs.set_status(u.session, three_needs[0], "reviewed", ACTOR)
        u.commit()
    with db.session() as s:
        counts = needs.status_counts(s)
        ov = overview.overview(s)
    assert counts[NeedStatus.SUBMITTED] == 2 and counts[NeedStatus.REVIEWED] == 1
    assert counts[NeedStatus.PUBLICISED] == 0
    assert ov.needs == 3 and ov.experts == 3 and ov.units == 2
    assert ov.townships == 1 and ov.villages == 2 and ov.priority_villages == 1
    assert ov.recent[0]["to_label"] == "已论证" and ov.recent[0]["actor"] == ACTOR


def test_expert_rows_checks_and_form_values(db, uow, county: County) -> None:
    with db.session() as s:
        rows = experts.list_rows(s).dicts()
        tea = next(r for r in rows if r["code"] == county.tea_expert)
        assert tea["specialties"] == "茶叶、茶园管理" and len(tea["field_ids"]) == 2
        # Personal numbers are masked in lists unless revealed (role-checked, audited).
        assert tea["honours"] == "省级专家" and tea["id_number"] == "520102********1314"
        assert tea["phone"] == "138****0001"
        full = next(r for r in experts.list_rows(s, reveal=True).dicts()
                    if r["code"] == county.tea_expert)
        assert full["id_number"] == county.tea_expert_id_number
        errors = experts.check(s, {"name": "李四", "gender": "男", "id_number": "52010219800101"})
        assert "18 位" in errors["id_number"]
        dup = experts.check(s, {"name": "李四", "gender": "男",
                                "phone": county.tea_expert_phone})
        assert "张明远" in dup["phone"]
        # Editing the expert who owns the phone is no duplicate.
        assert experts.check(s, {"phone": county.tea_expert_phone}, county.tea_expert) == {}
        values = experts.form_values(s, county.tea_expert)
    assert values["honours"] == ["省级专家"] and len(values["specialties"]) == 2
    assert values["unavailability"] == []


def test_expert_bulk_delete_restore(db, uow, county: County) -> None:
    with db.session() as s:
        ids = [r[0] for r in experts.list_rows(s).rows]
    with uow() as u:
        assert len(experts.delete_many(u.session, ids[:2]).done) == 2
        u.commit()
    with db.session() as s:
        assert len(experts.list_rows(s).rows) == 1
        assert len(experts.list_rows(s, deleted=True).rows) == 2
    with uow() as u:
        assert len(experts.restore_many(u.session, ids).done) == 2
        u.commit()


def test_check_period() -> None:
    assert experts.check_period("2026-05-01", "2026-05-03") == (date(2026, 5, 1),
                                                                 date(2026, 5, 3))
    with pytest.raises(ValidationError) as bad:
        experts.check_period("2026-05-03", "2026-05-01")
    assert "end_date" in bad.value.errors
    with pytest.raises(ValidationError) as empty:
        experts.check_period("", None)
    assert set(empty.value.errors) == {"start_date", "end_date"}
    with pytest.raises(DuplicateError):
        experts.check_period("2026-05-02", "2026-05-09",
                             [(date(2026, 5, 1), date(2026, 5, 3))])


def test_unit_rows_count_needs(db, county: County, three_needs) -> None:
    with db.session() as s:
        rows = {r["code"]: r for r in units.list_rows(s).dicts()}
        assert rows[county.coop]["needs"] == 3 and rows[county.clinic]["needs"] == 0
        assert units.check(s, {"name": "", "township": county.township}) == {
            "name": "请填写单位名称。"}
        assert "phone" in units.check(s, {"phone": "12345"}, county.coop)
        assert units.form_values(s, county.coop)["contact_person"] == "王建国"


def test_place_checks_and_values(db, county: County) -> None:
    with db.session() as s:
        assert "已存在" in places.check_township(s, {"name": county.township})["name"]
        assert places.check_township(s, {"name": county.township}, county.township_id) == {}
        assert "已有" in places.check_village(
            s, {"name": county.village, "township_id": county.township_id})["name"]
        assert places.village_values(s, county.poor_village_id)["poverty_alleviated"] is True
        assert places.township_values(s, county.township_id)["code"] == "520121101"


def test_definitions_list_every_setting() -> None:
    keys = {d.key for d in settings.definitions()}
    assert {"bureau.name", "county.name"} <= keys
    choice = settings.SettingDef("x", "x", "a", str, choices=("a", "b"))
    assert choice.choice_list() == ["a", "b"]
    lazy = settings.SettingDef("y", "y", "a", str, choices=lambda: ["c"])
    assert lazy.choice_list() == ["c"]
