"""Personal data (个人信息保护法): masking ID numbers and phones, reducing names, and who may
see them in full.

Lists, exports and prints show ``520102********123X`` and ``138****5678`` by default; the full
numbers need the role named by the setting ``privacy.reveal_role`` and every reveal is written
to the audit trail. An anonymised export (脱敏导出) for sending data outside the office also
reduces names to ``张*明``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from services import audit, auth, settings

#: Columns holding personal numbers, in every table and row builder.
ID_KEYS = frozenset({"id_number"})
PHONE_KEYS = frozenset({"phone", "contact_phone", "expert_phone"})
#: Columns holding a person's name, per exported list (unit names are organisations).
PERSON_NAME_KEYS = {
    "experts": ("name",),
    "units": ("contact_person",),
    "needs": ("contact_person",),
    "dispatches": ("expert",),
}


def mask_id_number(value: str | None) -> str:
    """``52010219780315123X`` → ``520102********123X``: the region and the last four stay
    (enough to tell two people apart), the birth date goes."""
    if not value:
        return ""
    return value[:6] + "*" * max(len(value) - 10, 2) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Keep what identifies the line for a person who knows it, hide what would let a
    stranger call: 138****5678, 0851-****0001."""
    if not value:
        return ""
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(digits) <= 7:
        return value
    keep_head = 3 if value.startswith("1") else value.find("-") + 1 or 4
    hidden = {i for i in digits if i >= keep_head and i < digits[-4]}
    return "".join("*" if i in hidden else ch for i, ch in enumerate(value))


def mask_name(value: str | None) -> str:
    """张明 → 张*, 张晓明 → 张*明, 欧阳晓明 → 欧**明: the family name and the last character."""
    if not value:
        return ""
    if len(value) == 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_value(key: str, value: Any) -> Any:
    """``value`` of column ``key`` masked if it is personal data, else unchanged."""
    if isinstance(value, str):
        if key in ID_KEYS:
            return mask_id_number(value)
        if key in PHONE_KEYS:
            return mask_phone(value)
    return value


def mask_mapping(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: mask_value(k, v) for k, v in values.items()}


def mask_rows(columns: Iterable[str], rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of a list screen (tuples in ``columns`` order) with personal numbers masked."""
    columns = tuple(columns)
    positions = [i for i, c in enumerate(columns) if c in ID_KEYS or c in PHONE_KEYS]
    if not positions:
        return [tuple(r) for r in rows]
    out = []
    for row in rows:
        values = list(row)
        for i in positions:
            values[i] = mask_value(columns[i], values[i])
        out.append(tuple(values))
    return out


# -- who may see personal data in full (setting privacy.reveal_role, defined in auth.py) ------


def can_reveal(session: Session) -> bool:
    return auth.has_role(session, settings.get(session, "privacy.reveal_role"))


def require_reveal_role(session: Session, what: str = "查看完整的身份证号和电话") -> None:
    auth.require(session, settings.get(session, "privacy.reveal_role"), what)


def require_reveal(session: Session, what: str, *, entity_type: str = "",
                   entity_id: int | None = None, count: int | None = None) -> None:
    """Check that the acting user may see personal data in full and write that they did.

    ``what`` says what was shown (Chinese, kept in the audit trail). Call it inside the unit
    of work whose commit records the reveal."""
    require_reveal_role(session)
    after: dict[str, Any] = {}
    if count is not None:
        after["count"] = count
    audit.record(session, "reveal", what, entity_type=entity_type or "PersonalData",
                 entity_id=entity_id, after=after or None)


def reveal_in_list(session: Session, list_label: str, count: int) -> None:
    """A list read with full ID numbers and phones: checked, and recorded at once (lists are
    read on sessions that are never committed)."""
    require_reveal_role(session)
    audit.record_separately(session, "reveal", f"显示{list_label}列表的完整身份证号和电话（{count} 条）",
                            entity_type="PersonalData", after={"count": count})


def reveal_record(session: Session, entity_type: str, entity_id: int) -> dict[str, str]:
    """The full ID number and phone of one expert or unit, for the 显示完整信息 action;
    role-checked and recorded at once."""
    from models import Expert, Unit

    model = {"Expert": Expert, "Unit": Unit}[entity_type]
    obj = session.get(model, entity_id)
    if obj is None:
        from services.errors import NotFoundError

        raise NotFoundError("找不到这条记录，可能已被删除。")
    require_reveal_role(session)
    label = getattr(obj, "name", "")
    audit.record_separately(session, "reveal", f"显示“{label}”（{obj.code}）的完整身份证号和电话",
                            entity_type=entity_type, entity_id=entity_id,
                            entity_uuid=getattr(obj, "uuid", None))
    return {"id_number": getattr(obj, "id_number", "") or "", "phone": obj.phone or ""}


def is_masked(value: Any) -> bool:
    return isinstance(value, str) and "*" in value


def keep_stored(data: dict[str, Any], current: Any) -> dict[str, Any]:
    """``data`` of a save with each masked personal number (as an edit form shows it to a
    user who may not see it in full) replaced by the stored one: unchanged, never saved as
    ``138****5678``."""
    masked = [k for k in (*ID_KEYS, *PHONE_KEYS) if is_masked(data.get(k))]
    if not masked:
        return data
    out = dict(data)
    for key in masked:
        stored = current.get(key) if isinstance(current, dict) else getattr(current, key, None)
        out[key] = stored or ""
    return out


def form_personal_data(session: Session, values: dict[str, Any], label: str,
                       entity_type: str, entity_id: int) -> dict[str, Any]:
    """An edit form's values: personal numbers masked for a user below
    ``privacy.reveal_role``; shown in full (and recorded as a reveal) otherwise."""
    keys = [k for k in (*ID_KEYS, *PHONE_KEYS) if values.get(k)]
    if not keys:
        return values
    if not can_reveal(session):
        return {k: mask_value(k, v) for k, v in values.items()}
    audit.record_separately(session, "reveal", f"在编辑窗口中显示“{label}”的完整身份证号和电话",
                            entity_type=entity_type, entity_id=entity_id)
    return values


# -- 脱敏导出 ----------------------------------------------------------------------------------


def anonymise_row(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    """One exported row as it may leave the office: names reduced, numbers masked, birth
    dates cut to the year."""
    out = dict(row)
    for key in PERSON_NAME_KEYS.get(kind, ()):
        if isinstance(out.get(key), str):
            out[key] = mask_name(out[key])
    for key, value in row.items():
        out[key] = mask_value(key, out[key])
        if key.startswith("birth") and hasattr(value, "year") and not isinstance(value, int):
            out[key] = value.year
    return out


def export_anonymised(
    session: Session, kind: str, target: str | Path, *, ids: Iterable[int] | None = None,
    description: str = "",
) -> Any:
    """Write the list of ``kind`` (all, or ``ids``) for use outside the office: see
    ``anonymise_row``. Adds an ``export`` audit entry; the caller commits. Returns the
    ``ExportResult`` of services/exchange/export.py."""
    from services.exchange.export import ExportResult, list_rows, write_rows
    from services.exchange.schema import kind as kind_of

    spec = kind_of(kind)
    rows = [anonymise_row(spec.name, r) for r in list_rows(session, spec.name, ids)]
    path = write_rows(spec, rows, Path(target), masked=True,
                      description=("脱敏导出" + (f"；{description}" if description else "")))
    audit.record(session, "export",
                 f"脱敏导出{spec.label}清单 {len(rows)} 条到“{path.name}”（姓名、身份证号、电话已脱敏）",
                 entity_type="Export",
                 after={"kind": spec.name, "count": len(rows), "anonymised": True,
                        "file": str(path)})
    return ExportResult(path, len(rows), True)
