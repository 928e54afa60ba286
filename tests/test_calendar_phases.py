"""The crop-phase catalogue, phase windows, the "coming into season" query and the month view."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from services.calendar import (
    GRID_DAYS,
    MAX_YEAR,
    MIN_YEAR,
    check_phase_specs,
    days_between,
    load_catalogue,
    month_view,
    occurrence,
    parse_spec,
    phase_window,
    phases_active_on,
    phases_upcoming,
)
from services.calendar.crop_phases import parse_catalogue
from services.errors import CalendarError

D = dt.date
FIELDS_FILE = Path(__file__).resolve().parent.parent / "resources" / "fields.json"
REQUIRED_REGIONS = {"东北", "华北", "西北", "长江中下游", "华南", "西南", "青藏"}
REQUIRED_CROPS = {
    "水稻", "小麦", "玉米", "马铃薯", "茶叶", "油茶", "柑橘", "苹果", "猕猴桃", "桑蚕",
    "中药材", "设施蔬菜", "食用菌", "生猪", "牛羊", "牦牛", "水产", "花椒", "核桃", "烤烟",
}  # fmt: skip


def _industries() -> dict[str, set[str]]:
    """Industry name -> its topic names, from resources/fields.json."""
    tree = json.loads(FIELDS_FILE.read_text(encoding="utf-8"))["fields"]
    return {ind["name"]: set(ind.get("children", [])) for top in tree for ind in top["children"]}


# -- catalogue structure ----------------------------------------------------------------------


def test_regions_and_crops_cover_the_brief() -> None:
    cat = load_catalogue()
    assert set(cat.region_names()) >= REQUIRED_REGIONS
    crops = set(cat.crops())
    assert len(crops) >= 20
    assert crops >= REQUIRED_CROPS
    for region in cat.region_names():
        assert len(cat.crops(region)) >= 5, region


def test_every_crop_is_an_industry_and_topics_exist() -> None:
    industries = _industries()
    topic_count = Counter(t for topics in industries.values() for t in topics)
    for p in load_catalogue().phases:
        assert p.crop in industries, f"{p.key}: {p.crop} is not an industry in fields.json"
        for topic in p.topics:
            own = topic in industries[p.crop]
            unique_elsewhere = topic_count[topic] == 1
            assert own or unique_elsewhere, f"{p.key}: topic {topic} not found (or ambiguous)"


def test_every_phase_has_help_source_and_unique_key() -> None:
    cat = load_catalogue()
    keys = [p.key for p in cat.phases]
    assert len(keys) == len(set(keys))
    for p in cat.phases:
        assert p.key == f"{p.region}/{p.crop}/{p.name}"
        assert p.help and all(h.strip() for h in p.help), p.key
        assert p.source, p.key
        assert cat.get(p.key) is p


def test_every_phase_resolves_for_every_year() -> None:
    crossing = 0
    for p in load_catalogue().phases:
        check_phase_specs(p.start_spec, p.end_spec, p.ideal_spec)  # all years 1900–2100
        for year in range(MIN_YEAR, MAX_YEAR + 1):
            start, end = phase_window(p, year)
            assert start <= end, (p.key, year)
            assert start.year == year or parse_spec(p.start_spec).offset < 0, (p.key, year)
            if parse_spec(p.end_spec).next_year:
                assert end.year == year + 1, (p.key, year)
        crossing += parse_spec(p.end_spec).next_year
    assert crossing >= 5  # winter phases exist and cross the new year


def test_crops_absent_where_not_grown() -> None:
    cat = load_catalogue()
    assert "牦牛" not in cat.crops("华南")
    assert "牦牛" not in cat.crops("长江中下游")
    assert "油茶" not in cat.crops("东北")
    assert "油茶" not in cat.crops("青藏")
    assert "柑橘" not in cat.crops("东北")
    assert "茶叶" not in cat.crops("东北")
    assert "牦牛" in cat.crops("青藏")
    assert "油茶" in cat.crops("西南")


def test_domain_examples_present() -> None:
    cat = load_catalogue()
    summer_shoots = cat.get("西南/油茶/抽夏梢")
    assert summer_shoots is not None and "夏梢管理" in summer_shoots.help
    assert phase_window(summer_shoots, 2025) == (D(2025, 5, 5), D(2025, 7, 7))  # 立夏 to 小暑
    assert cat.get("长江中下游/茶叶/春茶采摘") is not None
    assert cat.get("长江中下游/桑蚕/春蚕饲养") is not None


def test_catalogue_errors_name_the_entry() -> None:
    base = {"regions": {"西南": "…"}}
    good = {"region": "西南", "crop": "茶叶", "name": "春茶采摘", "start": "惊蛰", "end": "谷雨"}
    with pytest.raises(CalendarError, match="重复"):
        parse_catalogue({**base, "phase": [good, good]})
    with pytest.raises(CalendarError, match="西南/茶叶/春茶采摘"):
        parse_catalogue({**base, "phase": [{**good, "end": "谷雨+x"}]})
    with pytest.raises(CalendarError, match="不在 \\[regions\\]"):
        parse_catalogue({**base, "phase": [{**good, "region": "火星"}]})
    renamed = parse_catalogue({**base, "phase": [{**good, "name": "明前茶采摘",
                                                   "key": "西南/茶叶/春茶采摘"}]})
    assert renamed.phases[0].key == "西南/茶叶/春茶采摘"  # an explicit key survives a rename
    with pytest.raises(CalendarError, match="缺少 end"):
        parse_catalogue({**base, "phase": [{k: v for k, v in good.items() if k != "end"}]})


# -- date specs and windows -------------------------------------------------------------------


def test_spec_forms() -> None:
    assert parse_spec("清明").resolve(2025) == D(2025, 4, 4)
    assert parse_spec("立夏+10").resolve(2025) == D(2025, 5, 15)
    assert parse_spec("谷雨-5").resolve(2025) == D(2025, 4, 15)
    assert parse_spec("03-15").resolve(2025) == D(2025, 3, 15)
    assert parse_spec("03-15+5").resolve(2025) == D(2025, 3, 20)
    assert parse_spec("次年立春").resolve(2025) == D(2026, 2, 4)
    assert parse_spec("次年 06-15").resolve(2025) == D(2026, 6, 15)
    assert parse_spec("立夏 + 10").describe() == "立夏后10天"
    assert parse_spec("次年谷雨-5").describe() == "次年谷雨前5天"


@pytest.mark.parametrize("text", ["元旦", "清明+x", "02-29", "13-01", "立夏+200", "", "次年"])
def test_bad_specs_raise_chinese_error(text: str) -> None:
    with pytest.raises(CalendarError) as err:
        parse_spec(text)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)


def test_window_crossing_the_new_year() -> None:
    winter = SimpleNamespace(start_spec="冬至", end_spec="次年立春")
    assert phase_window(winter, 2025) == (D(2025, 12, 21), D(2026, 2, 4))
    assert phase_window(winter, MAX_YEAR)[1].year == MAX_YEAR + 1  # the last year still works


def test_end_before_start_needs_next_year() -> None:
    with pytest.raises(CalendarError, match="次年"):
        phase_window(SimpleNamespace(start_spec="冬至", end_spec="立春"), 2025)
    with pytest.raises(CalendarError, match="最佳时点"):
        check_phase_specs("清明", "谷雨", "立夏", years=[2025])
    with pytest.raises(CalendarError, match="长于一年"):
        check_phase_specs("清明", "次年谷雨", years=[2025])


def test_window_year_range() -> None:
    phase = load_catalogue().get("西南/茶叶/春茶采摘")
    with pytest.raises(CalendarError, match="超出"):
        phase_window(phase, 1899)
    with pytest.raises(CalendarError, match="超出"):
        phase_window(phase, 2101)


def test_occurrence_with_ideal() -> None:
    occ = occurrence(load_catalogue().get("长江中下游/油茶/采收与榨油"), 2025)
    assert occ.ideal == D(2025, 10, 23)  # 霜降
    assert occ.contains(occ.ideal)
    assert occ.days == (occ.end - occ.start).days + 1


# -- queries ----------------------------------------------------------------------------------


def test_phases_upcoming_active_and_starting() -> None:
    today = D(2025, 4, 25)
    found = phases_upcoming("西南", today, 15)
    keys = {o.phase.key for o in found}
    assert "西南/茶叶/春茶采摘" in keys  # active
    assert "西南/油茶/抽夏梢" in keys  # starts 立夏, 2025-05-05
    assert "西南/油茶/采收与榨油" not in keys
    starting = next(o for o in found if o.phase.key == "西南/油茶/抽夏梢")
    assert not starting.is_active(today) and starting.days_until_start(today) == 10
    assert [o.start for o in found] == sorted(o.start for o in found)
    assert all(o.phase.region == "西南" for o in found)
    assert {o.phase.crop for o in phases_upcoming("西南", today, 15, crop="茶叶")} == {"茶叶"}


def test_phases_upcoming_finds_last_years_winter_phase() -> None:
    found = phases_upcoming("西南", D(2026, 1, 10), 0)
    occ = next(o for o in found if o.phase.key == "西南/油茶/低产林改造")
    assert occ.year == 2025 and occ.start == D(2025, 12, 7) and occ.is_active(D(2026, 1, 10))


def test_phases_upcoming_with_database_like_rows() -> None:
    rows = [
        SimpleNamespace(key="西南/茶叶/春茶采摘", region="西南", crop="茶叶", name="春茶采摘",
                        start_spec="惊蛰+10", end_spec="谷雨", ideal_spec=None),
        SimpleNamespace(key="华南/茶叶/春茶采摘", region="华南", crop="茶叶", name="春茶采摘",
                        start_spec="惊蛰", end_spec="谷雨", ideal_spec=None),
    ]  # fmt: skip
    found = phases_upcoming("西南", D(2025, 3, 1), 30, phases=rows)
    assert [(o.phase.key, o.start) for o in found] == [("西南/茶叶/春茶采摘", D(2025, 3, 15))]
    assert [o.phase.region for o in phases_active_on(D(2025, 3, 6), rows)] == ["华南"]


def test_unknown_region() -> None:
    with pytest.raises(CalendarError, match="未知的农业区"):
        phases_upcoming("火星", D(2025, 1, 1), 30)
    with pytest.raises(CalendarError, match="未知的农业区"):
        month_view(2025, 1, region="火星")


# -- month view -------------------------------------------------------------------------------


def test_month_view_grid() -> None:
    view = month_view(2026, 2, region="西南")
    assert len(view.days) == GRID_DAYS == 42
    assert view.first.weekday() == 0 and view.first <= D(2026, 2, 1)
    assert [c.date for c in view.days] == [
        view.first + dt.timedelta(days=i) for i in range(GRID_DAYS)
    ]
    in_month = [c.date for c in view.days if c.in_month]
    assert in_month == [D(2026, 2, d) for d in range(1, 29)]
    assert len(view.weeks) == 6 and all(len(w) == 7 for w in view.weeks)


def test_month_view_cells() -> None:
    cells = {c.date: c for c in month_view(2026, 2, region="西南").days}
    new_year = cells[D(2026, 2, 17)]
    assert (new_year.lunar.month, new_year.lunar.day) == (1, 1)
    assert new_year.holiday_name == "春节" and not new_year.is_working_day
    assert "春节" in new_year.festivals
    assert cells[D(2026, 2, 4)].solar_term == "立春"
    assert cells[D(2026, 2, 14)].status.is_makeup_workday
    assert cells[D(2026, 2, 14)].holiday_name == ""
    keys = {o.phase.key for o in cells[D(2026, 2, 10)].phases}
    assert "西南/油茶/低产林改造" not in keys  # ended 次年立春, 2026-02-04
    assert "西南/猕猴桃/溃疡病防控" in keys


def test_month_view_without_region_has_no_phases() -> None:
    assert all(not c.phases for c in month_view(2025, 5).days)
    may = {c.date: c for c in month_view(2025, 5, region="长江中下游", crop="油茶").days}
    assert [o.phase.name for o in may[D(2025, 5, 10)].phases] == ["抽夏梢"]


def test_month_view_range_edges() -> None:
    assert month_view(MIN_YEAR, 1, region="东北").first == D(MIN_YEAR, 1, 1)  # a Monday
    assert month_view(MAX_YEAR, 12, region="青藏").last > D(MAX_YEAR, 12, 31)
    with pytest.raises(CalendarError):
        month_view(1899, 12)
    with pytest.raises(CalendarError, match="月份"):
        month_view(2025, 13)


def test_days_between() -> None:
    days = days_between(D(2025, 1, 27), D(2025, 2, 2))
    assert len(days) == 7 and days[1].holiday_name == "春节"
    with pytest.raises(CalendarError, match="早于"):
        days_between(D(2025, 2, 2), D(2025, 1, 27))
