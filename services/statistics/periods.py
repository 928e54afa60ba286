"""The period a statistic covers (year, quarter, custom dates) and the slice of the county it
looks at (all, one township, one field, one team, one base, priority places or the others)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Field, Township
from models.organisations import ServiceBase, Team
from services.errors import ValidationError

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
SLICE_KINDS = {
    "all": "全县",
    "township": "乡镇",
    "field": "专业领域",
    "team": "专家服务团",
    "base": "服务基地",
    "priority": "脱贫村、重点帮扶村",
    "ordinary": "其他村（非重点）",
}


@dataclass(frozen=True)
class Period:
    """Days ``start`` … ``end`` inclusive. ``kind``: "year", "quarter" or "custom"."""

    start: date
    end: date
    kind: str = "custom"
    year: int | None = None
    quarter: int | None = None

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), "year", year)

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> Period:
        if quarter not in QUARTER_NAMES:
            raise ValidationError.single("quarter", "季度只能是 1、2、3 或 4。")
        start = date(year, 3 * quarter - 2, 1)
        end = (date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1))
        return cls(start, end - timedelta(days=1), "quarter", year, quarter)

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        if start > end:
            raise ValidationError.single("end", "统计期间的结束日期不能早于开始日期。")
        return cls(start, end, "custom")

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def end_before(self) -> datetime:
        """The first moment after the period (timestamps are compared with ``<``)."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time())

    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "quarter":
            return f"{self.year}年{QUARTER_NAMES[self.quarter or 1]}季度"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    def months(self) -> list[tuple[int, int]]:
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


@dataclass(frozen=True)
class Slice:
    """``kind`` in ``SLICE_KINDS``; ``key`` the id of the township, field, team or base."""

    kind: str = "all"
    key: int | None = None
    name: str = ""

    @property
    def label(self) -> str:
        if self.kind == "all":
            return "全县"
        if self.kind in ("priority", "ordinary"):
            return SLICE_KINDS[self.kind]
        return self.name or f"{SLICE_KINDS[self.kind]} {self.key}"


ALL = Slice()


def make_slice(session: Session, kind: str, key: int | str | None = None) -> Slice:
    """A slice with its name looked up; ``key`` may be an id, a code or a name."""
    if kind not in SLICE_KINDS:
        raise ValidationError.single("slice", f"没有“{kind}”这种统计口径。")
    if kind in ("all", "priority", "ordinary"):
        return Slice(kind)
    model = {"township": Township, "field": Field, "team": Team, "base": ServiceBase}[kind]
    if key is None or key == "":
        raise ValidationError.single("slice", f"请指定{SLICE_KINDS[kind]}。")
    row = None
    if isinstance(key, int) or str(key).isdigit():
        row = session.get(model, int(key))
    if row is None:
        where = [model.name == str(key)]
        if hasattr(model, "code"):
            where.append(model.code == str(key))
        from sqlalchemy import or_

        row = session.scalars(select(model).where(or_(*where)).order_by(model.id)).first()
    if row is None:
        raise ValidationError.single("slice", f"找不到{SLICE_KINDS[kind]}“{key}”。")
    return Slice(kind, row.id, row.name)


def slice_choices(session: Session) -> list[Slice]:
    """Every slice the screens offer, in a sensible order."""
    out = [ALL, Slice("priority"), Slice("ordinary")]
    out += [Slice("township", t.id, t.name)
            for t in session.scalars(select(Township).order_by(Township.id))]
    out += [Slice("field", f.id, f.name)
            for f in session.scalars(select(Field).where(Field.parent_id.is_(None))
                                     .order_by(Field.id))]
    out += [Slice("team", t.id, t.name)
            for t in session.scalars(select(Team).where(Team.deleted_at.is_(None))
                                     .order_by(Team.id))]
    out += [Slice("base", b.id, b.name)
            for b in session.scalars(select(ServiceBase).where(ServiceBase.deleted_at.is_(None))
                                     .order_by(ServiceBase.id))]
    return out
