"""The summary paragraph in the programme's own style, and Chinese number formatting.

"今年以来，共开展专家服务活动 38 场，邀请专家 126 名，解决各类难题 214 个，培训基层技术骨干
3,560 人次，惠及群众约 2.3 万人。" — numbers below 10,000 with thousands separators, larger
ones in 万 (亿) with one decimal, "约" when that rounds.
"""

from __future__ import annotations

from datetime import date

from services.statistics.figures import Figures
from services.statistics.periods import QUARTER_NAMES, Period, Slice


def chinese_number(n: float | int, *, approx_word: bool = True) -> str:
    """3560 → "3,560"; 23456 → "约 2.3 万"; 20000 → "2 万"; 123456789 → "约 1.2 亿"."""
    value = float(n)
    if abs(value) < 10_000:
        if value == int(value):
            return f"{int(value):,}"
        return f"{value:,.1f}"
    unit, scale = ("亿", 100_000_000) if abs(value) >= 100_000_000 else ("万", 10_000)
    scaled = round(value / scale, 1)
    exact = scaled * scale == value
    shown = f"{scaled:,.1f}".removesuffix(".0")
    prefix = "" if exact or not approx_word else "约 "
    return f"{prefix}{shown} {unit}"


def _with_unit(n: float | int, unit: str) -> str:
    """The number and its unit with a space between them, as the style writes them; a 万
    number takes the unit straight after (“约 2.3 万人”)."""
    text = chinese_number(n)
    if text.endswith(("万", "亿")):
        return f"{text}{unit}"
    return f"{text} {unit}"


def _month_day(d: date) -> str:
    return f"{d.month}月{d.day}日"


def period_opening(period: Period, today: date | None = None) -> str:
    """“今年以来” for the running year, “一季度以来” for the running quarter, “2025年” for a
    year that is over, “3月1日至4月15日” for custom dates."""
    today = today or date.today()
    running = period.start <= today <= period.end
    if period.kind == "year":
        return "今年以来" if running else f"{period.year}年"
    if period.kind == "quarter":
        q = QUARTER_NAMES[period.quarter or 1]
        if running:
            return f"{q}季度以来"
        return f"{period.year}年{q}季度" if period.year != today.year else f"{q}季度"
    same_year = period.start.year == period.end.year == today.year
    if same_year:
        return f"{_month_day(period.start)}至{_month_day(period.end)}"
    return (f"{period.start.year}年{_month_day(period.start)}至"
            f"{period.end.year}年{_month_day(period.end)}")


def summary_paragraph(figures: Figures, today: date | None = None) -> str:
    """The paragraph ready to paste into a report."""
    f = figures.number
    parts = []
    activities = f("activities")
    if activities:
        parts.append(_part("共开展专家服务活动", activities, "场"))
        parts.append(_part("邀请专家", f("experts"), "名"))
    else:
        parts.append(_part("共选派专家", f("experts"), "名"))
    parts.append(_part("深入基层服务", f("dispatches"), "人次") + "、"
                 + _with_unit(f("expert_days"), "天"))
    parts.append(_part("解决各类难题", f("problems_solved"), "个"))
    parts.append(_part("培训基层技术骨干", f("people_trained"), "人次"))
    parts.append(_part("惠及群众", f("beneficiaries"), "人"))
    benefit = f("economic_benefit")
    if benefit:
        parts.append(_part("带动增收", benefit, "元"))
    sentence = period_opening(figures.period, today) + "，" + _where(figures.slice) \
        + "，".join(parts) + "。"
    rated = figures.values.get("satisfaction_count")
    if rated and rated.number:
        sentence += (f"服务对象满意度平均 {f('satisfaction'):.1f} 分"
                     f"（{_with_unit(rated.number, '份')}评价）。")
    return sentence


def _part(words: str, n: float | int, unit: str) -> str:
    """“解决各类难题 214 个”, “惠及群众约 2.3 万人”: 约 follows the words directly, a figure
    is set off by a space, whichever phrase it is (a big figure may fall in any of them)."""
    text = _with_unit(n, unit)
    return f"{words}{text}" if text.startswith("约") else f"{words} {text}"


def _where(sl: Slice) -> str:
    if sl.kind == "all":
        return ""
    if sl.kind in ("priority", "ordinary"):
        return f"在{sl.label}"
    return f"{sl.label}"
