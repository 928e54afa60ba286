"""The demo county's year of outcomes: service records in believable ranges for completed
dispatches only, receipts mostly received, attachments intact, organisations, activities,
agreements, publicity, budgets, expenses and talent cards — the same for the same seed."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Dispatch, DispatchStatus, Need
from models.funds import Budget, Expense, TalentCard
from models.organisations import (
    Activity,
    ServiceBase,
    Team,
    Workstation,
    WorkstationLog,
    activity_dispatch,
    team_member,
)
from models.outcomes import Agreement, Attachment, Publicity, ServiceRecord
from services import demo
from services.database import open_database
from services.outcomes import attachments
from tests import test_demo
from tests.test_demo import AS_OF, YEAR, Built, _rows

pytestmark = pytest.mark.slow

# The demo county of tests/test_demo.py (built through the API and through the command line).
data_dir = test_demo.data_dir
built = test_demo.built
cli_db = test_demo.cli_db


def test_records_only_for_completed_dispatches_with_believable_figures(built: Built) -> None:
    rows = _rows(built.database, select(
        ServiceRecord.days_served, ServiceRecord.trainings, ServiceRecord.people_trained,
        ServiceRecord.problems_solved, ServiceRecord.problem_list, ServiceRecord.beneficiaries,
        ServiceRecord.economic_benefit, ServiceRecord.satisfaction, Dispatch.status,
        Dispatch.start_date, Dispatch.end_date, ServiceRecord.actual_start,
        ServiceRecord.receipt_received_on, ServiceRecord.receipt_signed_by,
    ).join(Dispatch, ServiceRecord.dispatch_id == Dispatch.id))
    completed = built.summary.dispatch_statuses["completed"]
    assert 0.9 * completed <= len(rows) <= completed
    for (days, trainings, people, solved, problems, beneficiaries, benefit, satisfaction,
         status, start, end, actual, received, signer) in rows:
        assert status == DispatchStatus.COMPLETED
        assert days == (end - start).days + 1 and actual == start
        assert 0 <= trainings <= 2 * days and people <= 80 * days
        assert (people == 0) == (trainings == 0)
        assert 1 <= len(problems) <= solved <= len(problems) + 2 and solved <= 10
        assert all(problems) and len(set(problems)) == len(problems)
        assert beneficiaries >= people and benefit <= 800_000 * days
        assert satisfaction in (3, 4, 5)
        assert received is None or (end <= received <= AS_OF and signer)
    received = sum(1 for r in rows if r[12] is not None)
    assert 0.75 * len(rows) <= received < len(rows)  # mostly received, some missing
    one_day = [r[2] for r in rows if r[0] == 1 and r[1]]
    assert sum(one_day) / len(one_day) > 15


def test_outcomes_were_written_through_the_audited_services(built: Built) -> None:
    kinds = Counter(r[0] for r in _rows(built.database, select(AuditEntry.entity_type).where(
        AuditEntry.actor == demo.DEMO_ACTOR, AuditEntry.action == "create")))
    count = {m: len(_rows(built.database, select(m.id))) for m in (
        ServiceRecord, Attachment, Team, ServiceBase, Workstation, Activity, Agreement,
        Publicity)}
    for model, n in count.items():
        assert kinds[model.__name__] == n > 0, model.__name__


def test_attachments_are_stored_and_intact(built: Built, data_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPERT_DISPATCH_DATA_DIR", str(data_dir))  # where the demo put them
    with built.database.session() as s:
        checks = attachments.verify(s)
        kinds = Counter(a.kind for a in s.scalars(select(Attachment)))
    assert 6 <= len(checks) <= 12 and all(c.ok for c in checks)
    assert kinds["照片"] >= 5 and kinds["签到表"] >= 2
    with built.database.session() as s:
        first = s.scalars(select(Attachment).where(Attachment.kind == "照片")).first()
        assert first is not None
        assert attachments.open_path(s, first.id).read_bytes().startswith(b"\x89PNG\r\n")


def test_organisations_and_activities(built: Built) -> None:
    with built.database.session() as s:
        teams = s.scalars(select(Team)).all()
        assert 3 <= len(teams) <= 4
        for team in teams:
            assert team.lead in team.members and len(team.members) >= 2
        assert len(s.scalars(select(ServiceBase)).all()) == 2
        stations = s.scalars(select(Workstation)).all()
        assert len(stations) == 3 and len({w.expert_id for w in stations}) == 3
        for w in stations:
            assert 4 <= len(w.logs) <= 8
            assert all(w.start_date <= log.served_on <= AS_OF for log in w.logs)
        activities = s.scalars(select(Activity)).all()
        assert 2 <= len(activities) <= 3
        assert any(a.kind == "院士专家基层行" for a in activities)
        for a in activities:
            assert 3 <= len(a.dispatches) <= 8 and a.code.startswith(f"HD-{YEAR}-")
            assert all(a.start_date <= d.start_date <= a.end_date for d in a.dispatches)
            assert {d.expert_id for d in a.dispatches} <= {e.id for e in a.experts}
        linked = s.scalars(select(activity_dispatch.c.dispatch_id)).all()
        assert len(linked) == len(set(linked))
        assert s.scalar(select(func.count()).select_from(team_member)) >= 8


def test_agreements_and_publicity_follow_the_needs_steps(built: Built) -> None:
    with built.database.session() as s:
        contracted = s.scalar(select(func.count()).select_from(Need).where(
            Need.status == "contracted")) or 0
        agreements = s.scalars(select(Agreement)).all()
        assert len(agreements) >= contracted > 0
        assert all(a.start_date <= AS_OF and a.end_date > a.start_date for a in agreements)
        reports = s.scalars(select(Publicity)).all()
        assert any(p.activity_id for p in reports) and any(p.dispatch_id for p in reports)
        assert all(p.published_on <= AS_OF for p in reports)


def test_budgets_expenses_and_cards(built: Built) -> None:
    with built.database.session() as s:
        budgets = s.scalars(select(Budget)).all()
        assert sum(1 for b in budgets if b.team_id is None and b.activity_id is None) == 1
        assert sum(1 for b in budgets if b.team_id) >= 3
        expenses = s.scalars(select(Expense)).all()
        completed = s.scalars(select(Dispatch.id).where(
            Dispatch.status == DispatchStatus.COMPLETED)).all()
        assert {e.dispatch_id for e in expenses} == set(completed)
        by_category = Counter(e.category for e in expenses)
        assert by_category["交通费"] == by_category["食宿费"] == len(completed)
        assert all(e.year == e.spent_on.year and e.amount_fen > 0 for e in expenses)
        fees = [e for e in expenses if e.category == "劳务/咨询费"]
        standard = {d.id: demo._FEE_PER_DAY[d.expert.title] * d.days * 100
                    for d in s.scalars(select(Dispatch))}
        over = [e for e in fees if e.amount_fen > standard[e.dispatch_id]]
        assert len(over) == 2 and all("超标准" in e.note for e in over)
        cards = s.scalars(select(TalentCard)).all()
        assert len(cards) == 6 and len({c.number for c in cards}) == 6
        soon = [c for c in cards if c.valid_until <= AS_OF + timedelta(days=60)]
        assert 1 <= len(soon) <= 3


def test_same_seed_same_outcomes(built: Built, cli_db: tuple[Path, str]) -> None:
    other = open_database(str(cli_db[0]))
    try:
        for stmt in (
            select(ServiceRecord.dispatch_id, ServiceRecord.days_served,
                   ServiceRecord.people_trained, ServiceRecord.problem_list,
                   ServiceRecord.economic_benefit, ServiceRecord.receipt_received_on),
            select(Attachment.record_id, Attachment.file_name, Attachment.sha256),
            select(Team.code, Team.name, Team.lead_expert_id),
            select(Activity.code, Activity.start_date, Activity.places),
            select(WorkstationLog.workstation_id, WorkstationLog.served_on, WorkstationLog.days),
            select(Expense.dispatch_id, Expense.category, Expense.amount_fen),
            select(TalentCard.number, TalentCard.expert_id, TalentCard.valid_until),
        ):
            stmt = stmt.order_by(*stmt.selected_columns)
            assert _rows(built.database, stmt) == _rows(other, stmt), stmt
    finally:
        other.close()
