"""推荐专家: the ranked experts for one need (``services.matching.rank_experts``) with the
reasons per factor, each expert's days inside the need's window on a strip calendar, the
alternates, and 指派 — one click assigns the chosen expert on the first free run of days,
after the conflict check (hard conflicts refused with the reason or overridden with one, soft
ones confirmed), through ``services.matching.conflicts.assign``.

The panel keeps an ``ExpertPool`` (every expert loaded once) while it is open and ranks from
it; after an assignment the pool is loaded again, since the experts' days changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import messages
from ui.calendar_view import ConflictDialog
from ui.context import NEED, AppContext, Changes
from ui.strip_calendar import BUSY, FREE, OFF, UNAVAILABLE, Day, StripCalendar, StripDelegate
from ui.tasks import TaskControl
from ui.widgets import DateEdit, heading, muted, to_qdate

Index = QModelIndex | QPersistentModelIndex
DISPATCH = "dispatch"


@dataclass(frozen=True)
class MatchData:
    ranking: Any  # services.matching.ranking.Ranking
    days_wanted: int
    strips: dict[int, list[Day]]  # expert id → the window's days
    pool: Any  # the ExpertPool kept for the next ranking


def expert_days(pool: Any, expert_id: int, free: tuple[date, ...], lo: date, hi: date
                ) -> list[Day]:
    """Each day of the window: free (as the ranking found it), else why not — the expert's
    leave, another dispatch, or a day off by the calendar."""
    free_set = set(free)
    info = pool.experts.get(expert_id) if pool is not None else None
    spans = pool.spans.get(expert_id, ()) if pool is not None else ()
    out: list[Day] = []
    day = lo
    while day <= hi:
        if day in free_set:
            state = FREE
        elif info is not None and info.is_unavailable(day):
            state = UNAVAILABLE
        elif any(a <= day <= b for a, b in spans):
            state = BUSY
        else:
            state = OFF
        out.append((day, state))
        day += timedelta(days=1)
    return out


def first_free_run(days: list[Day], length: int) -> date | None:
    """The first day starting ``length`` consecutive free days."""
    run = 0
    for i, (_day, state) in enumerate(days):
        run = run + 1 if state == FREE else 0
        if run >= length:
            return days[i - length + 1][0]
    return None


class RankingModel(QAbstractTableModel):
    """The ranked experts, in the service's order. ``IdRole``: the expert id; ``StripRole``:
    the strip's days; the tooltip lists the reasons factor by factor."""

    IdRole = Qt.ItemDataRole.UserRole + 1
    StripRole = Qt.ItemDataRole.UserRole + 2
    HEADERS = ("序", "角色", "专家", "职称", "得分", "空闲", "窗口内的日子")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []
        self.strips: dict[int, list[Day]] = {}

    def set_rows(self, rows: list[Any], strips: dict[int, list[Day]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.strips = strips
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            free = sum(1 for _d, s in self.strips.get(r.expert_id, ()) if s == FREE)
            total = len(self.strips.get(r.expert_id, ()))
            values = (str(index.row() + 1), r.role, r.name, r.title, f"{r.score:.1f}",
                      f"{free}/{total}", "")
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{r.name}（{r.code}）得分 {r.score:.1f}"]
            lines += [f"· {f.text()}" for f in r.factors]
            if r.note:
                lines.append(r.note)
            if not r.plannable:
                lines.append("窗口内没有足够的连续空闲日")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 4, 5):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == self.IdRole:
            return r.expert_id
        if role == self.StripRole and column == 6:
            return self.strips.get(r.expert_id)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class MatchPanel(QWidget):
    """Signals: ``assigned(dispatch code)``. Attributes: ``model`` (RankingModel), ``table``,
    ``strip`` (the chosen expert's StripCalendar), ``start_edit``, ``assign_button``,
    ``data`` (the last MatchData), ``conflict_dialog`` / ``confirm_box`` (the last asked)."""

    assigned = Signal(str)

    def __init__(self, ctx: AppContext, need_id: int, parent: QWidget | None = None, *,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.need_id = need_id
        self.fixed_today = today  # a fixed "today" (tests); else the real one
        self.pool: Any = None
        self.data: MatchData | None = None
        self.conflict_dialog: ConflictDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self._generation = 0
        self.title = heading(self.tr("正在排序专家…"), self, scale=1.1)
        self.title.setWordWrap(True)
        self.summary = muted("", self)
        self.model = RankingModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setItemDelegateForColumn(6, StripDelegate(int(RankingModel.StripRole),
                                                             self.table))
        em = self.fontMetrics().horizontalAdvance("中")
        for column, width in enumerate((2, 3, 4, 4, 3, 3)):
            self.table.setColumnWidth(column, width * em + em // 2)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.table.doubleClicked.connect(lambda _i: self.assign_selected())
        self.reasons = QLabel(self)
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.TextFormat.RichText)
        self.strip = StripCalendar(self)
        self.strip.dayClicked.connect(self._strip_clicked)
        self.start_edit = DateEdit(self)
        self.start_edit.dateChanged.connect(lambda _d: self._update_selection())
        self.end_label = QLabel(self)
        self.assign_button = QPushButton(self.tr("指派"), self)
        self.assign_button.setToolTip(self.tr("先检查冲突，再把所选专家派往该需求（拟派）"))
        self.assign_button.clicked.connect(self.assign_selected)
        self.assign_button.setEnabled(False)
        self.excluded = muted("", self)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("开始日期："), self))
        row.addWidget(self.start_edit)
        row.addWidget(self.end_label)
        row.addStretch(1)
        row.addWidget(self.assign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.reasons)
        layout.addWidget(self.strip)
        layout.addLayout(row)
        layout.addWidget(self.excluded)
        ctx.changed.connect(self._on_changes)
        self.reload()

    # -- loading ------------------------------------------------------------------------------

    def reload(self, *, reload_pool: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        database = self.ctx.database
        need_id = self.need_id
        pool = None if reload_pool else self.pool
        today = self.today()

        def work(_control: TaskControl) -> MatchData:
            from services import needs
            from services.matching import ranking

            with database.session() as session:
                detail = needs.detail(session, need_id)
                year = (detail["window_start"] or today).year
                lo_year, hi_year = min(year, today.year), max(year, today.year) + 1
                kept = pool
                if kept is None or not kept.covers(date(lo_year, 1, 1), date(hi_year, 1, 1)):
                    kept = ranking.ExpertPool.load(session, date(lo_year, 1, 1),
                                                   date(hi_year, 12, 31))
                result = ranking.rank_experts(session, need_id, pool=kept, today=today)
            strips = {r.expert_id: expert_days(kept, r.expert_id, r.free_days,
                                               result.window_start, result.window_end)
                      for r in result.experts}
            return MatchData(result, int(detail["days_wanted"] or 1), strips, kept)

        def done(data: MatchData) -> None:
            if generation == self._generation:
                self._fill(data)

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在排序专家…"))

    def _fill(self, data: MatchData) -> None:
        self.data = data
        self.pool = data.pool
        r = data.ranking
        self.title.setText(self.tr("推荐专家：{0} {1}").format(r.need_code, r.need_title))
        window = f"{r.window_start.month}月{r.window_start.day}日—{r.window_end.month}月" \
                 f"{r.window_end.day}日"
        self.summary.setText(self.tr("服务窗口 {0}，需要 {1} 名专家、每次 {2} 天；共 {3} 位"
                                     "候选（揭榜的在前，其后是推荐和备选）。鼠标停在一行上可看各项"
                                     "得分的理由。").format(window, r.experts_wanted,
                                                      data.days_wanted, len(r.experts)))
        self.model.set_rows(r.experts, data.strips)
        self.excluded.setText(self.tr("不参与推荐：") + "；".join(
            f"{name}（{why}）" for name, why in r.excluded) if r.excluded else "")
        self.assign_button.setEnabled(bool(r.experts))
        if r.experts:
            self.table.selectRow(0)
        self._show_selected()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(DISPATCH, "expert", "setting"):
            self.reload(reload_pool=True)

    # -- the chosen expert --------------------------------------------------------------------

    def today(self) -> date:
        return self.fixed_today or date.today()

    def selected(self) -> Any | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.rows[index.row()]

    def _show_selected(self) -> None:
        row = self.selected()
        if row is None or self.data is None:
            self.reasons.setText("")
            self.strip.set_days([])
            return
        factors = "".join(f"<li>{f.text()}</li>" for f in row.factors)
        note = f"<br>{row.note}" if row.note else ""
        self.reasons.setText(f"<b>{row.name}</b>（{row.role}，{row.title}，得分 {row.score:.1f}）"
                             f"<ul style='margin-left:-20px'>{factors}</ul>{note}")
        days = self.data.strips.get(row.expert_id, [])
        self.strip.set_days(days)
        # Never propose a start in the past: the window may have begun already.
        today = self.today()
        start = (first_free_run([d for d in days if d[0] >= today], self.data.days_wanted)
                 or max(self.data.ranking.window_start, min(today,
                                                             self.data.ranking.window_end)))
        self.start_edit.setDate(to_qdate(start))
        self._update_selection()

    def _strip_clicked(self, day: date) -> None:
        self.start_edit.setDate(to_qdate(day))

    def visit(self) -> tuple[date, date]:
        start = self.start_edit.value()
        days = self.data.days_wanted if self.data is not None else 1
        return start, start + timedelta(days=days - 1)

    def _update_selection(self) -> None:
        start, end = self.visit()
        self.strip.set_selected((start, end))
        self.end_label.setText(self.tr("至 {0}").format(end.isoformat()))

    # -- assigning ----------------------------------------------------------------------------

    def assign_selected(self) -> None:
        """Check the chosen expert on the chosen days, then assign (asking as needed)."""
        row = self.selected()
        if row is None:
            return
        start, end = self.visit()
        database = self.ctx.database
        need_id = self.need_id
        self.assign_button.setEnabled(False)

        def work(_control: TaskControl) -> list[Any]:
            from services.matching import conflicts

            with database.session() as session:
                return conflicts.check_visit(session, need_id, row.expert_id, start, end)

        def failed(_exc: Exception) -> bool:
            self.assign_button.setEnabled(True)
            return False

        self.ctx.tasks.run(work, on_done=lambda f: self._decide(row, start, end, f),
                           on_error=failed, owner=self)

    def _decide(self, row: Any, start: date, end: date, findings: list[Any]) -> None:
        self.assign_button.setEnabled(True)
        hard = [f for f in findings if f.hard]
        soft = [f for f in findings if not f.hard]
        when = f"{start.month}月{start.day}日" + ("" if start == end
                                                 else f"—{end.month}月{end.day}日")
        if hard:
            dialog = ConflictDialog(self.tr("不能指派{0}").format(row.name),
                                    self.tr("{0}在 {1} 有冲突：").format(row.name, when),
                                    findings, all(f.overridable for f in hard), self.window())
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(lambda: self.assign(row.expert_id, start, end,
                                                        dialog.reason()))
            self.conflict_dialog = dialog
            dialog.open()
            return
        if soft:
            self.confirm_box = messages.ask(
                self.window(), self.tr("指派{0}（{1}）？").format(row.name, when),
                [(self.tr("仍然指派"), QMessageBox.ButtonRole.AcceptRole),
                 (self.tr("取消"), QMessageBox.ButtonRole.RejectRole)],
                lambda i: i == 0 and self.assign(row.expert_id, start, end),
                informative="\n".join(f.message for f in soft))
            return
        self.assign(row.expert_id, start, end)

    def assign(self, expert_id: int, start: date, end: date, override_reason: str = "") -> None:
        database = self.ctx.database
        need_id = self.need_id

        def work(_control: TaskControl) -> tuple[str, str]:
            from services.matching import conflicts

            with database.unit_of_work() as uow:
                dispatch, _findings = conflicts.assign(
                    uow.session, need_id, expert_id, start, end,
                    override=bool(override_reason), reason=override_reason, actor=uow.actor)
                uow.commit()
                return dispatch.code, dispatch.expert.name

        def done(result: tuple[str, str]) -> None:
            code, name = result
            message = self.tr("已指派{0}，派遣单 {1}（拟派）。").format(name, code)
            self.ctx.window.statusBar().showMessage(message, 8000)
            self.summary.setText(message)
            self.assigned.emit(code)
            self.ctx.notify(Changes.of(DISPATCH) | Changes.of(NEED, [need_id]))

        self.ctx.tasks.run(work, on_done=done, owner=self, label=self.tr("正在指派…"))


class MatchDialog(QDialog):
    """The match panel in its own window (from a need's detail or the calendar)."""

    def __init__(self, ctx: AppContext, need_id: int, parent: QWidget | None = None, *,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("推荐专家"))
        self.panel = MatchPanel(ctx, need_id, self, today=today)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 62, self.fontMetrics().height() * 40)

