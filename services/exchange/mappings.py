"""Mappings the user made during an import, remembered for the next file.

Two settings (stored with the data, so they travel with the database):

- ``exchange.column_map``: per kind, a header text → the column it means (``"需求简述" →
  "title"``), or "" for a column to leave out.
- ``exchange.place_map``: a place name in township files → the place in the database it means
  (``"township:白云乡" → "白云镇"``, ``"village:青山镇/老寨村" → "新寨村"``). The value
  ``NEW`` means: create it (the user confirmed it is a new place).
- ``exchange.unit_map``: a unit name in need lists → the code of the unit in the database it
  means (``"兴旺养殖场" → "DW-0012"``), or ``NEW``.

Both are written only when an import commits, from the choices the user made for it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services import settings
from services.errors import ValidationError
from services.exchange.schema import header_forms

COLUMN_MAP = "exchange.column_map"
PLACE_MAP = "exchange.place_map"
UNIT_MAP = "exchange.unit_map"
NEW = "新建"  # a place mapping meaning "create this place"


def _dict_of_str(value: Any, depth: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError.single("value", "应为对应关系表（JSON 对象）。")
    clean: dict[str, Any] = {}
    for key, item in value.items():
        if depth > 1:
            clean[str(key)] = _dict_of_str(item, depth - 1)
        elif isinstance(item, str):
            clean[str(key)] = item
        else:
            raise ValidationError.single("value", f"“{key}”的对应值应为文字。")
    return clean


settings.define(COLUMN_MAP, "导入时记住的列对应", {}, lambda v: _dict_of_str(v, 2),
                "导入 Excel 时手工指定的“表头 → 字段”对应，下次导入自动使用。", "导入导出")
settings.define(PLACE_MAP, "导入时记住的地名对应", {}, lambda v: _dict_of_str(v, 1),
                "导入时把表中的乡镇、村名对应到库中已有的地名（如乡改镇、村更名），下次自动使用。",
                "导入导出")
settings.define(UNIT_MAP, "导入时记住的单位对应", {}, lambda v: _dict_of_str(v, 1),
                "导入需求时把表中的单位名称对应到库中已有的单位（按编号），下次自动使用。",
                "导入导出")


def township_key(name: str) -> str:
    return f"township:{name}"


def village_key(township: str, name: str) -> str:
    return f"village:{township}/{name}"


def column_map(session: Session, kind: str) -> dict[str, str]:
    return dict(settings.get(session, COLUMN_MAP).get(kind, {}))


def place_map(session: Session) -> dict[str, str]:
    return dict(settings.get(session, PLACE_MAP))


def remember_columns(session: Session, kind: str, overrides: dict[str, str]) -> None:
    if not overrides:
        return
    stored = settings.get(session, COLUMN_MAP)
    current = dict(stored.get(kind, {}))
    current.update({header_forms(h)[0]: key for h, key in overrides.items()})
    if current != stored.get(kind):
        settings.set_value(session, COLUMN_MAP, stored | {kind: current})


def unit_map(session: Session) -> dict[str, str]:
    return dict(settings.get(session, UNIT_MAP))


def remember_units(session: Session, overrides: dict[str, str]) -> None:
    if not overrides:
        return
    stored = settings.get(session, UNIT_MAP)
    merged = stored | overrides
    if merged != stored:
        settings.set_value(session, UNIT_MAP, merged)


def remember_places(session: Session, overrides: dict[str, str]) -> None:
    if not overrides:
        return
    stored = settings.get(session, PLACE_MAP)
    merged = stored | overrides
    if merged != stored:
        settings.set_value(session, PLACE_MAP, merged)
