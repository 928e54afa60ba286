"""Finding the header row of a spreadsheet and what each column holds.

Township spreadsheets start with a title (``2026年青山镇专家服务需求汇总表``), sometimes a
note, sometimes a two-row header; they name the same column ten ways. The header is the row
among the first ``SCAN_ROWS`` that names the most known columns; a column is known by the
kind's header, its synonyms, a mapping the user made earlier (remembered) or one made for
this import (overrides). A user mapping wins over the built-in synonyms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.errors import ServiceError
from services.exchange.cells import text
from services.exchange.schema import IGNORED_HEADERS, Column, Kind, header_forms

SCAN_ROWS = 30
IGNORE = ""  # a mapping to this key means: do not import the column


class HeaderError(ServiceError):
    """No header row could be found, or a required column is missing."""


@dataclass
class ColumnMap:
    """Where the data is: ``header_row`` (0-based row index), ``headers`` (each column's
    header text, "" when blank), ``columns`` (key → column indexes, in file order; several
    columns may feed one key, the first non-blank wins), ``unknown`` (headers not imported),
    ``missing`` (required columns not found)."""

    header_row: int
    headers: list[str]
    columns: dict[str, list[int]]
    unknown: list[str] = field(default_factory=list)
    missing: list[Column] = field(default_factory=list)

    def header_of(self, key: str) -> str:
        indexes = self.columns.get(key)
        return self.headers[indexes[0]] if indexes else ""

    def column_of(self, key: str) -> int | None:
        indexes = self.columns.get(key)
        return indexes[0] if indexes else None


def lookup_table(
    kind: Kind, remembered: Mapping[str, str], overrides: Mapping[str, str]
) -> dict[str, str]:
    """Header form → key (or IGNORE). Later sources win: built-in, remembered, this import."""
    table: dict[str, str] = {}
    for name in IGNORED_HEADERS:
        table[header_forms(name)[0]] = IGNORE
    for column in kind.import_columns:
        for name in (*column.synonyms, column.header):
            for form in header_forms(name):
                if form:
                    table[form] = column.key
    valid = {c.key for c in kind.import_columns} | {IGNORE}
    for source in (remembered, overrides):
        for header, key in source.items():
            if key in valid:
                table[header_forms(header)[0]] = key
    return table


def match(table: Mapping[str, str], cell: Any) -> str | None:
    """The key a header cell names, IGNORE, or None when unknown."""
    plain, stripped = header_forms(text(cell))
    if not plain:
        return None
    if plain in table:
        return table[plain]
    if stripped in table:
        return table[stripped]
    return None


def detect(
    rows: Sequence[Sequence[Any]],
    kind: Kind,
    remembered: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> ColumnMap:
    table = lookup_table(kind, remembered or {}, overrides or {})
    best_row, best_score = -1, 0
    for index, row in enumerate(rows[:SCAN_ROWS]):
        keys = {match(table, cell) for cell in row} - {None, IGNORE}
        if len(keys) > best_score:
            best_row, best_score = index, len(keys)
    if best_score < 2:
        names = "、".join(f"“{c.header}”" for c in kind.import_columns if c.required)
        raise HeaderError(
            f"在前 {SCAN_ROWS} 行中没有找到{kind.label}清单的表头。表头一行应写明列名，"
            f"至少包括 {names}。请检查是否选错了工作表或清单类型。"
        )
    header = rows[best_row]
    # Shown as written in the file (messages and the report name the column the clerk sees).
    headers = [" ".join(cell.split()) if isinstance(cell, str) else text(cell) for cell in header]
    columns: dict[str, list[int]] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        key = match(table, cell)
        if key is None:
            if headers[index] and headers[index] not in unknown:
                unknown.append(headers[index])
            continue
        if key == IGNORE:
            continue
        columns.setdefault(key, []).append(index)
    missing = [c for c in kind.import_columns if c.required and c.key not in columns]
    return ColumnMap(best_row, headers, columns, unknown, missing)
