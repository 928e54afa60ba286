"""The audit trail: access to personal data and logins are recorded, entries cannot be changed
or deleted (session guard and database triggers), personal numbers are masked in it, and the
viewer's queries and export."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError as SADatabaseError

from models import AuditEntry, Expert, Unit
from services import audit, auth, experts, privacy, units, users
from services.database import Database
from services.errors import AuthenticationError, PermissionDeniedError
from services.exchange.export import export_list
from tests.conftest import County


def last(db: Database, action: str) -> AuditEntry:
    with db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == action)
                          .order_by(AuditEntry.id.desc())).first()
        assert entry is not None, action
        s.expunge(entry)
        return entry


def test_login_and_failed_login_are_recorded(db: Database) -> None:
    with db.unit_of_work() as u:
        users.add_user(u.session, "alice", "alice-password", "经办人")
        u.commit()
    auth.login(db, "alice", "alice-password")
    assert (last(db, "login").actor, last(db, "login").entity_type) == ("alice", "User")
    with pytest.raises(AuthenticationError):
        auth.login(db, "alice", "nope")
    assert last(db, "login_failed").actor == "alice"
    assert "密码错误" in last(db, "login_failed").note


def test_personal_numbers_are_masked_in_the_trail(db: Database, county: County) -> None:
    with db.unit_of_work() as u:
        experts.update_expert(u.session, county.doctor, {"phone": "13911112222"})
        u.commit()
    with db.session() as s:
        expert_id = experts.get_expert(s, county.tea_expert).id
        trail = audit.history(s, "Expert", expert_id)
        created = trail[0].after
        assert created is not None
        assert created["id_number"] == "520102********1314"
        assert created["phone"] == "138****0001"
        doctor = experts.get_expert(s, county.doctor)
        change = audit.history(s, "Expert", doctor.id)[-1]
        assert (change.before, change.after) == ({"phone": "138****0002"},
                                                 {"phone": "139****2222"})
        unit = s.scalar(select(Unit).where(Unit.code == county.clinic))
        assert unit is not None
        assert audit.history(s, "Unit", unit.id)[0].after["phone"] == "0851-****0001"  # type: ignore[index]
        everything = " ".join(str(e.before) + str(e.after) for e in s.scalars(select(AuditEntry)))
        assert county.tea_expert_id_number not in everything
        assert county.tea_expert_phone not in everything


def test_entries_cannot_be_changed_through_the_session(db: Database, county: County) -> None:
    with db.unit_of_work() as u:
        entry = u.session.scalars(select(AuditEntry)).first()
        assert entry is not None
        entry.note = "篡改"
        with pytest.raises(PermissionDeniedError) as exc:
            u.session.flush()
        assert "审计记录不可修改" in exc.value.message
    with db.unit_of_work() as u:
        entry = u.session.scalars(select(AuditEntry)).first()
        u.session.delete(entry)
        with pytest.raises(PermissionDeniedError):
            u.session.flush()
    for statement in (update(AuditEntry).values(note="篡改"), delete(AuditEntry)):
        with db.unit_of_work() as u, pytest.raises(PermissionDeniedError):
            u.session.execute(statement)


def test_database_triggers_refuse_raw_sql(db: Database, county: County) -> None:
    with db.engine.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM audit_entry"))
        for sql in ("UPDATE audit_entry SET note = '篡改'", "DELETE FROM audit_entry"):
            with pytest.raises(SADatabaseError) as exc:
                conn.execute(text(sql))
            assert "审计记录不可修改" in str(exc.value)
            conn.rollback()
        assert conn.scalar(text("SELECT count(*) FROM audit_entry")) == count
        # New entries are still welcome.
        conn.execute(text("INSERT INTO audit_entry (actor, action, entity_type, note) "
                          "VALUES ('x', 'export', 'Export', '')"))
        conn.rollback()


def test_export_with_full_numbers_is_recorded_and_role_checked(db: Database, county: County,
                                                               tmp_path: Path) -> None:
    with db.unit_of_work() as u:
        export_list(u.session, "experts", tmp_path / "full.xlsx", reveal_personal=True)
        u.commit()
    entry = last(db, "export")
    assert entry.after is not None and entry.after["reveal_personal"] is True
    with db.unit_of_work() as u:
        from services import settings

        settings.set_value(u.session, "privacy.reveal_role", "管理员")
        u.commit()
    clerk = auth.CurrentUser("经办员", "经办人")
    with db.unit_of_work(user=clerk) as u, pytest.raises(PermissionDeniedError):
        export_list(u.session, "experts", tmp_path / "refused.xlsx", reveal_personal=True)
    assert not (tmp_path / "refused.xlsx").exists()
    with db.unit_of_work(user=clerk) as u:  # masked is fine for a clerk
        result = export_list(u.session, "experts", tmp_path / "masked.xlsx")
        u.commit()
    assert result.masked


def test_reveal_in_lists_and_records_is_recorded(db: Database, county: County) -> None:
    with db.session() as s:
        experts.list_rows(s, reveal=True)
    entry = last(db, "reveal")
    assert "专家" in entry.note and entry.after == {"count": 3}
    with db.session() as s:
        unit_id = units.get_unit(s, county.coop).id
        shown = privacy.reveal_record(s, "Unit", unit_id)
    assert shown["phone"] == "13908510001"
    entry = last(db, "reveal")
    assert (entry.entity_type, entry.entity_id) == ("Unit", unit_id)
    viewer = auth.CurrentUser("只读员", "查看")
    with db.unit_of_work(user=viewer) as u:
        with pytest.raises(PermissionDeniedError):
            experts.list_rows(u.session, reveal=True)
        rows = experts.list_rows(u.session).dicts()
        assert all("*" in r["phone"] for r in rows if r["phone"])


def test_printing_documents_with_personal_data_is_recorded(db: Database, county: County,
                                                           tmp_path: Path) -> None:
    from services import dispatches, needs
    from services.documents import print_certificate, print_dispatch_sheets

    with db.unit_of_work() as u:
        need = needs.create_need(u.session, {"title": "茶园管理", "unit": county.coop,
                                             "field": "茶叶", "window_start": "2026-05-01",
                                             "window_end": "2026-07-31"}, "x")
        needs.set_status(u.session, need.code, "reviewed", "x", "")
        d = dispatches.create_dispatch(u.session, {"need": need.code, "expert": county.tea_expert,
                                                   "start_date": "2026-06-01"})
        u.commit()
    with db.session() as s:  # a read-only session, never committed: the entry is kept anyway
        print_dispatch_sheets(s, [d.code], tmp_path / "sheets.pdf")
    entry = last(db, "print")
    assert "派遣单 1 份" in entry.note and entry.entity_type == "Dispatch"
    assert entry.after is not None and entry.after["show_id_numbers"] is False
    viewer = auth.CurrentUser("只读员", "查看")
    with db.unit_of_work(user=viewer) as u, pytest.raises(PermissionDeniedError):
        print_certificate(u.session, county.tea_expert, tmp_path / "c.pdf", show_id_numbers=True)


def test_anonymised_export(db: Database, county: County, tmp_path: Path) -> None:
    with db.unit_of_work() as u:
        result = privacy.export_anonymised(u.session, "experts", tmp_path / "out.xlsx")
        u.commit()
    assert result.count == 3
    ws = load_workbook(result.path).worksheets[0]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True))
            for row in ws.iter_rows(min_row=2)]
    values = " ".join(str(v) for r in rows for v in r.values())
    assert "张明远" not in values and "张*远" in values and "刘*" in values
    assert county.tea_expert_id_number not in values and county.tea_expert_phone not in values
    assert "138****0001" in values
    entry = last(db, "export")
    assert entry.after is not None and entry.after["anonymised"] is True
    assert privacy.mask_name("欧阳晓明") == "欧**明" and privacy.mask_name("") == ""
    assert privacy.anonymise_row("units", {"contact_person": "王建国", "phone": "13908510001",
                                           "birth_date": date(1970, 5, 12)}) == {
        "contact_person": "王*国", "phone": "139****0001", "birth_date": 1970}


def test_viewer_queries_and_export(db: Database, county: County, tmp_path: Path) -> None:
    with db.unit_of_work("审核员") as u:
        experts.update_expert(u.session, county.vet, {"notes": "改一下"})
        u.commit()
    with db.session() as s:
        total = audit.count_entries(s)
        assert total == len(audit.list_entries(s, limit=None)) > 5
        mine = audit.list_entries(s, audit.AuditFilter(actor="审核员"))
        assert [(r["action"], r["entity_type"]) for r in mine] == [("update", "Expert")]
        assert mine[0]["action_label"] == "修改"
        by_code = audit.list_entries(s, audit.AuditFilter(record=county.vet))
        vet_id = experts.get_expert(s, county.vet).id
        assert by_code and all((r["entity_type"], r["entity_id"]) == ("Expert", vet_id)
                               for r in by_code)
        assert [r["id"] for r in by_code] == sorted((r["id"] for r in by_code), reverse=True)
        assert audit.count_entries(s, audit.AuditFilter(record="ZJ-9999")) == 0
        assert audit.count_entries(s, audit.AuditFilter(action="create", entity_type="Expert")) == 3
        tomorrow = date.today() + timedelta(days=2)
        assert audit.count_entries(s, audit.AuditFilter(start=tomorrow)) == 0
        assert audit.count_entries(s, audit.AuditFilter(
            start=date.today() - timedelta(days=2), end=tomorrow)) == total
        page = audit.list_entries(s, offset=2, limit=3)
        assert [r["id"] for r in page] == [r["id"] for r in audit.list_entries(s)][2:5]
        assert "审核员" in audit.actors(s) and "Expert" in audit.entity_types(s)
    with db.unit_of_work() as u:
        path, count = audit.export_entries(u.session, tmp_path / "audit.xlsx",
                                           audit.AuditFilter(entity_type="Expert"))
        u.commit()
    ws = load_workbook(path).worksheets[0]
    assert ws.max_row == count + 1 and ws["C2"].value in ("审核员", "测试员")
    assert last(db, "export").entity_type == "AuditEntry"


def test_expert_model_changes_leave_entries_for_every_kind(db: Database, county: County) -> None:
    with db.session() as s:
        kinds = set(s.scalars(select(AuditEntry.entity_type).distinct()))
    assert {"Expert", "Unit", "Township", "Village"} <= kinds
    assert Expert.__tablename__ == "expert"


@pytest.mark.sqlite_only
def test_command_line_users_audit_and_anonymised_export(db: Database, county: County,
                                                        db_path: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from services import cli

    db.close()

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli.run([*args, "--db", str(db_path)])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("users", "add", "admin", "--role", "管理员", "--password-stdin",
                         stdin="admin-password\n")
    assert code == 0 and "已添加用户“admin”（管理员）" in out, err
    code, out, err = run("users", "add", "bob", "--role", "查看", "--password-stdin",
                         stdin="short\n")
    assert code == 2 and "至少 8 位" in err
    code, out, _ = run("users", "list")
    assert code == 0 and "admin" in out and "管理员" in out
    code, out, err = run("users", "set-role", "admin", "经办人")
    assert code == 2 and "最后一位管理员" in err
    code, out, err = run("audit", "list", "--type", "Expert", "--action", "create")
    assert code == 0 and out.count("新建") == 3, err
    code, out, err = run("audit", "list", "--record", county.tea_expert, "--format", "json")
    assert code == 0 and "520102********1314" in out and county.tea_expert_id_number not in out
    code, out, err = run("audit", "list", "--from", "2026-13-01")
    assert code == 2 and "格式不对" in err
    code, out, err = run("audit", "export", "--out", str(tmp_path / "a.xlsx"))
    assert code == 0 and "已导出" in out, err
    code, out, err = run("export", "units", "--anonymise", "--out", str(tmp_path / "u.xlsx"))
    assert code == 0, err
    values = " ".join(str(c) for row in load_workbook(tmp_path / "u.xlsx").worksheets[0]
                      .iter_rows(values_only=True) for c in row)
    assert "王*国" in values and "王建国" not in values and "13908510001" not in values


def test_edit_forms_mask_or_reveal_and_masked_values_are_never_saved(db: Database,
                                                                     county: County) -> None:
    from services import settings

    with db.unit_of_work() as u:
        settings.set_value(u.session, "privacy.reveal_role", "管理员")
        u.commit()
    clerk = auth.CurrentUser("经办员", "经办人")
    with db.unit_of_work(user=clerk) as u:
        values = experts.form_values(u.session, county.tea_expert)
        assert values["id_number"] == "520102********1314" and values["phone"] == "138****0001"
        # The form saves what it shows: the masked numbers keep the stored ones.
        experts.update_expert(u.session, county.tea_expert, values | {"notes": "改了备注"},
                              values["version"])
        assert experts.check(u.session, values, county.tea_expert) == {}
        unit_values = units.form_values(u.session, county.coop)
        assert unit_values["phone"] == "139****0001"
        units.update_unit(u.session, county.coop, unit_values | {"notes": "改"})
        u.commit()
    with db.session() as s:
        expert = experts.get_expert(s, county.tea_expert)
        assert (expert.id_number, expert.phone, expert.notes) == (
            county.tea_expert_id_number, county.tea_expert_phone, "改了备注")
        assert units.get_unit(s, county.coop).phone == "13908510001"
    with db.session() as s:  # the local administrator sees them in full, and it is recorded
        values = experts.form_values(s, county.tea_expert)
    assert values["id_number"] == county.tea_expert_id_number
    entry = last(db, "reveal")
    assert "编辑窗口" in entry.note and entry.entity_type == "Expert"
