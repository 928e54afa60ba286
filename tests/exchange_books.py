"""Realistically messy spreadsheets, as township clerks send them, made by the tests.

Each builder writes a file and returns what a correct import must find, so the tests compare
against facts stated once here. The county is the ``county`` fixture of conftest.py
(青山镇 with 石门村 and 茶山村; units DW-0001 合作社 and DW-0002 卫生院).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.conftest import County, make_id_number

COOP = "青山镇石门村茶叶专业合作社"
CLINIC = "青山镇卫生院"


def save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def messy_needs(path: Path) -> tuple[Path, dict[int, dict[str, Any]]]:
    """A title row merged across, a note row, a header with synonyms and notes in brackets,
    the township merged down over several rows, blank rows, full-width digits and letters,
    trailing spaces, every date form, a total row at the bottom, and three bad rows.

    Returns the file and, per Excel row number, what the row must become (``error`` names
    the column header of a refused row)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "需求汇总"
    ws.append(["2026年青山镇专家服务基层需求汇总表"])
    ws.merge_cells("A1:K1")
    ws.append(["填报单位（盖章）：青山镇人民政府", None, None, None, None, "填报日期：2026年3月1日"])
    ws.append(["序号", "需求名称", "具体需求", "需求单位", "所在乡镇", "村（社区）", "所属领域",
               "开始日期（如2026-05-03）", "结束日期", "需专家数", "联系电话"])
    rows: list[list[Any]] = [
        # 4: a real date cell; township merged down over rows 4-7
        [1, "茶园春季修剪技术指导  ", "老茶园树势衰弱", COOP, "青山镇", "石门村", "茶叶",
         date(2026, 5, 3), "2026/6/3", 2, "139 0851 0001"],
        # 5: an Excel serial number and the dotted form; full-width count
        [2, "茶叶病虫害绿色防控", "", COOP, None, "石门村", "种植业 › 茶叶",
         46145, "2026.6.30", "２", "139-0851-0001"],
        # 6: 年月日 form and month-day with the chosen year; count with a unit
        [3, "乡村医生全科培训", "送医下乡、义诊", CLINIC, None, None, "全科",
         "2026年7月1日", "7月15日", "3人", None],
        # 7: full-width letters in a field path is fine; a date as datetime
        [4, "油茶夏梢管理", "抽夏梢季节的养护", COOP, None, "茶山村", "油茶",
         datetime(2026, 6, 1, 0, 0), datetime(2026, 7, 10), 1, None],
        [None] * 11,  # 8: blank
        # 9: a new township spelt the old way (乡 that became 镇 is mapped by the stem);
        #    a unit not yet in the database, to be created; a village to be created
        [5, "生猪疫病防控", "非洲猪瘟防控指导", "白云镇兴旺养殖场", "白云乡", "龙潭村", "生猪",
         "2026-08-01", "2026-08-31", 1, "13908510099"],
        # 10: bad date (month 13)
        [6, "果树修剪", "", COOP, "青山镇", None, "柑橘", "2026-13-01", None, 1, None],
        # 11: an unknown field
        [7, "无人机植保", "", COOP, "青山镇", None, "航天育种", None, None, 1, None],
        # 12: no unit at all
        [8, "电商培训", "", None, "青山镇", None, "农村电商", None, None, 1, None],
        # 13: window in the wrong order
        [9, "中药材种植", "", COOP, "青山镇", None, "中药材", "2026-09-30", "2026-09-01", 1, None],
        [None] * 11,  # 14: blank
        ["合计", None, None, None, None, None, None, None, None, 10, None],  # 15: total row
    ]
    for row in rows:
        ws.append(row)
    ws.merge_cells("E4:E7")
    expected = {
        4: {"title": "茶园春季修剪技术指导", "window": (date(2026, 5, 3), date(2026, 6, 3)),
            "experts": 2, "township": "青山镇", "village": "石门村", "field": "茶叶"},
        5: {"title": "茶叶病虫害绿色防控", "window": (date(2026, 5, 3), date(2026, 6, 30)),
            "experts": 2, "township": "青山镇", "village": "石门村"},
        6: {"title": "乡村医生全科培训", "window": (date(2026, 7, 1), date(2026, 7, 15)),
            "experts": 3, "township": "青山镇", "village": None},
        7: {"title": "油茶夏梢管理", "window": (date(2026, 6, 1), date(2026, 7, 10)),
            "experts": 1, "township": "青山镇", "village": "茶山村"},
        9: {"title": "生猪疫病防控", "window": (date(2026, 8, 1), date(2026, 8, 31)),
            "experts": 1, "township": "白云镇", "village": "龙潭村"},
        10: {"error": "开始日期（如2026-05-03）"},
        11: {"error": "所属领域"},
        12: {"error": "需求单位"},
        13: {"error": "结束日期"},
    }
    return save(wb, path), expected


def messy_experts(path: Path, county: County) -> tuple[Path, dict[int, dict[str, Any]]]:
    """Experts with ID numbers as text, with spaces, full-width, lower-case x, and one stored
    as a number (digits lost); phones with spaces, dashes, full-width; titles and genders
    written loosely; one row duplicating the county's tea expert (same ID number)."""
    good = make_id_number("19800101", seq="235")  # odd → 男
    woman = make_id_number("19850620", seq="246")  # even → 女
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in woman)
    wb = Workbook()
    ws = wb.active
    ws.append(["云岭县专家库（2026年更新）"])
    ws.merge_cells("A1:I1")
    ws.append(["专家姓名", "性别", "身份证号码", "手机号码", "工作单位", "职称等级", "专业技术职称",
               "擅长领域", "人才称号", "是否退休"])
    ws.append(["王立新 ", "男性", good[:6] + " " + good[6:14] + " " + good[14:], "138 8500 1001",
               "省农科院茶叶所", "正高", "研究员", "茶叶、茶园管理", "省级专家", "否"])
    ws.append(["陈晓梅", "", full_width, "１３８８５００１００２", "县人民医院", "副高职称",
               "副主任医师", "全科", "", "在职"])
    ws.append(["李国强", "男", 520102197803151234, "138-8500-1003", "县畜牧站", "中级",
               "兽医师", "生猪", "乡土专家", "是"])
    ws.append(["张明远", "男", county.tea_expert_id_number, county.tea_expert_phone,
               "省茶叶研究所", "正高级", "研究员", "茶叶", "省级专家", "否"])
    ws.append(["赵无名", "男", "", "", "", "特级", "", "", "", "否"])
    expected = {
        3: {"name": "王立新", "id_number": good, "phone": "13885001001", "title": "正高级",
            "gender": "男", "birth_year": 1980},
        4: {"name": "陈晓梅", "id_number": woman, "phone": "13885001002", "title": "副高级",
            "gender": "女", "birth_year": 1985},
        5: {"error": "身份证号码"},
        6: {"duplicate_of": county.tea_expert},
        7: {"error": "职称等级"},
    }
    return save(wb, path), expected


UNIT_HEADER = ["单位名称", "单位类型", "乡镇", "村", "负责人", "联系电话", "详细地址"]
UNIT_ROWS = [
    ["青山镇金竹村村民委员会", "村委会", "青山镇", "石门村", "杨秀英", "0851-85520101", "金竹组"],
    ["青山镇绿源家庭农场", "家庭农场", "青山镇", "茶山村", "吴大山", "13908511234", ""],
    ["黔茶农业发展有限公司", "企业", "青山镇", "", "周总", "０８５１－８５５２０３０３", "工业园区"],
    ["无乡镇的单位", "企业", "", "", "", "", ""],
]


def units_csv(path: Path, encoding: str, delimiter: str = ",") -> Path:
    """The units above as CSV in ``encoding`` (gbk, utf-8-sig, utf-8, utf-16)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["需求单位名录"])
    writer.writerow(UNIT_HEADER)
    writer.writerows(UNIT_ROWS)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def fill_template(path: Path, rows: list[list[Any]], header_row: int = 4) -> Path:
    """Type ``rows`` into a template below its header, as a clerk would."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for offset, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            ws.cell(row=header_row + offset, column=col, value=value)
    wb.save(path)
    return path
