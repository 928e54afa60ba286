"""Entry points: print a document from the records into one PDF file.

Each function takes the caller's ``Session`` first (read only), a target (a path or a binary
file object), and returns a ``PrintResult``. Long jobs take ``progress(done, total, text)``
and ``cancelled()`` like every long job in ``services/`` (the GUI turns them into a progress
bar with a cancel button); a cancelled job raises ``PrintCancelled`` and leaves no file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from services import audit
from services.documents import certificate as cert
from services.documents import dispatch_sheet as ds
from services.documents import letter as lt
from services.documents import month_calendar as mc
from services.documents import need_list as nl
from services.documents.common import Seasons
from services.documents.errors import DocumentError
from services.documents.fonts import FontSet, font_set
from services.documents.page import Cancelled, PdfJob, Progress, Target, never, no_progress, office
from services.privacy import require_reveal_role


@dataclass
class PrintResult:
    """What was printed: ``path`` (None for a file object), ``documents`` (sheets, letters …),
    ``pages``, ``missing`` (one Chinese line per character no font could print — show these to
    the user), ``fonts`` ((role, font file) pairs used)."""

    path: Path | None
    documents: int
    pages: int
    missing: list[str] = field(default_factory=list)
    fonts: list[tuple[str, str]] = field(default_factory=list)


def _result(target: Target, job: PdfJob, documents: int) -> PrintResult:
    path = Path(target) if isinstance(target, str | Path) else None
    return PrintResult(path, documents, job.pages, job.fonts.missing_report(),
                       job.fonts.describe())


def _run(job: PdfJob, body: object) -> None:
    """Finish the job, or remove its partial file if drawing failed."""
    try:
        body()  # type: ignore[operator]
    except BaseException:
        job.abort()
        raise
    job.finish()


def print_dispatch_sheets(
    session: Session,
    keys: Sequence[int | str] | None,
    target: Target,
    *,
    start: date | None = None,
    end: date | None = None,
    issued_on: date | None = None,
    show_id_numbers: bool = False,
    fonts: FontSet | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> PrintResult:
    """派遣单 with receipts for the dispatches ``keys`` (codes or ids — a plan's dispatches),
    or for every planned or confirmed dispatch when ``keys`` is None (optionally only those
    starting between ``start`` and ``end``), all in one PDF with the fonts embedded once."""
    progress = progress or no_progress
    cancelled = cancelled or never
    if show_id_numbers:
        require_reveal_role(session, "打印完整身份证号")
    dispatches = ds.dispatches_to_print(session, keys, start=start, end=end)
    if not dispatches:
        raise DocumentError("没有可打印的派遣单（只打印“拟派”和“已确认”的派遣）。"
                            "请检查日期范围，或先安排派遣。")
    fonts = fonts or font_set(session)
    info = office(session)
    seasons = Seasons(session)
    issued = issued_on or date.today()
    job = PdfJob(target, fonts, title="专家服务基层派遣单", author=info.bureau)
    total = len(dispatches)

    def body() -> None:
        progress(0, total, f"准备打印 {total} 份派遣单")
        for i, dispatch in enumerate(dispatches):
            job.check(cancelled)
            sheet = ds.sheet_data(dispatch, info, seasons, show_id_numbers=show_id_numbers)
            ds.draw_sheet(job, sheet, info, issued)
            progress(i + 1, total, f"已生成派遣单 {sheet.code}（{i + 1}/{total}）")
        job.check(cancelled)

    _run(job, body)
    # The sheets carry the expert's and the unit's phones: personal data leaving on paper.
    _audit_print(session, f"打印派遣单 {total} 份（含电话" + ("、完整身份证号" if show_id_numbers
                                                     else "") + "）", "Dispatch",
                 [d.id for d in dispatches], show_id_numbers)
    return _result(target, job, total)


def print_letter(
    session: Session,
    dispatch_key: int | str,
    target: Target,
    *,
    issued_on: date | None = None,
    fonts: FontSet | None = None,
) -> PrintResult:
    """商调函 to the expert's employer asking to release them for the dispatch's dates."""
    dispatch = ds.dispatches_to_print(session, [dispatch_key])[0]
    fonts = fonts or font_set(session)
    info = office(session)
    data = lt.letter_data(dispatch, info)
    job = PdfJob(target, fonts, title=data.title, author=info.bureau)
    _run(job, lambda: lt.draw_letter(job, data, info, issued_on or date.today()))
    return _result(target, job, 1)


def print_need_list(
    session: Session,
    target: Target,
    *,
    statuses: Sequence[str] | None = None,
    year: int | None = None,
    issued_on: date | None = None,
    fonts: FontSet | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> PrintResult:
    """需求清单: needs as a landscape table, header row on every page, "第 x 页 共 y 页"."""
    rows = nl.need_rows(session, statuses=statuses, year=year)
    if not rows:
        raise DocumentError("没有符合条件的需求，未生成清单。请换一个状态或年份。")
    fonts = fonts or font_set(session)
    info = office(session)
    title = nl.list_title(info, statuses, year)
    job = PdfJob(target, fonts, title=title, author=info.bureau, landscape_pages=True)
    _run(job, lambda: nl.draw_need_list(job, rows, title, info, issued_on or date.today(),
                                        progress or no_progress, cancelled or never))
    return _result(target, job, len(rows))


def print_certificate(
    session: Session,
    expert_key: int | str,
    target: Target,
    *,
    start: date | None = None,
    end: date | None = None,
    issued_on: date | None = None,
    show_id_numbers: bool = False,
    fonts: FontSet | None = None,
) -> PrintResult:
    """服务基层经历证明: an expert's completed grassroots service days in a period."""
    if show_id_numbers:
        require_reveal_role(session, "打印完整身份证号")
    fonts = fonts or font_set(session)
    info = office(session)
    data = cert.certificate_data(session, expert_key, info, start=start, end=end,
                                 show_id_numbers=show_id_numbers)
    job = PdfJob(target, fonts, title=f"服务基层经历证明（{data.name}）", author=info.bureau)
    _run(job, lambda: cert.draw_certificate(job, data, info, issued_on or date.today()))
    _audit_print(session, f"打印服务基层经历证明（{data.name}，身份证号"
                 + ("完整）" if show_id_numbers else "已遮盖）"), "Expert", [], show_id_numbers)
    return _result(target, job, 1)


def _audit_print(session: Session, note: str, entity_type: str, ids: list[int],
                 full_ids: bool) -> None:
    audit.record_separately(session, "print", note, entity_type=entity_type,
                            entity_id=ids[0] if len(ids) == 1 else None,
                            after={"count": len(ids) or 1, "ids": ids[:50],
                                   "show_id_numbers": full_ids})


def print_month_calendar(
    session: Session,
    year: int,
    months: Sequence[int],
    target: Target,
    *,
    crop: str | None = None,
    fonts: FontSet | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> PrintResult:
    """农时月历: one landscape page per month with dates, lunar dates, solar terms, holidays,
    crop phases and the month's dispatches."""
    fonts = fonts or font_set(session)
    info = office(session)
    progress = progress or no_progress
    cancelled = cancelled or never
    pages = [mc.month_data(session, year, m, crop=crop) for m in months]
    job = PdfJob(target, fonts, title=f"{year}年农时月历", author=info.bureau,
                 landscape_pages=True)

    def body() -> None:
        for i, page in enumerate(pages):
            job.check(cancelled)
            mc.draw_month(job, page, info)
            progress(i + 1, len(pages), f"已生成 {page.year}年{page.month}月")

    _run(job, body)
    return _result(target, job, len(pages))
