"""Steps 6 and 7 follow from the records (services/outcomes/progress.py): an agreement moves
the dispatch's need 已总结 → 已签约, a report → 已宣传, each with its NeedEvent; never
backward, never skipping the summary."""

from __future__ import annotations

from models import NeedStatus
from services import dispatches, needs
from services.outcomes import agreements, publicity
from tests.outcomes_support import Uow, make_dispatch, small_county


def _need_to(uow: Uow, code: str, *targets: NeedStatus) -> int:
    with uow() as u:
        need = dispatches.get_dispatch(u.session, code).need
        for target in targets:
            if NeedStatus(need.status) != target:
                needs.set_status(u.session, need.id, target, "测试")
        u.commit()
        return need.id


def _status_and_events(uow: Uow, need_id: int) -> tuple[NeedStatus, list[tuple[str, str]]]:
    with uow() as u:
        need = needs.get_need(u.session, need_id)
        return NeedStatus(need.status), [(str(e.to_status), e.reason) for e in need.events]


def test_agreement_then_publicity_move_the_need_forward(uow: Uow) -> None:
    small = small_county(uow)
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    need_id = _need_to(uow, code, NeedStatus.MATCHED, NeedStatus.SERVED, NeedStatus.SUMMARISED)
    with uow() as u:
        agreements.create_agreement(u.session, {"dispatch": code, "role": "特聘专家",
                                                "signed_on": "2025-05-01"})
        u.commit()
    status, events = _status_and_events(uow, need_id)
    assert status == NeedStatus.CONTRACTED
    assert events[-1][0] == NeedStatus.CONTRACTED and "受聘签约" in events[-1][1]
    with uow() as u:  # a second agreement: already 已签约, no second event
        agreements.create_agreement(u.session, {"dispatch": code, "role": "技术顾问",
                                                "signed_on": "2025-05-02"})
        u.commit()
    assert len(_status_and_events(uow, need_id)[1]) == len(events)
    with uow() as u:
        item = publicity.create_publicity(u.session, {
            "dispatch": code, "outlet": "县融媒体中心", "published_on": "2025-05-10",
            "title": "专家进茶园"})
        u.commit()
        item_id = item.id
    status, events = _status_and_events(uow, need_id)
    assert status == NeedStatus.PUBLICISED and "专家进茶园" in events[-1][1]
    with uow() as u:  # deleting the report does not move the need back
        publicity.delete_publicity(u.session, item_id)
        agreements.create_agreement(u.session, {"dispatch": code, "role": "产业顾问",
                                                "signed_on": "2025-06-01"})
        u.commit()
    assert _status_and_events(uow, need_id) == (status, events)


def test_a_need_not_yet_summarised_stays_where_it_is(uow: Uow) -> None:
    small = small_county(uow)
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    need_id = _need_to(uow, code, NeedStatus.MATCHED, NeedStatus.SERVED)
    before = _status_and_events(uow, need_id)
    with uow() as u:
        publicity.create_publicity(u.session, {
            "dispatch": code, "outlet": "县融媒体中心", "published_on": "2025-05-10",
            "title": "专家进茶园"})
        agreements.create_agreement(u.session, {"dispatch": code, "signed_on": "2025-05-01"})
        u.commit()
    assert _status_and_events(uow, need_id) == before
    assert before[0] == NeedStatus.SERVED
