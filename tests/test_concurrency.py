"""Two people editing at once (optimistic locking): the second save is refused with what
changed, never silently overwrites; keeping one's own edits re-applies them on the current
version; a season plan is accepted only if the dispatches it was based on did not change.

Runs on both engines (``EXPERT_DISPATCH_TEST_PG``, see conftest.py); the race tests use two
threads, each with its own session and connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from models import DispatchStatus
from services import dispatches, experts, needs, places, units
from services import matching as m
from services.database import Database
from services.errors import ConflictError, ServiceError
from services.uow import UnitOfWork
from tests.conftest import County, has_cjk
from tests.matching_support import SmallCounty, add_need, build_county
from tests.ui_support import ignore_offscreen, window  # noqa: F401

Uow = Callable[..., UnitOfWork]


def _new_need(uow: Uow, county: County, title: str = "茶园春季管理") -> tuple[int, int]:
    with uow() as u:
        need = needs.create_need(u.session, {
            "title": title, "unit": county.coop, "field": "茶叶",
            "window_start": "2026-04-01", "window_end": "2026-04-20",
            "description": "春茶采摘前的茶园管理"}, u.actor)
        u.commit()
        return need.id, need.version


def _form(uow: Uow, need_id: int) -> dict[str, Any]:
    """What a form shows: every editable value, as the service gives it."""
    with uow() as u:
        return needs.form_values(u.session, need_id)


def test_second_save_is_refused_with_what_changed(uow: Uow, county: County) -> None:
    need_id, version = _new_need(uow, county)
    mine = _form(uow, need_id) | {"title": "茶园春季管理（我改的）"}
    with uow("李四") as other:  # the other person saves first
        needs.update_need(other.session, need_id,
                          {"title": "茶园春季管理（李四改的）", "days_wanted": 5}, version)
        other.commit()
    with uow("张三") as u, pytest.raises(ConflictError) as info:
        needs.update_need(u.session, need_id, mine, version)
    error = info.value
    assert has_cjk(error.message) and "李四" in error.message
    assert (error.expected_version, error.current_version) == (version, version + 1)
    assert error.entity == "Need" and error.entity_id == need_id
    assert error.changed_by == "李四" and error.changed_at is not None
    by_field = {c.field: c for c in error.changes}
    assert set(by_field) == {"title", "days_wanted"}
    title = by_field["title"]
    assert (title.label, title.mine, title.theirs) == (
        "标题", "茶园春季管理（我改的）", "茶园春季管理（李四改的）")
    days = by_field["days_wanted"]
    assert days.theirs == "5" and days.mine != "5"
    assert "标题" in error.message and "我改的" in error.message
    # Nothing was written by the refused save, nor by working out the differences.
    with uow() as u:
        need = needs.get_need(u.session, need_id)
        assert (need.title, need.days_wanted, need.version) == (
            "茶园春季管理（李四改的）", 5, version + 1)


def test_keeping_my_edits_reapplies_them_on_the_current_version(uow: Uow,
                                                                county: County) -> None:
    need_id, version = _new_need(uow, county)
    opened = _form(uow, need_id)
    edited = opened | {"title": "我改的标题"}
    with uow("李四") as other:
        needs.update_need(other.session, need_id, {"description": "李四补充的说明"}, version)
        other.commit()
    with uow() as u, pytest.raises(ConflictError) as info:
        needs.update_need(u.session, need_id, edited, version)
    # 保留我的修改: the fields the user changed, on top of the version stored now.
    mine = {k: v for k, v in edited.items() if opened.get(k) != v}
    with uow() as u:
        needs.update_need(u.session, need_id, mine, info.value.current_version)
        u.commit()
    with uow() as u:
        need = needs.get_need(u.session, need_id)
        assert (need.title, need.description, need.version) == (
            "我改的标题", "李四补充的说明", version + 2)


@pytest.mark.parametrize("kind", ["expert", "unit", "township"])
def test_other_records_explain_their_conflicts(uow: Uow, county: County, kind: str) -> None:
    with uow() as u:
        if kind == "expert":
            obj = experts.get_expert(u.session, county.doctor)
            update: Any = experts.update_expert
            field, theirs, mine = "employer", "县人民医院", "市中医院"
        elif kind == "unit":
            obj = units.get_unit(u.session, county.coop)
            update, field, theirs, mine = units.update_unit, "contact_person", "赵六", "钱七"
        else:
            obj = places.find_township(u.session, county.township_id)
            update, field, theirs, mine = places.update_township, "name", "青山乡", "青山街道"
        key, version = obj.id, obj.version
    with uow("李四") as other:
        update(other.session, key, {field: theirs}, version)
        other.commit()
    with uow() as u, pytest.raises(ConflictError) as info:
        update(u.session, key, {field: mine}, version)
    (change,) = info.value.changes
    assert (change.field, change.mine, change.theirs) == (field, mine, theirs)
    assert has_cjk(change.label) and "李四" in info.value.message


def test_changes_that_no_longer_apply_still_give_a_conflict(uow: Uow, county: County) -> None:
    """The user's values fail on the current version (the other person withdrew the need):
    still a ConflictError, without a field list."""
    need_id, version = _new_need(uow, county)
    with uow("李四") as other:
        needs.update_need(other.session, need_id, {"title": "改了"}, version)
        needs.set_status(other.session, need_id, "withdrawn", "李四", "单位撤回")
        other.commit()
    with uow() as u, pytest.raises(ConflictError) as info:
        needs.update_need(u.session, need_id, {"title": "我的"}, version)
    assert info.value.changes == [] and has_cjk(info.value.message)


def _race(db: Database, save: Callable[[UnitOfWork], None]) -> list[BaseException | None]:
    """Two threads, two sessions: both read version 1, both save; the first to write holds
    the row (SQLite: the database) until it commits, the second writes after it."""
    first_wrote = threading.Event()
    results: list[BaseException | None] = [None, None]

    def worker(index: int) -> None:
        try:
            with db.unit_of_work(f"用户{index}") as u:
                if index == 1:
                    first_wrote.wait(10)
                save(u)
                if index == 0:
                    first_wrote.set()
                    # Let the second thread reach its UPDATE while this one still holds the row.
                    threading.Event().wait(0.3)
                u.commit()
        except BaseException as exc:
            results[index] = exc
        finally:
            first_wrote.set()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_sessions_racing_on_one_record(db: Database, uow: Uow, county: County) -> None:
    need_id, version = _new_need(uow, county)

    def save(u: UnitOfWork) -> None:
        needs.update_need(u.session, need_id, {"title": f"{u.actor}的标题"}, version)

    first, second = _race(db, save)
    assert first is None
    assert isinstance(second, ConflictError), repr(second)
    assert has_cjk(second.message)
    with uow() as u:
        need = needs.get_need(u.session, need_id)
        assert (need.title, need.version) == ("用户0的标题", version + 1)


def test_two_sessions_racing_without_a_version_check(db: Database, uow: Uow,
                                                     county: County) -> None:
    """Both read the record, then both write it without passing a version (a service that
    does not ask for one): the version column still refuses the second UPDATE."""
    need_id, _ = _new_need(uow, county)
    read = threading.Barrier(2, timeout=10)

    def save(u: UnitOfWork) -> None:
        need = needs.get_need(u.session, need_id)
        read.wait()
        need.title = f"{u.actor}的标题"
        u.session.flush()

    # No ordering here beyond the barrier: whichever writes first wins.
    results = _race_unordered(db, save)
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "NoneType"]


def _race_unordered(db: Database, save: Callable[[UnitOfWork], None]) -> list[Any]:
    results: list[Any] = [None, None]

    def worker(index: int) -> None:
        try:
            with db.unit_of_work(f"用户{index}") as u:
                save(u)
                u.commit()
        except BaseException as exc:
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


# -- season plans -------------------------------------------------------------------------------

MAY = (date(2026, 5, 1), date(2026, 5, 31))


@pytest.fixture
def small(uow: Uow) -> SmallCounty:
    with uow() as u:
        county = build_county(u.session)
        u.commit()
    return county


def _planned_dispatch(uow: Uow, small: SmallCounty) -> str:
    """A need planned and accepted in May: its dispatch (拟派)."""
    with uow() as u:
        add_need(u.session, small.coop, "茶园管理", "2026-05-06", "2026-05-20")
        u.commit()
    with uow() as u:
        (written,) = m.accept_plan(u.session, m.plan_season(u.session, *MAY, time_limit=5),
                                   u.actor)
        u.commit()
        return written.code


def test_plan_is_refused_when_its_dispatches_changed(uow: Uow, small: SmallCounty) -> None:
    earlier = _planned_dispatch(uow, small)
    with uow() as u:
        add_need(u.session, small.coop, "茶叶", "2026-05-11", "2026-05-15")
        u.commit()
    with uow() as u:
        plan = m.plan_season(u.session, *MAY, time_limit=5)
    assert plan.based_on  # the plan knows the May dispatch it was planned around
    plan = m.Plan.from_dict(plan.to_dict())  # as a saved proposal keeps it
    with uow("李四") as other:  # meanwhile someone confirms the earlier dispatch
        d = dispatches.get_dispatch(other.session, earlier)
        dispatches.set_dispatch_status(other.session, d.id, DispatchStatus.CONFIRMED, "")
        other.commit()
    with uow() as u, pytest.raises(ConflictError) as info:
        m.accept_plan(u.session, plan, u.actor)
    assert earlier in info.value.message and has_cjk(info.value.message)
    (change,) = info.value.changes
    assert change.label == f"派遣 {earlier}" and change.mine == "第 1 版"
    with uow() as u:  # nothing written: only the earlier dispatch exists
        assert [r["code"] for r in dispatches.list_dispatches(u.session)] == [earlier]


def test_unchanged_plan_is_accepted_from_another_session(uow: Uow, small: SmallCounty) -> None:
    _planned_dispatch(uow, small)
    with uow() as u:
        add_need(u.session, small.coop, "茶叶", "2026-05-11", "2026-05-15")
        u.commit()
    with uow() as u:
        proposal = m.save_proposal(u.session, m.plan_season(u.session, *MAY, time_limit=5),
                                   u.actor)
        u.commit()
        code = proposal.code
    with uow("李四") as other:
        written = m.accept_proposal(other.session, code, other.actor)
        other.commit()
    assert len(written) == 1


def test_plan_conflict_is_a_service_error(uow: Uow, small: SmallCounty) -> None:
    assert issubclass(ConflictError, ServiceError)


# -- the form's conflict dialog (GUI: SQLite pass only) -----------------------------------------


def _edited_elsewhere(uow: Uow, need_id: int, title: str) -> None:
    with uow("李四") as other:
        need = needs.get_need(other.session, need_id)
        needs.update_need(other.session, need_id, {"description": title}, need.version)
        other.commit()


def _conflicting_form(qtbot: Any, main: Any, uow: Uow, county: County) -> tuple[Any, int]:
    from ui.pages.needs import NeedsPage

    need_id, _ = _new_need(uow, county)
    page = main.show_page("needs")
    assert isinstance(page, NeedsPage)
    qtbot.waitUntil(lambda: page.model.has_id(need_id), timeout=10_000)
    form = page.open_editor(need_id)
    with qtbot.waitSignal(form.ready, timeout=10_000):
        pass
    form.fields["title"].widget.setText("我改的标题")
    _edited_elsewhere(uow, need_id, "李四补充的说明")
    form.accept()
    qtbot.waitUntil(lambda: getattr(form, "conflict_box", None) is not None, timeout=10_000)
    return form, need_id


@pytest.mark.sqlite_only
@ignore_offscreen
@pytest.mark.parametrize("choice", ["重新载入", "保留我的修改"])
def test_form_offers_reload_or_keep_mine(qtbot: Any, window: Any,  # noqa: F811
                                         uow: Uow, county: County,
                                        choice: str) -> None:
    from PySide6.QtCore import Qt

    form, need_id = _conflicting_form(qtbot, window, uow, county)
    box = form.conflict_box
    assert "李四" in box.text()
    assert "描述" in box.informativeText() and "李四补充的说明" in box.informativeText()
    button = next(b for b in box.buttons() if b.text() == choice)
    if choice == "重新载入":
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.fields["description"].get() == "李四补充的说明",
                        timeout=10_000)
        assert form.fields["title"].get() == "茶园春季管理"
        assert not form.is_dirty()
    else:
        with qtbot.waitSignal(form.saved, timeout=10_000):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    with uow() as u:
        need = needs.get_need(u.session, need_id)
        expected = "我改的标题" if choice == "保留我的修改" else "茶园春季管理"
        assert (need.title, need.description) == (expected, "李四补充的说明")
