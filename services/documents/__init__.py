"""Printed documents (reportlab, no Qt): 派遣单 with 回执, 商调函, 需求清单, 服务基层经历证明 and
农时月历, laid out after GB/T 9704-2012 with embedded TrueType subsets and Chinese line
breaking. See docs/documents.md.

    from services.documents import print_dispatch_sheets
    with db.session() as session:
        result = print_dispatch_sheets(session, ["PQ-2026-0001"], "派遣单.pdf",
                                       progress=on_progress, cancelled=is_cancelled)
    for line in result.missing:   # characters no font could print: tell the user
        ...
"""

from services.documents.errors import DocumentError, FontError, PrintCancelled
from services.documents.fonts import FontSet, check_glyphs, font_set
from services.documents.printing import (
    PrintResult,
    print_certificate,
    print_dispatch_sheets,
    print_letter,
    print_month_calendar,
    print_need_list,
)
from services.documents.text import (
    break_lines,
    chinese_date,
    document_number,
    mask_id_number,
)

__all__ = [
    "DocumentError",
    "FontError",
    "FontSet",
    "PrintCancelled",
    "PrintResult",
    "break_lines",
    "check_glyphs",
    "chinese_date",
    "document_number",
    "font_set",
    "mask_id_number",
    "print_certificate",
    "print_dispatch_sheets",
    "print_letter",
    "print_month_calendar",
    "print_need_list",
]
