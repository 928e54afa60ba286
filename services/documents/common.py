"""Facts several documents print, derived from the records: the farming season of a visit,
the way there, the industry of a need, the region of the county."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models import Expert, Field, Need, Unit
from services.errors import CalendarError, ValidationError


def region(session: Session) -> str:
    """The county's farming region: the calendar's setting, or its default region."""
    from services import calendar

    try:
        from services.calendar.store import county_region

        return county_region(session) or calendar.DEFAULT_REGION
    except (ImportError, ValidationError):  # a build without the calendar's settings
        return calendar.DEFAULT_REGION


def crop_phases(session: Session, region_name: str) -> list[Any]:
    """The region's crop phases as the office edited them (database), else the catalogue's."""
    from services import calendar

    try:
        from services.calendar.store import list_phases

        rows = list_phases(session, region_name)
    except (ImportError, CalendarError):
        rows = []
    return list(rows) or list(calendar.load_catalogue().phases_for(region_name))


def holiday_calendar(session: Session) -> Any:
    """Statutory holidays merged with the office's own (None: statutory only)."""
    try:
        from services.calendar.store import holiday_calendar as office_holidays

        return office_holidays(session)
    except ImportError:
        return None


def industry_of(field: Field | None) -> str:
    """The level-2 name (产业) above or at ``field``: 种植业 › 茶叶 › 茶园管理 → 茶叶."""
    node = field
    while node is not None and node.level > 2:
        node = node.parent
    return node.name if node is not None and node.level == 2 else ""


class Seasons:
    """Describes the farming season of visits: the solar term a visit falls in and the crop
    phases it serves. Built once per print job (phases are read once, not per sheet)."""

    def __init__(self, session: Session, region_name: str | None = None) -> None:
        self.region = region_name or region(session)
        self._by_crop: dict[str, list[Any]] = {}
        self._by_id: dict[int, Any] = {}
        for phase in crop_phases(session, self.region):
            self._by_crop.setdefault(phase.crop, []).append(phase)
            if getattr(phase, "id", None) is not None:
                self._by_id[phase.id] = phase

    def describe(self, start: date, end: date, crop: str, phase_id: int | None = None) -> str:
        """E.g. "立夏（5月5日起）；农时：油茶抽夏梢（5月5日—7月7日）". The need's own phase
        comes first when it names one; otherwise the crop's phases overlapping the visit."""
        from services import calendar

        try:
            term = calendar.current_term(start)
        except CalendarError:
            return ""
        text = f"{term.name}（{term.date.month}月{term.date.day}日起）"
        candidates = []
        if phase_id is not None and phase_id in self._by_id:
            candidates = [self._by_id[phase_id]]
        elif crop:
            candidates = self._by_crop.get(crop, [])
        try:
            found = calendar.occurrences_between(candidates, start, end) if candidates else []
        except CalendarError:
            found = []
        if found:
            text += "；农时：" + "、".join(
                f"{o.phase.name}（{o.start.month}月{o.start.day}日—{o.end.month}月{o.end.day}日）"
                for o in found[:2]
            )
        return text


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def place_of(need: Need) -> str:
    """Township and village of a need: 青山镇石门村."""
    return need.township.name + (need.village.name if need.village else "")


def merge_place(place: str, address: str) -> str:
    """A place and an address without saying the same name twice: 青山镇石门村 + 石门村村委会旁
    → 青山镇石门村村委会旁; an address that already holds the place is used as it is."""
    if not address:
        return place
    if place in address:
        return address
    for k in range(min(len(place), len(address)), 1, -1):
        if place.endswith(address[:k]):
            return place + address[k:]
    return place + address


def route(expert: Expert, need: Need, unit: Unit) -> str:
    """How to get there, from what the records know: from the expert's home place to the
    village (or township), with the straight-line distance when both have coordinates."""
    target = merge_place(place_of(need), unit.address or unit.name)
    parts = []
    if expert.home_place:
        parts.append(f"自{expert.home_place}出发，前往{target}")
    else:
        parts.append(f"前往{target}")
    spot = need.village if need.village and need.village.latitude is not None else need.township
    if (expert.home_latitude is not None and expert.home_longitude is not None
            and spot.latitude is not None and spot.longitude is not None):
        km = _distance_km(expert.home_latitude, expert.home_longitude, spot.latitude,
                          spot.longitude)
        parts.append(f"直线距离约{max(1, round(km))}公里")
    contact = unit.contact_person or "接收单位联系人"
    parts.append(f"出发前请与{contact}确认集合地点和路线")
    return "，".join(parts) + "。"


def expert_title(expert: Expert) -> str:
    """研究员（正高级）; just the level when no title name is known."""
    if expert.title_name and expert.title and expert.title != "无":
        return f"{expert.title_name}（{expert.title}）"
    return expert.title_name or (expert.title if expert.title != "无" else "")
