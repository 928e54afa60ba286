"""Statistics of the programme for any period and slice: every figure with the records behind
it, the summary paragraph, breakdowns, the printable report and the workbook."""

from services.statistics.breakdown import TABLE_KEYS, SliceRow, by_slice, monthly
from services.statistics.figures import (
    DASHBOARD_KEYS,
    FIGURES,
    RECORD_KINDS,
    DrillRow,
    Figure,
    Figures,
    FigureValue,
    compute,
    compute_all,
    drill_down,
    figure,
    figure_select,
)
from services.statistics.paragraph import chinese_number, period_opening, summary_paragraph
from services.statistics.periods import (
    ALL,
    SLICE_KINDS,
    Period,
    Slice,
    make_slice,
    slice_choices,
)

__all__ = [
    "ALL", "DASHBOARD_KEYS", "FIGURES", "RECORD_KINDS", "SLICE_KINDS", "TABLE_KEYS",
    "DrillRow", "Figure", "FigureValue", "Figures", "Period", "Slice", "SliceRow", "by_slice",
    "chinese_number", "compute", "compute_all", "drill_down", "figure", "figure_select",
    "make_slice", "monthly", "period_opening", "slice_choices", "summary_paragraph",
]
