"""Importing needs, experts and units from a spreadsheet: preview, then all or nothing.

The path of one import::

    read the file (reading.py) → find the header (headers.py) → clean each cell (cells.py)
    → resolve places and units (unknown ones are created, or mapped to existing ones)
    → validate every row with the services' own rules → write every accepted row → commit

Everything from "resolve" on runs inside ONE unit of work. ``preview_import`` runs exactly
the same code and rolls back, so the preview says precisely what the import will do (down to
the codes new records get). ``import_file`` commits: every accepted row is written, or — if
anything fails, the process is killed or the user cancels — nothing is.

Rows are validated by the services' own validators (``needs._values``, ``experts._values``,
``units._values``) and existing records are changed through ``update_need``/``update_expert``/
``update_unit``: the same rules as the forms. New records are then constructed here and
flushed in batches rather than through ``create_*`` one by one, because ``create_*`` flushes
and looks up the next code per record: at 20,000 rows that is quadratic (see
docs/performance.md). The construction repeats what ``create_*`` adds after validation: the
next code, the first status event, the specialties.

Duplicates (same code, same ID number or phone for experts, same title and unit for needs,
same name and township for units) follow the chosen policy: ``update`` the existing record
(blank cells keep its values), ``skip`` the row, or ``keep`` both. A row identical to the
record it matches is "unchanged" whatever the policy, so importing the same file twice
changes nothing.
"""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models import Expert, Field, Need, NeedEvent, NeedStatus, Township, Unit, Village
from services import experts, needs, places, units, workflow
from services import validation as v
from services.database import Database
from services.errors import ServiceError, ValidationError
from services.exchange import cells, mappings
from services.exchange.headers import ColumnMap, HeaderError, detect
from services.exchange.reading import DEFAULT_ENGINE, Book, Engine, Sheet, open_book
from services.exchange.schema import Column, Kind
from services.exchange.schema import kind as kind_of
from services.fields import find_field
from services.records import merge_changes, next_code
from services.uow import translate_db_error

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
Policy = Literal["update", "skip", "keep"]
POLICIES: dict[str, str] = {"update": "更新已有记录", "skip": "跳过", "keep": "保留两条"}
BATCH = 1000  # new records per flush: few round trips, bounded memory
_CHECK_EVERY = 200  # rows between progress reports and cancel checks

_CODE_PATTERNS = {
    "needs": re.compile(r"XQ-\d{4}-\d{3,}"),
    "experts": re.compile(r"ZJ-\d{3,}"),
    "units": re.compile(r"DW-\d{3,}"),
}
_PLACE_SUFFIXES = ("街道办事处", "办事处", "街道", "民族乡", "镇", "乡", "村民委员会", "村委会",
                   "居委会", "社区", "村", "组")
_TOTAL_WORDS = {"合计", "小计", "总计", "共计"}


class ImportCancelled(ServiceError):
    """The user cancelled; nothing was written."""


class Outcome(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    ERROR = "error"


OUTCOME_LABELS = {
    Outcome.NEW: "新增",
    Outcome.UPDATE: "更新",
    Outcome.UNCHANGED: "无变化",
    Outcome.SKIP: "跳过",
    Outcome.ERROR: "错误",
}


@dataclass
class ImportOptions:
    """What the user chose for one import.

    ``on_duplicate``: update, skip or keep (see module doc). ``year``: the year of dates
    written without one (``5月3日``), default this year. ``sheet``: the worksheet, default the
    first one with a recognisable header. ``columns``: header text → column key ("" to leave a
    column out), for this import and remembered after it. ``places``: place key (see
    mappings.township_key / village_key) → existing name, or mappings.NEW. ``create_places`` /
    ``create_units``: create places and units not yet in the database (else their rows are
    refused). ``remember``: store ``columns``, ``places`` and ``units`` when the import commits.
    ``report``: where to write the report workbook (default beside the file);
    ``write_report``: "errors" (only when some row was refused), "always" or "never".
    ``actor``: who imports (the audit trail); ``engine``: the file reader.
    """

    on_duplicate: Policy = "skip"
    year: int | None = None
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    create_places: bool = True
    create_units: bool = True
    remember: bool = True
    report: Path | None = None
    write_report: Literal["errors", "always", "never"] = "errors"
    actor: str | None = None
    engine: Engine = DEFAULT_ENGINE


@dataclass
class RowOutcome:
    """One data row: ``row`` as Excel numbers it (1-based), ``outcome``, ``code`` of the record
    it created or matched, ``messages`` as (column header, Chinese message) pairs (errors for
    a refused row, notes otherwise), ``duplicate_of`` the code of the record it matched."""

    row: int
    outcome: Outcome
    code: str = ""
    messages: list[tuple[str, str]] = field(default_factory=list)
    duplicate_of: str = ""

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    @property
    def message(self) -> str:
        return "；".join(f"{h}：{m}" if h else m for h, m in self.messages)

    @property
    def columns(self) -> list[str]:
        return [h for h, _ in self.messages if h]


@dataclass
class PlaceIssue:
    """A place named in the file that is not (by that name) in the database.

    ``level`` "township" or "village"; ``name`` as written; ``township`` the township it is
    in (villages); ``rows`` where it appears; ``action`` "create", "map" (to ``target``) or
    "refuse" (with ``message``); ``suggestion`` an existing place with the same name stem
    (白云乡 → 白云镇); ``key`` the key to use in ``ImportOptions.places``."""

    level: Literal["township", "village"]
    name: str
    township: str
    key: str
    action: Literal["create", "map", "refuse"] = "create"
    target: str = ""
    suggestion: str = ""
    message: str = ""
    rows: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        where = f"{self.township}" if self.level == "village" else ""
        what = f"{'村' if self.level == 'village' else '乡镇'}“{where}{self.name}”"
        if self.action == "map":
            return f"{what}对应到已有的“{self.target}”"
        if self.action == "create":
            return f"{what}不在库中，将新建"
        return f"{what}无法使用：{self.message}"


@dataclass
class UnitIssue:
    """A need's unit named in the file that is not (by that name) in the database.

    ``name`` as written (the key of ``ImportOptions.units``); ``township`` where the file puts
    it; ``rows`` where it appears; ``action`` "create" (``target`` the code it gets), "map"
    (``target`` the code of the existing unit, ``target_name`` its name) or "refuse" (with
    ``message``)."""

    name: str
    township: str
    action: Literal["create", "map", "refuse"] = "create"
    target: str = ""
    target_name: str = ""
    message: str = ""
    rows: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.action == "map":
            return f"单位“{self.name}”对应到已有的“{self.target_name}”（{self.target}）"
        if self.action == "create":
            return f"单位“{self.name}”不在库中，将新建"
        return f"单位“{self.name}”无法使用：{self.message}"


@dataclass
class ImportResult:
    """What an import did, or (``dry_run``) would do.

    ``rows`` in file order; ``places`` and ``new_units`` the places and units created or
    mapped; ``columns`` (header, key, Chinese column name) as recognised; ``unknown_headers``
    not imported; ``committed`` True when written; ``report_path`` the report workbook;
    ``timings`` seconds spent reading, validating and writing (wall clock; ``*_cpu`` the
    processor time of this process); ``units`` the need units not found by name (created or
    mapped); ``report_error`` why the report could not be saved (the import stands).
    """

    kind: str
    path: Path
    sheet: str
    header_row: int
    columns: list[tuple[str, str, str]]
    unknown_headers: list[str]
    rows: list[RowOutcome]
    places: list[PlaceIssue]
    new_units: list[str]
    dry_run: bool
    committed: bool = False
    report_path: Path | None = None
    policy: Policy = "skip"
    timings: dict[str, float] = field(default_factory=dict)
    source_headers: list[str] = field(default_factory=list)
    source_rows: dict[int, list[Any]] = field(default_factory=dict, repr=False)
    units: list[UnitIssue] = field(default_factory=list)
    report_error: str = ""

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {o.value: self.count(o) for o in Outcome}

    @property
    def refused(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.outcome == Outcome.ERROR]

    @property
    def all_accepted(self) -> bool:
        return not self.refused

    @property
    def exit_code(self) -> int:
        return 0 if self.all_accepted else 1

    def summary(self) -> str:
        k = kind_of(self.kind)
        verb = "预览" if self.dry_run else ("已导入" if self.committed else "未导入")
        parts = [f"{verb}{k.label} {len(self.rows)} 行：新增 {self.count(Outcome.NEW)}、"
                 f"更新 {self.count(Outcome.UPDATE)}、无变化 {self.count(Outcome.UNCHANGED)}、"
                 f"跳过 {self.count(Outcome.SKIP)}、错误 {self.count(Outcome.ERROR)}。"]
        created = [p for p in self.places if p.action == "create"]
        mapped = [p for p in self.places if p.action == "map"]
        if created:
            parts.append("新建地名：" + "、".join(p.township + p.name if p.level == "village"
                                               else p.name for p in created) + "。")
        if mapped:
            parts.append("地名对应：" + "；".join(p.text for p in mapped) + "。")
        mapped_units = [u for u in self.units if u.action == "map"]
        if mapped_units:
            parts.append("单位对应：" + "；".join(u.text for u in mapped_units) + "。")
        if self.new_units:
            parts.append(f"新建需求单位 {len(self.new_units)} 家：" + "、".join(
                self.new_units[:10]) + ("等。" if len(self.new_units) > 10 else "。"))
        return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Entry points


def preview_import(
    db: Database,
    kind: str,
    path: str | Path,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportResult:
    """What importing ``path`` would do, row by row; the database is left as it was."""
    return _run(db, kind, Path(path), options or ImportOptions(), progress, cancel, commit=False)


def import_file(
    db: Database,
    kind: str,
    path: str | Path,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportResult:
    """Import ``path``: every accepted row in one transaction, refused rows in the report."""
    return _run(db, kind, Path(path), options or ImportOptions(), progress, cancel, commit=True)


def choose_sheet(book: Book, kind: Kind, options: ImportOptions,
                 remembered: dict[str, str]) -> tuple[Sheet, ColumnMap]:
    """The asked-for worksheet, or the first one with a recognisable header."""
    if options.sheet:
        sheet = book.sheet(options.sheet)
        return sheet, detect(sheet.rows, kind, remembered, options.columns)
    first_error: HeaderError | None = None
    for name in book.sheet_names:
        sheet = book.sheet(name)
        try:
            return sheet, detect(sheet.rows, kind, remembered, options.columns)
        except HeaderError as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


def _run(
    db: Database,
    kind_name: str,
    path: Path,
    options: ImportOptions,
    progress: Progress | None,
    cancel: Cancel | None,
    *,
    commit: bool,
) -> ImportResult:
    kind = kind_of(kind_name)
    if not kind.importable:
        raise ValidationError.single("kind", f"{kind.label}清单不能导入。")
    if options.on_duplicate not in POLICIES:
        raise ValidationError.single("on_duplicate", "重复记录的处理方式应为 update、skip 或 keep。")
    started, cpu = time.perf_counter(), time.process_time()
    book = open_book(path, options.engine)
    timings: dict[str, float] = {}
    with db.unit_of_work(options.actor) as uow:
        session = uow.session
        session.info["audit_note"] = f"Excel导入：{path.name}"
        open_transaction(session)
        remembered = mappings.column_map(session, kind.name)
        sheet, colmap = choose_sheet(book, kind, options, remembered)
        timings["read"] = time.perf_counter() - started
        timings["read_cpu"] = time.process_time() - cpu
        if colmap.missing and "code" not in colmap.columns:
            names = "、".join(f"“{c.header}”" for c in colmap.missing)
            raise HeaderError(
                f"工作表“{sheet.name}”第 {colmap.header_row + 1} 行是表头，但没有找到 {names} 列。"
                "如果表中这一列用了别的名称，请在导入时指定它对应哪一项。"
            )
        importer = _IMPORTERS[kind.name](session, kind, colmap, options, uow.actor, path.name)
        t_validate, cpu = time.perf_counter(), time.process_time()
        source = list(_data_rows(sheet.rows, colmap))
        outcomes = importer.validate(source, progress, cancel)
        timings["validate"] = time.perf_counter() - t_validate
        timings["validate_cpu"] = time.process_time() - cpu
        t_write, cpu = time.perf_counter(), time.process_time()
        importer.write(progress, cancel)
        if commit:
            if options.remember:
                mappings.remember_columns(session, kind.name, options.columns)
                mappings.remember_places(session, importer.places.remembered_choices())
                mappings.remember_units(session, importer.remembered_units())
            uow.commit()
        timings["write"] = time.perf_counter() - t_write
        timings["write_cpu"] = time.process_time() - cpu
    result = ImportResult(
        kind=kind.name,
        path=path,
        sheet=sheet.name,
        header_row=colmap.header_row + 1,
        columns=[(colmap.headers[idx[0]], key, kind.column(key).header)
                 for key, idx in colmap.columns.items()],
        unknown_headers=colmap.unknown,
        rows=outcomes,
        places=importer.places.issue_list(),
        new_units=importer.new_unit_names(),
        units=importer.unit_issues(),
        dry_run=not commit,
        committed=commit,
        policy=options.on_duplicate,
        timings=timings,
        source_headers=colmap.headers,
        source_rows={number: raw for number, raw, _ in source},
    )
    if options.write_report == "always" or (options.write_report == "errors" and result.refused):
        from services.exchange.report import default_report_path, write_report

        target = options.report or default_report_path(path)
        try:
            result.report_path = write_report(result, target)
        except ServiceError as exc:
            # The import itself is done (or previewed): a report that cannot be saved (a
            # read-only folder, the file open in Excel) must not make it look failed.
            result.report_error = exc.message
    return result


def open_transaction(session: Session) -> None:
    """Make sure the database transaction is really open before the first SAVEPOINT.

    pysqlite (the sqlite3 module) sends BEGIN only before an INSERT/UPDATE/DELETE. A SAVEPOINT
    sent earlier starts a transaction of its own, and its RELEASE then COMMITS: a preview
    would write, a failed import would half-write. A no-op UPDATE makes the driver send BEGIN
    first, so every savepoint nests inside the one transaction of the import.
    """
    from models.dialect import begin_for_savepoint

    begin_for_savepoint(session.connection())


def _data_rows(
    rows: list[list[Any]], colmap: ColumnMap
) -> Iterator[tuple[int, list[Any], dict[str, Any]]]:
    """(Excel row number, raw cells, key → first non-blank raw value) for each data row;
    blank rows, repeated header rows and total rows (合计) are left out."""
    header = rows[colmap.header_row]
    for index in range(colmap.header_row + 1, len(rows)):
        raw = rows[index]
        first = next((c for c in raw if not cells.is_blank(c)), None)
        if first is None:
            continue
        if raw == header:  # the header repeated (a file printed page by page)
            continue
        if isinstance(first, str) and first.replace(" ", "").replace("\u3000", "") in _TOTAL_WORDS:
            continue
        values: dict[str, Any] = {}
        for key, indexes in colmap.columns.items():
            for i in indexes:
                if i < len(raw) and not cells.is_blank(raw[i]):
                    values[key] = raw[i]
                    break
        yield index + 1, raw, values


# ---------------------------------------------------------------------------------------------
# Places


def _stem(name: str) -> str:
    for suffix in _PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class _Places:
    """Townships and villages by name, with the user's mappings; unknown ones are created in
    the import's transaction (rolled back with a preview) or refused."""

    def __init__(self, session: Session, options: ImportOptions) -> None:
        self.session = session
        self.options = options
        self.townships = {t.name: t for t in session.scalars(select(Township))}
        self.villages = {(x.township_id, x.name): x for x in session.scalars(select(Village))}
        self.mapping = mappings.place_map(session) | options.places
        self.issues: dict[str, PlaceIssue] = {}
        self._created: dict[str, Any] = {}

    def township(self, raw: Any, row: int) -> Township | str:
        name = v.normalize_text(cells.text(raw))
        found = self.townships.get(name)
        if found is not None:
            return found
        key = mappings.township_key(name)
        issue = self.issues.get(key)
        if issue is None:
            issue = self._township_issue(name, key)
            self.issues[key] = issue
        issue.rows.append(row)
        if issue.action == "refuse":
            return issue.message
        return self.townships[issue.target or name]

    def _township_issue(self, name: str, key: str) -> PlaceIssue:
        issue = PlaceIssue("township", name, "", key)
        stems = {}
        for existing in self.townships:
            stems.setdefault(_stem(existing), []).append(existing)
        similar = stems.get(_stem(name), [])
        issue.suggestion = similar[0] if len(similar) == 1 else ""
        chosen = self.mapping.get(key)
        if chosen and chosen != mappings.NEW and chosen in self.townships:
            issue.action, issue.target = "map", chosen
            return issue
        if chosen != mappings.NEW and issue.suggestion:
            # 白云乡 that became 白云镇: the same place, not a new one (the user may override).
            issue.action, issue.target = "map", issue.suggestion
            return issue
        if not self.options.create_places and chosen != mappings.NEW:
            issue.action = "refuse"
            issue.message = f"乡镇“{name}”不在库中。请先在“乡镇和村”中添加，或在导入时对应到已有乡镇。"
            return issue
        try:
            with self.session.begin_nested():
                township = places.create_township(self.session, {"name": name})
        except ServiceError as exc:
            issue.action, issue.message = "refuse", exc.message
            return issue
        self.townships[township.name] = township
        issue.action, issue.target = "create", township.name
        return issue

    def village(self, township: Township, raw: Any, row: int) -> Village | str:
        name = v.normalize_text(cells.text(raw))
        found = self.villages.get((township.id, name))
        if found is not None:
            return found
        key = mappings.village_key(township.name, name)
        issue = self.issues.get(key)
        if issue is None:
            issue = self._village_issue(township, name, key)
            self.issues[key] = issue
        issue.rows.append(row)
        if issue.action == "refuse":
            return issue.message
        return self.villages[(township.id, issue.target or name)]

    def _village_issue(self, township: Township, name: str, key: str) -> PlaceIssue:
        issue = PlaceIssue("village", name, township.name, key)
        here = [n for (tid, n) in self.villages if tid == township.id]
        similar = [n for n in here if _stem(n) == _stem(name)]
        issue.suggestion = similar[0] if len(similar) == 1 else ""
        chosen = self.mapping.get(key)
        if chosen and chosen != mappings.NEW and chosen in here:
            issue.action, issue.target = "map", chosen
            return issue
        if chosen != mappings.NEW and issue.suggestion:
            issue.action, issue.target = "map", issue.suggestion
            return issue
        if not self.options.create_places and chosen != mappings.NEW:
            issue.action = "refuse"
            issue.message = (f"{township.name}没有“{name}”。请先添加这个村，或在导入时对应到已有的村。")
            return issue
        try:
            with self.session.begin_nested():
                village = places.create_village(self.session,
                                                {"name": name, "township_id": township.id})
        except ServiceError as exc:
            issue.action, issue.message = "refuse", exc.message
            return issue
        self.villages[(township.id, village.name)] = village
        issue.action, issue.target = "create", village.name
        return issue

    def issue_list(self) -> list[PlaceIssue]:
        return list(self.issues.values())

    def remembered_choices(self) -> dict[str, str]:
        """Only what the user chose explicitly is remembered: suggestions are found again."""
        return {k: val for k, val in self.options.places.items() if k in self.issues}


# ---------------------------------------------------------------------------------------------
# The importers


@dataclass
class _Row:
    number: int
    data: dict[str, Any]
    outcome: RowOutcome


class _Importer:
    """What every kind shares: cleaning cells, places, duplicates, outcomes, the write."""

    model: type[Any]
    label: str

    def __init__(self, session: Session, kind: Kind, colmap: ColumnMap, options: ImportOptions,
                 actor: str, file_name: str) -> None:
        self.session = session
        self.kind = kind
        self.colmap = colmap
        self.options = options
        self.actor = actor
        self.file_name = file_name
        self.year = options.year or date.today().year
        self.places = _Places(session, options)
        self.pending: list[tuple[Any, RowOutcome]] = []  # new records, written by write()
        self._codes: dict[str, int] = {}
        self._fields: dict[str, Field | ServiceError] = {}
        self.by_code: dict[str, int] = {}
        self.info: dict[int, tuple[str, bool]] = {}  # id → (code, deleted)
        for rid, code, deleted in session.execute(
            select(self.model.id, self.model.code, self.model.deleted_at)
        ):
            self.by_code[code] = rid
            self.info[rid] = (code, deleted is not None)

    # --- cells -------------------------------------------------------------------------------

    def header(self, key: str) -> str:
        return self.colmap.header_of(key) or (
            self.kind.by_key[key].header if key in self.kind.by_key else "")

    def key_of_error(self, name: str) -> str:
        """A service's field name (``unit_id``) as the column key it came from (``unit``)."""
        if name in self.kind.by_key:
            return name
        base = name.removesuffix("_id")
        return base if base in self.kind.by_key else name

    def add_errors(self, outcome: RowOutcome, errors: dict[str, str]) -> None:
        outcome.outcome = Outcome.ERROR
        for name, message in errors.items():
            outcome.messages.append((self.header(self.key_of_error(name)), message))

    def clean(self, values: dict[str, Any], outcome: RowOutcome) -> dict[str, Any]:
        """Raw cells → the values the services take; problems only the importer can see
        (an ID number rounded by Excel) become errors of the row."""
        data: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key, raw in values.items():
            column: Column = self.kind.by_key[key]
            try:
                value = self.clean_cell(column, raw)
            except cells.CellError as exc:
                errors[key] = str(exc)
                continue
            except ValidationError as exc:
                errors[key] = exc.message
                continue
            if value is not None and value != "":
                data[key] = value
        if errors:
            self.add_errors(outcome, errors)
        return data

    def clean_cell(self, column: Column, raw: Any) -> Any:
        t = column.type
        if t == "code":
            code = cells.text(raw).upper().replace(" ", "")
            pattern = _CODE_PATTERNS.get(self.kind.name)
            # A township's own serial numbers in a 编号 column say nothing about our records.
            return code if pattern and pattern.fullmatch(code) else None
        if t == "date":
            return cells.to_date(raw, self.year)
        if t == "int":
            return cells.to_int(raw)
        if t == "year":
            return cells.to_year(raw)
        if t in ("phone", "id_number") and cells.is_masked(raw):
            return None  # a masked export value: unknown, never saved
        if t == "phone":
            return cells.to_phone(raw)
        if t == "id_number":
            return cells.to_id_number(raw, column.header)
        if t == "bool":
            return cells.to_bool(raw, column.header)
        if t == "choice":
            if column.key in ("title", "required_title"):
                return cells.choice(raw, cells.TITLE_SYNONYMS)
            if column.key == "gender":
                return cells.choice(raw, cells.GENDER_SYNONYMS)
            return cells.text(raw)
        if t == "status":
            return workflow.parse_status(cells.text(raw))
        return cells.text(raw)

    def resolve_place(self, data: dict[str, Any], outcome: RowOutcome
                      ) -> tuple[Township | None, Village | None]:
        township = village = None
        if "township" in data:
            found = self.places.township(data["township"], outcome.row)
            if isinstance(found, str):
                raise ValidationError.single("township", found)
            township = found
        if "village" in data:
            if township is None:
                raise ValidationError.single("village", "填写了村，但没有填写乡镇。请补上所在乡镇。")
            found_village = self.places.village(township, data["village"], outcome.row)
            if isinstance(found_village, str):
                raise ValidationError.single("village", found_village)
            village = found_village
        return township, village

    def field_of(self, text: str) -> Field | ServiceError:
        """A field by the services' own lookup, once per distinct text."""
        if text not in self._fields:
            try:
                self._fields[text] = find_field(self.session, text)
            except ServiceError as exc:
                self._fields[text] = exc
        return self._fields[text]

    def next_code(self, prefix: str) -> str:
        if prefix not in self._codes:
            first = next_code(self.session, self.model, prefix)
            self._codes[prefix] = int(first[len(prefix):]) - 1
        self._codes[prefix] += 1
        return f"{prefix}{self._codes[prefix]:04d}"

    # --- the run -----------------------------------------------------------------------------

    def validate(
        self,
        source: list[tuple[int, list[Any], dict[str, Any]]],
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> list[RowOutcome]:
        outcomes: list[RowOutcome] = []
        total = len(source)
        for done, (number, _raw, values) in enumerate(source):
            if done % _CHECK_EVERY == 0:
                _check(cancel)
                if progress:
                    progress(done, total, f"正在检查第 {done + 1} 行，共 {total} 行")
            outcome = RowOutcome(number, Outcome.NEW)
            outcomes.append(outcome)
            data = self.clean(values, outcome)
            if outcome.outcome == Outcome.ERROR:
                continue
            try:
                self.row(data, outcome)
            except ValidationError as exc:
                self.add_errors(outcome, exc.errors)
            except ServiceError as exc:
                self.add_errors(outcome, {"": exc.message})
        if progress:
            progress(total, total, f"已检查 {total} 行")
        return outcomes

    def row(self, data: dict[str, Any], outcome: RowOutcome) -> None:
        raise NotImplementedError

    def write(self, progress: Progress | None, cancel: Cancel | None) -> None:
        total = len(self.pending)
        for start in range(0, total, BATCH):
            _check(cancel)
            if progress:
                progress(start, total, f"正在写入第 {start + 1}～{min(start + BATCH, total)} 条，"
                                       f"共 {total} 条")
            self.session.add_all(obj for obj, _ in self.pending[start:start + BATCH])
            try:
                self.session.flush()
            except SQLAlchemyError as exc:
                # The rows were validated, so this is a clash the rules cannot see (another
                # program wrote meanwhile) or a full disk: the whole import is undone.
                translated = translate_db_error(exc)
                if translated is not None:
                    raise ServiceError(f"写入时出错，本次导入未写入任何数据：{translated.message}"
                                       ) from exc
                raise
        if progress:
            progress(total, total, f"已写入 {total} 条")

    def new_unit_names(self) -> list[str]:
        return []

    def unit_issues(self) -> list[UnitIssue]:
        return []

    def remembered_units(self) -> dict[str, str]:
        return {}

    # --- duplicates and updates --------------------------------------------------------------

    @contextmanager
    def savepoint(self, keep: bool) -> Iterator[None]:
        """Try a change; undo it afterwards unless ``keep``; a failure undoes it too and is
        raised as a ServiceError."""
        nested = self.session.begin_nested()
        try:
            yield
        except ServiceError:
            nested.rollback()
            raise
        except SQLAlchemyError as exc:
            nested.rollback()
            translated = translate_db_error(exc)
            if translated is None:
                raise
            raise translated from exc
        if keep:
            nested.commit()
        else:
            nested.rollback()

    def update(self, record_id: int, changes: dict[str, Any]) -> None:
        raise NotImplementedError

    def foreign_code(self, code: str, outcome: RowOutcome) -> None:
        """A code this database never gave (a list exported by another office): the row is
        matched by what identifies the record instead, and a new one gets a code of ours."""
        outcome.messages.append(("编号", f"编号 {code} 不是本库的编号，按内容对应或新建。"))

    def matched(self, existing_id: int, changes: dict[str, Any], outcome: RowOutcome) -> bool:
        """Apply the policy to a row that matches the record ``existing_id``. True when the
        row must be created anyway (``keep`` and different)."""
        code, deleted = self.info[existing_id]
        outcome.duplicate_of = outcome.code = code
        if deleted:
            raise ValidationError.single(
                "code", f"与已删除的{self.label}{code}相同。请先在回收站中恢复它，再导入。")
        policy = self.options.on_duplicate
        if policy == "skip":
            outcome.outcome = Outcome.SKIP
            outcome.messages.append(("", f"与已有{self.label}{code}重复，已跳过。"))
            return False
        existing = self.session.get(self.model, existing_id)
        before = existing.version
        try:
            with self.savepoint(keep=policy == "update"):
                self.update(existing_id, changes)
                changed = existing.version != before
        except ServiceError:
            if policy == "update":
                raise
            changed = True  # cannot be the same record: keep both (validated as a new one)
        if not changed:
            outcome.outcome = Outcome.UNCHANGED
            return False
        if policy == "update":
            outcome.outcome = Outcome.UPDATE
            return False
        outcome.code = ""
        outcome.messages.append(("", f"与已有{self.label}{code}相似，按选择保留两条。"))
        return True


def _check(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise ImportCancelled("导入已取消，数据库未作任何改动。")


class _NeedImporter(_Importer):
    model = Need
    label = "需求"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.units_by_code: dict[str, Unit] = {}
        self.units_by_name: dict[str, list[Unit]] = {}
        for unit in self.session.scalars(select(Unit)):
            self.units_by_code[unit.code] = unit
            if unit.deleted_at is None:
                self.units_by_name.setdefault(unit.name, []).append(unit)
        self.created_units: dict[tuple[str, int], Unit | str] = {}
        self.unit_mapping = mappings.unit_map(self.session) | self.options.units
        self.issues: dict[str, UnitIssue] = {}
        self.existing: dict[tuple[str, int], list[tuple[int, date | None]]] = {}
        self.statuses: dict[int, NeedStatus] = {}
        for nid, title, unit_id, start, status in self.session.execute(
            select(Need.id, Need.title, Need.unit_id, Need.window_start, Need.status)
            .where(Need.deleted_at.is_(None)).order_by(Need.id)
        ):
            self.existing.setdefault((title, unit_id), []).append((nid, start))
            self.statuses[nid] = status
        self.seen: dict[tuple[str, int], int] = {}

    def new_unit_names(self) -> list[str]:
        return [u.name for u in self.created_units.values() if isinstance(u, Unit)]

    def unit_issues(self) -> list[UnitIssue]:
        return list(self.issues.values())

    def remembered_units(self) -> dict[str, str]:
        """Only what the user chose explicitly, for units this file named."""
        return {k: val for k, val in self.options.units.items() if k in self.issues}

    def unit_issue(self, name: str, township: Township | None, row: int) -> UnitIssue:
        issue = self.issues.get(name)
        if issue is None:
            issue = self.issues[name] = UnitIssue(name, township.name if township else "")
        if row not in issue.rows:
            issue.rows.append(row)
        return issue

    def unit(self, data: dict[str, Any], township: Township | None,
             village: Village | None, row: int = 0) -> Unit:
        key = v.normalize_text(data["unit"])
        upper = key.upper()
        if re.fullmatch(r"DW-\d{3,}", upper):
            unit = self.units_by_code.get(upper)
            if unit is None or unit.deleted_at is not None:
                raise ValidationError.single("unit", f"找不到需求单位“{key}”，或已被删除。")
            return unit
        chosen = self.unit_mapping.get(key, "")
        if chosen and chosen != mappings.NEW:
            mapped = self.units_by_code.get(chosen.upper())
            if mapped is not None and mapped.deleted_at is None:
                issue = self.unit_issue(key, township, row)
                issue.action, issue.target, issue.target_name = "map", mapped.code, mapped.name
                return mapped
            # The unit it was mapped to is gone: found by name or offered anew below.
        same = self.units_by_name.get(key, [])
        if len(same) > 1 and township is not None:
            same = [u for u in same if u.township_id == township.id] or same
        if len(same) == 1:
            return same[0]
        if len(same) > 1:
            codes = "、".join(u.code for u in same)
            raise ValidationError.single(
                "unit", f"库中有 {len(same)} 个名为“{key}”的单位（{codes}），请填写单位编号。")
        issue = self.unit_issue(key, township, row)
        if township is None:
            message = f"需求单位“{key}”不在库中；要新建它，请在本行填写乡镇。"
            if not issue.target:  # no other row of the file creates it
                issue.action, issue.message = "refuse", message
            raise ValidationError.single("unit", message)
        ckey = (key, township.id)
        if ckey not in self.created_units:
            self.created_units[ckey] = self.create_unit(key, data, township, village)
        created = self.created_units[ckey]
        if isinstance(created, str):
            if issue.action != "create" or not issue.target:
                issue.action, issue.message = "refuse", created
            raise ValidationError.single("unit", created)
        issue.action = "create"
        issue.target = issue.target or created.code
        issue.target_name = issue.target_name or created.name
        return created

    def create_unit(self, name: str, data: dict[str, Any], township: Township,
                    village: Village | None) -> Unit | str:
        if not self.options.create_units:
            return f"需求单位“{name}”不在库中。请先录入该单位，或允许导入时新建单位。"
        unit_data = {
            "name": name, "unit_type": data.get("unit_type") or "其他",
            "township_id": township.id, "village_id": village.id if village else None,
            "contact_person": data.get("contact_person", ""), "phone": data.get("phone", ""),
        }
        try:
            with self.savepoint(keep=True):
                unit = units.create_unit(self.session, unit_data)
        except ServiceError as exc:
            return f"新建需求单位“{name}”失败：{exc.message}"
        self.units_by_code[unit.code] = unit
        self.units_by_name.setdefault(unit.name, []).append(unit)
        return unit

    def row(self, data: dict[str, Any], outcome: RowOutcome) -> None:
        township, village = self.resolve_place(data, outcome)
        service: dict[str, Any] = {k: data[k] for k in (
            "title", "description", "window_start", "window_end", "experts_wanted",
            "days_wanted", "required_title", "beneficiaries_estimate", "submitted_on", "source",
        ) if k in data}
        if township is not None:
            service["township_id"] = township.id
            service["village_id"] = village.id if village else None
        if "field" in data:
            found = self.field_of(str(data["field"]))
            if isinstance(found, ServiceError):
                raise ValidationError.single("field", found.message)
            service["field_id"] = found.id
        existing_id: int | None = None
        code = data.get("code")
        if code:
            existing_id = self.by_code.get(code)
            if existing_id is None:
                self.foreign_code(code, outcome)
        if "unit" in data:
            unit = self.unit(data, township, village, outcome.row)
            service["unit_id"] = unit.id
        elif existing_id is None:
            raise ValidationError.single("unit", "请填写需求单位。")
        if existing_id is None and "title" in service and "unit_id" in service:
            existing_id = self.find_same(service)
        status = data.get("status")
        if existing_id is not None:
            if status is not None and status != self.statuses.get(existing_id):
                outcome.messages.append(("状态", "导入不改变已有需求的状态，请在需求清单中按七步法办理。"))
            if not self.matched(existing_id, dict(service), outcome):
                return
        self.add_new(service, status or NeedStatus.SUBMITTED, outcome)

    def find_same(self, service: dict[str, Any]) -> int | None:
        key = (v.normalize_text(service["title"]), service["unit_id"])
        candidates = self.existing.get(key)
        if not candidates:
            return None
        start = service.get("window_start")
        return next((nid for nid, s in candidates if s == start), candidates[-1][0])

    def add_new(self, service: dict[str, Any], status: NeedStatus, outcome: RowOutcome) -> None:
        service.setdefault("source", "Excel导入")
        key = (v.normalize_text(service.get("title")), service.get("unit_id", 0))
        earlier = self.seen.get(key)
        if earlier is not None and self.options.on_duplicate != "keep":
            outcome.outcome = Outcome.SKIP
            outcome.messages.append(("", f"与第 {earlier} 行是同一需求（标题和单位相同），已跳过。"))
            return
        # The form's own validator: every rule a typed-in need must pass.
        values = needs._values(self.session, service)
        code = self.next_code(f"XQ-{values['submitted_on'].year}-")
        need = Need(code=code, status=status, **values)
        reason = f"Excel导入：{self.file_name} 第 {outcome.row} 行"
        need.events.append(NeedEvent(from_status=None, to_status=NeedStatus.SUBMITTED,
                                     actor=self.actor, reason=reason))
        if status != NeedStatus.SUBMITTED:
            need.events.append(NeedEvent(from_status=NeedStatus.SUBMITTED, to_status=status,
                                         actor=self.actor, reason="导入时表中填写的状态"))
        self.seen.setdefault(key, outcome.row)
        outcome.code = code
        outcome.outcome = Outcome.NEW
        self.pending.append((need, outcome))

    def update(self, record_id: int, changes: dict[str, Any]) -> None:
        need = self.session.get(Need, record_id)
        if need is not None and need.status in (NeedStatus.REJECTED, NeedStatus.WITHDRAWN):
            # The form refuses any edit of a closed need. A row that would change nothing is
            # no edit: re-importing an exported list must not fail on its closed needs.
            current = {k: getattr(need, k) for k in needs._EDITABLE}
            if any(k in changes for k in ("township_id", "unit_id")):
                current.pop("village_id")
            values = needs._values(self.session, merge_changes(current, changes))
            if all(getattr(need, k) == val for k, val in values.items()):
                return
        needs.update_need(self.session, record_id, changes)


class _ExpertImporter(_Importer):
    model = Expert
    label = "专家"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.by_id_number: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        for eid, id_number, phone in self.session.execute(
            select(Expert.id, Expert.id_number, Expert.phone)
        ):
            if id_number:
                self.by_id_number[id_number] = eid
            if phone:
                self.by_phone[phone] = eid
        self.seen_id: dict[str, int] = {}
        self.seen_phone: dict[str, int] = {}

    def specialties(self, text: str) -> list[Field | str]:
        items = [s for s in re.split(r"[,，、;；/\n]+", text) if s.strip()]
        # Known fields go in as objects (no lookup per row); unknown ones as text, so the
        # service's own check names them in its own words.
        return [found if isinstance(found := self.field_of(i.strip()), Field) else i
                for i in items]

    def row(self, data: dict[str, Any], outcome: RowOutcome) -> None:
        service = {k: val for k, val in data.items() if k not in ("code", "specialties")}
        if "specialties" in data:
            service["specialties"] = self.specialties(str(data["specialties"]))
        id_number = v.normalize_text(data.get("id_number")).replace(" ", "").upper()
        try:
            phone = v.phone(data.get("phone"))
        except ValidationError:
            phone = ""
        existing_id = None
        code = data.get("code")
        if code:
            existing_id = self.by_code.get(code)
            if existing_id is None:
                self.foreign_code(code, outcome)
        existing_id = existing_id or self.by_id_number.get(id_number) or self.by_phone.get(phone)
        if existing_id is not None and not self.matched(existing_id, service, outcome):
            return
        for value, seen, label in ((id_number, self.seen_id, "身份证号"),
                                   (phone, self.seen_phone, "电话")):
            if value and value in seen:
                raise ValidationError.single(
                    "id_number" if label == "身份证号" else "phone",
                    f"{label}与第 {seen[value]} 行相同，同一位专家只能录入一次。")
        c = v.Collector()
        values = c.check(experts._values, self.session, service, None)
        specialties = c.check(experts._specialties, self.session, service.get("specialties"))
        c.raise_if_any()
        code = self.next_code("ZJ-")
        expert = Expert(code=code, **values)
        expert.specialties = specialties or []
        if values["id_number"]:
            self.seen_id[values["id_number"]] = outcome.row
        if values["phone"]:
            self.seen_phone[values["phone"]] = outcome.row
        outcome.code = code
        outcome.outcome = Outcome.NEW
        self.pending.append((expert, outcome))

    def update(self, record_id: int, changes: dict[str, Any]) -> None:
        experts.update_expert(self.session, record_id, changes)


class _UnitImporter(_Importer):
    model = Unit
    label = "需求单位"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.existing: dict[tuple[str, int], int] = {}
        for uid, name, township_id in self.session.execute(
            select(Unit.id, Unit.name, Unit.township_id).where(Unit.deleted_at.is_(None))
            .order_by(Unit.id)
        ):
            self.existing.setdefault((name, township_id), uid)
        self.seen: dict[tuple[str, int], int] = {}

    def row(self, data: dict[str, Any], outcome: RowOutcome) -> None:
        township, village = self.resolve_place(data, outcome)
        service = {k: data[k] for k in ("name", "unit_type", "address", "contact_person", "phone",
                                         "notes") if k in data}
        if township is not None:
            service["township_id"] = township.id
            service["village_id"] = village.id if village else None
        existing_id = None
        code = data.get("code")
        if code:
            existing_id = self.by_code.get(code)
            if existing_id is None:
                self.foreign_code(code, outcome)
        if existing_id is None and "name" in service and township is not None:
            existing_id = self.existing.get((v.normalize_text(service["name"]), township.id))
        if existing_id is not None and not self.matched(existing_id, service, outcome):
            return
        key = (v.normalize_text(service.get("name")), service.get("township_id", 0))
        earlier = self.seen.get(key)
        if earlier is not None and self.options.on_duplicate != "keep":
            outcome.outcome = Outcome.SKIP
            outcome.messages.append(("", f"与第 {earlier} 行是同一单位（名称和乡镇相同），已跳过。"))
            return
        values = units._values(self.session, service)
        code = self.next_code("DW-")
        self.seen.setdefault(key, outcome.row)
        outcome.code = code
        outcome.outcome = Outcome.NEW
        self.pending.append((Unit(code=code, **values), outcome))

    def update(self, record_id: int, changes: dict[str, Any]) -> None:
        units.update_unit(self.session, record_id, changes)


_IMPORTERS: dict[str, type[_Importer]] = {
    "needs": _NeedImporter,
    "experts": _ExpertImporter,
    "units": _UnitImporter,
}


def today_stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")
