"""工作台: this year's figures (each a click away from exactly the records behind it, the
statistics service's own numbers), where the needs stand in the seven steps and by township,
the crop phases coming into season with the needs that wait for them, the experts' workload,
small QPainter charts, and the latest steps taken. Everything loads off the GUI thread."""

from __future__ import annotations

from datetime import date
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
from services import statistics as st
from services.workflow import NeedStatus
from ui.charts import COLOURS, BarChart, LineChart
from ui.context import AppContext, Changes
from ui.pages import Page, PageSpec
from ui.pages.reports import DrillDownDialog, RowsModel, table_view
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

    def set_number(self, value: float | int | None) -> None:
        if value is None:
            self.number.setText("—")
        elif isinstance(value, float) and not value.is_integer():
            self.number.setText(f"{value:,.2f}")
        else:
            self.number.setText(f"{int(value):,}")

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


YEAR_CAPTIONS = {"needs_received": "收到需求（条）", "needs_reviewed": "论证通过（条）",
                 "needs_served": "完成实地服务（条）", "experts": "派出专家（名）",
                 "expert_days": "专家服务天数", "people_trained": "培训（人次）",
                 "beneficiaries": "惠及群众（人）", "problems_solved": "解决难题（个）"}


class DashboardPage(Page):
    """Attributes: ``year_cards`` (figure key → Card, this year's statistics), ``step_cards``
    (status → Card), ``figures`` (name → Card), the charts ``status_chart``,
    ``township_chart``, ``workload_chart``, ``month_chart``, ``season_model``, ``recent``;
    ``board`` is the last ``overview.Dashboard`` shown, ``last_dialog`` the last drill-down."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._stale = True
        self.data: overview.Overview | None = None
        self.board: overview.Dashboard | None = None
        self.last_dialog: DrillDownDialog | None = None
        # The day the board is seen from (None: today); a test or a picture of a past year's
        # demo county pins it.
        self.today: date | None = None
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

        self.year_heading = heading(self.tr("今年以来"), body, scale=1.1)
        layout.addWidget(self.year_heading)
        year_grid = QGridLayout()
        self.year_cards: dict[str, Card] = {}
        for i, key in enumerate(st.DASHBOARD_KEYS):
            card = Card(self.tr(YEAR_CAPTIONS[key]), body)
            card.setToolTip(self.tr("查看这个数字所依据的记录"))
            card.clicked.connect(lambda _c=False, k=key: self.drill(k))
            year_grid.addWidget(card, i // 4, i % 4)
            self.year_cards[key] = card
        layout.addLayout(year_grid)

        charts = QGridLayout()
        self.status_chart = BarChart(body, COLOURS[0])
        self.status_chart.clicked.connect(lambda s: self.open_needs(NeedStatus(s)))
        self.township_chart = BarChart(body, COLOURS[2])
        self.township_chart.clicked.connect(self._open_township)
        self.workload_chart = BarChart(body, COLOURS[1])
        self.workload_chart.clicked.connect(
            lambda i: self.ctx.show_page("experts", {"select": i, "filter": {}}))
        self.month_chart = LineChart(body, COLOURS[0])
        self.season_model = RowsModel([("phase", self.tr("农时")), ("window", self.tr("时段")),
                                       ("waiting", self.tr("等待的需求"))], self)
        self.season_view = table_view(self.season_model, body)
        self.season_view.setMinimumHeight(self.fontMetrics().height() * 9)
        self.season_view.activated.connect(self._open_season)
        self.season_view.doubleClicked.connect(self._open_season)
        for row, col, title, widget in (
                (0, 0, "需求：按七步法状态", self.status_chart),
                (0, 1, "需求：按乡镇", self.township_chart),
                (2, 0, "正在农时及未来 30 天进入农时的作物，和等待它们的需求", self.season_view),
                (2, 1, "专家工作量（今年服务天数）", self.workload_chart),
                (4, 0, "逐月完成的派遣", self.month_chart)):
            charts.addWidget(heading(self.tr(title), body, scale=1.0), row, col)
            charts.addWidget(widget, row + 1, col)
        layout.addLayout(charts)

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
        today = self.today

        def work(_control: TaskControl) -> tuple[overview.Overview, overview.Dashboard]:
            with database.session() as session:
                return overview.overview(session, recent=12), overview.dashboard(session, today)

        self.ctx.tasks.run(work, on_done=self._show, owner=self)

    def _on_changes(self, _changes: Changes) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self._stale and self.data is not None:
            self.refresh()

    def _show(self, result: tuple[overview.Overview, overview.Dashboard]) -> None:
        data, board = result
        self.data = data
        self.board = board
        self.year_heading.setText(self.tr("{0} 年以来").format(board.year))
        for key, card in self.year_cards.items():
            card.set_number(board.figures[key].number)
        self.status_chart.set_items([(workflow.status_label(s), n, s.value)
                                     for s, n in board.by_status.items()])
        self.township_chart.set_items([(name, n, name) for _i, name, n in board.by_township])
        self.workload_chart.set_items([(f"{w.name}", w.days, w.expert_id)
                                       for w in board.workload])
        self.month_chart.set_points([(f"{int(m[5:])}月", v) for m, v in board.months])
        self.season_model.set_rows([
            {"phase": s.label, "window": f"{s.start:%m-%d}～{s.end:%m-%d}",
             "waiting": len(s.need_ids), "need_ids": s.need_ids} for s in board.season])
        self.season_view.resizeColumnsToContents()
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

    def drill(self, key: str) -> DrillDownDialog:
        """The records behind one of this year's figures (the statistics service's query)."""
        period = st.Period.of_year(self.board.year if self.board else date.today().year)
        dialog = DrillDownDialog(self.ctx, key, period, st.ALL, self)
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def _open_township(self, name: str) -> None:
        self.ctx.show_page("needs", {"filter": {"township": name}})

    def _open_season(self, index: Any) -> None:
        ids = self.season_model.row_data(index.row())["need_ids"]
        if ids:
            self.ctx.show_page("needs", {"select": ids[0], "filter": {}})

    def open_needs(self, status: NeedStatus) -> None:
        self.ctx.show_page("needs", {"filter": {"status": workflow.status_label(status)}})

    def _open_recent(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        need_id = item.data(0, Qt.ItemDataRole.UserRole)
        if need_id:
            self.ctx.show_page("needs", {"select": need_id, "filter": {}})


PAGE = PageSpec("dashboard", "工作台", 10, DashboardPage, QStyle.StandardPixmap.SP_ComputerIcon,
                "Ctrl+1")
