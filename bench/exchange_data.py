"""Seeded material for the import benchmark and the large-file tests: a county (townships,
villages, units) written through the services, and needs workbooks of any size that look like
what townships send (a title row, dates in several forms, counts with units, some blanks)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from services import places, units
from services.database import Database

HEADER = ["序号", "需求名称", "需求描述", "需求单位", "所在乡镇", "村", "领域", "开始时间",
          "结束时间", "需专家数", "服务天数", "预计受益人数"]
FIELDS = ("茶叶", "生猪", "柑橘", "马铃薯", "油茶", "食用菌", "全科", "农村电商", "中药材",
          "设施蔬菜", "牛羊", "核桃")
PROBLEMS = ("病虫害绿色防控", "高产栽培技术", "品种改良", "加工工艺改进", "品牌营销",
            "冷链储运", "疫病防控", "标准化生产", "技术培训", "设备安装调试")
TOWNSHIP_NAMES = ("青山", "白云", "石门", "龙泉", "清水", "桃源", "红岩", "新华", "高峰", "金竹",
                  "凤凰", "松林", "长岭", "河口", "平坝", "太平", "兴隆", "安乐", "双河", "黄泥")
UNIT_KINDS = (("茶叶专业合作社", "合作社"), ("种养殖场", "种养大户"), ("村民委员会", "村委会"),
              ("家庭农场", "家庭农场"), ("农业发展有限公司", "企业"))


@dataclass(frozen=True)
class BenchCounty:
    """Names of what ``build_county`` wrote: townships, villages per township, units with
    their township and village."""

    townships: list[str]
    villages: dict[str, list[str]]
    units: list[tuple[str, str, str]]


def build_county(db: Database, *, townships: int = 15, villages: int = 8, unit_count: int = 300,
                 seed: int = 7) -> BenchCounty:
    rng = random.Random(seed)
    names = [f"{n}镇" for n in TOWNSHIP_NAMES[:townships]]
    village_names: dict[str, list[str]] = {}
    unit_rows: list[tuple[str, str, str]] = []
    with db.unit_of_work("基准测试") as uow:
        s = uow.session
        for name in names:
            t = places.create_township(s, {"name": name})
            village_names[name] = []
            for i in range(villages):
                v = places.create_village(s, {"name": f"{name[:2]}{i + 1}村", "township_id": t.id,
                                              "poverty_alleviated": i % 4 == 0})
                village_names[name].append(v.name)
        for i in range(unit_count):
            township = rng.choice(names)
            village = rng.choice(village_names[township])
            suffix, unit_type = rng.choice(UNIT_KINDS)
            name = f"{village}{suffix}{i + 1:03d}"
            units.create_unit(s, {"name": name, "unit_type": unit_type, "township": township,
                                  "village": village, "contact_person": "张三",
                                  "phone": f"139{rng.randrange(10**8):08d}"})
            unit_rows.append((name, township, village))
        uow.commit()
    return BenchCounty(names, village_names, unit_rows)


def need_rows(county: BenchCounty, count: int, *, year: int = 2026, seed: int = 11
              ) -> list[list[Any]]:
    """``count`` rows under ``HEADER``, with dates as real dates, text in three forms and
    month-day, counts as numbers or with 人/天."""
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    for i in range(count):
        unit, township, village = rng.choice(county.units)
        field = rng.choice(FIELDS)
        start = date(year, 1, 1) + timedelta(days=rng.randrange(300))
        end = start + timedelta(days=rng.randrange(5, 60))
        form = i % 4
        if form == 0:
            start_cell: Any = start
        elif form == 1:
            start_cell = f"{start.year}/{start.month}/{start.day}"
        elif form == 2:
            start_cell = f"{start.year}年{start.month}月{start.day}日"
        else:
            start_cell = f"{start.month}月{start.day}日"
        rows.append([
            i + 1,
            f"{field}{rng.choice(PROBLEMS)}（第{i + 1}号）",
            f"{village}{field}产业需要专家指导{rng.choice(PROBLEMS)}。",
            unit, township, village, field, start_cell, end,
            rng.choice((1, 1, 2, "2人", 3)), rng.choice((1, 2, "3天")),
            rng.randrange(20, 2000),
        ])
    return rows


def write_workbook(path: Path, header: list[str], rows: list[list[Any]],
                   title: str | None = None) -> Path:
    """A plain .xlsx (write-only: fast for 20,000 rows), with an optional title row."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("需求")
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path
