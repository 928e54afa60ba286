"""Templates and exports: what a clerk sees in Excel, masking and its audit, and the round trip
export → import into another database yielding the same records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import AuditEntry, Expert, Need, NeedStatus, Unit
from services import dispatches, experts, needs
from services.database import Database, open_database
from services.exchange.export import export_list, mask_id_number, mask_phone
from services.exchange.importer import ImportOptions, Outcome, import_file
from services.exchange.templates import HEADER_ROW, write_template
from services.fields import field_path
from services.uow import UnitOfWork
from tests.conftest import County, _copy_sqlite, _Templates, make_id_number
from tests.exchange_books import COOP, fill_template

UowFactory = Callable[..., UnitOfWork]


@pytest.fixture
def other_db(tmp_path: Path, _templates: _Templates) -> Iterator[Database]:
    """A second, empty database (the shipped reference data only)."""
    path = tmp_path / "other.db"
    _copy_sqlite(_templates.bare_db, path)
    database = open_database(str(path))
    yield database
    database.close()


def add_needs(uow: UowFactory, county: County) -> list[str]:
    with uow() as u:
        s = u.session
        a = needs.create_need(s, {
            "title": "茶园夏季病虫害绿色防控", "description": "多行\n描述", "unit": county.coop,
            "field": "种植业 › 茶叶 › 茶园管理", "village": county.poor_village,
            "township": county.township, "window_start": date(2026, 5, 1),
            "window_end": date(2026, 6, 30), "experts_wanted": 2, "days_wanted": 3,
            "required_title": "副高级", "beneficiaries_estimate": 120,
            "submitted_on": date(2026, 3, 1), "source": "乡镇上报"}, u.actor)
        b = needs.create_need(s, {"title": "义诊", "unit": county.clinic, "field": "全科",
                                  "submitted_on": date(2026, 3, 2)}, u.actor)
        u.commit()
        return [a.code, b.code]


def export(db: Database, kind: str, path: Path, **kw: Any) -> Any:
    with db.unit_of_work("测试员") as u:
        result = export_list(u.session, kind, path, **kw)
        u.commit()
    return result


# --- templates --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["needs", "experts", "units"])
def test_template_layout(db: Database, county: County, tmp_path: Path, kind: str) -> None:
    with db.session() as s:
        path = write_template(s, kind, tmp_path / f"{kind}.xlsx")
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.protection.sheet, "the header is protected"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert not ws.column_dimensions["A"].protection.locked, "the rows below are open"
    assert ws.cell(row=HEADER_ROW, column=1).protection.locked
    headers = [c.value for c in ws[HEADER_ROW] if c.value]
    assert headers[0] == "编号" and "填写说明" in ws["A2"].value
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.formula1}
    assert any("选项" in f for f in lists), "drop-downs read the hidden options sheet"
    options = wb["选项"]
    assert options.sheet_state == "hidden"
    names = [c.value for c in options[1]]
    column = names.index("townships") + 1
    assert options.cell(row=2, column=column).value == county.township


def test_a_filled_template_imports(db: Database, county: County, tmp_path: Path) -> None:
    with db.session() as s:
        path = write_template(s, "needs", tmp_path / "t.xlsx")
    fill_template(path, [
        [None, "茶园修剪", "树势衰弱", COOP, None, None, None, None, None, "种植业 › 茶叶",
         date(2026, 5, 3), "2026年6月3日", 2, 1, "副高级", 50],
    ])
    result = import_file(db, "needs", path, ImportOptions(year=2026))
    assert result.header_row == HEADER_ROW
    assert result.all_accepted and result.count(Outcome.NEW) == 1


# --- exports ----------------------------------------------------------------------------------


def test_export_looks_right_and_masks(db: Database, county: County, uow: UowFactory,
                                      tmp_path: Path) -> None:
    add_needs(uow, county)
    result = export(db, "experts", tmp_path / "专家.xlsx")
    assert result.masked and result.count == 3
    ws = load_workbook(result.path)["专家清单"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert ws.cell(row=1, column=1).font.b
    ids = [ws.cell(row=r, column=header.index("身份证号") + 1).value for r in range(2, 5)]
    phones = [ws.cell(row=r, column=header.index("联系电话") + 1).value for r in range(2, 5)]
    assert mask_id_number(county.tea_expert_id_number) in ids
    assert county.tea_expert_id_number not in ids
    assert "138****0001" in phones
    assert ws.column_dimensions["A"].width >= 6

    needs_file = export(db, "needs", tmp_path / "需求.xlsx").path
    ws = load_workbook(needs_file).worksheets[0]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("开始日期") + 1)
    assert isinstance(cell.value, datetime) and cell.number_format == "yyyy-mm-dd"
    assert cell.value.date() == date(2026, 5, 1)


def test_revealing_personal_data_is_audited(db: Database, county: County,
                                            tmp_path: Path) -> None:
    export(db, "experts", tmp_path / "a.xlsx")
    export(db, "experts", tmp_path / "b.xlsx", reveal_personal=True)
    ws = load_workbook(tmp_path / "b.xlsx").worksheets[0]
    values = {c.value for row in ws.iter_rows() for c in row}
    assert county.tea_expert_id_number in values
    with db.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                                 .order_by(AuditEntry.id)))
    assert [e.after["reveal_personal"] for e in entries] == [False, True]
    assert entries[1].actor == "测试员" and "完整身份证号" in entries[1].note


def test_export_respects_the_filter(db: Database, county: County, uow: UowFactory,
                                    tmp_path: Path) -> None:
    add_needs(uow, county)
    with db.session() as s:
        first = s.scalar(select(Need.id).order_by(Need.id))
    result = export(db, "needs", tmp_path / "n.xlsx", ids=[first], description="第一条")
    assert result.count == 1
    assert load_workbook(result.path).worksheets[0].max_row == 2


def test_masks() -> None:
    assert mask_id_number("52010219780315123X") == "520102********123X"
    assert mask_phone("13885000001") == "138****0001"
    assert mask_phone("0851-85520001") == "0851-****0001"
    assert mask_phone("") == ""


def test_dispatches_export(db: Database, county: County, uow: UowFactory,
                           tmp_path: Path) -> None:
    codes = add_needs(uow, county)
    with uow() as u:
        needs.set_status(u.session, codes[0], NeedStatus.REVIEWED, u.actor)
        dispatches.create_dispatch(u.session, {"need": codes[0], "expert": county.tea_expert,
                                               "start_date": "2026-05-10",
                                               "end_date": "2026-05-12"})
        u.commit()
    result = export(db, "dispatches", tmp_path / "d.xlsx")
    ws = load_workbook(result.path).worksheets[0]
    header = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=header.index("天数") + 1).value == 3
    assert ws.cell(row=2, column=header.index("状态") + 1).value == "拟派"


# --- round trip -------------------------------------------------------------------------------


def _need_facts(db: Database) -> list[tuple[Any, ...]]:
    with db.session() as s:
        return [(n.title, n.description, n.unit.name, n.township.name,
                 n.village.name if n.village else None, field_path(n.field), n.window_start,
                 n.window_end, n.experts_wanted, n.days_wanted, n.required_title,
                 n.beneficiaries_estimate, n.submitted_on, n.source, n.status)
                for n in s.scalars(select(Need).order_by(Need.title))]


def _expert_facts(db: Database) -> list[tuple[Any, ...]]:
    with db.session() as s:
        return [(e.name, e.gender, e.birth_year, e.id_number, e.phone, e.employer, e.title,
                 e.title_name, sorted(e.honours), e.home_place, e.retired, e.max_days_per_month,
                 e.max_days_per_year, e.notes, sorted(field_path(f) for f in e.specialties))
                for e in s.scalars(select(Expert).order_by(Expert.name))]


def _unit_facts(db: Database) -> list[tuple[Any, ...]]:
    with db.session() as s:
        return [(u.name, u.unit_type, u.township.name, u.village.name if u.village else None,
                 u.address, u.contact_person, u.phone, u.notes)
                for u in s.scalars(select(Unit).order_by(Unit.name))]


def test_round_trip_into_another_database(db: Database, county: County, uow: UowFactory,
                                          other_db: Database, tmp_path: Path) -> None:
    add_needs(uow, county)
    with uow() as u:
        experts.create_expert(u.session, {
            "name": "欧阳春", "id_number": make_id_number("19660707", seq="457"),
            "phone": "0851-85520009", "title": "初级", "honours": ["县级专家", "乡土专家"],
            "specialties": ["种植业 › 柑橘 › 整形修剪", "中药材"], "home_place": "石门村",
            "retired": True, "max_days_per_month": 5, "max_days_per_year": 30,
            "notes": "擅长=土法", "employer": "=个体"})
        u.commit()
    for kind in ("units", "experts", "needs"):
        path = export(db, kind, tmp_path / f"{kind}.xlsx", reveal_personal=True).path
        result = import_file(other_db, kind, path, ImportOptions())
        assert result.all_accepted, (kind, [r.message for r in result.refused])
    assert _unit_facts(other_db) == _unit_facts(db)
    assert _expert_facts(other_db) == _expert_facts(db)
    assert _need_facts(other_db) == _need_facts(db)
    # And a second import of the same exports changes nothing.
    for kind in ("units", "experts", "needs"):
        again = import_file(other_db, kind, tmp_path / f"{kind}.xlsx",
                            ImportOptions(on_duplicate="update"))
        assert {r.outcome for r in again.rows} == {Outcome.UNCHANGED}, kind


def test_a_masked_export_never_overwrites_numbers(db: Database, county: County,
                                                  tmp_path: Path) -> None:
    path = export(db, "experts", tmp_path / "e.xlsx").path
    result = import_file(db, "experts", path, ImportOptions(on_duplicate="update"))
    assert {r.outcome for r in result.rows} == {Outcome.UNCHANGED}
    with db.session() as s:
        tea = s.scalar(select(Expert).where(Expert.code == county.tea_expert))
        assert tea is not None and tea.id_number == county.tea_expert_id_number
