"""Benchmark: 500 dispatch sheets (派遣单 with 回执) in one PDF.

Prints pages per second, bytes per page, and the ratio of the Chinese run's time to the same
layout drawn with a Latin-only font in the same process (every CJK character replaced by a
Latin letter at the point where text enters the page, and every role set to DejaVu-like Vera,
which reportlab ships). Aims (printed, not asserted): ≥ 100 pages/s, Chinese ≤ 1.2 × Latin,
≤ 5 KB per page.

The sheets are built in memory (varied names, units, places and texts, a few with rare
characters such as 䶮 and 𠮷), so the figure is the document code's, not the database's.
Font loading is done once before timing, as the GUI does at start.

    uv run python bench/documents.py [--sheets 500] [--repeat 3] [--out sheets.pdf]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import reportlab

from services.documents import dispatch_sheet as ds
from services.documents.fonts import Chain, FontFile, FontSet, font_set
from services.documents.page import Office, PdfJob
from services.documents.text import document_number, mask_id_number
from services.documents.typeset import Typesetter

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "华明远建国秀兰志强丽娟海燕晓东春梅玉文杰子涵雨欣浩然思嘉怡俊德红霞桂英永刚金凤伟芳敏静磊"
TOWNS = ("青山镇", "石门乡", "茶山镇", "白云乡", "龙泉镇", "凤凰镇", "桃源乡", "清水镇")
VILLAGES = ("石门村", "茶山村", "东坪村", "西寨村", "南冲村", "北湾村", "上坝村", "新岭村")
UNITS = ("茶叶专业合作社", "村民委员会", "油茶种植专业合作社", "卫生院", "生态农业有限公司",
         "家庭农场", "中心小学", "马铃薯种植专业合作社")
EMPLOYERS = ("省农业科学院", "省茶叶研究所", "农业大学", "县农业农村局", "市林业局", "县人民医院")
TITLES = ("研究员（正高级）", "副研究员（副高级）", "高级农艺师（副高级）", "农艺师（中级）",
          "主任医师（正高级）")
NEEDS = (
    ("春茶采摘与加工技术指导", "合作社新建名优绿茶加工线，缺少杀青、揉捻工艺经验，春茶品质不稳定，"
     "希望专家现场指导加工工艺并培训制茶工人20人。"),
    ("油茶夏季抚育管理", "油茶进入抽夏梢期，林地杂草多、病虫害时有发生，需要专家指导修剪、"
     "施肥和炭疽病防治。"),
    ("马铃薯绿色高产栽培", "村里种植马铃薯300亩，晚疫病常年发生，希望专家开展田间示范和农民培训。"),
    ("偏远乡镇义诊和健康讲座", "为60岁以上老人开展免费健康检查，讲解高血压、糖尿病防治知识。"),
    ("冷链设备安装与使用培训", "新购冷库和冷藏车，员工不会操作和维护，需要专家现场培训。"),
)
SEASONS = ("清明（4月5日起）；农时：春茶采摘（3月20日—4月20日）",
           "立夏（5月5日起）；农时：油茶抽夏梢（5月5日—7月7日）",
           "谷雨（4月20日起）", "小满（5月21日起）；农时：马铃薯结薯期（5月10日—6月20日）")
RARE = ("䶮", "𠮷", "堃", "喆", "昇")


def make_sheets(n: int, seed: int = 2026) -> list[ds.DispatchSheet]:
    rng = random.Random(seed)
    office = Office()
    sheets = []
    for i in range(1, n + 1):
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        if i % 97 == 0:
            name = name[0] + rng.choice(RARE)  # a rare name now and then, as in a real county
        town, village = rng.choice(TOWNS), rng.choice(VILLAGES)
        unit = town + village + rng.choice(UNITS)
        start = date(2026, 3, 1) + timedelta(days=rng.randrange(150))
        end = start + timedelta(days=rng.randrange(5))
        title, description = rng.choice(NEEDS)
        code = f"PQ-2026-{i:04d}"
        sheets.append(ds.DispatchSheet(
            code=code, number=document_number("云人社派", 2026, i), status="已确认",
            draft=False, expert_name=name, expert_gender=rng.choice("男女"),
            expert_title=rng.choice(TITLES), expert_employer=rng.choice(EMPLOYERS),
            expert_phone=f"138{rng.randrange(10**8):08d}",
            expert_id=mask_id_number(f"5201021970{rng.randrange(10**8):08d}"),
            unit_name=unit, unit_contact=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            unit_phone=f"139{rng.randrange(10**8):08d}", place=f"{town}{village}",
            route=f"自县城出发，前往{town}{village}，直线距离约{rng.randrange(5, 80)}公里，"
                  "出发前请与接收单位联系人确认集合地点和路线。",
            start=start, end=end, season=rng.choice(SEASONS),
            need_code=f"XQ-2026-{rng.randrange(1, 400):04d}", need_title=title,
            need_description=description, field="种植业 › 茶叶 › 茶叶加工",
            tasks="现场诊断问题，开展技术培训和咨询服务，帮助制定改进方案。",
            travel=office.travel_note or "派出单位统一安排车辆接送；接收单位协助安排食宿，费用按规定列支。",
            funds=office.funds_note or "专项经费列支：交通、食宿费据实报销，劳务费按专家级别标准发放。",
            notes="本单一式三份，派出单位、专家本人、接收单位各执一份。",
        ))
    return sheets


class LatinShadow(Typesetter):
    """The same layout with every CJK character (and full-width mark) drawn as a Latin letter:
    what the page would cost if Chinese were free."""

    _table: ClassVar[dict[int, str]] = {}

    def shape(self, text: str) -> str:
        if not self._table:
            letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            for cp in range(0x2000, 0x30000):
                if cp < 0x3000 and cp not in (0x2014, 0x2026, 0x201C, 0x201D, 0x203A):
                    continue
                self._table[cp] = letters[cp % len(letters)]
        return super().shape(text).translate(self._table)


def latin_fonts() -> FontSet:
    vera = FontFile(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")
    return FontSet({role: Chain(role, [vera]) for role in ("fangsong", "song", "hei", "kai",
                                                            "title")})


def run(sheets: list[ds.DispatchSheet], fonts: FontSet, typesetter: type[Typesetter],
        office: Office) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, pages, bytes). CPU time is reported beside wall time
    because a shared 2-core machine makes wall time say more about the neighbours."""
    buf = io.BytesIO()
    t0, c0 = time.perf_counter(), time.process_time()
    job = PdfJob(buf, fonts, title="派遣单", author=office.bureau, typesetter=typesetter,
                 invariant=True)
    for sheet in sheets:
        ds.draw_sheet(job, sheet, office, date(2026, 5, 3))
    job.finish()
    return (time.perf_counter() - t0, time.process_time() - c0, job.pages,
            len(buf.getvalue()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the Chinese PDF here")
    args = parser.parse_args()

    t0 = time.perf_counter()
    chinese = font_set()
    chinese.preload()  # every font loaded before timing, as the GUI does at start-up
    latin = latin_fonts()
    load = time.perf_counter() - t0
    sheets = make_sheets(args.sheets)
    office = Office()

    cn_times, latin_times, cn_cpu, latin_cpu = [], [], [], []
    pages = size = latin_size = 0
    for _ in range(args.repeat):
        # Alternate the two so that neither profits from a warmer machine.
        secs, cpu, pages, size = run(sheets, chinese, Typesetter, office)
        cn_times.append(secs)
        cn_cpu.append(cpu)
        secs, cpu, _, latin_size = run(sheets, latin, LatinShadow, office)
        latin_times.append(secs)
        latin_cpu.append(cpu)
    cn, la = statistics.median(cn_times), statistics.median(latin_times)
    cn_c, la_c = statistics.median(cn_cpu), statistics.median(latin_cpu)
    if chinese.missing:
        print("缺字：", "；".join(chinese.missing_report()))
    print(f"fonts loaded once in {load:.2f} s: "
          + ", ".join(f"{r}={c.fonts[0].path.name}" for r, c in chinese.chains.items()))
    print(f"{args.sheets} sheets → {pages} pages, median of {args.repeat} runs")
    print(f"Chinese: {cn:.2f} s  {pages / cn:7.1f} pages/s  (CPU {cn_c:.2f} s, "
          f"{pages / cn_c:6.1f} pages per CPU-second)  {size / pages / 1024:5.2f} KB/page "
          f"({size / 1024 / 1024:.2f} MB)   aim ≥ 100 pages/s, ≤ 5 KB/page")
    print(f"Latin:   {la:.2f} s  {pages / la:7.1f} pages/s  (CPU {la_c:.2f} s, "
          f"{pages / la_c:6.1f} pages per CPU-second)  {latin_size / pages / 1024:5.2f} KB/page")
    print(f"Chinese / Latin time: {cn / la:.2f}× wall, {cn_c / la_c:.2f}× CPU   aim ≤ 1.2×")
    if args.out:
        args.out.write_bytes(b"")
        buf_job = PdfJob(args.out, chinese, title="派遣单", author=office.bureau)
        for sheet in sheets:
            ds.draw_sheet(buf_job, sheet, office, date(2026, 5, 3))
        buf_job.finish()
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
