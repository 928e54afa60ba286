"""The service record form (服务记录与回执): the figures of one dispatch as the expert's report
and the unit's receipt give them. Every check is the service's (services/outcomes/records.py),
shown next to its field as the user types."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from models.outcomes import SATISFACTION_LEVELS
from services.outcomes import records
from ui.context import AppContext
from ui.forms import RecordForm, combo, line_edit

OUTCOME = "outcome"  # Changes kind: a service record (its id is the dispatch's)
DISPATCH = "dispatch"


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
