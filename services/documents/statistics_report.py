"""专家服务基层工作统计报表: the figures of a period and slice as a printable report — the
summary paragraph, the table of figures, charts drawn with reportlab.graphics (bar chart by
township, pie by field, monthly line) and the table by township. Every number comes from
services/statistics, so it is the figure the screens show and can trace to its records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from sqlalchemy.orm import Session

from services import statistics as st
from services.documents.fonts import FontSet, font_set
from services.documents.page import SIZE_4, SIZE_5, SIZE_S4, Office, PdfJob, Target, office
from services.documents.printing import PrintResult, _result, _run
from services.documents.text import chinese_date
from services.documents.typeset import Cell, Style, draw_row, layout_row

PAGE_W, PAGE_H = A4
LEFT = 20 * mm
WIDTH = PAGE_W - 2 * LEFT
TOP = PAGE_H - 18 * mm
BOTTOM = 18 * mm

TITLE = Style("title", 20, leading=20 * 1.4, align="center")
SUB = Style("fangsong", SIZE_S4, leading=SIZE_S4 * 1.5, align="center")
H2 = Style("hei", SIZE_4, leading=SIZE_4 * 1.7, align="left")
PARA = Style("fangsong", SIZE_4, leading=SIZE_4 * 1.75, align="justify", indent=2)
HEAD = Style("hei", SIZE_5, leading=SIZE_5 * 1.3, align="center")
CELL = Style("fangsong", SIZE_5, leading=SIZE_5 * 1.35, align="left")
NUM = CELL.but(align="right")
NOTE = Style("fangsong", 9, leading=9 * 1.4, align="left")
HEAD_FILL = Color(0.92, 0.92, 0.92)
PALETTE = [HexColor(c) for c in ("#1f6fb2", "#e07b39", "#3a9d5d", "#c44e52", "#8172b2",
                                 "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd")]
SHORT = {"dispatches": "服务", "experts": "专家", "expert_days": "服务天数",
         "needs_received": "收到需求", "problems_solved": "解决难题", "people_trained": "培训",
         "beneficiaries": "惠及群众", "spending": "经费支出"}
TOWNSHIP_KEYS = ("dispatches", "experts", "expert_days", "needs_received", "problems_solved",
                 "people_trained", "beneficiaries", "spending")


@dataclass(frozen=True)
class ReportData:
    period: st.Period
    slice: st.Slice
    figures: st.Figures
    paragraph: str
    townships: list[st.SliceRow]
    fields: list[st.SliceRow]
    priority: list[st.SliceRow]
    months: list[tuple[str, float]]  # completed dispatches per month
    month_days: list[tuple[str, float]]  # expert-days per month


def report_data(session: Session, period: st.Period, sl: st.Slice = st.ALL,
                today: date | None = None) -> ReportData:
    figures = st.compute_all(session, period, sl)
    return ReportData(
        period, sl, figures, st.summary_paragraph(figures, today),
        st.by_slice(session, period, "township"),
        st.by_slice(session, period, "field", ("dispatches", "expert_days", "problems_solved")),
        st.by_slice(session, period, "priority"),
        st.monthly(session, period, "dispatches", sl),
        st.monthly(session, period, "expert_days", sl),
    )


def report_title(data: ReportData) -> str:
    where = "" if data.slice.kind == "all" else f"（{data.slice.label}）"
    return f"专家服务基层工作统计报表{where}"


class _Flow:
    """A top-down cursor over portrait pages with a page number at the foot."""

    def __init__(self, job: PdfJob) -> None:
        self.job = job
        self.ts = job.ts
        self.top = TOP
        self.page = 1

    def new_page(self) -> None:
        self._number()
        self.job.end_page()
        self.page += 1
        self.top = TOP

    def _number(self) -> None:
        self.ts.string(PAGE_W / 2, BOTTOM - 8 * mm, f"— {self.page} —", NOTE, anchor="center")

    def ensure(self, height: float) -> None:
        if self.top - height < BOTTOM:
            self.new_page()

    def text(self, text: str, style: Style) -> None:
        lines = self.ts.wrap(text, WIDTH, style)
        for line in lines:
            self.ensure(style.pitch)
            self.ts.draw_line(LEFT, self.ts.baseline(self.top, style), WIDTH, line, style)
            self.top -= style.pitch

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float], numeric_from: int = 1) -> None:
        head = layout_row(self.ts, [Cell(h, HEAD) for h in header], widths)
        measured = [layout_row(self.ts, [Cell(v, NUM if i >= numeric_from else CELL)
                                         for i, v in enumerate(r)], widths) for r in rows]
        self.ensure(head.height + (measured[0].height if measured else 0))
        self.top = draw_row(self.ts, head, LEFT, self.top, fill=HEAD_FILL)
        for row in measured:
            if self.top - row.height < BOTTOM:
                self.new_page()
                self.top = draw_row(self.ts, head, LEFT, self.top, fill=HEAD_FILL)
            self.top = draw_row(self.ts, row, LEFT, self.top)

    def drawing(self, *drawings: Drawing) -> None:
        """Drawings side by side, from the left margin."""
        height = max(d.height for d in drawings)
        self.ensure(height)
        x = LEFT
        for d in drawings:
            renderPDF.draw(d, self.job.canvas, x, self.top - d.height)
            x += d.width
        self.top -= height

    def finish(self) -> None:
        self._number()
        self.job.end_page()


def _fmt(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "元" or isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def _font(fonts: FontSet, role: str = "hei") -> str:
    return fonts.chain(role).primary_name


def _caption(drawing: Drawing, text: str, font: str) -> None:
    drawing.add(String(drawing.width / 2, drawing.height - 12, text, fontName=font,
                       fontSize=10, textAnchor="middle"))


def township_chart(rows: Sequence[st.SliceRow], font: str) -> Drawing:
    """Bars per township: completed dispatches and expert-days."""
    d = Drawing(WIDTH, 62 * mm)
    _caption(d, "各乡镇专家服务人次与服务天数", font)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 16 * mm
    chart.width, chart.height = WIDTH - 20 * mm, d.height - 30 * mm
    chart.data = [[float(r.number("dispatches")) for r in rows] or [0.0],
                  [float(r.number("expert_days")) for r in rows] or [0.0]]
    chart.categoryAxis.categoryNames = [r.slice.label for r in rows] or ["—"]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(rows) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(rows) > 8 else "n"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars[1].fillColor = PALETTE[1]
    chart.barSpacing = 1
    d.add(chart)
    d.add(_legend([("服务人次", PALETTE[0]), ("服务天数", PALETTE[1])], font,
                  WIDTH - 40 * mm, d.height - 8))
    return d


def _legend(items: Sequence[tuple[str, Color]], font: str, x: float, y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = font
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 10
    legend.colorNamePairs = [(c, t) for t, c in items]
    return legend


def field_chart(rows: Sequence[st.SliceRow], font: str) -> Drawing:
    """A pie of completed dispatches by top-level field."""
    d = Drawing(WIDTH / 2, 62 * mm)
    _caption(d, "按专业领域（服务人次）", font)
    shown = sorted((r for r in rows if r.number("dispatches")),
                   key=lambda r: -r.number("dispatches"))[:8]
    pie = Pie()
    pie.x, pie.y = 4 * mm, 10 * mm
    pie.width = pie.height = d.height - 30 * mm
    pie.data = [float(r.number("dispatches")) for r in shown] or [1.0]
    pie.labels = None
    pie.slices.strokeWidth = 0.5
    for i in range(len(pie.data)):
        pie.slices[i].fillColor = PALETTE[i % len(PALETTE)] if shown else Color(0.85, 0.85,
                                                                                   0.85)
    d.add(pie)
    items = [(f"{r.slice.label} {r.number('dispatches'):,}", PALETTE[i % len(PALETTE)])
             for i, r in enumerate(shown)] or [("暂无数据", Color(0.85, 0.85, 0.85))]
    legend = _legend(items, font, pie.x + pie.width + 6 * mm, d.height - 24)
    legend.columnMaximum = 8
    d.add(legend)
    return d


def month_chart(months: Sequence[tuple[str, float]], days: Sequence[tuple[str, float]],
                font: str) -> Drawing:
    """Completed dispatches and expert-days per month."""
    d = Drawing(WIDTH / 2, 62 * mm)
    _caption(d, "逐月服务人次与天数", font)
    chart = HorizontalLineChart()
    chart.x, chart.y = 12 * mm, 14 * mm
    chart.width, chart.height = d.width - 18 * mm, d.height - 30 * mm
    chart.data = [[v for _, v in months] or [0.0], [v for _, v in days] or [0.0]]
    chart.categoryAxis.categoryNames = [f"{int(m[5:])}月" for m, _ in months] or ["—"]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.lines[0].strokeColor = PALETTE[0]
    chart.lines[1].strokeColor = PALETTE[1]
    chart.lines[0].strokeWidth = chart.lines[1].strokeWidth = 1.5
    d.add(chart)
    d.add(_legend([("人次", PALETTE[0]), ("天数", PALETTE[1])], font, d.width - 20 * mm,
                  d.height - 4))
    return d


def draw_report(job: PdfJob, data: ReportData, info: Office, issued_on: date) -> None:
    ts = job.ts
    ts.fonts.context = report_title(data)
    flow = _Flow(job)
    flow.text(report_title(data), TITLE)
    flow.text(f"统计期间：{data.period.label}（{data.period.start.isoformat()} 至 "
              f"{data.period.end.isoformat()}）", SUB)
    flow.text(f"{info.bureau}　{chinese_date(issued_on)}", SUB)
    flow.top -= 3 * mm
    flow.text("一、总体情况", H2)
    flow.text(data.paragraph, PARA)
    flow.top -= 2 * mm
    flow.text("二、主要指标", H2)
    rows = [[v.label, _fmt(v.number, v.unit), v.unit, f"{v.records:,}"]
            for v in data.figures.values.values()]
    flow.table(["指标", "数值", "单位", "依据记录（条）"], rows,
               [w * WIDTH for w in (0.42, 0.22, 0.14, 0.22)])
    flow.top -= 2 * mm
    flow.ensure(H2.pitch + 62 * mm)
    flow.text("三、图表", H2)
    font = _font(job.fonts)
    flow.drawing(township_chart(data.townships, font))
    flow.drawing(field_chart(data.fields, font), month_chart(data.months, data.month_days, font))
    flow.top -= 2 * mm
    flow.ensure(H2.pitch + 20 * mm)
    flow.text("四、分乡镇情况", H2)
    labels = [st.FIGURES[k] for k in TOWNSHIP_KEYS]
    header = ["乡镇"] + [f"{SHORT.get(f.key, f.label)}（{f.unit}）" for f in labels]
    # Money takes wider columns: "50,500.00" must not break inside the number.
    weights = [1.7 if f.unit == "元" else 1.0 for f in labels]
    widths = [WIDTH * 0.14] + [WIDTH * 0.86 * w / sum(weights) for w in weights]
    table = [[r.slice.label] + [_fmt(r.values[k].number, r.values[k].unit)
                                for k in TOWNSHIP_KEYS] for r in data.townships]
    total = ["合计（全县）"] + [_fmt(data.figures[k].number, st.FIGURES[k].unit)
                            for k in TOWNSHIP_KEYS]
    flow.table(header, [*table, total], widths)
    flow.top -= 2 * mm
    flow.text("五、脱贫村、重点帮扶村与其他", H2)
    flow.table(header[:1] + header[1:], [[r.slice.label] + [
        _fmt(r.values[k].number, r.values[k].unit) for k in TOWNSHIP_KEYS]
        for r in data.priority], widths)
    flow.top -= 2 * mm
    flow.text("说明：各项数字由系统按记录自动统计，每一项都可在“统计报表”界面点开查看所依据的"
              "需求、派遣或支出记录；各项口径见使用说明 docs/statistics.md。"
              "分乡镇合计与全县数字不同时，差额为未落在乡镇上的记录（如服务团、活动的支出）。",
              NOTE)
    flow.finish()


def print_statistics_report(session: Session, target: Target, period: st.Period,
                            sl: st.Slice = st.ALL, *, issued_on: date | None = None,
                            fonts: FontSet | None = None) -> PrintResult:
    """The report as a PDF file (or file object)."""
    data = report_data(session, period, sl)
    fonts = fonts or font_set(session)
    info = office(session)
    job = PdfJob(target, fonts, title=report_title(data), author=info.bureau)
    _run(job, lambda: draw_report(job, data, info, issued_on or date.today()))
    return _result(target, job, 1)

