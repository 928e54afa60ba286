"""Settings kept with the data: defined here once (key, Chinese label, default, check), read
and written through one API, so the settings screen lists them all without knowing them.

Later features register their own settings with ``define``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Setting
from services.errors import ValidationError
from services.validation import normalize_text


@dataclass(frozen=True)
class SettingDef:
    key: str
    label: str
    default: Any
    check: Callable[[Any], Any]  # returns the cleaned value or raises ValidationError
    help: str = ""
    group: str = "常规"
    # The allowed values when the setting is a choice (the settings screen shows a list); a
    # callable is asked when the screen opens (e.g. the regions of the crop catalogue).
    choices: tuple[str, ...] | Callable[[], Sequence[str]] = ()

    def choice_list(self) -> list[str]:
        return list(self.choices() if callable(self.choices) else self.choices)


_DEFS: dict[str, SettingDef] = {}


def define(
    key: str,
    label: str,
    default: Any,
    check: Callable[[Any], Any],
    help: str = "",
    group: str = "常规",
    *,
    choices: tuple[str, ...] | Callable[[], Sequence[str]] = (),
) -> SettingDef:
    definition = SettingDef(key, label, default, check, help, group, choices)
    _DEFS[key] = definition
    return definition


# Modules that define settings of their own. Each defines them when imported, and the
# settings screen must list every one even if that feature was not used yet in this run.
SETTING_MODULES = (
    "services.calendar",
    "services.matching.config",
    "services.documents",
    "services.backup",
    "services.exchange.mappings",
    "services.exchange.packages",
    "services.outcomes.funds",
    "services.outcomes.cards",
    "services.auth",
)


def load_all_definitions() -> None:
    import importlib

    for name in SETTING_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def definitions() -> list[SettingDef]:
    """Every setting the program defines, in definition order."""
    load_all_definitions()
    return list(_DEFS.values())


def _definition(key: str) -> SettingDef:
    try:
        return _DEFS[key]
    except KeyError:
        raise ValidationError.single(key, f"没有名为“{key}”的设置项。") from None


def text_setting(label: str, max_length: int = 100, allow_empty: bool = False):  # type: ignore[no-untyped-def]
    def check(value: Any) -> str:
        text = normalize_text(value)
        if not text and not allow_empty:
            raise ValidationError.single("value", f"{label}不能为空。")
        if len(text) > max_length:
            raise ValidationError.single("value", f"{label}最多 {max_length} 个字。")
        return text

    return check


def int_setting(low: int, high: int, label: str) -> Callable[[Any], int]:
    """A whole number between ``low`` and ``high``, said in Chinese with ``label``."""

    def check(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValidationError.single("value", f"{label}应为整数。") from None
        if not low <= number <= high:
            raise ValidationError.single("value", f"{label}应在 {low} 到 {high} 之间。")
        return number

    return check


def bool_setting(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = normalize_text(value).lower()
    if text in {"1", "true", "yes", "是", "开"}:
        return True
    if text in {"0", "false", "no", "否", "关"}:
        return False
    raise ValidationError.single("value", "请填写“是”或“否”。")


def get(session: Session, key: str) -> Any:
    definition = _definition(key)
    row = session.get(Setting, key)
    return copy.deepcopy(definition.default) if row is None else row.value


def get_all(session: Session) -> dict[str, Any]:
    """Values of the settings defined so far (``definitions()`` loads them all first)."""
    stored = {row.key: row.value for row in session.scalars(select(Setting))}
    return {d.key: stored.get(d.key, copy.deepcopy(d.default)) for d in _DEFS.values()}


def _require_admin(session: Session) -> None:
    from services import auth  # defines settings itself: imported when first needed

    auth.require(session, "管理员", "修改设置")


def set_value(session: Session, key: str, value: Any) -> Any:
    _require_admin(session)
    definition = _definition(key)
    try:
        clean = definition.check(value)
    except ValidationError as exc:
        raise ValidationError.single(key, f"{definition.label}：{exc.message}") from None
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=clean))
    else:
        row.value = clean
    session.flush()
    return clean


def reset(session: Session, key: str | None = None) -> None:
    """Back to the default: one setting, or all when ``key`` is None."""
    _require_admin(session)
    keys = [key] if key else list(_DEFS)
    for k in keys:
        _definition(k)
        row = session.get(Setting, k)
        if row is not None:
            session.delete(row)
    session.flush()


define("bureau.name", "局名称（红头）", "云岭县人力资源和社会保障局",
       text_setting("局名称"), "印在派遣单等公文红头上的单位名称。", "公文")
define("bureau.doc_prefix", "发文字号前缀", "云人社派",
       text_setting("发文字号前缀", 20), "如“云人社派”，公文编号为“云人社派〔2026〕12号”。", "公文")
define("county.name", "县名称", "云岭县", text_setting("县名称", 40))
define("county.priority", "乡村振兴重点帮扶县", True, bool_setting,
       "本县是国家或省乡村振兴重点帮扶县时选“是”，匹配时优先。")


def _regions() -> tuple[str, ...]:
    # Imported when asked: reading settings must not load the crop catalogue.
    from services.calendar.crop_phases import load_catalogue

    return load_catalogue().region_names()


def _region_setting(value: Any) -> str:
    text = normalize_text(value)
    regions = _regions()
    if text not in regions:
        raise ValidationError.single("value", f"农业区“{text}”无效，可选：{'、'.join(regions)}。")
    return text


define("calendar.region", "本县所在农业区", "西南", _region_setting,
       "农时日历按这个农业区显示农时（东北、华北、西北、长江中下游、华南、西南、青藏）。", "农时日历",
       choices=_regions)
