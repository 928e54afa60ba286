"""Talent benefit cards (惠才卡 / 英才服务卡): issued to experts who served enough days at the
grassroots in a year (the rule is a setting), renewed, cancelled; who qualifies without a
valid card, and whose card expires soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CARD_KINDS, Expert, TalentCard
from services import settings
from services import validation as v
from services.errors import DuplicateError, NotFoundError, ValidationError
from services.experts import get_expert
from services.outcomes.ledger import days_by_expert


def _prefix(value: object) -> str:
    text = v.normalize_text(value).upper()
    if not text or len(text) > 10 or not text.replace("-", "").isalnum():
        raise ValidationError.single("value", "卡号前缀应为 1–10 位字母或数字。")
    return text


GROUP = "人才卡"
settings.define("cards.min_days", "申领惠才卡的年度服务天数", 10,
                settings.int_setting(1, 366, "年度服务天数"),
                "专家一年内服务基层（已完成派遣和工作站天数）达到这么多天，即列入可申领名单。",
                GROUP)
settings.define("cards.valid_years", "惠才卡有效期（年）", 2, settings.int_setting(1, 10, "有效期"),
                "新发或续期的卡从发卡日起有效这么多年。", GROUP)
settings.define("cards.expiring_days", "到期提醒（天）", 30, settings.int_setting(1, 365, "提醒天数"),
                "有效期在这么多天内到期的卡列入“即将到期”名单。", GROUP)
settings.define("cards.number_prefix", "惠才卡卡号前缀", "HCK", _prefix,
                "自动编号的卡号为“前缀-年份-序号”，如 HCK-2026-0001。", GROUP)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28) - timedelta(days=1)


def _next_number(session: Session, prefix: str) -> str:
    last = session.scalar(select(TalentCard.number).where(TalentCard.number.like(f"{prefix}%"))
                          .order_by(func.length(TalentCard.number).desc(),
                                    TalentCard.number.desc()).limit(1))
    tail = (last or "")[len(prefix):]
    return f"{prefix}{(int(tail) if tail.isdigit() else 0) + 1:04d}"


def get_card(session: Session, key: int | str) -> TalentCard:
    card = None
    if isinstance(key, int) or str(key).isdigit():
        card = session.get(TalentCard, int(key))
    if card is None:
        card = session.scalars(select(TalentCard).where(TalentCard.number == str(key))).first()
    if card is None:
        raise NotFoundError(f"找不到惠才卡“{key}”。")
    return card


def issue_card(session: Session, expert_key: int | str, *, number: str = "",
               kind: str = "惠才卡", issued_on: date | str | None = None,
               valid_until: date | str | None = None, note: str = "") -> TalentCard:
    """A new card; the number is given (unique) or made from the prefix setting."""
    c = v.Collector()
    expert = c.check(get_expert, session, expert_key)
    kind = c.check(v.choice, kind, "kind", "卡种", CARD_KINDS) or kind
    issued = c.check(v.parse_date, issued_on, "issued_on", "发卡日期") or date.today()
    until = c.check(v.parse_date, valid_until, "valid_until", "有效期至")
    number = v.normalize_text(number)
    if len(number) > 40:
        c.add("number", "卡号最多 40 个字符。")
    c.raise_if_any()
    until = until or _years_later(issued, settings.get(session, "cards.valid_years"))
    if until < issued:
        raise ValidationError.single("valid_until", "有效期不能早于发卡日期。")
    if number:
        if session.scalars(select(TalentCard.id).where(TalentCard.number == number)).first():
            raise DuplicateError.single("number", f"卡号“{number}”已被使用。")
    else:
        prefix = settings.get(session, "cards.number_prefix")
        number = _next_number(session, f"{prefix}-{issued.year}-")
    card = TalentCard(number=number, kind=kind, expert_id=expert.id, issued_on=issued,
                      valid_until=until, status="有效",
                      note=v.optional_text("note", "备注", note, 2000))
    session.add(card)
    session.flush()
    return card


def renew_card(session: Session, key: int | str, *, valid_until: date | str | None = None,
               today: date | None = None) -> TalentCard:
    """Extends a valid card: to ``valid_until``, or by the validity setting from its old end
    (from today when it has already lapsed)."""
    card = get_card(session, key)
    if card.status != "有效":
        raise ValidationError.single("status", f"惠才卡 {card.number} 已注销，不能续期，请重新发卡。")
    today = today or date.today()
    until = v.parse_date(valid_until, "valid_until", "有效期至")
    if until is None:
        start = max(card.valid_until + timedelta(days=1), today)
        until = _years_later(start, settings.get(session, "cards.valid_years"))
    if until <= card.valid_until:
        raise ValidationError.single("valid_until", "续期后的有效期应晚于原有效期。")
    card.valid_until = until
    session.flush()
    return card


def cancel_card(session: Session, key: int | str, reason: str) -> TalentCard:
    card = get_card(session, key)
    reason = v.normalize_text(reason)
    if not reason:
        raise ValidationError.single("reason", "注销惠才卡必须填写原因。")
    if card.status == "已注销":
        raise ValidationError.single("status", f"惠才卡 {card.number} 已经注销。")
    card.status = "已注销"
    card.note = (card.note + "\n" if card.note else "") + f"注销：{reason}"
    session.flush()
    return card


def _valid(today: date) -> Any:
    return (TalentCard.status == "有效") & (TalentCard.valid_until >= today)


def list_cards(session: Session, *, include_cancelled: bool = True,
               today: date | None = None) -> list[dict[str, Any]]:
    today = today or date.today()
    stmt = (select(TalentCard, Expert.code, Expert.name)
            .join(Expert, TalentCard.expert_id == Expert.id)
            .order_by(TalentCard.valid_until, TalentCard.number))
    if not include_cancelled:
        stmt = stmt.where(TalentCard.status == "有效")
    rows = []
    for card, code, name in session.execute(stmt):
        state = card.status if card.status != "有效" else (
            "已过期" if card.valid_until < today else "有效")
        rows.append({"id": card.id, "number": card.number, "kind": card.kind,
                     "expert_id": card.expert_id, "expert_code": code, "expert_name": name,
                     "issued_on": card.issued_on, "valid_until": card.valid_until,
                     "state": state, "note": card.note})
    return rows


@dataclass(frozen=True)
class Qualified:
    expert_id: int
    code: str
    name: str
    days: int


def qualifying(session: Session, year: int, today: date | None = None) -> list[Qualified]:
    """Experts who served at least the setting's days in ``year`` and hold no valid card."""
    today = today or date.today()
    need = settings.get(session, "cards.min_days")
    days = {i: d for i, d in days_by_expert(session, year).items() if d >= need}
    if not days:
        return []
    holders = set(session.scalars(select(TalentCard.expert_id).where(_valid(today))))
    experts = session.scalars(select(Expert).where(Expert.id.in_(list(days)),
                                                   Expert.deleted_at.is_(None)))
    out = [Qualified(e.id, e.code, e.name, days[e.id]) for e in experts if e.id not in holders]
    return sorted(out, key=lambda q: (-q.days, q.code))


def expiring(session: Session, today: date | None = None, within: int | None = None
             ) -> list[dict[str, Any]]:
    """Valid cards whose last day falls within the next ``within`` days (setting)."""
    today = today or date.today()
    within = settings.get(session, "cards.expiring_days") if within is None else within
    last = today + timedelta(days=within)
    return [r for r in list_cards(session, include_cancelled=False, today=today)
            if today <= r["valid_until"] <= last]
