"""The printable statistics report (PDF with charts; the Chinese is text) and the workbook
(one sheet of totals, one per slice, the months)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
from openpyxl import load_workbook

from services import statistics as st
from services.documents.statistics_report import print_statistics_report, report_data
from services.statistics.export import export_xlsx
from tests.conftest import County
from tests.stats_support import Outcomes, build_outcomes

Y2026 = st.Period.of_year(2026)


@pytest.fixture
def oc(db, county: County) -> Outcomes:
    return build_outcomes(db, county)


def _text(pdf: Path) -> str:
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return "\f".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_report_pdf_has_the_paragraph_tables_and_chart_labels(db, oc: Outcomes,
                                                              tmp_path: Path) -> None:
    target = tmp_path / "统计报表.pdf"
    with db.session() as s:
        result = print_statistics_report(s, target, Y2026)
        data = report_data(s, Y2026)
    assert result.pages >= 2 and result.missing == []
    text = _text(target).replace("\r", "").replace("\n", "")
    assert "专家服务基层工作统计报表" in text
    assert "解决各类难题 13 个" in text and "惠及群众约 2.6 万人" in text
    assert "分乡镇情况" in text and "白岩乡" in text and "青山镇" in text
    assert "各乡镇专家服务人次与服务天数" in text  # a chart's caption, drawn by reportlab
    assert "逐月服务人次与天数" in text
    assert data.paragraph in text.replace(" \f", "") or data.paragraph[:30] in text


def test_report_for_a_slice_and_a_quarter(db, oc: Outcomes, tmp_path: Path) -> None:
    with db.session() as s:
        sl = st.make_slice(s, "township", "白岩乡")
        print_statistics_report(s, tmp_path / "q.pdf", st.Period.of_quarter(2026, 2), sl)
    text = _text(tmp_path / "q.pdf")
    assert "（白岩乡）" in text and "2026年二季度" in text


def test_workbook_totals_and_one_sheet_per_slice(db, oc: Outcomes, tmp_path: Path) -> None:
    with db.session() as s:
        path = export_xlsx(s, tmp_path / "统计表.xlsx", Y2026)
        figures = st.compute_all(s, Y2026)
    book = load_workbook(path)
    assert book.sheetnames == ["总计", "分乡镇", "分专业领域", "分服务团", "分服务基地",
                               "重点帮扶村", "逐月"]
    totals = {r[0]: r[1] for r in book["总计"].iter_rows(min_row=5, values_only=True) if r[0]}
    for v in figures.values.values():
        assert totals[v.label] == v.number
    paragraph = [r[0] for r in book["总计"].iter_rows(values_only=True)
                 if r[0] and str(r[0]).startswith("今年以来")]
    assert paragraph and "邀请专家 3 名" in paragraph[0]
    towns = {r[0]: r[1:] for r in book["分乡镇"].iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in book["分乡镇"][1]]
    served = header.index("专家服务（人次）")
    assert towns["白岩乡"][served - 1] == 1 and towns["青山镇"][served - 1] == 4
    priority = {r[0]: r for r in book["重点帮扶村"].iter_rows(min_row=2, values_only=True)}
    assert priority["脱贫村、重点帮扶村"][served] == 3
    team = list(book["分服务团"].iter_rows(min_row=2, values_only=True))
    assert team[0][0] == "茶产业专家服务团" and team[0][served] == 4
    months = list(book["逐月"].iter_rows(min_row=2, values_only=True))
    assert len(months) == 12 and sum(r[1] for r in months) == 5
