"""The forms of 团队与基地: expert service teams, service bases (and their yearly evaluations),
grassroots workstations (and the days served there) and collective activities (with the
dispatches that belong to them). Experts are chosen with the searchable expert picker
(ui/expert_picker.py); every rule and message is services/outcomes/organisations.py's, shown
next to its field."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QWidget

from models.organisations import ACTIVITY_KINDS, BASE_LEVELS, EVALUATION_RESULTS, TEAM_KINDS
from services.errors import ValidationError
from services.outcomes import organisations as org
from ui.context import AppContext
from ui.expert_picker import ExpertSelector
from ui.field_picker import FieldSelector
from ui.forms import RecordForm, combo, line_edit

ORGANISATION = "organisation"  # Changes kind of every record of this screen


def _text(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


class _OrganisationForm(RecordForm):
    kind = ORGANISATION
    DATES: tuple[str, ...] = ()

    def load_choices(self, session: Any) -> dict[str, Any]:
        return org.form_choices(session)

    def set_values(self, values: dict[str, Any]) -> None:
        super().set_values({k: (_text(v) if k in self.DATES else v) for k, v in values.items()})

    def add_note(self) -> None:
        note = QPlainTextEdit(self)
        note.setFixedHeight(self.fontMetrics().height() * 4)
        self.add_field("note", self.tr("备注"), note)

    def add_date(self, key: str, label: str) -> None:
        self.add_field(key, label, line_edit(20), help=self.tr("日期如 2026-04-08"))

    def unit_combo(self) -> QComboBox:
        box = QComboBox(self)
        box.setEditable(False)
        return box

    @staticmethod
    def fill_combo(box: QComboBox, rows: list[dict[str, Any]], empty: str | None = None) -> None:
        box.blockSignals(True)
        box.clear()
        if empty is not None:
            box.addItem(empty, None)
        for r in rows:
            box.addItem(f"{r['name']}（{r['code']}）", r["id"])
        box.setCurrentIndex(0 if empty is not None else -1)
        box.blockSignals(False)


class TeamForm(_OrganisationForm):
    noun = "专家服务团"
    DATES = ("formed_on",)

    def build(self) -> None:
        self.add_field("name", self.tr("团队名称"), line_edit(100))
        self.add_field("kind", self.tr("类型"), combo([(self.tr(k), k) for k in TEAM_KINDS]))
        self.lead = ExpertSelector(multiple=False, parent=self)
        self.add_field("lead_expert_id", self.tr("团长"), self.lead,
                       get=self.lead.value, set=self.lead.set_value,
                       help=self.tr("团长须是团队成员"))
        self.members = ExpertSelector(multiple=True, parent=self)
        self.add_field("members", self.tr("成员"), self.members,
                       get=self.members.value, set=self.members.set_value)
        self.focus_field = FieldSelector(multiple=False, parent=self)
        self.add_field("focus_field_id", self.tr("服务领域"), self.focus_field,
                       get=self.focus_field.value, set=self.focus_field.set_value)
        self.add_field("focus", self.tr("服务产业"), line_edit(200))
        self.add_date("formed_on", self.tr("组建日期"))
        self.add_note()

    def apply_choices(self, choices: dict[str, Any]) -> None:
        self.lead.set_experts(choices["experts"])
        self.members.set_experts(choices["experts"])
        self.focus_field.set_fields(choices["fields"])

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return org.team_values(session, record_id)

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        return org.check_team(session, data, self.record_id)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return org.create_team(uow.session, data).id
        return org.update_team(uow.session, self.record_id, data,
                               expected_version=self.version).id


class BaseForm(_OrganisationForm):
    noun = "专家服务基地"
    DATES = ("established_on",)

    def build(self) -> None:
        self.add_field("name", self.tr("基地名称"), line_edit(100))
        self.add_field("level", self.tr("级别"),
                       combo([(self.tr(k), k) for k in BASE_LEVELS]))
        self.host = self.unit_combo()
        self.add_field("host_unit_id", self.tr("依托单位"), self.host)
        self.experts = ExpertSelector(multiple=True, parent=self)
        self.add_field("experts", self.tr("专家"), self.experts,
                       get=self.experts.value, set=self.experts.set_value)
        self.add_date("established_on", self.tr("设立日期"))
        self.add_note()

    def apply_choices(self, choices: dict[str, Any]) -> None:
        self.fill_combo(self.host, choices["units"])
        self.experts.set_experts(choices["experts"])

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return org.base_values(session, record_id)

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        return org.check_base(session, data, self.record_id)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return org.create_base(uow.session, data).id
        return org.update_base(uow.session, self.record_id, data,
                               expected_version=self.version).id


class EvaluationForm(_OrganisationForm):
    """A base's evaluation for one year; ``record_id`` is the base's id (one evaluation a
    year: saving a year that has one corrects it)."""

    noun = "年度考核"

    def __init__(self, ctx: AppContext, base_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, base_id, parent)
        self.setWindowTitle(self.tr("登记基地年度考核"))

    def build(self) -> None:
        self.heading = QLabel(self)
        self.form.addRow(self.heading)
        self.add_field("year", self.tr("考核年度"), line_edit(4))
        self.add_field("result", self.tr("考核结果"),
                       combo([(self.tr(k), k) for k in EVALUATION_RESULTS]))
        self.add_field("note", self.tr("考核说明"), line_edit(200))

    def load_choices(self, session: Any) -> None:
        return None

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        values = org.base_values(session, record_id)
        return {"year": str(date.today().year), "heading": f"{values['code']} {values['name']}"}

    def after_load(self, values: dict[str, Any]) -> None:
        self.heading.setText(values["heading"])

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        org.evaluate_base(uow.session, self.record_id,  # type: ignore[arg-type]
                          data["year"], data["result"], data["note"])
        return int(self.record_id)  # type: ignore[arg-type]


class WorkstationForm(_OrganisationForm):
    noun = "专家基层科研工作站"
    DATES = ("start_date", "end_date")

    def build(self) -> None:
        self.add_field("name", self.tr("工作站名称"), line_edit(100))
        self.expert = ExpertSelector(multiple=False, parent=self)
        self.add_field("expert_id", self.tr("进站专家"), self.expert,
                       get=self.expert.value, set=self.expert.set_value)
        self.host = self.unit_combo()
        self.add_field("host_unit_id", self.tr("建站单位"), self.host)
        self.add_date("start_date", self.tr("建站日期"))
        self.add_date("end_date", self.tr("期满日期"))
        self.add_note()

    def apply_choices(self, choices: dict[str, Any]) -> None:
        self.fill_combo(self.host, choices["units"])
        self.expert.set_experts(choices["experts"])

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return org.workstation_values(session, record_id)

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        return org.check_workstation(session, data, self.record_id)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return org.create_workstation(uow.session, data).id
        return org.update_workstation(uow.session, self.record_id, data,
                                      expected_version=self.version).id


class WorkstationLogForm(_OrganisationForm):
    """Days the expert served at a workstation; ``record_id`` is the workstation's id."""

    noun = "服务天数"

    def __init__(self, ctx: AppContext, workstation_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, workstation_id, parent)
        self.setWindowTitle(self.tr("登记工作站服务天数"))

    def build(self) -> None:
        self.heading = QLabel(self)
        self.form.addRow(self.heading)
        self.add_date("served_on", self.tr("服务日期"))
        self.add_field("days", self.tr("服务天数"), line_edit(3))
        self.add_field("note", self.tr("服务内容"), line_edit(500))

    def load_choices(self, session: Any) -> None:
        return None

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        values = org.workstation_values(session, record_id)
        return {"days": "1", "heading": f"{values['code']} {values['name']}"}

    def after_load(self, values: dict[str, Any]) -> None:
        self.heading.setText(values["heading"])

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        org.add_log(uow.session, self.record_id,  # type: ignore[arg-type]
                    data["served_on"], data["days"], data["note"])
        return int(self.record_id)  # type: ignore[arg-type]


class WorkstationLogRemoveForm(_OrganisationForm):
    """Remove one entry of a workstation's days served; ``record_id`` is the workstation's."""

    noun = "服务天数"

    def __init__(self, ctx: AppContext, workstation_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, workstation_id, parent)
        self.setWindowTitle(self.tr("删除工作站服务天数登记"))
        self.save_button.setText(self.tr("删除"))

    def build(self) -> None:
        self.log = QComboBox(self)
        self.add_field("log_id", self.tr("服务记录"), self.log)

    def load_choices(self, session: Any) -> list[dict[str, Any]]:
        return org.workstation_values(session, self.record_id)["logs"]  # type: ignore[arg-type]

    def apply_choices(self, logs: list[dict[str, Any]]) -> None:
        self.log.clear()
        for log in logs:
            self.log.addItem(self.tr("{0}  {1} 天  {2}").format(
                _text(log["served_on"]), log["days"], log["note"]), log["id"])

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return {}

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if data["log_id"] is None:
            raise ValidationError.single("log_id", "这个工作站还没有登记服务天数。")
        org.remove_log(uow.session, data["log_id"])
        return int(self.record_id)  # type: ignore[arg-type]


class ActivityForm(_OrganisationForm):
    noun = "专家服务活动"
    DATES = ("start_date", "end_date")

    def build(self) -> None:
        self.add_field("name", self.tr("活动名称"), line_edit(200))
        self.add_field("kind", self.tr("活动类型"),
                       combo([(self.tr(k), k) for k in ACTIVITY_KINDS]))
        self.add_date("start_date", self.tr("开始日期"))
        self.add_date("end_date", self.tr("结束日期"))
        self.add_field("places", self.tr("活动地点"), line_edit(300))
        self.add_field("organiser", self.tr("主办单位"), line_edit(100))
        self.team = QComboBox(self)
        self.add_field("team_id", self.tr("专家服务团"), self.team)
        self.experts = ExpertSelector(multiple=True, parent=self)
        self.add_field("experts", self.tr("参加专家"), self.experts,
                       get=self.experts.value, set=self.experts.set_value,
                       help=self.tr("关联派遣的专家会自动加入"))
        dispatch_codes = line_edit(2000)
        dispatch_codes.setPlaceholderText(self.tr("派遣编号，用顿号或逗号分隔，如 PQ-2026-0001、PQ-2026-0002"))
        self.add_field("dispatches", self.tr("关联派遣"), dispatch_codes,
                       get=dispatch_codes.text,
                       set=lambda v: dispatch_codes.setText(
                           "、".join(v) if isinstance(v, list) else _text(v)))
        self.add_note()

    def apply_choices(self, choices: dict[str, Any]) -> None:
        self.fill_combo(self.team, choices["teams"], self.tr("（无）"))
        self.experts.set_experts(choices["experts"])

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return org.activity_values(session, record_id)

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        return org.check_activity(session, data, self.record_id)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return org.create_activity(uow.session, data).id
        return org.update_activity(uow.session, self.record_id, data,
                                   expected_version=self.version).id
