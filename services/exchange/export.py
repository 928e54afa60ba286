"""Exporting a list (needs, experts, units, dispatches) to ``.xlsx``.

The columns are those of the import templates (schema.py), so an exported list imports back
as it is. Dates are real dates, the header is formatted and frozen, widths fit the content.
ID numbers and phones are masked (``520102********1234``, ``138****5678``) unless the user
asks for them in full; every export is written to the audit trail with that choice, because a
list of ID numbers leaving the office is personal data leaving it.

``export_list`` takes the session of a unit of work and adds the audit entry to it: the
caller commits, as with every other service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models import (
    AuditEntry,
    Dispatch,
    Expert,
    Need,
    Township,
    Unit,
    Village,
    expert_specialty,
)
from services import fields, workflow
from services.dispatches import STATUS_LABELS as DISPATCH_LABELS
from services.exchange import xlsx
from services.exchange.schema import Kind
from services.exchange.schema import kind as kind_of
from services.privacy import mask_id_number, mask_phone, require_reveal_role
from services.uow import default_actor

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ExportResult:
    """``path`` written, ``count`` rows, ``masked`` whether personal numbers were masked."""

    path: Path
    count: int
    masked: bool

    @property
    def summary(self) -> str:
        how = "身份证号和电话已遮盖" if self.masked else "含完整身份证号和电话"
        return f"已导出 {self.count} 条到“{self.path}”（{how}）。"


def _field_paths(session: Session) -> dict[int, str]:
    return {f.id: f.path for f in fields.all_fields(session)}


def _need_rows(session: Session, include_deleted: bool) -> Iterable[dict[str, Any]]:
    paths = _field_paths(session)
    stmt = (
        select(Need.id, Need.code, Need.title, Need.description, Unit.name.label("unit"),
               Unit.unit_type, Unit.contact_person, Unit.phone, Township.name.label("township"),
               Village.name.label("village"), Need.field_id, Need.window_start, Need.window_end,
               Need.experts_wanted, Need.days_wanted, Need.required_title,
               Need.beneficiaries_estimate, Need.submitted_on, Need.source, Need.status)
        .join(Unit, Need.unit_id == Unit.id)
        .join(Township, Need.township_id == Township.id)
        .outerjoin(Village, Need.village_id == Village.id)
        .order_by(Need.code)
    )
    if not include_deleted:
        stmt = stmt.where(Need.deleted_at.is_(None))
    for r in session.execute(stmt):
        row = dict(r._mapping)
        row["field"] = paths.get(row.pop("field_id"), "")
        row["status"] = workflow.status_label(row["status"])
        yield row


def _expert_rows(session: Session, include_deleted: bool) -> Iterable[dict[str, Any]]:
    paths = _field_paths(session)
    specialties: dict[int, list[str]] = {}
    for expert_id, field_id in session.execute(
        select(expert_specialty.c.expert_id, expert_specialty.c.field_id)
        .order_by(expert_specialty.c.expert_id, expert_specialty.c.field_id)
    ):
        specialties.setdefault(expert_id, []).append(paths.get(field_id, ""))
    stmt = select(Expert.id, Expert.code, Expert.name, Expert.gender, Expert.birth_year,
                  Expert.id_number, Expert.phone, Expert.employer, Expert.title,
                  Expert.title_name, Expert.honours, Expert.home_place, Expert.retired,
                  Expert.max_days_per_month, Expert.max_days_per_year,
                  Expert.notes).order_by(Expert.code)
    if not include_deleted:
        stmt = stmt.where(Expert.deleted_at.is_(None))
    for r in session.execute(stmt):
        row = dict(r._mapping)
        row["honours"] = "、".join(row["honours"] or [])
        row["specialties"] = "、".join(specialties.get(r.id, []))
        row["retired"] = "是" if row["retired"] else "否"
        yield row


def _unit_rows(session: Session, include_deleted: bool) -> Iterable[dict[str, Any]]:
    stmt = (
        select(Unit.id, Unit.code, Unit.name, Unit.unit_type, Township.name.label("township"),
               Village.name.label("village"), Unit.address, Unit.contact_person, Unit.phone,
               Unit.notes)
        .join(Township, Unit.township_id == Township.id)
        .outerjoin(Village, Unit.village_id == Village.id)
        .order_by(Unit.code)
    )
    if not include_deleted:
        stmt = stmt.where(Unit.deleted_at.is_(None))
    for r in session.execute(stmt):
        yield dict(r._mapping)


def _dispatch_rows(session: Session, include_deleted: bool) -> Iterable[dict[str, Any]]:
    need_unit = aliased(Unit)
    stmt = (
        select(Dispatch.id, Dispatch.code, Need.code.label("need_code"),
               Need.title.label("need_title"), Expert.code.label("expert_code"),
               Expert.name.label("expert"), need_unit.name.label("unit"), Dispatch.start_date,
               Dispatch.end_date, Dispatch.place, Dispatch.tasks, Dispatch.status,
               Dispatch.status_reason)
        .join(Need, Dispatch.need_id == Need.id)
        .join(Expert, Dispatch.expert_id == Expert.id)
        .join(need_unit, Need.unit_id == need_unit.id)
        .order_by(Dispatch.start_date, Dispatch.code)
    )
    for r in session.execute(stmt):
        row = dict(r._mapping)
        row["days"] = (row["end_date"] - row["start_date"]).days + 1
        row["status_label"] = DISPATCH_LABELS[row.pop("status")]
        yield row


_QUERIES = {
    "needs": _need_rows,
    "experts": _expert_rows,
    "units": _unit_rows,
    "dispatches": _dispatch_rows,
}


def list_rows(
    session: Session, kind: str, ids: Iterable[int] | None = None, include_deleted: bool = False
) -> list[dict[str, Any]]:
    """The rows an export of ``kind`` writes (all, or those whose id is in ``ids``: the list
    the user sees after filtering)."""
    spec = kind_of(kind)
    wanted = set(ids) if ids is not None else None
    return [row for row in _QUERIES[spec.name](session, include_deleted)
            if wanted is None or row["id"] in wanted]


def export_list(
    session: Session,
    kind: str,
    target: str | Path,
    *,
    ids: Iterable[int] | None = None,
    reveal_personal: bool = False,
    include_deleted: bool = False,
    actor: str | None = None,
    description: str = "",
    progress: Progress | None = None,
) -> ExportResult:
    """Write the list of ``kind`` (restricted to ``ids`` when given, i.e. the current filter)
    to ``target``; ``reveal_personal`` writes ID numbers and phones in full. Adds an audit
    entry to ``session``: commit the unit of work afterwards. ``description`` says which
    filter was used (kept in the file and the audit trail)."""
    spec = kind_of(kind)
    if reveal_personal:
        require_reveal_role(session, "导出完整的身份证号和电话")
    rows = list_rows(session, spec.name, ids, include_deleted)
    path = write_rows(spec, rows, Path(target), masked=not reveal_personal,
                      description=description, progress=progress)
    how = "含完整身份证号和电话" if reveal_personal else "身份证号和电话已遮盖"
    note = f"导出{spec.label}清单 {len(rows)} 条到“{path.name}”，{how}"
    if description:
        note += f"；筛选：{description}"
    session.add(AuditEntry(actor=actor or session.info.get("actor") or default_actor(),
                           action="export", entity_type="Export", entity_id=None,
                           entity_uuid=None, before=None,
                           after={"kind": spec.name, "count": len(rows),
                                  "reveal_personal": reveal_personal, "file": str(path)},
                           note=note))
    session.flush()
    return ExportResult(path, len(rows), not reveal_personal)


def write_rows(
    spec: Kind,
    rows: list[dict[str, Any]],
    target: Path,
    *,
    masked: bool = True,
    description: str = "",
    progress: Progress | None = None,
) -> Path:
    columns = spec.columns
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{spec.label}清单")
    ws.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        values = [row.get(column.key) for row in rows[:300]]
        width = xlsx.column_width(column.header, values, column.width)
        if column.type == "date":
            width = max(width, 12)
        ws.column_dimensions[get_column_letter(index)].width = width
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill, cell.border, cell.alignment = (
            xlsx.HEADER_FONT, xlsx.HEADER_FILL, xlsx.BORDER, xlsx.CENTER)
        header.append(cell)
    ws.append(header)
    total = len(rows)
    for done, row in enumerate(rows):
        if progress and done % 1000 == 0:
            progress(done, total, f"正在导出第 {done + 1} 条，共 {total} 条")
        out = []
        for column in columns:
            value = row.get(column.key)
            if column.type == "id_number" and masked:
                value = mask_id_number(value or "")
            elif column.type == "phone" and masked:
                value = mask_phone(value or "")
            cell = WriteOnlyCell(ws, value=_cell_value(value))
            if isinstance(value, datetime):
                cell.number_format = xlsx.DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = xlsx.DATE_FORMAT
            elif column.type in ("id_number", "phone", "code"):
                cell.number_format = xlsx.TEXT_FORMAT
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
            out.append(cell)
        ws.append(out)
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(total + 1, 2)}"
    info = wb.create_sheet("导出说明")
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 70
    for label, value in (
        ("清单", f"{spec.label}清单"),
        ("条数", total),
        ("导出时间", datetime.now().strftime("%Y-%m-%d %H:%M")),
        ("筛选", description or "全部"),
        ("个人信息", "身份证号和电话已遮盖（带 * 的号码重新导入时不会覆盖库中的号码）"
         if masked else "含完整身份证号和电话，请妥善保管，勿随意外传"),
    ):
        info.append([label, value])
    if progress:
        progress(total, total, f"已导出 {total} 条")
    return xlsx.save_workbook(wb, target, f"{spec.label}清单")


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "value") and not isinstance(value, str | int | float | date):
        return value.value  # an enum
    return value


_SAFE_NAME = re.compile(r'[\\/:*?"<>|]+')


def default_export_name(kind: str) -> str:
    spec = kind_of(kind)
    return _SAFE_NAME.sub("", f"{spec.label}清单-{datetime.now():%Y%m%d}.xlsx")
