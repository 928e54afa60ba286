"""Record services: create/update/delete/restore/list, their validation, optimistic locking,
soft delete, dispatch rules, need codes, the audit trail, settings, and atomic units of work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from models import (
    AuditEntry,
    Dispatch,
    DispatchStatus,
    Expert,
    Need,
    NeedEvent,
    NeedStatus,
    Setting,
    Township,
    Unit,
    Village,
)
from services import audit, dispatches, experts, needs, places, settings, units
from services.database import Database
from services.errors import (
    ConflictError,
    DuplicateError,
    IllegalTransitionError,
    NotFoundError,
    ServiceError,
    ValidationError,
)
from services.uow import UnitOfWork
from tests.conftest import ACTOR, County, has_cjk, make_id_number

UowFactory = Callable[..., UnitOfWork]
SPRING = date(2026, 3, 1)


def rows(session: Any, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def errors_of(exc_info: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    exc = exc_info.value
    assert exc.errors, "a ValidationError names at least one field"
    for message in exc.errors.values():
        assert has_cjk(message), message
    return exc.errors


def need_data(county: County, **extra: Any) -> dict[str, Any]:
    return {"title": "茶园夏季病虫害绿色防控技术指导", "unit": county.coop, "field": "茶叶",
            "submitted_on": SPRING, "window_start": "2026-05-01", "window_end": "2026-06-30",
            **extra}


def add_need(uow: UowFactory, county: County, status: NeedStatus = NeedStatus.SUBMITTED,
             **extra: Any) -> str:
    with uow() as u:
        need = needs.create_need(u.session, need_data(county, **extra), u.actor)
        if status != NeedStatus.SUBMITTED:
            need.status = status
        u.commit()
        return need.code


# --- townships and villages -----------------------------------------------------------------


def test_township_crud(uow: UowFactory) -> None:
    with uow() as u:
        t = places.create_township(u.session, {"name": " 白云镇 ", "code": "520121102",
                                               "latitude": "26.8", "longitude": "106.5"})
        u.commit()
    assert (t.name, t.code, t.latitude, t.longitude, t.version) == (
        "白云镇", "520121102", 26.8, 106.5, 1)
    with uow() as u:
        places.update_township(u.session, "白云镇", {"name": "白云乡"}, expected_version=1)
        u.commit()
    with uow() as u:
        listed = places.list_townships(u.session)
        assert [(r["name"], r["villages"]) for r in listed] == [("白云乡", 0)]
        found = places.find_township(u.session, t.id)
        assert found.version == 2 and found.latitude == 26.8
        with pytest.raises(ConflictError) as info:
            places.update_township(u.session, t.id, {"name": "白云镇"}, expected_version=1)
        assert has_cjk(info.value.message)
    with uow() as u:
        places.delete_township(u.session, "白云乡")
        u.commit()
    with uow() as u:
        assert places.list_townships(u.session) == []
        with pytest.raises(NotFoundError):
            places.find_township(u.session, "白云乡")


def test_township_validation(uow: UowFactory, county: County) -> None:
    with uow() as u:
        with pytest.raises(ValidationError) as info:
            places.create_township(u.session, {"name": "  "})
        assert list(errors_of(info)) == ["name"]
        with pytest.raises(ValidationError) as info:
            places.create_township(u.session, {"name": "青山镇"})
        assert "已存在" in errors_of(info)["name"]
        with pytest.raises(ValidationError) as info:
            places.create_township(u.session, {"name": "新镇", "latitude": 95, "longitude": 10})
        assert list(errors_of(info)) == ["latitude"]
        with pytest.raises(ValidationError) as info:
            places.create_township(u.session, {"name": "新镇", "code": "1" * 21})
        assert list(errors_of(info)) == ["code"]
        # Renaming a township to its own name is no duplicate.
        places.update_township(u.session, county.township, {"latitude": 27.0, "longitude": 107})
        with pytest.raises(ServiceError) as svc:
            places.delete_township(u.session, county.township)
        assert "不能删除" in svc.value.message
        assert rows(u.session, Township) == 1


def test_village_crud(uow: UowFactory, county: County) -> None:
    with uow() as u:
        other = places.create_township(u.session, {"name": "白云镇"})
        # The same village name in another township is fine.
        v = places.create_village(u.session, {"name": "石门村", "township": "白云镇",
                                              "key_support": True})
        assert v.township_id == other.id and v.is_priority
        with pytest.raises(ValidationError) as info:
            places.create_village(u.session, {"name": "石门村", "township_id": county.township_id})
        assert "已有" in errors_of(info)["name"]
        with pytest.raises(ValidationError) as info:
            places.create_village(u.session, {"name": "新村"})
        assert errors_of(info)["township_id"] == "请选择所属乡镇。"
        with pytest.raises(ValidationError) as info:
            places.create_village(u.session, {"name": "", "township": "不存在镇"})
        assert set(errors_of(info)) == {"name", "township_id"}
        places.update_village(u.session, v.id, {"name": "石门新村", "key_support": False})
        with pytest.raises(ConflictError):
            places.update_village(u.session, v.id, {"name": "x"}, expected_version=1)
        u.commit()
    with uow() as u:
        listed = places.list_villages(u.session, other.id)
        assert [(r["name"], r["key_support"]) for r in listed] == [("石门新村", False)]
        assert len(places.list_villages(u.session)) == 3
        poor = [r for r in places.list_villages(u.session) if r["poverty_alleviated"]]
        assert [r["name"] for r in poor] == [county.poor_village]
        with pytest.raises(ServiceError):  # the cooperative is in 石门村
            places.delete_village(u.session, county.village_id)
        places.delete_village(u.session, v.id)
        u.commit()
    with uow() as u:
        assert len(places.list_villages(u.session)) == 2
        with pytest.raises(NotFoundError):
            places.update_village(u.session, v.id, {"name": "x"})
        with pytest.raises(NotFoundError):
            places.delete_village(u.session, 9999)


# --- units ----------------------------------------------------------------------------------


def test_unit_crud(uow: UowFactory, county: County) -> None:
    with uow() as u:
        unit = units.create_unit(u.session, {
            "name": "茶山村村民委员会", "unit_type": "村委会", "township": county.township,
            "village": county.poor_village, "phone": "+86 139 0851 0002",
        })
        u.commit()
    assert unit.code == "DW-0003"
    assert (unit.phone, unit.village_id) == ("13908510002", county.poor_village_id)
    with uow() as u:
        units.update_unit(u.session, unit.code, {"contact_person": "赵村长"}, expected_version=1)
        u.commit()
    with uow() as u:
        with pytest.raises(ConflictError):
            units.update_unit(u.session, unit.code, {"contact_person": "钱"}, expected_version=1)
        got = units.get_unit(u.session, unit.code.lower())
        assert (got.contact_person, got.village_id, got.version) == (
            "赵村长", county.poor_village_id, 2)
        # Moving to another township drops the old village.
        other = places.create_township(u.session, {"name": "白云镇"})
        units.update_unit(u.session, unit.code, {"township_id": other.id})
        assert (got.township_id, got.village_id) == (other.id, None)
        u.commit()
    with uow() as u:
        units.delete_unit(u.session, unit.code)
        u.commit()
    with uow() as u:
        assert unit.code not in [r["code"] for r in units.list_units(u.session)]
        assert unit.code in [r["code"] for r in units.list_units(u.session, include_deleted=True)]
        with pytest.raises(NotFoundError):
            units.get_unit(u.session, unit.code)
        with pytest.raises(NotFoundError):
            units.update_unit(u.session, unit.code, {"notes": "x"})
        with pytest.raises(ServiceError):
            units.delete_unit(u.session, unit.code)
        units.restore_unit(u.session, unit.code)
        u.commit()
    with uow() as u:
        assert units.get_unit(u.session, unit.code).deleted_at is None
        with pytest.raises(ServiceError) as info:
            units.restore_unit(u.session, unit.code)
        assert "无需恢复" in info.value.message
        assert [r["code"] for r in units.list_units(u.session)] == [county.coop, county.clinic,
                                                                    unit.code]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"name": "", "township": "青山镇"}, {"name"}),
        ({"name": "某单位"}, {"township_id"}),
        ({"name": "某单位", "township": "不存在镇"}, {"township_id"}),
        ({"name": "某单位", "township": "青山镇", "unit_type": "公司"}, {"unit_type"}),
        ({"name": "某单位", "township": "青山镇", "phone": "12345"}, {"phone"}),
        ({"name": "某单位", "township": "青山镇", "village": "不存在村"}, {"village_id"}),
        ({"name": "某单位", "township": "白云镇", "village": "石门村"}, {"village_id"}),
        ({"name": "某单位", "township": "白云镇", "village_id": "VILLAGE"}, {"village_id"}),
        ({"name": "某单位", "village_id": 9999}, {"village_id"}),
        ({"name": "", "township": "青山镇", "unit_type": "公司", "phone": "1"},
         {"name", "unit_type", "phone"}),
    ],
)
def test_unit_validation(uow: UowFactory, county: County, data: dict[str, Any],
                         fields: set[str]) -> None:
    data = {k: (county.village_id if v == "VILLAGE" else v) for k, v in data.items()}
    with uow() as u:
        places.create_township(u.session, {"name": "白云镇"})
        with pytest.raises(ValidationError) as info:
            units.create_unit(u.session, data)
        assert set(errors_of(info)) == fields
        assert rows(u.session, Unit) == 2


# --- experts --------------------------------------------------------------------------------


def test_expert_created_from_id_number(uow: UowFactory, county: County) -> None:
    with uow() as u:
        e = experts.get_expert(u.session, county.tea_expert)
        assert (e.code, e.name, e.gender, e.birth_year) == ("ZJ-0001", "张明远", "男", 1970)
        assert (e.title, e.title_name, e.honours) == ("正高级", "研究员", ["省级专家"])
        assert [f.name for f in e.specialties] == ["茶叶", "茶园管理"]
        assert (e.max_days_per_month, e.max_days_per_year, e.retired) == (10, 60, False)
        vet = experts.get_expert(u.session, county.vet)
        assert vet.honours == ["乡土专家"] and vet.retired
        assert sorted(f.name for f in vet.specialties) == ["家禽", "生猪"]
        listed = {r["code"]: r for r in experts.list_experts(u.session)}
        assert list(listed) == ["ZJ-0001", "ZJ-0002", "ZJ-0003"]
        assert listed["ZJ-0001"]["specialties"] == "茶叶、茶园管理"
        assert listed["ZJ-0001"]["honours"] == "省级专家"


EXPERT = {"name": "陈立新", "gender": "男", "birth_year": 1975}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "王" * 41}, "name"),
        ({"gender": None}, "gender"),
        ({"gender": "未知"}, "gender"),
        ({"id_number": "520102197803151230"}, "id_number"),  # wrong check digit
        ({"id_number": make_id_number("19780315", seq="122")}, "gender"),  # female number
        ({"id_number": make_id_number("19780315", seq="121")}, "birth_year"),  # born 1978
        ({"phone": "138123"}, "phone"),
        ({"title": "教授"}, "title"),
        ({"honours": "诺贝尔奖"}, "honours"),
        ({"honours": ["院士", "名誉教授"]}, "honours"),
        ({"specialties": ["不存在的专业"]}, "specialties"),
        ({"specialties": "水产"}, "specialties"),  # both a field and an industry: ambiguous
        ({"birth_year": 1900}, "birth_year"),
        ({"birth_year": date.today().year - 10}, "birth_year"),
        ({"birth_year": "一九七五"}, "birth_year"),
        ({"max_days_per_month": 0}, "max_days_per_month"),
        ({"max_days_per_month": 32}, "max_days_per_month"),
        ({"max_days_per_year": 400}, "max_days_per_year"),
        ({"max_days_per_month": 20, "max_days_per_year": 15}, "max_days_per_month"),
        ({"employer_unit_id": "DW-9999"}, "employer_unit_id"),
        ({"home_latitude": 26.5}, "home_latitude"),
        ({"notes": "注" * 2001}, "notes"),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_expert_validation(uow: UowFactory, county: County, data: dict[str, Any],
                           field: str) -> None:
    with uow() as u:
        with pytest.raises(ValidationError) as info:
            experts.create_expert(u.session, EXPERT | data)
        assert field in errors_of(info)
        assert rows(u.session, Expert) == 3


def test_expert_reports_all_fields_at_once(uow: UowFactory, county: County) -> None:
    with uow() as u:
        with pytest.raises(ValidationError) as info:
            experts.create_expert(u.session, {"name": "", "phone": "1", "title": "教授",
                                              "specialties": "不存在"})
        assert set(errors_of(info)) >= {"name", "gender", "phone", "title", "specialties"}


@pytest.mark.parametrize("field", ["id_number", "phone"])
@pytest.mark.parametrize("deleted", [False, True], ids=["live", "soft-deleted"])
def test_expert_duplicates(uow: UowFactory, county: County, field: str, deleted: bool) -> None:
    if deleted:
        with uow() as u:
            experts.delete_expert(u.session, county.tea_expert)
            u.commit()
    value = county.tea_expert_id_number if field == "id_number" else county.tea_expert_phone
    # Typed differently, it is still the same number.
    typed = value.lower() if field == "id_number" else f"+86 {value[:3]} {value[3:7]} {value[7:]}"
    with uow() as u:
        with pytest.raises(ValidationError) as info:
            experts.create_expert(u.session, {"name": "张明远", field: typed} | (
                {} if field == "id_number" else {"gender": "男"}))
        message = errors_of(info)[field]
        assert "张明远" in message and county.tea_expert in message
        assert ("已删除" in message) == deleted
        assert rows(u.session, Expert) == 3
        # Updating another expert to the same number is refused too.
        with pytest.raises(ValidationError) as info:
            experts.update_expert(u.session, county.vet, {field: typed} | (
                {"birth_year": None, "gender": None} if field == "id_number" else {}))
        assert field in errors_of(info)


def test_expert_empty_id_and_phone_are_not_duplicates(uow: UowFactory, county: County) -> None:
    with uow() as u:
        a = experts.create_expert(u.session, EXPERT)
        b = experts.create_expert(u.session, EXPERT | {"name": "陈立"})
        u.commit()
    assert (a.id_number, a.phone, b.id_number, b.phone) == ("", "", "", "")
    assert (a.code, b.code) == ("ZJ-0004", "ZJ-0005")


def test_expert_update_delete_restore(uow: UowFactory, county: County) -> None:
    with uow() as u:
        e = experts.update_expert(u.session, county.vet, {
            "phone": "0851-85520099-12", "specialties": ["牛羊", "生猪"],
            "max_days_per_month": 5, "honours": "乡土专家、县级专家",
        }, expected_version=1)
        assert e.version == 2
        u.commit()
    with uow() as u:
        e = experts.get_expert(u.session, county.vet)
        assert e.phone == "0851-85520099-12"
        assert sorted(f.name for f in e.specialties) == ["牛羊", "生猪"]
        assert e.honours == ["乡土专家", "县级专家"]
        with pytest.raises(ConflictError) as info:
            experts.update_expert(u.session, county.vet, {"notes": "x"}, expected_version=1)
        assert "第 1 版" in info.value.message and "第 2 版" in info.value.message
        # A change that does not validate changes nothing.
        with pytest.raises(ValidationError):
            experts.update_expert(u.session, county.vet, {"notes": "改了", "title": "教授"})
        assert e.notes == "" and e.title == "中级"
        experts.delete_expert(u.session, county.vet)
        u.commit()
    with uow() as u:
        assert county.vet not in [r["code"] for r in experts.list_experts(u.session)]
        assert county.vet in [r["code"]
                              for r in experts.list_experts(u.session, include_deleted=True)]
        with pytest.raises(NotFoundError) as nf:
            experts.get_expert(u.session, county.vet)
        assert has_cjk(nf.value.message)
        assert experts.get_expert(u.session, county.vet, include_deleted=True).deleted_at
        with pytest.raises(ServiceError):
            experts.delete_expert(u.session, county.vet)
        experts.restore_expert(u.session, county.vet)
        u.commit()
    with uow() as u:
        assert experts.get_expert(u.session, county.vet).deleted_at is None
        assert len(experts.list_experts(u.session)) == 3


def test_expert_unavailability(uow: UowFactory, county: County) -> None:
    with uow() as u:
        p = experts.add_unavailability(u.session, county.doctor, "2026-05-01", "2026/5/10",
                                       "外出进修")
        with pytest.raises(DuplicateError):
            experts.add_unavailability(u.session, county.doctor, "2026-05-10", "2026-05-12")
        with pytest.raises(ValidationError) as info:
            experts.add_unavailability(u.session, county.doctor, "2026-06-10", "2026-06-01")
        assert list(errors_of(info)) == ["end_date"]
        with pytest.raises(ValidationError) as info:
            experts.add_unavailability(u.session, county.doctor, "", "下周")
        assert set(errors_of(info)) == {"start_date", "end_date"}
        experts.add_unavailability(u.session, county.doctor, "2026-05-11", "2026-05-11")
        u.commit()
    with uow() as u:
        e = experts.get_expert(u.session, county.doctor)
        assert [(x.start_date, x.end_date, x.reason) for x in e.unavailability] == [
            (date(2026, 5, 1), date(2026, 5, 10), "外出进修"),
            (date(2026, 5, 11), date(2026, 5, 11), ""),
        ]
        experts.remove_unavailability(u.session, p.id)
        with pytest.raises(NotFoundError):
            experts.remove_unavailability(u.session, 9999)
        u.commit()
    with uow() as u:
        assert len(experts.get_expert(u.session, county.doctor).unavailability) == 1


# --- needs ----------------------------------------------------------------------------------


def test_need_create_and_codes(uow: UowFactory, county: County) -> None:
    with uow() as u:
        first = needs.create_need(u.session, need_data(county), u.actor)
        second = needs.create_need(u.session, need_data(
            county, title="马铃薯晚疫病防治", field="种植业›马铃薯", township=county.township,
            village=county.poor_village, experts_wanted="2", days_wanted=3,
            required_title="副高级", beneficiaries_estimate="120", window_start=None,
            window_end=None), u.actor)
        next_year = needs.create_need(u.session, need_data(county, submitted_on="2027-01-04"),
                                      u.actor)
        u.commit()
    assert [first.code, second.code, next_year.code] == [
        "XQ-2026-0001", "XQ-2026-0002", "XQ-2027-0001"]
    assert first.status == NeedStatus.SUBMITTED
    # The place defaults to the unit's.
    assert (first.township_id, first.village_id) == (county.township_id, county.village_id)
    assert (first.window_start, first.window_end) == (date(2026, 5, 1), date(2026, 6, 30))
    assert (second.village_id, second.experts_wanted, second.days_wanted) == (
        county.poor_village_id, 2, 3)
    assert (second.required_title, second.beneficiaries_estimate) == ("副高级", 120)
    with uow() as u:
        # A deleted need keeps its code: the next one never reuses it.
        needs.delete_need(u.session, second.code)
        third = needs.create_need(u.session, need_data(county), u.actor)
        u.commit()
    assert third.code == "XQ-2026-0003"
    with uow() as u:
        listed = needs.list_needs(u.session)
        assert [r["code"] for r in listed] == ["XQ-2026-0001", "XQ-2026-0003", "XQ-2027-0001"]
        assert listed[0]["status_label"] == "已申报" and listed[0]["priority"] is False
        assert listed[0]["unit"] == "青山镇石门村茶叶专业合作社"
        deleted = needs.list_needs(u.session, include_deleted=True)
        assert [r["priority"] for r in deleted if r["code"] == second.code] == [True]
        events = needs.events(u.session, first.code)
        assert [(e.from_status, e.to_status, e.actor) for e in events] == [
            (None, NeedStatus.SUBMITTED, ACTOR)]


def test_need_default_submitted_on_is_today(uow: UowFactory, county: County) -> None:
    data = need_data(county)
    del data["submitted_on"]
    with uow() as u:
        need = needs.create_need(u.session, data, u.actor)
    assert need.submitted_on == date.today()
    assert need.code == f"XQ-{date.today().year}-0001"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"unit": None}, "unit_id"),
        ({"unit": "DW-9999"}, "unit_id"),
        ({"field": None}, "field_id"),
        ({"field": "量子计算"}, "field_id"),
        ({"field": "水产"}, "field_id"),  # ambiguous
        ({"field": "99999"}, "field_id"),
        ({"window_start": "2026-07-01", "window_end": "2026-06-01"}, "window_end"),
        ({"window_start": "2026-02-30"}, "window_start"),
        ({"window_end": "六月底"}, "window_end"),
        ({"submitted_on": "昨天"}, "submitted_on"),
        ({"required_title": "高级"}, "required_title"),
        ({"experts_wanted": 0}, "experts_wanted"),
        ({"experts_wanted": 51}, "experts_wanted"),
        ({"days_wanted": "两天"}, "days_wanted"),
        ({"beneficiaries_estimate": -1}, "beneficiaries_estimate"),
        ({"description": "述" * 5001}, "description"),
        ({"township": "不存在镇"}, "township_id"),
        ({"township": "青山镇", "village": "不存在村"}, "village_id"),
        ({"township": "白云镇", "village": "石门村"}, "village_id"),  # not in that township
        ({"township": "白云镇", "village_id": "VILLAGE"}, "village_id"),
        ({"village_id": 9999}, "village_id"),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_need_validation(uow: UowFactory, county: County, changes: dict[str, Any],
                         field: str) -> None:
    changes = {k: (county.village_id if v == "VILLAGE" else v) for k, v in changes.items()}
    with uow() as u:
        places.create_township(u.session, {"name": "白云镇"})
        with pytest.raises(ValidationError) as info:
            needs.create_need(u.session, need_data(county, **changes), u.actor)
        assert field in errors_of(info)
        assert rows(u.session, Need) == 0
        assert rows(u.session, NeedEvent) == 0


def test_need_unit_deleted(uow: UowFactory, county: County) -> None:
    with uow() as u:
        units.delete_unit(u.session, county.coop)
        with pytest.raises(ValidationError) as info:
            needs.create_need(u.session, need_data(county), u.actor)
        assert "已被删除" in errors_of(info)["unit_id"]


def test_need_update(uow: UowFactory, county: County) -> None:
    code = add_need(uow, county)
    with uow() as u:
        need = needs.update_need(u.session, code, {"title": "茶园病虫害防控（夏秋）",
                                                   "window_end": "2026-07-15"}, 1)
        assert (need.version, need.window_end) == (2, date(2026, 7, 15))
        u.commit()
    with uow() as u:
        with pytest.raises(ConflictError):
            needs.update_need(u.session, code, {"title": "x"}, expected_version=1)
        # The window is checked against the stored start.
        with pytest.raises(ValidationError) as info:
            needs.update_need(u.session, code, {"window_end": "2026-04-01"})
        assert list(errors_of(info)) == ["window_end"]
        # Another unit brings its own place.
        need = needs.update_need(u.session, code, {"unit": county.clinic})
        assert (need.township_id, need.village_id) == (county.township_id, None)
        assert need.code == code and need.submitted_on == SPRING
        u.commit()
    with uow() as u:
        needs.set_status(u.session, code, NeedStatus.REJECTED, u.actor, "重复申报")
        with pytest.raises(ServiceError) as svc:
            needs.update_need(u.session, code, {"title": "y"})
        assert "重新申报" in svc.value.message


def test_need_update_by_code_or_name(uow: UowFactory, county: County) -> None:
    # Forms and importers name references by code or name; that must replace the stored id.
    code = add_need(uow, county)
    with uow() as u:
        places.create_township(u.session, {"name": "白云镇"})
        places.create_village(u.session, {"name": "龙潭村", "township": "白云镇"})
        need = needs.update_need(u.session, code, {"field": "种植业 › 马铃薯"})
        assert need.field.name == "马铃薯"
        need = needs.update_need(u.session, code, {"village": county.poor_village})
        assert (need.township_id, need.village_id) == (county.township_id,
                                                       county.poor_village_id)
        need = needs.update_need(u.session, code, {"unit": county.clinic})
        assert need.unit.code == county.clinic
        assert (need.township_id, need.village_id) == (county.township_id, None)
        need = needs.update_need(u.session, code, {"township": "白云镇", "village": "龙潭村"})
        assert (need.township.name, need.village and need.village.name) == ("白云镇", "龙潭村")
        need = needs.update_need(u.session, code, {"township": county.township})
        assert (need.township_id, need.village_id) == (county.township_id, None)


def test_unit_and_village_update_by_name(uow: UowFactory, county: County) -> None:
    with uow() as u:
        other = places.create_township(u.session, {"name": "白云镇"})
        unit = units.update_unit(u.session, county.coop, {"township": "白云镇"})
        assert (unit.township_id, unit.village_id) == (other.id, None)
        unit = units.update_unit(u.session, county.coop, {"township": county.township,
                                                          "village": county.poor_village})
        assert (unit.township_id, unit.village_id) == (county.township_id,
                                                       county.poor_village_id)
        village = places.update_village(u.session, county.poor_village_id, {"township": "白云镇"})
        assert village.township_id == other.id


def test_need_lookup(uow: UowFactory, county: County) -> None:
    code = add_need(uow, county)
    with uow() as u:
        need = needs.get_need(u.session, code)
        assert needs.get_need(u.session, need.id) is need
        assert needs.get_need(u.session, str(need.id)) is need
        assert needs.get_need(u.session, code.lower()) is need
        assert needs.get_need(u.session, f" {code} ") is need
        assert needs.get_need(u.session, need.uuid) is need
        assert needs.get_need(u.session, need.uuid.upper()) is need
        with pytest.raises(NotFoundError) as info:
            needs.get_need(u.session, "XQ-2026-9999")
        assert "XQ-2026-9999" in info.value.message and has_cjk(info.value.message)


def test_need_soft_delete_and_restore(uow: UowFactory, county: County) -> None:
    code = add_need(uow, county)
    with uow() as u:
        needs.delete_need(u.session, code)
        u.commit()
    with uow() as u:
        assert needs.list_needs(u.session) == []
        assert [r["code"] for r in needs.list_needs(u.session, include_deleted=True)] == [code]
        for action in (lambda: needs.get_need(u.session, code),
                       lambda: needs.update_need(u.session, code, {"title": "x"}),
                       lambda: needs.set_status(u.session, code, "reviewed", u.actor)):
            with pytest.raises(NotFoundError):
                action()
        assert needs.get_need(u.session, code, include_deleted=True).deleted_at is not None
        assert len(needs.events(u.session, code)) == 1  # history stays readable
        needs.restore_need(u.session, code)
        u.commit()
    with uow() as u:
        assert [r["code"] for r in needs.list_needs(u.session)] == [code]
        with pytest.raises(ServiceError):
            needs.restore_need(u.session, code)


def test_list_needs_by_status(uow: UowFactory, county: County) -> None:
    a = add_need(uow, county)
    b = add_need(uow, county, NeedStatus.REVIEWED)
    with uow() as u:
        assert [r["code"] for r in needs.list_needs(u.session, status=NeedStatus.REVIEWED)] == [b]
        assert [r["code"] for r in needs.list_needs(u.session, status=NeedStatus.SUBMITTED)] == [a]
        assert needs.list_needs(u.session, status=NeedStatus.PUBLICISED) == []


# --- dispatches -----------------------------------------------------------------------------


def dispatch_data(need: str, expert: str, start: str, end: str | None = None,
                  **extra: Any) -> dict[str, Any]:
    return {"need": need, "expert": expert, "start_date": start, "end_date": end, **extra}


def test_dispatch_create_and_status(uow: UowFactory, county: County) -> None:
    need = add_need(uow, county, NeedStatus.REVIEWED)
    with uow() as u:
        d = dispatches.create_dispatch(u.session, dispatch_data(
            need, county.tea_expert, "2026-05-06", "2026-05-08", tasks="现场诊断、培训"))
        one_day = dispatches.create_dispatch(u.session, dispatch_data(
            need, county.vet, "2026年5月7日", place="石门村茶园"))
        u.commit()
    assert (d.code, d.days, d.place, d.status) == ("PQ-2026-0001", 3, "青山镇",
                                                   DispatchStatus.PLANNED)
    assert (one_day.code, one_day.days, one_day.place) == ("PQ-2026-0002", 1, "石门村茶园")
    with uow() as u:
        dispatches.set_dispatch_status(u.session, d.code, DispatchStatus.CONFIRMED)
        dispatches.set_dispatch_status(u.session, d.code, DispatchStatus.COMPLETED)
        with pytest.raises(IllegalTransitionError) as info:
            dispatches.set_dispatch_status(u.session, d.code, DispatchStatus.CANCELLED, "晚了")
        assert has_cjk(info.value.message)
        with pytest.raises(ValidationError) as verr:
            dispatches.set_dispatch_status(u.session, one_day.code, DispatchStatus.CANCELLED)
        assert list(errors_of(verr)) == ["reason"]
        dispatches.set_dispatch_status(u.session, one_day.code, DispatchStatus.CANCELLED, "天气")
        u.commit()
    with uow() as u:
        listed = dispatches.list_dispatches(u.session)
        assert [(r["code"], r["status_label"], r["expert"]) for r in listed] == [
            ("PQ-2026-0001", "已完成", "张明远"), ("PQ-2026-0002", "已取消", "杨志强")]
        assert dispatches.get_dispatch(u.session, one_day.code).status_reason == "天气"
        assert len(dispatches.list_dispatches(u.session, need_id=9999)) == 0


@pytest.mark.parametrize("status", [NeedStatus.SUBMITTED, NeedStatus.REJECTED,
                                    NeedStatus.WITHDRAWN, NeedStatus.SUMMARISED,
                                    NeedStatus.PUBLICISED])
def test_dispatch_needs_a_reviewed_open_need(uow: UowFactory, county: County,
                                             status: NeedStatus) -> None:
    need = add_need(uow, county, status)
    with uow() as u:
        with pytest.raises(ValidationError) as info:
            dispatches.create_dispatch(u.session, dispatch_data(need, county.vet, "2026-05-06"))
        assert list(errors_of(info)) == ["need_id"]
        assert rows(u.session, Dispatch) == 0


@pytest.mark.parametrize("status", [NeedStatus.REVIEWED, NeedStatus.MATCHED, NeedStatus.SERVED])
def test_dispatch_allowed_for_open_need(uow: UowFactory, county: County,
                                        status: NeedStatus) -> None:
    need = add_need(uow, county, status)
    with uow() as u:
        dispatches.create_dispatch(u.session, dispatch_data(need, county.vet, "2026-05-06"))


def test_dispatch_overlap_refused(uow: UowFactory, county: County) -> None:
    a = add_need(uow, county, NeedStatus.REVIEWED)
    b = add_need(uow, county, NeedStatus.REVIEWED)
    with uow() as u:
        first = dispatches.create_dispatch(u.session, dispatch_data(
            a, county.tea_expert, "2026-05-06", "2026-05-08"))
        for start, end in [("2026-05-08", "2026-05-09"), ("2026-05-01", "2026-05-06"),
                           ("2026-05-07", "2026-05-07"), ("2026-05-01", "2026-05-31")]:
            with pytest.raises(ValidationError) as info:
                dispatches.create_dispatch(u.session, dispatch_data(
                    b, county.tea_expert, start, end))
            message = errors_of(info)["start_date"]
            assert first.code in message and "张明远" in message
        # The day after is free; another expert on the same days is free.
        dispatches.create_dispatch(u.session, dispatch_data(b, county.tea_expert, "2026-05-09"))
        dispatches.create_dispatch(u.session, dispatch_data(b, county.vet, "2026-05-06"))
        # A declined dispatch frees the days.
        dispatches.set_dispatch_status(u.session, first.code, DispatchStatus.DECLINED, "有课")
        dispatches.create_dispatch(u.session, dispatch_data(b, county.tea_expert, "2026-05-07"))
        u.commit()
    with uow() as u:
        assert rows(u.session, Dispatch) == 4


def test_dispatch_conflict_of_interest(uow: UowFactory, county: County) -> None:
    # 刘慧 works at the health centre: she never serves her own employer.
    need = add_need(uow, county, NeedStatus.REVIEWED, unit=county.clinic, field="全科")
    with uow() as u:
        with pytest.raises(ValidationError) as info:
            dispatches.create_dispatch(u.session, dispatch_data(need, county.doctor,
                                                                "2026-05-06"))
        assert "利益冲突" in errors_of(info)["expert_id"]
        dispatches.create_dispatch(u.session, dispatch_data(need, county.vet, "2026-05-06"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start_date": None}, "start_date"),
        ({"start_date": "五月"}, "start_date"),
        ({"start_date": "2026-05-06", "end_date": "2026-05-05"}, "end_date"),
        ({"end_date": "2026-02-30"}, "end_date"),
        ({"place": "地" * 201}, "place"),
        ({"status": "done"}, "status"),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_dispatch_validation(uow: UowFactory, county: County, data: dict[str, Any],
                             field: str) -> None:
    need = add_need(uow, county, NeedStatus.REVIEWED)
    with uow() as u:
        with pytest.raises(ValidationError) as info:
            dispatches.create_dispatch(u.session, dispatch_data(need, county.vet, "2026-05-06")
                                       | data)
        assert field in errors_of(info)
        assert rows(u.session, Dispatch) == 0


def test_dispatch_unknown_or_deleted_records(uow: UowFactory, county: County) -> None:
    need = add_need(uow, county, NeedStatus.REVIEWED)
    with uow() as u:
        with pytest.raises(NotFoundError):
            dispatches.create_dispatch(u.session, dispatch_data("XQ-2026-0999", county.vet,
                                                                "2026-05-06"))
        experts.delete_expert(u.session, county.vet)
        with pytest.raises(NotFoundError):
            dispatches.create_dispatch(u.session, dispatch_data(need, county.vet, "2026-05-06"))
        with pytest.raises(NotFoundError):
            dispatches.get_dispatch(u.session, "PQ-2026-0001")


# --- optimistic locking across two units of work --------------------------------------------


def test_concurrent_edit_is_a_conflict(uow: UowFactory, county: County) -> None:
    # Two staff open the same expert; the first saves; the second's save must not silently
    # overwrite it. The unit of work turns the stale write into a ConflictError.
    with pytest.raises(ConflictError) as info, uow("乙") as second:
        theirs = experts.get_expert(second.session, county.vet)
        assert theirs.version == 1
        with uow("甲") as first:
            experts.update_expert(first.session, county.vet, {"notes": "甲的修改"})
            first.commit()
        experts.update_expert(second.session, county.vet, {"notes": "乙的修改"})
        second.commit()
    assert has_cjk(info.value.message)
    with uow() as u:
        expert = experts.get_expert(u.session, county.vet)
        assert (expert.notes, expert.version) == ("甲的修改", 2)


# --- audit trail ----------------------------------------------------------------------------


def audit_of(session: Any, entity: type, entity_id: int) -> list[AuditEntry]:
    return audit.history(session, entity.__name__, entity_id)


def test_audit_trail_of_a_need(uow: UowFactory, county: County) -> None:
    with uow("录入员") as u:
        need = needs.create_need(u.session, need_data(county), u.actor)
        u.commit()
    with uow("审核员") as u:
        needs.update_need(u.session, need.code, {"title": "新标题", "experts_wanted": 2})
        u.commit()
    with uow("审核员") as u:
        needs.set_status(u.session, need.code, "reviewed", u.actor, "论证通过")
        u.commit()
    with uow("管理员") as u:
        needs.delete_need(u.session, need.code)
        u.commit()
    with uow("管理员") as u:
        needs.restore_need(u.session, need.code)
        u.commit()
    with uow() as u:
        trail = audit_of(u.session, Need, need.id)
        assert [(e.action, e.actor) for e in trail] == [
            ("create", "录入员"), ("update", "审核员"), ("status", "审核员"),
            ("delete", "管理员"), ("restore", "管理员")]
        create, update, status, delete, restore = trail
        assert create.before is None
        assert create.after is not None
        assert create.after["code"] == need.code and create.after["status"] == "submitted"
        assert create.after["window_start"] == "2026-05-01"
        assert create.entity_uuid == need.uuid and create.at is not None
        assert update.before == {"title": "茶园夏季病虫害绿色防控技术指导", "experts_wanted": 1}
        assert update.after == {"title": "新标题", "experts_wanted": 2}
        assert (status.before, status.after) == ({"status": "submitted"}, {"status": "reviewed"})
        assert delete.before == {"deleted_at": None}
        assert delete.after is not None and delete.after["deleted_at"]
        assert restore.after == {"deleted_at": None}


def test_audit_trail_of_an_expert_and_a_unit(uow: UowFactory, county: County) -> None:
    with uow("管理员") as u:
        e = experts.update_expert(u.session, county.vet, {"specialties": ["牛羊"]})
        experts.delete_expert(u.session, county.vet)
        unit = units.update_unit(u.session, county.coop, {"phone": "13908510009"})
        u.commit()
    with uow() as u:
        trail = audit_of(u.session, Expert, e.id)
        assert [x.action for x in trail] == ["create", "update", "delete"]
        assert trail[0].actor == ACTOR and trail[1].actor == "管理员"
        assert trail[1].before is not None and trail[1].after is not None
        assert len(trail[1].before["specialties"]) == 2
        assert len(trail[1].after["specialties"]) == 1
        unit_trail = audit_of(u.session, Unit, unit.id)
        # Phones and ID numbers are masked in the trail (personal data, services/audit.py).
        assert unit_trail[-1].before == {"phone": "139****0001"}
        assert unit_trail[-1].after == {"phone": "139****0009"}
        # Townships and villages are audited too.
        assert [x.action for x in audit_of(u.session, Village, county.village_id)] == ["create"]


def test_nothing_changed_writes_no_audit(uow: UowFactory, county: County) -> None:
    with uow() as u:
        before = rows(u.session, AuditEntry)
        experts.update_expert(u.session, county.vet, {"notes": ""})
        units.update_unit(u.session, county.coop, {})
        u.commit()
    with uow() as u:
        assert rows(u.session, AuditEntry) == before
        assert experts.get_expert(u.session, county.vet).version == 1


# --- atomic units of work -------------------------------------------------------------------


def _counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {m.__name__: rows(s, m) for m in (Township, Village, Unit, Expert, Need,
                                                   NeedEvent, Dispatch, AuditEntry)}


def test_failed_create_leaves_nothing(db: Database, uow: UowFactory, county: County) -> None:
    start = _counts(db)
    with pytest.raises(ValidationError), uow() as u:
        needs.create_need(u.session, need_data(county, window_end="2026-01-01"), u.actor)
        u.commit()
    with pytest.raises(ValidationError), uow() as u:
        experts.create_expert(u.session, {"name": "王五", "gender": "男",
                                          "phone": county.tea_expert_phone})
        u.commit()
    assert _counts(db) == start


def test_failed_create_after_other_writes_rolls_back_all(db: Database, uow: UowFactory,
                                                         county: County) -> None:
    start = _counts(db)
    with pytest.raises(ValidationError), uow() as u:
        places.create_township(u.session, {"name": "白云镇"})
        unit = units.create_unit(u.session, {"name": "白云镇卫生院", "township": "白云镇"})
        needs.create_need(u.session, need_data(county, unit=unit.code), u.actor)
        experts.update_expert(u.session, county.vet, {"notes": "已更新"})
        needs.create_need(u.session, need_data(county, required_title="博士"), u.actor)
        u.commit()
    assert _counts(db) == start
    with uow() as u:
        assert experts.get_expert(u.session, county.vet).notes == ""


def test_unexpected_error_rolls_back_everything(db: Database, uow: UowFactory,
                                                county: County) -> None:
    code = add_need(uow, county)
    start = _counts(db)
    with pytest.raises(RuntimeError), uow() as u:
        needs.set_status(u.session, code, "reviewed", u.actor)
        needs.create_need(u.session, need_data(county), u.actor)
        experts.delete_expert(u.session, county.vet)
        u.session.flush()
        raise RuntimeError("打印机卡纸")
    assert _counts(db) == start
    with uow() as u:
        assert needs.get_need(u.session, code).status == NeedStatus.SUBMITTED
        assert experts.get_expert(u.session, county.vet).deleted_at is None


def test_without_commit_nothing_is_saved(db: Database, uow: UowFactory, county: County) -> None:
    start = _counts(db)
    with uow() as u:
        places.create_township(u.session, {"name": "白云镇"})
        u.session.flush()
    assert _counts(db) == start


def test_database_constraint_becomes_a_chinese_error(uow: UowFactory, county: County) -> None:
    # A duplicate that slips past the service checks is still refused by the schema, as a
    # typed Chinese error, and nothing is saved.
    with pytest.raises(DuplicateError) as info, uow() as u:
        u.session.add(Unit(code=county.coop, name="重复编号", unit_type="其他",
                           township_id=county.township_id))
        u.commit()
    assert has_cjk(info.value.message)
    with pytest.raises(ServiceError) as check, uow() as u:
        e = experts.get_expert(u.session, county.vet)
        e.max_days_per_month = 99
        u.commit()
    assert has_cjk(check.value.message)
    with uow() as u:
        assert rows(u.session, Unit) == 2
        assert experts.get_expert(u.session, county.vet).max_days_per_month == 10


# --- settings -------------------------------------------------------------------------------


def test_settings(uow: UowFactory) -> None:
    keys = {d.key for d in settings.definitions()}
    assert {"bureau.name", "bureau.doc_prefix", "county.name", "county.priority"} <= keys
    for d in settings.definitions():
        assert has_cjk(d.label)
    with uow() as u:
        assert settings.get(u.session, "county.name") == "云岭县"
        assert settings.get(u.session, "county.priority") is True
        assert settings.set_value(u.session, "county.name", "  青川县 ") == "青川县"
        assert settings.set_value(u.session, "county.priority", "否") is False
        u.commit()
    with uow() as u:
        assert settings.get(u.session, "county.name") == "青川县"
        all_values = settings.get_all(u.session)
        assert all_values["county.priority"] is False
        assert all_values["bureau.name"] == "云岭县人力资源和社会保障局"
        settings.set_value(u.session, "county.name", "石泉县")  # update an existing row
        settings.reset(u.session, "county.priority")
        u.commit()
    with uow() as u:
        assert settings.get(u.session, "county.priority") is True
        assert settings.get(u.session, "county.name") == "石泉县"
        settings.reset(u.session)
        u.commit()
    with uow() as u:
        assert settings.get(u.session, "county.name") == "云岭县"
        assert rows(u.session, Setting) == 0


@pytest.mark.parametrize(
    ("key", "value"),
    [("county.name", ""), ("county.name", "县" * 41), ("county.priority", "也许"),
     ("bureau.doc_prefix", "字" * 21)],
)
def test_setting_validation(uow: UowFactory, key: str, value: Any) -> None:
    with uow() as u:
        with pytest.raises(ValidationError) as info:
            settings.set_value(u.session, key, value)
        assert list(errors_of(info)) == [key]
        label = next(d.label for d in settings.definitions() if d.key == key)
        assert label in info.value.message
        assert rows(u.session, Setting) == 0


def test_unknown_setting(uow: UowFactory) -> None:
    with uow() as u:
        for action in (lambda: settings.get(u.session, "no.such"),
                       lambda: settings.set_value(u.session, "no.such", 1),
                       lambda: settings.reset(u.session, "no.such")):
            with pytest.raises(ValidationError) as info:
                action()
            assert "no.such" in errors_of(info)
