"""The create/edit forms: need, expert, unit, township, village. Each takes its choices
(units, places, the field tree, crop phases) and its values from the services off the GUI
thread, checks with the services as the user types, and saves in one unit of work."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from services import experts, fields, needs, places, units
from ui.availability import AvailabilityEditor
from ui.context import EXPERT, NEED, PLACE, UNIT
from ui.field_picker import FieldSelector
from ui.forms import RecordForm, combo, line_edit, set_combo_value
from ui.widgets import DateEdit, OptionalDateEdit

NOT_SET = "（不指定）"


def _optional_int(edit: QLineEdit) -> Any:
    text = edit.text().strip()
    return text or None


class PlaceFields:
    """A township drop-down and the village drop-down that follows it."""

    def __init__(self, form: RecordForm, *, township_blank: str | None) -> None:
        self.form = form
        self.township = QComboBox(form)
        self.village = QComboBox(form)
        self.township_blank = township_blank
        self.villages: list[dict[str, Any]] = []
        self.township.currentIndexChanged.connect(self._fill_villages)

    def set_choices(self, townships: list[dict[str, Any]], villages: list[dict[str, Any]]) -> None:
        self.villages = villages
        self.township.blockSignals(True)
        self.township.clear()
        if self.township_blank is not None:
            self.township.addItem(self.township_blank, None)
        for t in townships:
            self.township.addItem(t["name"], t["id"])
        self.township.blockSignals(False)
        self._fill_villages()

    def _fill_villages(self, *_args: Any) -> None:
        chosen = self.village.currentData()
        township_id = self.township.currentData()
        self.village.blockSignals(True)
        self.village.clear()
        self.village.addItem(NOT_SET, None)
        for v in self.villages:
            if v["township_id"] == township_id:
                mark = "（脱贫村）" if v["poverty_alleviated"] else (
                    "（重点帮扶村）" if v["key_support"] else "")
                self.village.addItem(v["name"] + mark, v["id"])
        set_combo_value(self.village, chosen)
        self.village.blockSignals(False)

    def set_township(self, value: Any) -> None:
        set_combo_value(self.township, value)
        self._fill_villages()

    def set_village(self, value: Any) -> None:
        set_combo_value(self.village, value)


def _load_places(session: Any) -> dict[str, Any]:
    return {"townships": places.list_townships(session),
            "villages": places.list_villages(session)}


# -- need ---------------------------------------------------------------------------------------


class NeedForm(RecordForm):
    kind = NEED
    noun = "需求"
    aliases: ClassVar[dict[str, str]] = {"unit": "unit_id", "township": "township_id", "village": "village_id",
               "field": "field_id"}

    def build(self) -> None:
        self.add_field("title", self.tr("需求标题"), line_edit(100),
                       help=self.tr("一句话说清要解决的问题，如“茶园春季病虫害绿色防控”"))
        self.unit = QComboBox(self)
        self.unit.setEditable(True)
        self.unit.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.unit.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.unit.lineEdit().setPlaceholderText(self.tr("输入单位名称或编号"))
        self.add_field("unit_id", self.tr("需求单位"), self.unit,
                       get=self._unit_value, set=lambda v: set_combo_value(self.unit, v))
        self.unit.currentIndexChanged.connect(self._unit_changed)
        self.place = PlaceFields(self, township_blank=self.tr("（与需求单位相同）"))
        self.add_field("township_id", self.tr("乡镇"), self.place.township,
                       get=lambda: self.place.township.currentData(),
                       set=self.place.set_township)
        self.add_field("village_id", self.tr("村"), self.place.village,
                       get=lambda: self.place.village.currentData(),
                       set=self.place.set_village)
        self.field = FieldSelector(multiple=False, parent=self)
        self.add_field("field_id", self.tr("专业领域"), self.field,
                       get=self.field.value, set=self.field.set_value)
        self.phase = QComboBox(self)
        self.phase.addItem(NOT_SET, None)
        self.add_field("crop_phase_id", self.tr("农时"), self.phase,
                       help=self.tr("需求服务的农时（本县农业区的作物物候期），可不填"))
        self.add_field("window_start", self.tr("希望开始"), OptionalDateEdit(parent=self))
        self.add_field("window_end", self.tr("希望结束"), OptionalDateEdit(parent=self))
        wanted = QSpinBox(self)
        wanted.setRange(1, 999)
        self.add_field("experts_wanted", self.tr("需要专家人数"), wanted)
        days = QSpinBox(self)
        days.setRange(1, 999)
        days.setSuffix(self.tr(" 天"))
        self.add_field("days_wanted", self.tr("每次服务天数"), days)
        self.add_field("required_title", self.tr("职称要求"),
                       combo([(self.tr("不限"), None)]
                             + [(t, t) for t in needs.TITLE_LEVELS]))
        beneficiaries = QLineEdit(self)
        beneficiaries.setValidator(QIntValidator(0, 2_000_000_000, beneficiaries))
        beneficiaries.setPlaceholderText(self.tr("人数，可不填"))
        self.add_field("beneficiaries_estimate", self.tr("预计受益人数"), beneficiaries,
                       get=lambda: _optional_int(beneficiaries))
        source = combo([(s, s) for s in needs.SOURCES])
        self.add_field("source", self.tr("来源"), source)
        self.add_field("submitted_on", self.tr("申报日期"), DateEdit(self),
                       get=lambda: self.fields["submitted_on"].widget.value(),
                       set=lambda v: self.fields["submitted_on"].widget.set_value(v))
        self.fields["submitted_on"].widget.dateChanged.connect(
            lambda *_: self._edited("submitted_on"))
        description = QPlainTextEdit(self)
        description.setTabChangesFocus(True)
        description.setMinimumHeight(self.fontMetrics().height() * 5)
        self.add_field("description", self.tr("需求描述"), description)
        self.units: list[tuple[Any, ...]] = []

    def _unit_value(self) -> Any:
        index = self.unit.findText(self.unit.currentText())
        return self.unit.itemData(index) if index >= 0 else None

    def _unit_changed(self, *_args: Any) -> None:
        # A new need's place follows its unit until the user picks another.
        if self._initial is None or "township_id" in self._touched:
            return
        self.place.set_township(None)

    def load_choices(self, session: Any) -> dict[str, Any]:
        choices = _load_places(session)
        choices["units"] = units.list_units(session)
        choices["fields"] = fields.all_fields(session)
        try:
            from services.calendar import store

            region = store.county_region(session)
            choices["phases"] = [(p.id, f"{p.crop} · {p.name}")
                                 for p in store.list_phases(session, region)]
        except Exception:  # the calendar is optional here: without it, no phase list
            choices["phases"] = []
        return choices

    def apply_choices(self, choices: dict[str, Any]) -> None:
        self.unit.blockSignals(True)
        self.unit.clear()
        for u in choices["units"]:
            self.unit.addItem(f"{u['name']}（{u['code']}）", u["id"])
        self.unit.setCurrentIndex(-1)
        self.unit.blockSignals(False)
        self.place.set_choices(choices["townships"], choices["villages"])
        self.field.set_fields(choices["fields"])
        for phase_id, text in choices["phases"]:
            self.phase.addItem(text, phase_id)
        self.fields["crop_phase_id"].widget.setVisible(bool(choices["phases"]))

    def defaults(self) -> dict[str, Any]:
        return {"experts_wanted": 1, "days_wanted": 1, "source": "系统录入",
                "submitted_on": date.today()}

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        values = needs.form_values(session, record_id)
        self.setWindowTitle(self.tr("编辑需求 {0}").format(values["code"]))
        return values

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        return needs.check(session, data, self.record_id)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return needs.create_need(uow.session, data, uow.actor).id
        return needs.update_need(uow.session, self.record_id, data, self.version).id


# -- expert -------------------------------------------------------------------------------------


class HonoursPicker(QWidget):
    """Check boxes for the honours (院士 … 乡土专家)."""

    def __init__(self, options: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for i, option in enumerate(options):
            box = QCheckBox(option, self)
            layout.addWidget(box, i // 3, i % 3)
            self.boxes[option] = box

    def value(self) -> list[str]:
        return [o for o, box in self.boxes.items() if box.isChecked()]

    def set_value(self, value: Any) -> None:
        chosen = set(value or [])
        for option, box in self.boxes.items():
            box.setChecked(option in chosen)


class ExpertForm(RecordForm):
    kind = EXPERT
    noun = "专家"
    aliases: ClassVar[dict[str, str]] = {"start_date": "unavailability", "end_date": "unavailability",
               "home_longitude": "home_latitude"}

    def build(self) -> None:
        self.add_field("name", self.tr("姓名"), line_edit(40))
        id_number = line_edit(18)
        id_number.setPlaceholderText(self.tr("18 位身份证号，填写后自动得出性别和出生年份"))
        self.add_field("id_number", self.tr("身份证号"), id_number)
        id_number.editingFinished.connect(self._fill_from_id)
        self.add_field("gender", self.tr("性别"),
                       combo([(self.tr("（按身份证号）"), None), ("男", "男"), ("女", "女")]))
        birth = QLineEdit(self)
        birth.setValidator(QIntValidator(0, 9999, birth))
        birth.setPlaceholderText(self.tr("如 1975，可不填"))
        self.add_field("birth_year", self.tr("出生年份"), birth, get=lambda: _optional_int(birth))
        phone = line_edit(30)
        phone.setPlaceholderText(self.tr("手机 11 位，或座机带区号"))
        self.add_field("phone", self.tr("电话"), phone)
        self.add_field("employer", self.tr("工作单位"), line_edit(100))
        self.add_field("title", self.tr("职称级别"), combo([(t, t) for t in experts.TITLES]))
        self.add_field("title_name", self.tr("职称"), line_edit(40),
                       help=self.tr("如 研究员、主任医师、高级农艺师"))
        self.honours = HonoursPicker(experts.HONOURS, self)
        self.add_field("honours", self.tr("荣誉称号"), self.honours,
                       get=self.honours.value, set=self.honours.set_value)
        for box in self.honours.boxes.values():
            box.toggled.connect(lambda *_: self._edited("honours"))
        self.specialties = FieldSelector(multiple=True, parent=self)
        self.add_field("specialties", self.tr("专长"), self.specialties,
                       get=self.specialties.value, set=self.specialties.set_value)
        self.add_field("home_place", self.tr("常住地"), line_edit(200))
        self.add_field("retired", self.tr("已退休"), QCheckBox(self))
        month = QSpinBox(self)
        month.setRange(1, 999)
        self.add_field("max_days_per_month", self.tr("每月最多服务天数"), month)
        year = QSpinBox(self)
        year.setRange(1, 9999)
        self.add_field("max_days_per_year", self.tr("每年最多服务天数"), year)
        self.availability = AvailabilityEditor(self)
        self.add_field("unavailability", self.tr("不可服务时段"), self.availability,
                       get=self.availability.value, set=self.availability.set_value)
        notes = QPlainTextEdit(self)
        notes.setTabChangesFocus(True)
        notes.setMaximumHeight(self.fontMetrics().height() * 5)
        self.add_field("notes", self.tr("备注"), notes)
        self._original_periods: list[int] = []

    def _fill_from_id(self) -> None:
        """The ID number knows gender and birth year: offer them when still empty."""
        from services.validation import id_number, id_number_birth_date, id_number_gender

        try:
            number = id_number(self.fields["id_number"].get())
        except Exception:
            return  # the live check shows what is wrong
        if not number:
            return
        if self.fields["gender"].get() is None:
            self.fields["gender"].set(id_number_gender(number))
        if not self.fields["birth_year"].get():
            self.fields["birth_year"].set(id_number_birth_date(number).year)

    def load_choices(self, session: Any) -> dict[str, Any]:
        return {"fields": fields.all_fields(session)}

    def apply_choices(self, choices: dict[str, Any]) -> None:
        self.specialties.set_fields(choices["fields"])

    def defaults(self) -> dict[str, Any]:
        return {"title": "无", "max_days_per_month": 10, "max_days_per_year": 60}

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return experts.form_values(session, record_id)

    def after_load(self, values: dict[str, Any]) -> None:
        self._original_periods = [p["id"] for p in values.get("unavailability", [])]
        self.setWindowTitle(self.tr("编辑专家 {0} {1}").format(values["code"], values["name"]))

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        data = {k: v for k, v in data.items() if k != "unavailability"}
        return experts.check(session, data, self.record_id)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        data = dict(data)
        periods = data.pop("unavailability", [])
        if self.record_id is None:
            expert = experts.create_expert(uow.session, data)
        else:
            expert = experts.update_expert(uow.session, self.record_id, data, self.version)
        keep = {p["id"] for p in periods if p["id"] is not None}
        for period_id in self._original_periods:
            if period_id not in keep:
                experts.remove_unavailability(uow.session, period_id)
        uow.session.flush()
        uow.session.expire(expert, ["unavailability"])
        for p in periods:
            if p["id"] is None:
                experts.add_unavailability(uow.session, expert.id, p["start_date"],
                                           p["end_date"], p.get("reason") or "")
        return expert.id


# -- unit ---------------------------------------------------------------------------------------


class UnitForm(RecordForm):
    kind = UNIT
    noun = "需求单位"
    aliases: ClassVar[dict[str, str]] = {"township": "township_id", "village": "village_id"}

    def build(self) -> None:
        self.add_field("name", self.tr("单位名称"), line_edit(100))
        self.add_field("unit_type", self.tr("单位类型"), combo([(t, t) for t in units.UNIT_TYPES]))
        self.place = PlaceFields(self, township_blank=self.tr("（请选择）"))
        self.add_field("township_id", self.tr("乡镇"), self.place.township,
                       get=lambda: self.place.township.currentData(),
                       set=self.place.set_township)
        self.add_field("village_id", self.tr("村"), self.place.village,
                       get=lambda: self.place.village.currentData(),
                       set=self.place.set_village)
        self.add_field("address", self.tr("地址"), line_edit(200))
        self.add_field("contact_person", self.tr("联系人"), line_edit(40))
        phone = line_edit(30)
        phone.setPlaceholderText(self.tr("手机 11 位，或座机带区号"))
        self.add_field("phone", self.tr("联系电话"), phone)
        notes = QPlainTextEdit(self)
        notes.setTabChangesFocus(True)
        notes.setMaximumHeight(self.fontMetrics().height() * 5)
        self.add_field("notes", self.tr("备注"), notes)

    def load_choices(self, session: Any) -> dict[str, Any]:
        return _load_places(session)

    def apply_choices(self, choices: dict[str, Any]) -> None:
        self.place.set_choices(choices["townships"], choices["villages"])

    def defaults(self) -> dict[str, Any]:
        return {"unit_type": "合作社"}

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return units.form_values(session, record_id)

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        return units.check(session, data, self.record_id)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return units.create_unit(uow.session, data).id
        return units.update_unit(uow.session, self.record_id, data, self.version).id


# -- places -------------------------------------------------------------------------------------


def _coordinate(edit: QLineEdit) -> Any:
    text = edit.text().strip()
    return text or None


class TownshipForm(RecordForm):
    kind = PLACE
    noun = "乡镇"
    aliases: ClassVar[dict[str, str]] = {"longitude": "latitude"}

    def build(self) -> None:
        self.add_field("name", self.tr("乡镇名称"), line_edit(40))
        self.add_field("code", self.tr("区划代码"), line_edit(20),
                       help=self.tr("行政区划代码，可不填"))
        latitude, longitude = QLineEdit(self), QLineEdit(self)
        latitude.setPlaceholderText(self.tr("如 26.58，可不填"))
        longitude.setPlaceholderText(self.tr("如 106.71，可不填"))
        self.add_field("latitude", self.tr("纬度"), latitude, get=lambda: _coordinate(latitude))
        self.add_field("longitude", self.tr("经度"), longitude,
                       get=lambda: _coordinate(longitude))

    def load_choices(self, session: Any) -> None:
        return None

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return places.township_values(session, record_id)

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        return places.check_township(session, data, self.record_id)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return places.create_township(uow.session, data).id
        return places.update_township(uow.session, self.record_id, data, self.version).id


class VillageForm(RecordForm):
    kind = PLACE
    noun = "村"
    aliases: ClassVar[dict[str, str]] = {"longitude": "latitude", "township": "township_id"}

    def __init__(self, ctx: Any, record_id: int | None = None, parent: QWidget | None = None,
                 *, township_id: int | None = None) -> None:
        self._default_township = township_id
        super().__init__(ctx, record_id, parent)

    def build(self) -> None:
        self.add_field("name", self.tr("村名称"), line_edit(40))
        self.township = QComboBox(self)
        self.add_field("township_id", self.tr("所属乡镇"), self.township)
        self.add_field("key_support", self.tr("重点帮扶村"), QCheckBox(self))
        self.add_field("poverty_alleviated", self.tr("脱贫村"), QCheckBox(self))
        latitude, longitude = QLineEdit(self), QLineEdit(self)
        self.add_field("latitude", self.tr("纬度"), latitude, get=lambda: _coordinate(latitude))
        self.add_field("longitude", self.tr("经度"), longitude,
                       get=lambda: _coordinate(longitude))

    def load_choices(self, session: Any) -> list[dict[str, Any]]:
        return places.list_townships(session)

    def apply_choices(self, choices: list[dict[str, Any]]) -> None:
        self.township.addItem(self.tr("（请选择）"), None)
        for t in choices:
            self.township.addItem(t["name"], t["id"])

    def defaults(self) -> dict[str, Any]:
        return {"township_id": self._default_township}

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return places.village_values(session, record_id)

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        return places.check_village(session, data, self.record_id)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return places.create_village(uow.session, data).id
        return places.update_village(uow.session, self.record_id, data, self.version).id
