"""The service record form (服务记录与回执): the figures of one dispatch as the expert's report
and the unit's receipt give them. Every check is the service's (services/outcomes/records.py),
shown next to its field as the user types."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from models.outcomes import AGREEMENT_ROLES, SATISFACTION_LEVELS
from services.outcomes import agreements, publicity, records
from ui.context import AppContext
from ui.forms import RecordForm, combo, line_edit

OUTCOME = "outcome"  # Changes kind: a service record (its id is the dispatch's)
DISPATCH = "dispatch"
AGREEMENT = "agreement"
PUBLICITY = "publicity"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class ServiceRecordForm(RecordForm):
    """``record_id`` is the dispatch's id: a dispatch has at most one service record."""

    kind = OUTCOME
    noun = "服务记录"

    def __init__(self, ctx: AppContext, dispatch_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, dispatch_id, parent)
        self.setWindowTitle(self.tr("服务记录与回执"))

    def build(self) -> None:
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.form.addRow(self.heading)
        lines = (("actual_start", "实际开始日期", 20), ("actual_end", "实际结束日期", 20),
                 ("days_served", "服务天数", 6), ("trainings", "培训场次", 6),
                 ("people_trained", "培训人次", 8), ("problems_solved", "解决问题数", 6))
        for key, label, width in lines:
            self.add_field(key, self.tr(label), line_edit(width),
                           help=self.tr("日期如 2026-04-08") if "actual" in key else "")
        problems = QPlainTextEdit(self)
        problems.setPlaceholderText(self.tr("每行一个问题，如：茶小绿叶蝉防治"))
        problems.setFixedHeight(self.fontMetrics().height() * 5)
        self.add_field("problem_list", self.tr("解决的问题"), problems,
                       get=lambda: problems.toPlainText(),
                       set=lambda v: problems.setPlainText(
                           "\n".join(v) if isinstance(v, list) else _text(v)))
        self.add_field("beneficiaries", self.tr("惠及群众（人）"), line_edit(10))
        self.add_field("economic_benefit", self.tr("经济效益（元）"), line_edit(12))
        self.add_field("satisfaction", self.tr("满意度"), combo(
            [(self.tr("未填"), None)]
            + [(f"{level} {self.tr(label)}", level)
               for level, label in sorted(SATISFACTION_LEVELS.items(), reverse=True)]))
        for key, label in (("feedback", "服务对象意见"), ("suggestions", "建言献策"),
                           ("summary", "服务总结")):
            box = QPlainTextEdit(self)
            box.setFixedHeight(self.fontMetrics().height() * 4)
            self.add_field(key, self.tr(label), box)
        self.add_field("receipt_received_on", self.tr("回执收回日期"), line_edit(20),
                       help=self.tr("填写后，已确认的派遣改为“已完成”"))
        self.add_field("receipt_signed_by", self.tr("回执签字人"), line_edit(40))

    def set_values(self, values: dict[str, Any]) -> None:
        shown = {k: (v if k in ("problem_list", "satisfaction") else _text(v))
                 for k, v in values.items()}
        super().set_values(shown)

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return records.form_values(session, record_id)

    def after_load(self, values: dict[str, Any]) -> None:
        self.heading.setText(self.tr("派遣 {0}：{1}，专家 {2}，{3} 至 {4}（{5}）").format(
            values["dispatch_code"], values["need_title"], values["expert"],
            _text(values["start_date"]), _text(values["end_date"]), values["status_label"]))

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        return records.check(session, self.record_id, data)  # type: ignore[arg-type]

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        records.save_record(uow.session, self.record_id, data,  # type: ignore[arg-type]
                            expected_version=self.version)
        return int(self.record_id)  # type: ignore[arg-type]


class _DispatchItemForm(RecordForm):
    """A record that belongs to the selected dispatch (``dispatch_id``); ``record_id`` is the
    item's own id (None for a new one). Saving may move the dispatch's need a step forward
    (services/outcomes/progress.py), so the needs screen hears of it too."""

    DATES: tuple[str, ...] = ()

    def __init__(self, ctx: AppContext, dispatch_id: int, record_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, record_id, parent)
        self.dispatch_id = dispatch_id

    def set_values(self, values: dict[str, Any]) -> None:
        super().set_values({k: (_text(v) if k in self.DATES else v) for k, v in values.items()})

    def values(self) -> dict[str, Any]:
        return super().values() | {"dispatch_id": self.dispatch_id}


class AgreementForm(_DispatchItemForm):
    """受聘签约 for the dispatch: the expert and the unit are the dispatch's."""

    kind = AGREEMENT
    noun = "受聘签约"
    DATES = ("signed_on", "start_date", "end_date")

    def build(self) -> None:
        self.add_field("role", self.tr("受聘身份"),
                       combo([(self.tr(r), r) for r in AGREEMENT_ROLES]))
        for key, label in (("signed_on", "签约日期"), ("start_date", "聘期开始"),
                           ("end_date", "聘期结束")):
            self.add_field(key, self.tr(label), line_edit(20),
                           help=self.tr("日期如 2026-04-08；聘期开始不填即为签约日期"))
        note = QPlainTextEdit(self)
        note.setFixedHeight(self.fontMetrics().height() * 3)
        self.add_field("note", self.tr("备注"), note)

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return agreements.agreement_values(session, record_id)

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        if self.record_id is not None:
            data = agreements.agreement_values(session, self.record_id) | data
        return agreements.check(session, data)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return agreements.create_agreement(uow.session, data).id
        return agreements.update_agreement(uow.session, self.record_id, data,
                                           expected_version=self.version).id


class PublicityForm(_DispatchItemForm):
    """宣传报道 of the dispatch: outlet, date, title, link."""

    kind = PUBLICITY
    noun = "宣传报道"
    DATES = ("published_on",)

    def build(self) -> None:
        self.add_field("outlet", self.tr("媒体或平台"), line_edit(100))
        self.add_field("published_on", self.tr("发布日期"), line_edit(20),
                       help=self.tr("日期如 2026-04-08"))
        self.add_field("title", self.tr("报道标题"), line_edit(200))
        self.add_field("link", self.tr("链接"), line_edit(500),
                       help=self.tr("以 http:// 或 https:// 开头，可不填"))

    def load(self, session: Any, record_id: int) -> dict[str, Any]:
        return publicity.publicity_values(session, record_id)

    def check(self, session: Any, data: dict[str, Any]) -> dict[str, str]:
        if self.record_id is not None:
            data = publicity.publicity_values(session, self.record_id) | data
        return publicity.check(session, data)

    def save(self, uow: Any, data: dict[str, Any]) -> int:
        if self.record_id is None:
            return publicity.create_publicity(uow.session, data).id
        return publicity.update_publicity(uow.session, self.record_id, data,
                                          expected_version=self.version).id
