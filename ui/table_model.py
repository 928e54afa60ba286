"""The table model of every list: a ``QAbstractTableModel`` over plain row tuples from a
service (``RowSet``), with sorting, filtering and quick search done in Python and pushed to
the view as a layout change (sort) or a reset (filter).

Why not ``QSortFilterProxyModel``: over 100,000 Python-backed rows it calls back into Python
for every comparison (8.9 s per sort measured here); sorting a list of positions by a cached
key list takes a tenth of a second.

The rows stay where they were loaded ("positions"); the model keeps the sort order and the
visible rows as lists of positions. A row removed after an edit becomes ``None`` so that every
position, the search index and the sort-key caches stay valid.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from services.records import RowSet
from services.search import SearchIndex, normalize_query, sort_key

Index = QModelIndex | QPersistentModelIndex
FilterTest = frozenset[Any] | Callable[[Any], bool]
_LAST_TEXT = "\U0010ffff"  # empty values sort after every text
_LAST_NUMBER = float("inf")


class _Removed:
    """The sort key of a removed row: after everything, comparable with any key type."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return other is not self

    def __le__(self, other: object) -> bool:
        return other is self

    def __ge__(self, other: object) -> bool:
        return True


_REMOVED = _Removed()


def display_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column of a list.

    ``key``: the row column it shows; ``title``: the header; ``width``: default width in
    characters; ``display``: value → text (default: ``display_value``); ``sort``: ``pinyin``
    (Chinese text in pinyin order), ``text``, ``number`` or a function value → key;
    ``align``: ``left``/``right``/``center``; ``hidden``: not shown until the user asks.
    """

    key: str
    title: str
    width: int = 8
    display: Callable[[Any], str] | None = None
    sort: str | Callable[[Any], Any] = "text"
    align: str = "left"
    hidden: bool = False
    tooltip: bool = False

    def text(self, value: Any) -> str:
        return self.display(value) if self.display is not None else display_value(value)

    def key_function(self) -> Callable[[Any], Any]:
        if callable(self.sort):
            return self.sort
        if self.sort == "number":
            return lambda v: _LAST_NUMBER if v is None or v == "" else v
        if self.sort == "pinyin":
            text = self.text
            return lambda v: _LAST_TEXT if v is None or v == "" else sort_key(text(v))
        text = self.text
        return lambda v: _LAST_TEXT if v is None or v == "" else text(v)


_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value

_ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    "right": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
    "center": Qt.AlignmentFlag.AlignCenter,
}


class RecordTableModel(QAbstractTableModel):
    """Rows of one list. Signals: ``countsChanged(total, shown)`` after every load, search or
    filter. ``IdRole`` gives the domain id of a row (signals carry ids, never rows)."""

    IdRole = Qt.ItemDataRole.UserRole + 1
    countsChanged = Signal(int, int)

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: list[Column] = list(columns)
        self._row_columns: tuple[str, ...] = ()
        self._colpos: list[int] = []
        self._id_pos = 0
        self._rows: list[tuple[Any, ...] | None] = []
        self._position_of_id: dict[Any, int] = {}
        self._alive = 0
        self._order: list[int] | None = None  # positions in sort order (None: load order)
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._view: list[int] = []
        self._keys: dict[int, list[Any]] = {}  # column → sort key per position
        self._query = ""
        self._filters: dict[str, tuple[int, FilterTest]] = {}
        self._index: SearchIndex | None = None
        self._fallback_text: list[int] = []
        self._distinct: dict[str, list[Any]] = {}
        self._rank_cache: tuple[list[int] | None, list[int]] | None = None
        self._id_role = int(self.IdRole)
        self.rows_version = 0  # changes whenever a row does (an index built before is stale)

    # -- loading ---------------------------------------------------------------------------------

    def set_rowset(self, rowset: RowSet, *, fallback_search: Sequence[str] = ()) -> None:
        """Replace every row (a reset). ``fallback_search``: row columns a query scans
        (without pinyin) until ``set_search_index`` brings the full index."""
        self.beginResetModel()
        self.rows_version += 1
        self._row_columns = rowset.columns
        self._colpos = [rowset.columns.index(c.key) for c in self.columns]
        self._id_pos = rowset.columns.index("id")
        self._rows = list(rowset.rows)
        self._position_of_id = dict(zip(map(itemgetter(self._id_pos), self._rows),
                                        range(len(self._rows)), strict=True))
        self._alive = len(self._rows)
        self._keys = {}
        self._distinct = {}
        self._index = None
        self._fallback_text = [rowset.columns.index(c) for c in fallback_search]
        self._order = self._sorted_order() if self._sort is not None else None
        self._view = self._compute_view()
        self.endResetModel()
        self._emit_counts()

    def rows_snapshot(self) -> tuple[int, RowSet]:
        """(version, the rows as they are, removed ones as None) for building an index."""
        return self.rows_version, RowSet(self._row_columns, list(self._rows))  # type: ignore[arg-type]

    def set_search_index(self, index: SearchIndex) -> None:
        """The full (pinyin) search index for the rows now loaded; re-applies the query."""
        if len(index) != len(self._rows):
            return  # built for rows since replaced
        self._index = index
        if normalize_query(self._query):
            self._refilter()

    @property
    def search_index(self) -> SearchIndex | None:
        return self._index

    def upsert(self, rowset: RowSet, keep: Callable[[tuple[Any, ...]], bool]) -> None:
        """Bring single rows up to date after an edit: rows of ``rowset`` replace those with
        the same id, new ones are added, and rows for which ``keep`` is false (e.g. just
        deleted) are dropped. The selection survives (a layout change, not a reset)."""
        if rowset.columns != self._row_columns and self._row_columns:
            raise ValueError("upsert with different columns")
        idp = self._id_pos
        self._distinct = {}
        self._rank_cache = None
        self.rows_version += 1
        for row in rowset.rows:
            position = self._position_of_id.get(row[idp])
            new = row if keep(row) else None
            if position is None:
                if new is None:
                    continue
                position = len(self._rows)
                self._rows.append(new)
                self._position_of_id[row[idp]] = position
                self._alive += 1
                if self._order is not None:
                    self._order.append(position)
                for column, keys in self._keys.items():
                    keys.append(self._key_of(column, new))
                if self._index is not None:
                    self._index.append(new)
            else:
                old = self._rows[position]
                self._alive += (new is not None) - (old is not None)
                self._rows[position] = new
                for column, keys in self._keys.items():
                    keys[position] = self._key_of(column, new)
                if self._index is not None:
                    self._index.update(position, new)
        self._relayout(resort=True)

    # -- queries ---------------------------------------------------------------------------------

    def row_id(self, row: int) -> Any:
        stored = self._rows[self._view[row]]
        return stored[self._id_pos] if stored is not None else None

    def row_values(self, row: int) -> dict[str, Any]:
        stored = self._rows[self._view[row]]
        return dict(zip(self._row_columns, stored, strict=True)) if stored is not None else {}

    def value(self, row: int, key: str) -> Any:
        stored = self._rows[self._view[row]]
        return None if stored is None else stored[self._row_columns.index(key)]

    def value_of_id(self, record_id: Any, key: str) -> Any:
        """A row column of the record with this id (visible or not), or None."""
        position = self._position_of_id.get(record_id)
        row = None if position is None else self._rows[position]
        return None if row is None else row[self._row_columns.index(key)]

    def row_of_id(self, record_id: Any) -> int | None:
        position = self._position_of_id.get(record_id)
        if position is None or self._rows[position] is None:
            return None
        try:
            return self._view.index(position)
        except ValueError:
            return None

    def has_id(self, record_id: Any) -> bool:
        position = self._position_of_id.get(record_id)
        return position is not None and self._rows[position] is not None

    def column_of(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def distinct(self, key: str) -> list[Any]:
        """The distinct values of a row column among the loaded rows (for filter lists);
        kept until the rows change."""
        found = self._distinct.get(key)
        if found is None:
            position = self._row_columns.index(key)
            if self._alive == len(self._rows):
                found = list(set(map(itemgetter(position), self._rows)))  # type: ignore[arg-type]
            else:
                found = list({row[position] for row in self._rows if row is not None})
            self._distinct[key] = found
        return list(found)

    def rows(self) -> Iterable[tuple[Any, ...]]:
        return (row for row in self._rows if row is not None)

    @property
    def row_columns(self) -> tuple[str, ...]:
        return self._row_columns

    @property
    def total(self) -> int:
        return self._alive

    @property
    def shown(self) -> int:
        return len(self._view)

    @property
    def query(self) -> str:
        return self._query

    # -- search and filters ------------------------------------------------------------------

    def set_query(self, text: str) -> None:
        if text == self._query:
            return
        self._query = text
        self._refilter()

    def set_filter(self, name: str, key: str | None, test: FilterTest | None) -> None:
        """Filter ``name`` keeps rows whose column ``key`` is in the set ``test`` (or passes
        the function ``test``); ``test`` None removes it."""
        if test is None or key is None:
            if self._filters.pop(name, None) is None:
                return
        else:
            self._filters[name] = (self._row_columns.index(key), test)
        self._refilter()

    def clear_filters(self) -> None:
        if self._filters:
            self._filters.clear()
            self._refilter()

    def _candidates(self) -> list[int]:
        rows = self._rows
        terms = normalize_query(self._query)
        order = self._order
        if not terms:
            if order is None:
                found = (list(range(len(rows))) if self._alive == len(rows)
                         else [p for p, row in enumerate(rows) if row is not None])
            else:
                found = (list(order) if self._alive == len(rows)
                         else [p for p in order if rows[p] is not None])
        elif self._index is not None:
            # Searched in the sort order: the result needs no reordering.
            found = self._index.search(self._query, order)
        else:
            found = self._fallback_search(terms)
            if order is not None:
                found = self._in_order(found)
        for position, test in self._filters.values():
            if isinstance(test, frozenset):
                found = [p for p in found if rows[p][position] in test]  # type: ignore[index]
            else:
                found = [p for p in found if test(rows[p][position])]  # type: ignore[index]
        return found

    def _fallback_search(self, terms: list[str]) -> list[int]:
        positions = self._fallback_text
        found = []
        for p, row in enumerate(self._rows):
            if row is None:
                continue
            hay = "\x1f".join(str(row[i]).lower() for i in positions if row[i] is not None)
            if all(t in hay for t in terms):
                found.append(p)
        return found

    def _compute_view(self) -> list[int]:
        return self._candidates()  # already in the sort order

    def _in_order(self, found: list[int]) -> list[int]:
        """``found`` (in load order) put in the sort order."""
        if len(found) * 8 < len(self._rows):
            rank = self._rank()
            return sorted(found, key=rank.__getitem__)
        keep = bytearray(len(self._rows))
        for p in found:
            keep[p] = 1
        return [p for p in self._order or () if keep[p]]

    def _rank(self) -> list[int]:
        """Position → its place in the sort order (kept until the order changes)."""
        if self._rank_cache is None or self._rank_cache[0] is not self._order:
            order = self._order or []
            rank = [0] * len(self._rows)
            for i, p in enumerate(order):
                rank[p] = i
            self._rank_cache = (self._order, rank)
        return self._rank_cache[1]

    def _refilter(self) -> None:
        self.beginResetModel()
        self._view = self._compute_view()
        self.endResetModel()
        self._emit_counts()

    def _emit_counts(self) -> None:
        self.countsChanged.emit(self._alive, len(self._view))

    # -- sorting ---------------------------------------------------------------------------------

    def _key_of(self, column: int, row: tuple[Any, ...] | None) -> Any:
        if row is None:
            return _REMOVED
        return self.columns[column].key_function()(row[self._colpos[column]])

    def _keys_for(self, column: int) -> list[Any]:
        keys = self._keys.get(column)
        if keys is None:
            function = self.columns[column].key_function()
            position = self._colpos[column]
            keys = [_REMOVED if row is None else function(row[position]) for row in self._rows]
            self._keys[column] = keys
        return keys

    def _sorted_order(self) -> list[int] | None:
        if self._sort is None:
            return None
        column, order = self._sort
        keys = self._keys_for(column)
        return sorted(range(len(self._rows)), key=keys.__getitem__,
                      reverse=order == Qt.SortOrder.DescendingOrder)

    def set_sort_keys(self, keys: dict[int, list[Any]]) -> None:
        """Sort keys computed elsewhere (on a worker, see ``sort_keys``) for the rows now
        loaded, so that the first sort by a pinyin column does not compute them."""
        for column, column_keys in keys.items():
            if len(column_keys) == len(self._rows):
                self._keys[column] = column_keys

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column``; -1 goes back to the order the rows were loaded in."""
        if not 0 <= column < len(self.columns):
            if self._sort is None:
                return
            self._sort = None
            self._order = None
            if self._rows:
                self._relayout(resort=False)
            return
        self._sort = (column, order)
        if not self._rows:
            return
        self._order = self._sorted_order()
        self._relayout(resort=False)

    @property
    def sort_state(self) -> tuple[int, Qt.SortOrder] | None:
        return self._sort

    def _relayout(self, *, resort: bool) -> None:
        """Recompute the visible rows as a layout change, moving persistent indexes (the
        selection and the current row) with their rows."""
        self.layoutAboutToBeChanged.emit()
        if resort and self._sort is not None and self._order is not None:
            # The order is nearly sorted already: timsort takes it in about linear time.
            column, order = self._sort
            self._rank_cache = None
            self._order.sort(key=self._keys_for(column).__getitem__,
                             reverse=order == Qt.SortOrder.DescendingOrder)
        old_view = self._view
        new_view = self._compute_view()
        persistent = self.persistentIndexList()
        if persistent:
            # Few persistent indexes (the selection's corners, the current row): find each
            # one's new row with list.index (C speed); many: one reverse map.
            new_row: Callable[[int], int | None]
            if len(persistent) <= 32:
                def new_row(position: int) -> int | None:
                    try:
                        return new_view.index(position)
                    except ValueError:
                        return None
            else:
                rows_by_position = {p: r for r, p in enumerate(new_view)}
                new_row = rows_by_position.get
            old = []
            new = []
            for index in persistent:
                old.append(index)
                row = index.row()
                target = new_row(old_view[row]) if 0 <= row < len(old_view) else None
                new.append(QModelIndex() if target is None
                           else self.createIndex(target, index.column()))
            self.changePersistentIndexList(old, new)
        self._view = new_view
        self.layoutChanged.emit()
        self._emit_counts()

    # -- the Qt model interface ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._view)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every visible cell and role on each paint: kept lean (int roles).
        if not index.isValid():
            return None
        role = int(role)
        row = self._rows[self._view[index.row()]]
        if row is None:
            return None
        column_index = index.column()
        if role == _DISPLAY:
            return self.columns[column_index].text(row[self._colpos[column_index]])
        if role == _ALIGNMENT:
            return _ALIGN[self.columns[column_index].align]
        if role == _TOOLTIP:
            column = self.columns[column_index]
            return (column.text(row[self._colpos[column_index]]) or None) if column.tooltip \
                else None
        if role == self._id_role:
            return row[self._id_pos]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _ALIGN[self.columns[section].align]
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def sort_keys(columns: Sequence[Column], rowset: RowSet,
              kinds: tuple[str, ...] = ("pinyin",)) -> dict[int, list[Any]]:
    """The sort keys of the columns sorted by pinyin, for ``set_sort_keys``. Plain Python,
    no Qt: a list loader computes them on its worker."""
    keys: dict[int, list[Any]] = {}
    for i, column in enumerate(columns):
        if isinstance(column.sort, str) and column.sort in kinds:
            position = rowset.columns.index(column.key)
            function = column.key_function()
            # Names of units and places repeat: one key string per distinct value.
            memo: dict[Any, Any] = {}
            column_keys = []
            for row in rowset.rows:
                if row is None:
                    column_keys.append(_REMOVED)
                    continue
                value = row[position]
                key = memo.get(value)
                if key is None:
                    key = memo[value] = function(value)
                column_keys.append(key)
            keys[i] = column_keys
    return keys
