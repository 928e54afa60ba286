"""services/outcomes/records.py, agreements.py, publicity.py: which dispatch may carry a record,
the checks on its figures, the receipt completing a confirmed dispatch, the audit trail."""

from __future__ import annotations

from datetime import date

import pytest

from models import DispatchStatus
from services import audit, dispatches
from services.errors import ConflictError, ValidationError
from services.outcomes import agreements, publicity, records
from tests.conftest import has_cjk
from tests.matching_support import SmallCounty
from tests.outcomes_support import Uow, make_dispatch, small_county

TODAY = date(2025, 12, 31)
D = DispatchStatus


@pytest.fixture
def small(uow: Uow) -> SmallCounty:
    return small_county(uow)


def save(uow: Uow, code: str, data: dict, **kw):  # type: ignore[no-untyped-def]
    with uow() as u:
        record = records.save_record(u.session, code, data, today=TODAY, **kw)
        u.commit()
        return record.id, record.version


def test_record_of_a_completed_dispatch_with_defaults_from_the_dispatch(
        uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    save(uow, code, {"trainings": 2, "people_trained": 45, "problems_solved": 3,
                     "problem_list": "茶小绿叶蝉防治\n春茶采摘标准；修剪时机",
                     "beneficiaries": 120, "economic_benefit": "80000", "satisfaction": "满意",
                     "suggestions": "建议建设标准化茶园示范基地"})
    with uow() as u:
        r = records.record_of(u.session, code)
        assert r is not None
        assert (r.actual_start, r.actual_end, r.days_served) == (
            date(2025, 4, 8), date(2025, 4, 9), 2)
        assert r.problem_list == ["茶小绿叶蝉防治", "春茶采摘标准", "修剪时机"]
        assert (r.economic_benefit, r.satisfaction) == (80000, 4)
        actors = [e.actor for e in audit.history(u.session, "ServiceRecord", r.id)]
    assert actors and actors[0] == "测试员"


@pytest.mark.parametrize("status", [D.PLANNED, D.DECLINED])
def test_no_record_for_a_dispatch_that_did_not_take_place(
        uow: Uow, small: SmallCounty, status: DispatchStatus) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09",
                         status=status)
    with uow() as u, pytest.raises(ValidationError) as err:
        records.save_record(u.session, code, {"trainings": 1}, today=TODAY)
    assert "dispatch_id" in err.value.errors and has_cjk(err.value.message)


def test_a_confirmed_dispatch_not_yet_begun_gets_no_record(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09",
                         status=D.CONFIRMED)
    with uow() as u, pytest.raises(ValidationError, match="还没有开始"):
        records.save_record(u.session, code, {}, today=date(2025, 4, 1))


def test_receipt_completes_a_confirmed_dispatch(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09",
                         status=D.CONFIRMED)
    save(uow, code, {"trainings": 1, "people_trained": 30})
    with uow() as u:
        assert dispatches.get_dispatch(u.session, code).status == D.CONFIRMED
    save(uow, code, {"receipt_received_on": "2025年4月15日", "receipt_signed_by": "王建国"})
    with uow() as u:
        assert dispatches.get_dispatch(u.session, code).status == D.COMPLETED
        r = records.record_of(u.session, code)
        assert r is not None and r.people_trained == 30  # kept from the first save
        assert records.list_rows(u.session, today=TODAY).dicts()[0]["record_state"] == "receipt"


@pytest.mark.parametrize(("data", "field"), [
    ({"actual_start": "2025-04-08", "actual_end": "2025-04-07"}, "actual_end"),
    ({"actual_start": "2025-01-01"}, "actual_start"),  # far from the planned dates
    ({"actual_start": "2026-04-08"}, "actual_start"),  # in the future
    ({"days_served": 5}, "days_served"),  # more than the two days between the dates
    ({"people_trained": 40}, "trainings"),  # people trained without any training
    ({"problems_solved": 1, "problem_list": ["一", "二"]}, "problems_solved"),
    ({"satisfaction": 6}, "satisfaction"),
    ({"trainings": -1}, "trainings"),
    ({"economic_benefit": "三万"}, "economic_benefit"),
    ({"receipt_received_on": "2025-04-20"}, "receipt_signed_by"),
    ({"receipt_signed_by": "王建国"}, "receipt_received_on"),
    ({"receipt_received_on": "2025-04-01", "receipt_signed_by": "王"}, "receipt_received_on"),
])
def test_bad_figures_are_refused_field_by_field(uow: Uow, small: SmallCounty, data: dict,
                                                field: str) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    with uow() as u:
        assert field in records.check(u.session, code, data, today=TODAY)
        with pytest.raises(ValidationError) as err:
            records.save_record(u.session, code, data, today=TODAY)
    assert field in err.value.errors and has_cjk(err.value.errors[field])
    with uow() as u:
        assert records.record_of(u.session, code) is None


def test_stale_edit_is_refused(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    _, version = save(uow, code, {"trainings": 1, "people_trained": 20})
    save(uow, code, {"people_trained": 25}, expected_version=version)
    with pytest.raises(ConflictError):
        save(uow, code, {"people_trained": 30}, expected_version=version)


def test_list_rows_filters_by_record_state(uow: Uow, small: SmallCounty) -> None:
    a = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-08")
    b = make_dispatch(uow, small.coop, "茶园管理", small.tea2, "2025-04-10", "2025-04-10")
    planned = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-05-10", "2025-05-10",
                            status=D.PLANNED)
    save(uow, a, {"trainings": 1, "people_trained": 20})
    with uow() as u:
        rows = records.list_rows(u.session, today=TODAY).dicts()
        assert {r["code"]: r["record_state"] for r in rows} == {a: "recorded", b: "none"}
        assert planned not in {r["code"] for r in rows}
        only = records.list_rows(u.session, state="none", today=TODAY).dicts()
        assert [r["code"] for r in only] == [b]


def test_agreement_and_publicity_of_a_dispatch(uow: Uow, small: SmallCounty) -> None:
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    with uow() as u:
        d = dispatches.get_dispatch(u.session, code)
        agreement = agreements.create_agreement(u.session, {
            "dispatch": code, "role": "特聘专家", "signed_on": "2025-05-06",
            "end_date": "2027-05-05"})
        assert (agreement.expert_id, agreement.unit_id) == (d.expert_id, d.need.unit_id)
        assert agreement.start_date == date(2025, 5, 6)
        item = publicity.create_publicity(u.session, {
            "dispatch": code, "outlet": "云岭县融媒体中心", "published_on": "2025-05-10",
            "title": "专家进茶园 春茶添新绿", "link": "https://www.example.gov.cn/a/1"})
        u.commit()
        d_id, item_id, a_id = d.id, item.id, agreement.id
    with uow() as u:
        assert [r["role"] for r in agreements.list_agreements(u.session, dispatch_id=d_id)] == [
            "特聘专家"]
        assert [r["title"] for r in publicity.list_publicity(u.session, dispatch_id=d_id)] == [
            "专家进茶园 春茶添新绿"]
        with pytest.raises(ValidationError) as err:
            publicity.update_publicity(u.session, item_id, {"link": "www.example.gov.cn"})
        assert "link" in err.value.errors
        with pytest.raises(ValidationError) as err:
            agreements.update_agreement(u.session, a_id, {"end_date": "2024-01-01"})
        assert "end_date" in err.value.errors
        agreements.delete_agreement(u.session, a_id)
        u.commit()
    with uow() as u:
        assert agreements.list_agreements(u.session, dispatch_id=d_id) == []
        errors = publicity.check(u.session, {"outlet": "", "title": "x"})
    assert {"dispatch_id", "outlet", "published_on"} <= set(errors)
