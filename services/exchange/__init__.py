"""Excel in and out (导入导出), reporting upward (数据报送).

- ``schema``: the columns of each kind of list (needs, experts, units, dispatches): Chinese
  headers, the synonyms real spreadsheets use, what each cell holds.
- ``templates``: ``.xlsx`` templates a township clerk fills in Excel or WPS.
- ``reading`` / ``headers`` / ``cells``: reading ``.xlsx``, ``.xls`` and ``.csv`` as they come
  (title rows, merged cells, GBK, dates in every form) into plain rows.
- ``importer``: preview and import, every row validated by the same rules as the forms, all
  accepted rows written in one transaction or none; ``report`` writes the error workbook.
- ``export``: any list to ``.xlsx``; ID numbers and phones masked unless asked (audited).
- ``packages``: the package a county sends upward and the city merges (idempotent by UUID).

Nothing here imports Qt: long work takes ``progress(done, total, text)`` and ``cancel()``.
"""

from __future__ import annotations

from services.exchange.export import export_list
from services.exchange.importer import (
    ImportOptions,
    ImportResult,
    RowOutcome,
    import_file,
    preview_import,
)
from services.exchange.packages import export_package, import_package, read_manifest
from services.exchange.templates import write_template

__all__ = [
    "ImportOptions",
    "ImportResult",
    "RowOutcome",
    "export_list",
    "export_package",
    "import_file",
    "import_package",
    "preview_import",
    "read_manifest",
    "write_template",
]
