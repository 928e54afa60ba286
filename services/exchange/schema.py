"""The columns of each list that goes in or out of Excel.

One table per kind (需求, 专家, 单位, 派遣) names, for every column: the key the services use,
the Chinese header the templates and exports write, the other headers township spreadsheets
use for the same thing, and what the cell holds (so a reader knows how to clean it). Templates,
header detection, import and export all read these tables, so an exported list always imports
back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

CellType = Literal[
    "text", "code", "date", "int", "year", "phone", "id_number", "choice", "bool", "list",
    "status",
]

# Choice lists that are not model constants: see templates.py for where they come from.
TOWNSHIPS = "townships"
FIELDS = "fields"


@dataclass(frozen=True)
class Column:
    """One column: ``key`` as the services name it, ``header`` as written in templates and
    exports, ``synonyms`` other headers meaning the same, ``type`` of the cell, ``required``
    for a new record, ``hint`` shown above the header in a template, ``width`` in characters,
    ``choices`` the name of a drop-down list (a model constant or TOWNSHIPS/FIELDS),
    ``importable`` False for export-only columns."""

    key: str
    header: str
    type: CellType = "text"
    synonyms: tuple[str, ...] = ()
    required: bool = False
    hint: str = ""
    width: int = 12
    choices: str | None = None
    importable: bool = True


@dataclass(frozen=True)
class Kind:
    """A kind of list: ``name`` (needs, experts, units, dispatches), ``label`` in Chinese,
    ``columns`` in template order."""

    name: str
    label: str
    columns: tuple[Column, ...]
    importable: bool = True
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})

    def column(self, key: str) -> Column:
        return self.by_key[key]

    @property
    def import_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.importable)


_PHONE = ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "联系手机",
          "移动电话", "办公电话")
_TOWNSHIP = ("所在乡镇", "乡镇", "乡镇名称", "所属乡镇", "乡(镇)", "乡镇(街道)", "乡镇街道", "镇",
             "乡", "所在乡镇(街道)")
_VILLAGE = ("所在村", "村", "村名", "行政村", "村(社区)", "所属村", "村社区", "村居", "所在村(社区)")
_CODE_HINT = "留空即新建；填已有编号则对应到该记录"
_DATE_HINT = "如 2026-05-03、2026/5/3、2026年5月3日"

NEEDS = Kind("needs", "需求", (
    Column("code", "编号", "code", ("需求编号",), hint=_CODE_HINT, width=14),
    Column("title", "需求标题", synonyms=("需求名称", "标题", "需求", "需求事项", "需求项目",
                                          "项目名称", "问题名称", "需求简述"),
           required=True, hint="必填，简要说明要解决的问题", width=30),
    Column("description", "需求描述", synonyms=("需求内容", "具体需求", "需求说明", "问题描述",
                                                "详细描述", "描述", "具体内容", "存在问题"),
           hint="具体情况、希望专家做什么", width=40),
    Column("unit", "需求单位", synonyms=("单位名称", "申报单位", "单位", "需求单位名称", "提出单位",
                                         "需求主体"),
           required=True, hint="必填；库中没有的单位导入时可新建", width=26),
    Column("unit_type", "单位类型", "choice", ("单位性质", "主体类型"), choices="UNIT_TYPES",
           hint="新建单位时使用", width=10),
    Column("contact_person", "联系人", synonyms=("负责人", "联系人姓名"), width=10),
    Column("phone", "联系电话", "phone", _PHONE, hint="手机 11 位或带区号的座机", width=15),
    Column("township", "乡镇", synonyms=_TOWNSHIP, hint="默认为单位所在乡镇", width=10,
           choices=TOWNSHIPS),
    Column("village", "村", synonyms=_VILLAGE, width=10),
    Column("field", "专业领域", synonyms=("领域", "产业", "所属领域", "需求领域", "专业", "行业",
                                          "所属产业", "产业类别", "专业类别"),
           required=True, hint="必填，下拉选择", width=24, choices=FIELDS),
    Column("window_start", "开始日期", "date", ("希望开始日期", "服务开始日期", "起始日期",
                                                "开始时间", "计划开始日期"),
           hint=_DATE_HINT, width=12),
    Column("window_end", "结束日期", "date", ("希望结束日期", "服务结束日期", "截止日期",
                                              "结束时间", "完成时限", "计划结束日期"),
           hint=_DATE_HINT, width=12),
    Column("experts_wanted", "专家人数", "int", ("需要专家人数", "需专家数", "所需专家人数",
                                                 "需求专家数", "专家数"),
           hint="1～50，默认 1", width=9),
    Column("days_wanted", "服务天数", "int", ("每次服务天数", "天数", "服务时长(天)", "需服务天数"),
           hint="每次连续几天，默认 1", width=9),
    Column("required_title", "职称要求", "choice", ("要求职称", "专家职称要求"),
           choices="TITLE_LEVELS", hint="可不填", width=10),
    Column("beneficiaries_estimate", "预计受益人数", "int", ("受益人数", "受益群众", "受益人群",
                                                             "预计受益人数(人)"), width=12),
    Column("submitted_on", "申报日期", "date", ("填报日期", "提交日期", "申请日期"),
           hint="默认为导入当天", width=12),
    Column("source", "来源", synonyms=("需求来源",), hint="默认“Excel导入”", width=10),
    Column("status", "状态", "status", ("需求状态", "当前状态"), choices="NEED_STATUSES",
           hint="仅新建时使用，默认“已申报”", width=9),
))

EXPERTS = Kind("experts", "专家", (
    Column("code", "编号", "code", ("专家编号",), hint=_CODE_HINT, width=10),
    Column("name", "姓名", synonyms=("专家姓名", "名字", "专家"), required=True, hint="必填",
           width=10),
    Column("gender", "性别", "choice", (), choices="GENDERS", hint="有身份证号时可不填", width=6),
    Column("birth_year", "出生年份", "year", ("出生年", "出生年月", "出生日期", "出生年份(年)"),
           hint="如 1978", width=9),
    Column("id_number", "身份证号", "id_number", ("身份证号码", "公民身份号码", "身份证",
                                                  "身份号码", "证件号码"),
           hint="18 位；请设为文本格式", width=21),
    Column("phone", "联系电话", "phone", _PHONE, hint="手机 11 位或带区号的座机", width=15),
    Column("employer", "工作单位", synonyms=("单位", "所在单位", "工作单位及职务", "单位名称",
                                             "现工作单位"), width=24),
    Column("title", "职称级别", "choice", ("职称等级", "职称层级", "级别"), choices="TITLES",
           hint="下拉选择", width=10),
    Column("title_name", "职称", synonyms=("专业技术职称", "职称名称", "职务职称", "技术职称"),
           hint="如 研究员、主任医师", width=12),
    Column("honours", "荣誉", "list", ("人才称号", "荣誉称号", "专家类别", "专家类型"),
           hint="多个用顿号分隔", width=16),
    Column("specialties", "专业领域", "list", ("专业", "擅长领域", "专长", "研究方向",
                                               "服务领域", "专业特长", "领域"),
           hint="多个用顿号分隔，如 茶叶、果树", width=24),
    Column("home_place", "常住地", synonyms=("居住地", "住址", "家庭住址", "现居住地"), width=16),
    Column("retired", "是否退休", "bool", ("退休", "是否已退休"), choices="YES_NO", hint="是/否",
           width=9),
    Column("max_days_per_month", "每月最多服务天数", "int", ("每月最多天数", "每月服务天数上限"),
           hint="默认 10", width=10),
    Column("max_days_per_year", "每年最多服务天数", "int", ("每年最多天数", "每年服务天数上限"),
           hint="默认 60", width=10),
    Column("notes", "备注", synonyms=("说明",), width=20),
))

UNITS = Kind("units", "需求单位", (
    Column("code", "编号", "code", ("单位编号",), hint=_CODE_HINT, width=10),
    Column("name", "单位名称", synonyms=("名称", "单位", "需求单位", "单位全称", "主体名称"),
           required=True, hint="必填", width=28),
    Column("unit_type", "单位类型", "choice", ("类型", "单位性质", "主体类型"), choices="UNIT_TYPES",
           hint="下拉选择，默认“其他”", width=10),
    Column("township", "乡镇", synonyms=_TOWNSHIP, required=True, hint="必填，下拉选择",
           width=10, choices=TOWNSHIPS),
    Column("village", "村", synonyms=_VILLAGE, width=10),
    Column("address", "地址", synonyms=("详细地址", "单位地址", "通讯地址"), width=24),
    Column("contact_person", "联系人", synonyms=("负责人", "联系人姓名", "法人代表"), width=10),
    Column("phone", "联系电话", "phone", _PHONE, hint="手机 11 位或带区号的座机", width=15),
    Column("notes", "备注", synonyms=("说明",), width=20),
))

DISPATCHES = Kind("dispatches", "派遣", (
    Column("code", "派遣编号", "code", width=14),
    Column("need_code", "需求编号", "code", width=14),
    Column("need_title", "需求标题", width=28),
    Column("expert_code", "专家编号", "code", width=10),
    Column("expert", "专家", width=10),
    Column("unit", "需求单位", width=24),
    Column("start_date", "开始日期", "date", width=12),
    Column("end_date", "结束日期", "date", width=12),
    Column("days", "天数", "int", width=6),
    Column("place", "地点", width=16),
    Column("tasks", "任务", width=30),
    Column("status_label", "状态", width=8),
    Column("status_reason", "原因", width=16),
), importable=False)

KINDS: dict[str, Kind] = {k.name: k for k in (NEEDS, EXPERTS, UNITS, DISPATCHES)}
IMPORT_KINDS = tuple(name for name, k in KINDS.items() if k.importable)

# Headers that are read but never imported: row numbers, and the result columns of our own
# error report (so a fixed report imports again as it is).
RESULT_HEADER = "导入结果"
MESSAGE_HEADER = "错误说明"
IGNORED_HEADERS = frozenset({"序号", "编号序号", "行号", "No", "NO", "no", RESULT_HEADER,
                             MESSAGE_HEADER})


def kind(name: str) -> Kind:
    from services.errors import ValidationError

    try:
        return KINDS[name]
    except KeyError:
        options = "、".join(f"{k.name}（{k.label}）" for k in KINDS.values())
        raise ValidationError.single("kind", f"没有“{name}”这种清单，可选：{options}。") from None


_NOISE = re.compile(r"[\s*＊:：★☆※]+")
_NOTE = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")


def header_forms(text: object) -> tuple[str, str]:
    """A header as compared: full-width folded, spaces, stars and colons dropped; and the same
    without parenthesised notes (``开始日期（如 2026-05-03）`` → ``开始日期``)."""
    if text is None:
        return "", ""
    plain = _NOISE.sub("", unicodedata.normalize("NFKC", str(text)))
    return plain, _NOTE.sub("", plain)
