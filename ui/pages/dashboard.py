"""工作台: where the needs stand in the seven steps (each a click away from the list behind
it), the size of the expert pool and of the county, and the latest steps taken."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from services import overview, workflow
from services.workflow import NeedStatus
from ui.context import AppContext, Changes
from ui.pages import Page, PageSpec
from ui.tasks import TaskControl
from ui.widgets import heading, muted

ACCENT = "#1f6fb2"


class Card(QFrame):
    """A figure with its caption; clicking it (or Enter/Space on it) opens the list behind
    it. Signal: ``clicked``."""

    clicked = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.number = QLabel("—", self)
        font = QFont(self.number.font())
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        self.number.setFont(font)
        palette = self.number.palette()
        palette.setColor(QPalette.ColorRole.WindowText, ACCENT)
        self.number.setPalette(palette)
        self.caption = QLabel(caption, self)
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.number)
        layout.addWidget(self.caption)
        layout.addStretch(1)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 8)

    def set_number(self, value: int) -> None:
        self.number.setText(f"{value:,}")

    def mouseReleaseEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class DashboardPage(Page):
    """Attributes: ``step_cards`` (status → Card), ``figures`` (name → Card), ``recent``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._stale = True
        self.data: overview.Overview | None = None
        body = QWidget(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)
        self.title = heading(self.tr("工作台"), body)
        layout.addWidget(self.title)
        self.subtitle = muted("", body)
        layout.addWidget(self.subtitle)

        layout.addWidget(heading(self.tr("七步法：需求办理进度"), body, scale=1.1))
        steps = QGridLayout()
        self.step_cards: dict[NeedStatus, Card] = {}
        all_statuses = list(NeedStatus)
        for i, status in enumerate(all_statuses):
            name = workflow.STEP_NAMES.get(status)
            caption = (f"{i + 1}. {workflow.status_label(status)}\n{name}" if name
                       else workflow.status_label(status))
            card = Card(caption, body)
            card.setToolTip(self.tr("打开需求清单，只看“{0}”的需求").format(
                workflow.status_label(status)))
            card.clicked.connect(lambda _c=False, s=status: self.open_needs(s))
            steps.addWidget(card, i // 5, i % 5)
            self.step_cards[status] = card
        layout.addLayout(steps)

        layout.addWidget(heading(self.tr("基本情况"), body, scale=1.1))
        figures = QHBoxLayout()
        self.figures: dict[str, Card] = {}
        for key, caption, page in (("needs", "需求（条）", "needs"),
                                   ("priority_needs", "其中在脱贫村、重点帮扶村", "needs"),
                                   ("experts", "专家（名）", "experts"),
                                   ("units", "需求单位（个）", "units"),
                                   ("townships", "乡镇（个）", "places"),
                                   ("villages", "村（个）", "places")):
            card = Card(self.tr(caption), body)
            argument = {"filter": {"priority": "是"}} if key == "priority_needs" else None
            card.clicked.connect(lambda _c=False, p=page, a=argument: self.ctx.show_page(p, a))
            figures.addWidget(card)
            self.figures[key] = card
        layout.addLayout(figures)

        layout.addWidget(heading(self.tr("最近的办理"), body, scale=1.1))
        self.recent = QTreeWidget(body)
        self.recent.setHeaderLabels([self.tr("时间"), self.tr("需求"), self.tr("变化"),
                                     self.tr("操作人"), self.tr("原因")])
        self.recent.setRootIsDecorated(False)
        self.recent.setAlternatingRowColors(True)
        self.recent.setMinimumHeight(self.fontMetrics().height() * 10)
        self.recent.itemActivated.connect(self._open_recent)
        self.recent.itemDoubleClicked.connect(self._open_recent)
        layout.addWidget(self.recent, 1)
        ctx.changed.connect(self._on_changes)

    def activate(self, argument: Any = None) -> None:
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        database = self.ctx.database

        def work(_control: TaskControl) -> overview.Overview:
            with database.session() as session:
                return overview.overview(session, recent=12)

        self.ctx.tasks.run(work, on_done=self._show, owner=self)

    def _on_changes(self, _changes: Changes) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self._stale and self.data is not None:
            self.refresh()

    def _show(self, data: overview.Overview) -> None:
        self.data = data
        for status, card in self.step_cards.items():
            card.set_number(data.by_status[status])
        for key, card in self.figures.items():
            card.set_number(getattr(data, key))
        waiting = data.by_status[NeedStatus.SUBMITTED]
        self.subtitle.setText(
            self.tr("有 {0} 条需求等待论证，{1} 条等待匹配专家，{2} 条等待实地服务。").format(
                waiting, data.by_status[NeedStatus.REVIEWED], data.by_status[NeedStatus.MATCHED]))
        self.recent.clear()
        for event in data.recent:
            at = event["at"].strftime("%Y-%m-%d %H:%M") if event["at"] else ""
            item = QTreeWidgetItem([at, f"{event['code']} {event['title']}",
                                    f"{event['from_label']} → {event['to_label']}",
                                    event["actor"], event["reason"]])
            item.setData(0, Qt.ItemDataRole.UserRole, event["need_id"])
            self.recent.addTopLevelItem(item)
        for column in (0, 2, 3):
            self.recent.resizeColumnToContents(column)
        self.recent.setColumnWidth(1, self.fontMetrics().horizontalAdvance("中") * 22)

    def open_needs(self, status: NeedStatus) -> None:
        self.ctx.show_page("needs", {"filter": {"status": workflow.status_label(status)}})

    def _open_recent(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        need_id = item.data(0, Qt.ItemDataRole.UserRole)
        if need_id:
            self.ctx.show_page("needs", {"select": need_id, "filter": {}})


PAGE = PageSpec("dashboard", "工作台", 10, DashboardPage, QStyle.StandardPixmap.SP_ComputerIcon,
                "Ctrl+1")
