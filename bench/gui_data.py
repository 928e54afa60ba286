"""A large county written straight into SQLite for the GUI benchmark (bench/gui.py).

    uv run python bench/gui_data.py [PATH]   (bench/gui.py calls ``generate`` itself)

The schema comes from the real migrations (``open_database``); the rows are written with
``sqlite3.executemany`` because going through the services would take minutes for 100,000
needs. The values are plausible (Chinese names, titles, places, dates) so that search and
sorting do realistic work.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import date, timedelta
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "华山明远建国秀兰志强丽娟海燕晓东春梅玉兰文杰子涵雨欣浩然思远嘉怡俊杰德华红霞桂英永刚国强金凤伟芳敏静磊军洋勇艳杰娜涛超秀英霞平刚"
TOWNSHIP_NAMES = (
    "青山", "石门", "茶山", "白云", "龙泉", "凤凰", "桃源", "清水", "高坡", "新华", "永安", "太平",
    "长岭", "黄岗", "梅林", "松柏", "金竹", "双河", "牛场", "马鞍",
)
VILLAGE_WORDS = "东西南北上下中新老大小前后"
VILLAGE_ROOTS = ("坪", "寨", "冲", "湾", "坝", "岭", "沟", "坡", "田", "塘", "桥", "庄", "屯", "堡", "营")
UNIT_TYPES = ("村委会", "合作社", "企业", "家庭农场", "种养大户", "卫生院", "学校", "乡镇政府")
PROBLEMS = (
    "技术培训", "病虫害防治", "品种改良", "品牌建设", "深加工", "储藏保鲜", "标准化种植", "疫病防控",
    "电商销售", "冷链设备使用", "土壤改良", "工艺改进", "现场指导", "义诊", "科学施肥",
)
EMPLOYERS = ("省农业科学院", "省茶叶研究所", "农业大学", "县农业农村局", "市林业局", "县人民医院",
             "省畜牧兽医研究所", "职业技术学院", "市农科所", "县中医院")
TITLES = ("正高级", "副高级", "中级", "初级")
TITLE_NAMES = {"正高级": "研究员", "副高级": "副研究员", "中级": "农艺师", "初级": "助理农艺师"}
STATUSES = ("submitted", "reviewed", "matched", "served", "summarised", "contracted",
            "publicised", "rejected", "withdrawn")
STATUS_WEIGHTS = (30, 20, 12, 12, 8, 4, 6, 5, 3)
NOW = "2026-01-15 09:00:00.000000"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _mobile(n: int) -> str:
    return f"13{n % 10}{n:08d}"[:11]


def generate(path: Path, needs: int = 100_000, experts: int = 10_000, seed: int = 20260) -> Path:
    """Create ``path`` (migrated by the program) and fill it. Returns the path."""
    from services.database import open_database

    if path.exists():
        path.unlink()
    open_database(str(path)).close()  # schema and the shipped specialty tree
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA foreign_keys=OFF")
    fields = con.execute("SELECT id, level FROM field").fetchall()
    leaves = [f for f, level in fields if level >= 2]

    townships = []
    for i, name in enumerate(TOWNSHIP_NAMES, start=1):
        townships.append((i, f"{name}镇", f"5201211{i:02d}", 26 + rng.random(), 106 + rng.random(),
                          _uuid(rng), NOW, NOW))
    con.executemany(
        "INSERT INTO township (id, name, code, latitude, longitude, uuid, created_at, updated_at,"
        " version) VALUES (?,?,?,?,?,?,?,?,1)", townships)

    villages = []
    vid = 0
    for t in townships:
        names: set[str] = set()
        while len(names) < 15:
            names.add(rng.choice(VILLAGE_WORDS) + rng.choice(VILLAGE_ROOTS) + "村")
        for name in sorted(names):
            vid += 1
            villages.append((vid, t[0], name, rng.random() < 0.15, rng.random() < 0.25,
                             _uuid(rng), NOW, NOW))
    con.executemany(
        "INSERT INTO village (id, township_id, name, key_support, poverty_alleviated, uuid,"
        " created_at, updated_at, version) VALUES (?,?,?,?,?,?,?,?,1)", villages)
    village_name = {v[0]: v[2] for v in villages}
    township_name = {t[0]: t[1] for t in townships}

    units = []
    for i in range(1, 3001):
        v = rng.choice(villages)
        kind = rng.choice(UNIT_TYPES)
        name = f"{township_name[v[1]]}{village_name[v[0]]}{rng.choice(('茶叶', '油茶', '蔬菜', '养殖', '中药材', '果业'))}{kind}"
        units.append((i, f"DW-{i:04d}", f"{name}{i}", kind, v[1], v[0], "", _name(rng),
                      _mobile(500_000 + i), "", _uuid(rng), NOW, NOW))
    con.executemany(
        "INSERT INTO unit (id, code, name, unit_type, township_id, village_id, address,"
        " contact_person, phone, notes, uuid, created_at, updated_at, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1)", units)

    expert_rows = []
    specialty_rows = []
    for i in range(1, experts + 1):
        title = rng.choice(TITLES)
        expert_rows.append((
            i, f"ZJ-{i:05d}" if experts >= 10_000 else f"ZJ-{i:04d}", _name(rng),
            rng.choice("男女"), rng.randint(1955, 1995), "", _mobile(700_000 + i),
            rng.choice(EMPLOYERS), title, TITLE_NAMES[title], "[]", "", 0, 10, 60, "",
            _uuid(rng), NOW, NOW,
        ))
        for field_id in rng.sample(leaves, rng.randint(1, 3)):
            specialty_rows.append((i, field_id))
    con.executemany(
        "INSERT INTO expert (id, code, name, gender, birth_year, id_number, phone, employer,"
        " title, title_name, honours, home_place, retired, max_days_per_month,"
        " max_days_per_year, notes, uuid, created_at, updated_at, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)", expert_rows)
    con.executemany("INSERT INTO expert_specialty (expert_id, field_id) VALUES (?,?)",
                    specialty_rows)

    need_rows = []
    event_rows = []
    crops = ("茶叶", "油茶", "马铃薯", "水稻", "柑橘", "生猪", "中药材", "食用菌", "辣椒", "核桃")
    start = date(2024, 1, 1)
    for i in range(1, needs + 1):
        unit = rng.choice(units)
        submitted = start + timedelta(days=rng.randrange(3 * 365))
        window_start = submitted + timedelta(days=rng.randrange(10, 90))
        window_end = window_start + timedelta(days=rng.randrange(5, 60))
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        title = f"{village_name[unit[5]]}{rng.choice(crops)}{rng.choice(PROBLEMS)}"
        need_rows.append((
            i, f"XQ-{submitted.year}-{i:06d}", title, "", unit[0], unit[4], unit[5],
            rng.choice(leaves), window_start.isoformat(), window_end.isoformat(),
            rng.randint(1, 3), rng.randint(1, 5), None, rng.randint(10, 2000), status,
            "乡镇上报", submitted.isoformat(), _uuid(rng), NOW, NOW,
        ))
        event_rows.append((i, NOW, "生成", None, "submitted", "录入需求"))
        if status != "submitted":
            event_rows.append((i, NOW, "生成", "submitted", status, ""))
    con.executemany(
        "INSERT INTO need (id, code, title, description, unit_id, township_id, village_id,"
        " field_id, window_start, window_end, experts_wanted, days_wanted, required_title,"
        " beneficiaries_estimate, status, source, submitted_on, uuid, created_at, updated_at,"
        " version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)", need_rows)
    con.executemany(
        "INSERT INTO need_event (need_id, at, actor, from_status, to_status, reason)"
        " VALUES (?,?,?,?,?,?)", event_rows)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return path


if __name__ == "__main__":
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    t0 = time.perf_counter()
    out = generate(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench-gui.db"))
    print(f"{out} in {time.perf_counter() - t0:.1f} s")
