"""The expert ledger (days served per year) and talent benefit cards."""

from __future__ import annotations

from datetime import date

import pytest

from services.documents.certificate import certificate_data
from services.documents.page import office
from services.errors import DuplicateError, ValidationError
from services.outcomes import cards, ledger
from tests.conftest import County
from tests.stats_support import Outcomes, build_outcomes


@pytest.fixture
def oc(db, county: County) -> Outcomes:
    return build_outcomes(db, county)


def test_ledger_days_per_year(db, oc: Outcomes) -> None:
    c = oc.county
    with db.session() as s:
        tea = ledger.expert_ledger(s, c.tea_expert, 2026)
        # d1 3 days, d4 2 (record, not the 4 planned), d8 3, workstation 4.
        assert [(i.kind, i.days) for i in tea.items] == [
            ("dispatch", 3), ("workstation", 4), ("dispatch", 2), ("dispatch", 3)]
        assert (tea.total_days, tea.dispatch_days, tea.workstation_days) == (12, 8, 4)
        assert tea.items[2].start == date(2026, 7, 2)  # the actual dates
        assert ledger.expert_ledger(s, "张明远", 2025).total_days == 11  # d6 2 + station 9
        vet = ledger.expert_ledger(s, oc.expert_ids["vet"], 2026)
        assert vet.total_days == 2  # d2: record says 0 days → 2 planned; d5 only confirmed
        assert ledger.expert_ledger(s, c.doctor, 2026).total_days == 1  # d7 was cancelled
        assert ledger.days_by_expert(s, 2026) == {oc.expert_ids["tea"]: 12,
                                                  oc.expert_ids["vet"]: 2,
                                                  oc.expert_ids["doctor"]: 1}
        load = ledger.workload(s, 2026, today=date(2026, 5, 1))
        assert [(w.code, w.days, w.upcoming) for w in load][:2] == [(c.tea_expert, 12, 0),
                                                                   (c.vet, 2, 1)]


def test_certificate_counts_the_ledger_days(db, oc: Outcomes) -> None:
    with db.session() as s:
        data = certificate_data(s, oc.county.tea_expert, office(s), start=date(2026, 1, 1),
                                end=date(2026, 12, 31))
        assert data.total_days == 8 == ledger.expert_ledger(s, oc.county.tea_expert,
                                                            2026).dispatch_days


def test_cards_issue_renew_cancel_and_lists(db, uow, oc: Outcomes) -> None:
    tea = oc.county.tea_expert
    today = date(2026, 11, 29)
    with db.session() as s:
        assert [q.code for q in cards.qualifying(s, 2026, today)] == [tea]  # 12 ≥ 10 days
        assert [q.days for q in cards.qualifying(s, 2025, today)] == [11]
    with uow() as u:
        card = cards.issue_card(u.session, tea, issued_on=today)
        assert card.number == "HCK-2026-0001" and card.valid_until == date(2028, 11, 28)
        with pytest.raises(DuplicateError):
            cards.issue_card(u.session, oc.county.vet, number="HCK-2026-0001")
        u.commit()
    with db.session() as s:
        assert cards.qualifying(s, 2026, today) == []
        assert cards.expiring(s, today=date(2028, 11, 1)) and not cards.expiring(s, today=today)
    with uow() as u:
        cards.renew_card(u.session, "HCK-2026-0001", today=today)
        assert cards.get_card(u.session, "HCK-2026-0001").valid_until == date(2030, 11, 28)
        with pytest.raises(ValidationError):
            cards.cancel_card(u.session, "HCK-2026-0001", "")
        cards.cancel_card(u.session, "HCK-2026-0001", "调离本县")
        with pytest.raises(ValidationError):
            cards.renew_card(u.session, "HCK-2026-0001")
        u.commit()
    with db.session() as s:
        assert [q.code for q in cards.qualifying(s, 2026, today)] == [tea]
        assert cards.list_cards(s)[0]["state"] == "已注销"


def test_find_expert_by_name_code_or_id(db, oc: Outcomes) -> None:
    with db.session() as s:
        assert ledger.find_expert(s, "刘慧").code == oc.county.doctor
        assert ledger.find_expert(s, oc.expert_ids["vet"]).code == oc.county.vet
        with pytest.raises(Exception) as err:
            ledger.find_expert(s, "无此人")
        assert "找不到专家" in str(err.value)
