"""services/search.py: Chinese substrings of any length, pinyin, codes and digits."""

from __future__ import annotations

from services.search import (
    SearchIndex,
    SearchSpec,
    matches,
    normalize_query,
    pinyin_full,
    pinyin_keys,
    sort_key,
)

# id, code, name, phone, id_number, township, village, field_id
ROWS: list[tuple | None] = [
    (1, "ZJ-0001", "张华山", "13885000001", "520102197003151234", "青山镇", "石门村", 7),
    (2, "ZJ-0002", "刘慧", "0851-85520001", "", "青山镇", "茶山村", 8),
    (3, "ZJ-0003", "曾志强", "13885000003", "", "白云镇", None, 7),
    (4, "ZJ-0004", "吕小红", "", "", "白云镇", "长岭村", 9),
]
FIELDS = {7: "种植业 › 茶叶 › 茶园管理", 8: "医疗卫生 › 全科", 9: "畜牧 › 生猪"}
SPEC = SearchSpec(text=(2,), codes=(1, 3, 4), shared=((5, 6),), lookups={7: FIELDS})


def codes(index: SearchIndex, query: str) -> list[str]:
    return [ROWS[p][1] for p in index.search(query)]  # type: ignore[index]


def test_pinyin_keys_full_and_initials() -> None:
    assert pinyin_keys("张华山")[:2] == ("zhanghuashan", "zhs")
    assert pinyin_keys("吕布")[0] == "lvbu"  # ü typed as v, as input methods do
    assert pinyin_keys("tea") == ()


def test_surname_readings_and_heteronyms() -> None:
    assert "zengzhiqiang" in pinyin_keys("曾志强")
    assert "zzq" in pinyin_keys("曾志强")
    assert "changjiang" in pinyin_keys("长江")  # phrase-aware reading added


def test_search_chinese_substrings_of_any_length() -> None:
    index = SearchIndex(ROWS, SPEC)
    assert codes(index, "华") == ["ZJ-0001"]
    assert codes(index, "张华山") == ["ZJ-0001"]
    assert codes(index, "青山") == ["ZJ-0001", "ZJ-0002"]  # shared column (township)
    assert codes(index, "茶园") == ["ZJ-0001", "ZJ-0003"]  # looked-up field path


def test_search_pinyin_initials_and_full() -> None:
    index = SearchIndex(ROWS, SPEC)
    assert codes(index, "zhs") == ["ZJ-0001"]
    assert codes(index, "zhanghuashan") == ["ZJ-0001"]
    assert codes(index, "ZHS") == ["ZJ-0001"]
    assert codes(index, "zengzhiqiang") == ["ZJ-0003"]
    assert codes(index, "qsz") == ["ZJ-0001", "ZJ-0002"]


def test_search_codes_phone_and_id_fragments() -> None:
    index = SearchIndex(ROWS, SPEC)
    assert codes(index, "0003") == ["ZJ-0003"]
    assert codes(index, "zj-0002") == ["ZJ-0002"]
    assert codes(index, "85520001") == ["ZJ-0002"]
    assert codes(index, "085185520001") == ["ZJ-0002"]  # the landline typed without its dash
    assert codes(index, "19700315") == ["ZJ-0001"]  # birth date inside the ID number


def test_terms_are_and_and_full_width_is_folded() -> None:
    index = SearchIndex(ROWS, SPEC)
    assert codes(index, "青山 liu") == ["ZJ-0002"]
    assert codes(index, "ＺＨＳ") == ["ZJ-0001"]
    assert normalize_query(" Zhang'Hua  山 ") == ["zhanghua", "山"]


def test_empty_query_lists_every_live_row_and_removed_rows_never_match() -> None:
    rows = [*ROWS, None]
    index = SearchIndex(rows, SPEC)
    assert index.search("") == [0, 1, 2, 3]
    index.update(0, None)
    assert codes(index, "zhs") == []
    assert index.search("") == [1, 2, 3]


def test_update_and_append_keep_the_index_current() -> None:
    index = SearchIndex(list(ROWS), SPEC)
    assert codes(index, "zh") == ["ZJ-0001", "ZJ-0002", "ZJ-0003", "ZJ-0004"]  # 青山镇, 生猪 …
    assert codes(index, "zhou") == []
    index.update(1, (2, "ZJ-0002", "周海", "", "", "青山镇", "茶山村", 8))
    assert codes(index, "zhou") == ["ZJ-0002"]  # the narrowing cache was dropped
    position = index.append((5, "ZJ-0005", "赵红", "", "", "新华镇", None, 9))
    assert position == 4
    assert index.search("zhaohong") == [4]


def test_narrowing_and_candidates() -> None:
    index = SearchIndex(ROWS, SPEC)
    assert index.search("zh") == [0, 1, 2, 3]
    assert index.search("zhs") == [0]  # narrowed from the previous result
    assert index.search("zz", candidates=[1, 2, 3]) == [2]


def test_sort_key_orders_by_pinyin() -> None:
    names = ["张华山", "刘慧", "王志强", "白云"]
    assert sorted(names, key=sort_key) == ["白云", "刘慧", "王志强", "张华山"]
    assert pinyin_full("茶叶A") == "chayea"


def test_matches_for_small_lists() -> None:
    assert matches("cy", "茶叶")
    assert matches("茶", "种植业", "茶叶")
    assert not matches("sc", "茶叶")
    assert matches("", "anything")


def test_progress_is_reported() -> None:
    seen: list[tuple[int, int]] = []
    SearchIndex(ROWS * 30, SPEC, progress=lambda done, total, text: seen.append((done, total)))
    assert seen and seen[0] == (0, 120)
