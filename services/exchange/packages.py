"""Reporting upward (数据报送): the package a county exports and the city imports and merges.

A package is one ``.zip`` file holding ``manifest.json`` (what it is: format, schema version,
office, period, counts, figures, checksum) and ``data.json`` (the records). Records refer to
each other by UUID (every record has one, the same in every installation), specialty fields by
their path (``种植业 › 茶叶``), crop phases by their catalogue key.

Importing merges, all in one transaction or not at all:

- a record whose UUID is known is updated when the package's copy is newer (``updated_at``),
  left alone when equal, and reported as a conflict when the local copy is newer and differs;
- a record whose UUID is unknown is matched by what identifies it in this office (township by
  name, village by township and name, unit by name and township, expert by ID number or
  phone) — never duplicated — or inserted with its UUID (and its code, unless that code is
  taken here: then it gets the next free one, reported);
- importing the same package twice changes nothing the second time.

A package that is damaged (not a zip, checksum wrong), foreign (no manifest of ours), from a
newer program (unknown schema revision) or from this very database is refused with a message.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuid_module
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import (
    CropPhase,
    Dispatch,
    DispatchStatus,
    Expert,
    Field,
    Need,
    NeedEvent,
    NeedStatus,
    Township,
    Unit,
    Village,
)
from services import settings
from services.errors import ServiceError, ValidationError
from services.exchange.xlsx import atomic_write
from services.fields import all_fields, field_path
from services.records import next_code
from services.validation import normalize_text

FORMAT = "expert-dispatch/report-package"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
OFFICE_ID = "exchange.office_id"
Progress = Callable[[int, int, str], None]

TABLES = ("townships", "villages", "units", "experts", "needs", "dispatches")
TABLE_LABELS = {"townships": "乡镇", "villages": "村", "units": "需求单位", "experts": "专家",
                "needs": "需求", "dispatches": "派遣"}


def _office_check(value: Any) -> str:
    text = normalize_text(value)
    if text:
        try:
            uuid_module.UUID(text)
        except ValueError:
            raise ValidationError.single("value", "本库标识应为 UUID。") from None
    return text


settings.define(OFFICE_ID, "本库标识（数据报送用）", "", _office_check,
                "首次导出数据报送包时自动生成，用来识别数据来自哪个单位，请勿修改。", "导入导出")


class PackageError(ServiceError):
    """A package that cannot be used: damaged, foreign, too new, or our own."""


@dataclass
class Manifest:
    """What a package says about itself (see module doc)."""

    office_id: str
    office_name: str
    county: str
    period_start: date
    period_end: date
    schema_version: str
    created_at: str
    counts: dict[str, int]
    figures: dict[str, dict[str, Any]]
    checksum: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def summary(self) -> str:
        counts = "、".join(f"{TABLE_LABELS[t]} {self.counts.get(t, 0)}" for t in TABLES)
        return (f"{self.office_name}（{self.county}）{self.period_start}至{self.period_end}的数据"
                f"（{counts}），导出于 {self.created_at[:16].replace('T', ' ')}")


@dataclass
class MergeResult:
    """What importing a package did (or, ``dry_run``, would do): per table the number of
    records ``inserted``, ``updated``, ``unchanged``; ``conflicts`` and ``notes`` in Chinese."""

    manifest: Manifest
    dry_run: bool
    inserted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    conflicts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(self.inserted.values()) + sum(self.updated.values())

    def summary(self) -> str:
        parts = []
        for table in TABLES:
            n = (self.inserted[table], self.updated[table], self.unchanged[table])
            if any(n):
                parts.append(f"{TABLE_LABELS[table]}：新增 {n[0]}、更新 {n[1]}、无变化 {n[2]}")
        verb = "预览" if self.dry_run else "已导入"
        text = f"{verb}{self.manifest.office_name}的数据报送包。" + "；".join(parts) + "。"
        if self.conflicts:
            text += f"冲突 {len(self.conflicts)} 处（保留本库版本）。"
        return text


# ---------------------------------------------------------------------------------------------
# Export


def office_id(session: Session) -> str:
    """This database's identity in packages; created on first use."""
    current = settings.get(session, OFFICE_ID)
    if not current:
        current = str(uuid_module.uuid4())
        settings.set_value(session, OFFICE_ID, current)
    return current


def _iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, str | int | float):
        return value.value
    return value


def _stamp(record: Any) -> dict[str, Any]:
    return {"uuid": record.uuid, "created_at": _iso(record.created_at),
            "updated_at": _iso(record.updated_at)}


def collect(session: Session, start: date, end: date) -> dict[str, list[dict[str, Any]]]:
    """The records of the period: needs submitted in it, dispatches starting in it, and every
    need, unit, expert, village and township they refer to."""
    dispatches = list(session.scalars(
        select(Dispatch).where(Dispatch.start_date >= start, Dispatch.start_date <= end)
        .order_by(Dispatch.id)))
    need_ids = set(session.scalars(select(Need.id).where(
        Need.submitted_on >= start, Need.submitted_on <= end)))
    need_ids |= {d.need_id for d in dispatches}
    need_list = list(session.scalars(select(Need).where(Need.id.in_(need_ids)).order_by(Need.id))
                     ) if need_ids else []
    expert_ids = {d.expert_id for d in dispatches}
    expert_list = list(session.scalars(select(Expert).where(Expert.id.in_(expert_ids))
                                       .order_by(Expert.id))) if expert_ids else []
    unit_ids = {n.unit_id for n in need_list} | {
        e.employer_unit_id for e in expert_list if e.employer_unit_id}
    unit_list = list(session.scalars(select(Unit).where(Unit.id.in_(unit_ids))
                                     .order_by(Unit.id))) if unit_ids else []
    village_ids = {x.village_id for x in [*need_list, *unit_list] if x.village_id}
    village_list = list(session.scalars(select(Village).where(Village.id.in_(village_ids))
                                        .order_by(Village.id))) if village_ids else []
    township_ids = ({x.township_id for x in [*need_list, *unit_list]}
                    | {x.township_id for x in village_list})
    township_list = list(session.scalars(select(Township).where(Township.id.in_(township_ids))
                                         .order_by(Township.id))) if township_ids else []
    phase_keys = dict(session.execute(select(CropPhase.id, CropPhase.key)).all())
    return {
        "townships": [_stamp(t) | {"name": t.name, "code": t.code, "latitude": t.latitude,
                                   "longitude": t.longitude} for t in township_list],
        "villages": [_stamp(x) | {"township": x.township.uuid, "name": x.name,
                                  "key_support": x.key_support,
                                  "poverty_alleviated": x.poverty_alleviated,
                                  "latitude": x.latitude, "longitude": x.longitude}
                     for x in village_list],
        "units": [_unit_record(u) for u in unit_list],
        "experts": [_expert_record(e) for e in expert_list],
        "needs": [_need_record(n, phase_keys) for n in need_list],
        "dispatches": [_dispatch_record(d) for d in dispatches],
    }


def _unit_record(u: Unit) -> dict[str, Any]:
    return _stamp(u) | {
        "code": u.code, "name": u.name, "unit_type": u.unit_type, "township": u.township.uuid,
        "village": u.village.uuid if u.village else None, "address": u.address,
        "contact_person": u.contact_person, "phone": u.phone, "notes": u.notes,
        "deleted_at": _iso(u.deleted_at),
    }


def _expert_record(e: Expert) -> dict[str, Any]:
    return _stamp(e) | {
        "code": e.code, "name": e.name, "gender": e.gender, "birth_year": e.birth_year,
        "id_number": e.id_number, "phone": e.phone, "employer": e.employer,
        "employer_unit": e.employer_unit.uuid if e.employer_unit else None, "title": e.title,
        "title_name": e.title_name, "honours": list(e.honours or []),
        "home_place": e.home_place, "home_latitude": e.home_latitude,
        "home_longitude": e.home_longitude, "retired": e.retired,
        "max_days_per_month": e.max_days_per_month, "max_days_per_year": e.max_days_per_year,
        "notes": e.notes, "specialties": sorted(field_path(f) for f in e.specialties),
        "deleted_at": _iso(e.deleted_at),
    }


def _need_record(n: Need, phase_keys: dict[int, str]) -> dict[str, Any]:
    phase = phase_keys.get(n.crop_phase_id) if n.crop_phase_id else None
    return _stamp(n) | {
        "code": n.code, "title": n.title, "description": n.description, "unit": n.unit.uuid,
        "township": n.township.uuid, "village": n.village.uuid if n.village else None,
        "field": field_path(n.field), "crop_phase": phase or None,
        "window_start": _iso(n.window_start), "window_end": _iso(n.window_end),
        "experts_wanted": n.experts_wanted, "days_wanted": n.days_wanted,
        "required_title": n.required_title, "beneficiaries_estimate": n.beneficiaries_estimate,
        "status": n.status.value, "source": n.source, "submitted_on": _iso(n.submitted_on),
        "deleted_at": _iso(n.deleted_at),
        "events": [{"at": _iso(ev.at), "actor": ev.actor,
                    "from": ev.from_status.value if ev.from_status else None,
                    "to": ev.to_status.value, "reason": ev.reason} for ev in n.events],
    }


def _dispatch_record(d: Dispatch) -> dict[str, Any]:
    return _stamp(d) | {
        "code": d.code, "need": d.need.uuid, "expert": d.expert.uuid,
        "start_date": _iso(d.start_date), "end_date": _iso(d.end_date), "place": d.place,
        "tasks": d.tasks, "status": d.status.value, "status_reason": d.status_reason,
    }


def figures(session: Session, start: date, end: date) -> dict[str, dict[str, Any]]:
    """The period's headline figures, as the year-end report quotes them."""
    active = (DispatchStatus.PLANNED, DispatchStatus.CONFIRMED, DispatchStatus.COMPLETED)
    in_period = (Dispatch.start_date >= start, Dispatch.start_date <= end)
    done = (*in_period, Dispatch.status == DispatchStatus.COMPLETED)
    completed = list(session.execute(
        select(Dispatch.start_date, Dispatch.end_date, Dispatch.expert_id, Need.unit_id,
               Need.township_id).join(Need, Dispatch.need_id == Need.id).where(*done)))
    submitted = session.scalar(select(func.count()).select_from(Need).where(
        Need.submitted_on >= start, Need.submitted_on <= end, Need.deleted_at.is_(None))) or 0
    planned = session.scalar(select(func.count()).select_from(Dispatch).where(
        *in_period, Dispatch.status.in_(active))) or 0
    served = session.scalar(select(func.count(func.distinct(Dispatch.need_id))).where(*done)) or 0
    return {
        "needs_submitted": {"label": "申报需求（条）", "value": submitted},
        "needs_served": {"label": "已服务需求（条）", "value": served},
        "dispatches": {"label": "派遣安排（人次）", "value": planned},
        "dispatches_completed": {"label": "完成派遣（人次）", "value": len(completed)},
        "expert_days": {"label": "专家服务（人·天）",
                        "value": sum((e - s).days + 1 for s, e, *_ in completed)},
        "experts": {"label": "服务专家（名）", "value": len({r[2] for r in completed})},
        "units": {"label": "受益单位（家）", "value": len({r[3] for r in completed})},
        "townships": {"label": "覆盖乡镇（个）", "value": len({r[4] for r in completed})},
    }


def export_package(
    session: Session,
    target: str | Path,
    start: date,
    end: date,
    *,
    actor: str = "",
    progress: Progress | None = None,
) -> Manifest:
    """Write the package for the period [start, end] to ``target``. Call inside a unit of work
    and commit: the first export creates this database's office id (a setting)."""
    from services.about import APP_VERSION
    from services.database import current_revision

    if start > end:
        raise ValidationError.single("end", f"结束日期 {end} 早于开始日期 {start}。")
    if progress:
        progress(0, 3, "正在收集数据")
    data = collect(session, start, end)
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    checksum = hashlib.sha256(payload).hexdigest()
    bind = session.get_bind()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": current_revision(bind),  # type: ignore[arg-type]
        "app_version": APP_VERSION,
        "office": {"id": office_id(session), "name": settings.get(session, "bureau.name"),
                   "county": settings.get(session, "county.name")},
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "created_by": actor,
        "counts": {t: len(data[t]) for t in TABLES},
        "figures": figures(session, start, end),
        "checksum": {"algorithm": "sha256", "file": DATA, "value": checksum},
    }
    if progress:
        progress(1, 3, "正在写入文件")

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
            zf.writestr(DATA, payload)

    atomic_write(Path(target), write, "数据报送包")
    if progress:
        progress(3, 3, "已导出")
    return _manifest(manifest)


# ---------------------------------------------------------------------------------------------
# Reading and checking


def _manifest(raw: dict[str, Any]) -> Manifest:
    try:
        return Manifest(
            office_id=str(raw["office"]["id"]), office_name=str(raw["office"]["name"]),
            county=str(raw["office"].get("county", "")),
            period_start=date.fromisoformat(raw["period"]["start"]),
            period_end=date.fromisoformat(raw["period"]["end"]),
            schema_version=str(raw["schema_version"]), created_at=str(raw["created_at"]),
            counts={k: int(n) for k, n in raw["counts"].items()},
            figures=dict(raw.get("figures", {})), checksum=str(raw["checksum"]["value"]),
            raw=raw,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise PackageError("数据报送包的说明文件（manifest）不完整或已损坏，未导入任何数据。") from None


def read_package(path: str | Path) -> tuple[Manifest, dict[str, Any]]:
    """The manifest and the records of a package, after every check; raises PackageError."""
    from services.database import alembic_config

    path = Path(path)
    name = path.name
    if not path.is_file():
        raise PackageError(f"找不到文件“{path}”。")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if MANIFEST not in names:
                raise PackageError(f"“{name}”不是本程序导出的数据报送包（缺少说明文件），未导入。")
            bad = zf.testzip()
            if bad is not None:
                raise PackageError(f"“{name}”已损坏（{bad} 校验失败），未导入任何数据。请让对方重新导出。")
            raw_manifest = zf.read(MANIFEST)
            payload = zf.read(DATA) if DATA in names else None
    except zipfile.BadZipFile:
        raise PackageError(f"“{name}”不是有效的数据报送包：文件已损坏，或不是本程序导出的文件。") from None
    except OSError as exc:
        raise PackageError(f"无法读取“{name}”：{exc.strerror or exc}。") from None
    try:
        raw = json.loads(raw_manifest.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PackageError(f"“{name}”的说明文件已损坏，未导入任何数据。") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise PackageError(f"“{name}”不是本程序的数据报送包（可能是其他软件的压缩包），未导入。")
    if not isinstance(raw.get("format_version"), int) or raw["format_version"] > FORMAT_VERSION:
        raise PackageError(f"“{name}”由更新版本的程序导出，请升级本程序后再导入。")
    manifest = _manifest(raw)
    from alembic.script import ScriptDirectory

    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if manifest.schema_version not in known:
        raise PackageError(
            f"“{name}”来自更新版本的程序（数据结构 {manifest.schema_version}），请升级本程序后再导入。")
    if payload is None or hashlib.sha256(payload).hexdigest() != manifest.checksum:
        raise PackageError(f"“{name}”已损坏（校验和不符），未导入任何数据。请让对方重新导出。")
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PackageError(f"“{name}”的数据已损坏，未导入任何数据。") from None
    if not isinstance(data, dict) or any(not isinstance(data.get(t), list) for t in TABLES):
        raise PackageError(f"“{name}”的数据不完整，未导入任何数据。")
    return manifest, data


def read_manifest(path: str | Path) -> Manifest:
    """What a package says about itself, after checking it is whole (for a preview)."""
    return read_package(path)[0]


# ---------------------------------------------------------------------------------------------
# Merge


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class _Merger:
    """Merges the tables in dependency order. Every lookup is a dict built once (UUIDs, codes,
    natural keys), and the session flushes once per table, not once per record: a package
    of a county's year (thousands of records) merges in seconds."""

    MODELS: ClassVar[dict[str, type[Any]]] = {"townships": Township, "villages": Village, "units": Unit,
                                    "experts": Expert, "needs": Need, "dispatches": Dispatch}

    def __init__(self, session: Session, result: MergeResult) -> None:
        self.session = session
        self.result = result
        self.local: dict[str, dict[str, Any]] = {t: {} for t in TABLES}  # package uuid → record
        self._keep: list[Any] = list(session.scalars(select(Field)))
        by_id = {f.id: f for f in self._keep}
        self.fields: dict[str, Field] = {info.path: by_id[info.id]
                                         for info in all_fields(session)}
        self.phases = dict(session.execute(select(CropPhase.key, CropPhase.id)).all())
        self.by_uuid: dict[type[Any], dict[str, Any]] = {}
        self.codes: dict[type[Any], set[str]] = {}
        for model in self.MODELS.values():
            self.by_uuid[model] = dict(session.execute(select(model.uuid, model.id)).all())
            if hasattr(model, "code"):
                self.codes[model] = set(session.scalars(select(model.code)))
        self.township_names = dict(session.execute(select(Township.name, Township.id)).all())
        self.village_names: dict[tuple[int, str], Any] = {
            (tid, name): vid for vid, tid, name in session.execute(
                select(Village.id, Village.township_id, Village.name))}
        self.unit_names: dict[tuple[str, int], Any] = {}
        for uid, name, tid in session.execute(
            select(Unit.id, Unit.name, Unit.township_id).where(Unit.deleted_at.is_(None))
            .order_by(Unit.id.desc())
        ):
            self.unit_names[(name, tid)] = uid
        self.expert_keys: dict[tuple[str, str], Any] = {}
        for eid, id_number, phone in session.execute(
            select(Expert.id, Expert.id_number, Expert.phone)
        ):
            if id_number:
                self.expert_keys[("id_number", id_number)] = eid
            if phone:
                self.expert_keys[("phone", phone)] = eid
        self.visits: dict[tuple[Any, Any, date], Any] = {
            (n, e, d): code for n, e, d, code in session.execute(
                select(Dispatch.need_id, Dispatch.expert_id, Dispatch.start_date, Dispatch.code))}
        self.counters: dict[str, int] = {}

    def get(self, model: type[Any], ref: Any) -> Any:
        """A record from a lookup value: an id (stored) or the object (inserted here)."""
        if ref is None or not isinstance(ref, int):
            return ref
        return self.session.get(model, ref)

    def find_uuid(self, model: type[Any], record_uuid: str) -> Any:
        return self.get(model, self.by_uuid[model].get(record_uuid))

    def settle(self, table: str, item: dict[str, Any], local: Any, values: dict[str, Any],
               label: str, new: Callable[[], Any]) -> Any:
        """Insert, update, leave, or report a conflict for one record; returns the local one."""
        if local is None:
            local = new()
            for key, value in values.items():
                setattr(local, key, value)
            local.uuid = item["uuid"]
            if item.get("created_at"):
                local.created_at = _datetime(item["created_at"])
            local.updated_at = _datetime(item["updated_at"])
            self.session.add(local)
            model = type(local)
            self.by_uuid[model][item["uuid"]] = local
            if model in self.codes:
                self.codes[model].add(local.code)
            self.result.inserted[table] += 1
        else:
            differs = {k: v for k, v in values.items() if _plain(getattr(local, k)) != _plain(v)}
            theirs = _datetime(item["updated_at"])
            if not differs:
                self.result.unchanged[table] += 1
            elif theirs is not None and (local.updated_at is None or theirs >= local.updated_at):
                # ≥: timestamps have whole seconds; an edit in the second of the last export
                # must still arrive. Only a strictly newer local copy is kept (a conflict).
                for key, value in differs.items():
                    setattr(local, key, value)
                local.updated_at = theirs
                self.result.updated[table] += 1
            else:
                fields_ = "、".join(sorted(differs))
                self.result.conflicts.append(
                    f"{TABLE_LABELS[table]}“{label}”：本库的版本较新或同时被修改（{fields_}），"
                    "保留本库版本。")
                self.result.unchanged[table] += 1
        self.local[table][item["uuid"]] = local
        return local

    def field(self, path: str) -> Field:
        path = " › ".join(p.strip() for p in path.split("›"))
        if path not in self.fields:
            parent: Field | None = None
            for level, name in enumerate([p.strip() for p in path.split("›")], start=1):
                node = self.session.scalar(select(Field).where(
                    Field.name == name,
                    Field.parent_id.is_(None) if parent is None else Field.parent_id == parent.id))
                if node is None:
                    node = Field(name=name, level=level, parent=parent)
                    self.session.add(node)
                    self.session.flush()
                    self.result.notes.append(f"新增专业领域“{path}”。")
                parent = node
            assert parent is not None
            self.fields[path] = parent
        return self.fields[path]

    def code_for(self, model: type[Any], wanted: str, prefix: str, table: str,
                 local: Any) -> str:
        if local is not None:
            return local.code
        if wanted not in self.codes[model]:
            return wanted
        if prefix not in self.counters:
            first = next_code(self.session, model, prefix)
            self.counters[prefix] = int(first[len(prefix):]) - 1
        code = wanted
        while code in self.codes[model]:
            self.counters[prefix] += 1
            code = f"{prefix}{self.counters[prefix]:04d}"
        self.result.notes.append(f"{TABLE_LABELS[table]}编号 {wanted} 在本库已被占用，改为 {code}。")
        return code

    def run(self, data: dict[str, Any], progress: Progress | None) -> None:
        total = sum(len(data[t]) for t in TABLES)
        done = 0
        for table in TABLES:
            model = self.MODELS[table]
            known = [i["uuid"] for i in data[table] if i["uuid"] in self.by_uuid[model]]
            for chunk in range(0, len(known), 500):  # into the identity map: no query per record
                stmt = select(model).where(model.uuid.in_(known[chunk:chunk + 500]))
                if model is Expert:
                    stmt = stmt.options(selectinload(Expert.specialties))
                self._keep += self.session.scalars(stmt).all()
            with self.session.no_autoflush:
                for item in data[table]:
                    getattr(self, table)(item)
                    done += 1
                    if progress and done % 200 == 0:
                        progress(done, total, f"正在合并{TABLE_LABELS[table]}")
            self.session.flush()  # the next table refers to these records by id

    def townships(self, item: dict[str, Any]) -> None:
        local = self.find_uuid(Township, item["uuid"]) or self.get(
            Township, self.township_names.get(item["name"]))
        values = {k: item[k] for k in ("name", "code", "latitude", "longitude")}
        if local is not None and local.uuid != item["uuid"]:
            values.pop("name")
        local = self.settle("townships", item, local, values, item["name"], Township)
        self.township_names.setdefault(local.name, local)

    def villages(self, item: dict[str, Any]) -> None:
        township = self.local["townships"][item["township"]]
        local = self.find_uuid(Village, item["uuid"]) or self.get(
            Village, self.village_names.get((township.id, item["name"])))
        values = {"township_id": township.id} | {
            k: item[k] for k in ("name", "key_support", "poverty_alleviated", "latitude",
                                 "longitude")}
        local = self.settle("villages", item, local, values, township.name + item["name"],
                            Village)
        self.village_names.setdefault((township.id, local.name), local)

    def _village(self, ref: str | None) -> int | None:
        return self.local["villages"][ref].id if ref else None

    def units(self, item: dict[str, Any]) -> None:
        township = self.local["townships"][item["township"]]
        local = self.find_uuid(Unit, item["uuid"]) or self.get(
            Unit, self.unit_names.get((item["name"], township.id)))
        values = {"township_id": township.id, "village_id": self._village(item["village"]),
                  "deleted_at": _datetime(item["deleted_at"])} | {
            k: item[k] for k in ("name", "unit_type", "address", "contact_person", "phone",
                                 "notes")}
        values["code"] = self.code_for(Unit, item["code"], "DW-", "units", local)
        local = self.settle("units", item, local, values, item["name"], Unit)
        self.unit_names.setdefault((local.name, township.id), local)

    def experts(self, item: dict[str, Any]) -> None:
        local = self.find_uuid(Expert, item["uuid"])
        for column in ("id_number", "phone"):
            if local is None and item[column]:
                local = self.get(Expert, self.expert_keys.get((column, item[column])))
        employer = item.get("employer_unit")
        values = {k: item[k] for k in (
            "name", "gender", "birth_year", "id_number", "phone", "employer", "title",
            "title_name", "home_place", "home_latitude", "home_longitude", "retired",
            "max_days_per_month", "max_days_per_year", "notes")}
        values["honours"] = list(item["honours"])
        values["deleted_at"] = _datetime(item["deleted_at"])
        values["employer_unit_id"] = (self.local["units"][employer].id
                                      if employer in self.local["units"] else None)
        values["code"] = self.code_for(Expert, item["code"], "ZJ-", "experts", local)
        if local is None or sorted(field_path(f) for f in local.specialties) != sorted(
                item["specialties"]):
            values["specialties"] = [self.field(p) for p in item["specialties"]]
        local = self.settle("experts", item, local, values, item["name"], Expert)
        for column in ("id_number", "phone"):
            if getattr(local, column):
                self.expert_keys.setdefault((column, getattr(local, column)), local)

    def needs(self, item: dict[str, Any]) -> None:
        local = self.find_uuid(Need, item["uuid"])
        values = {
            "title": item["title"], "description": item["description"],
            "unit_id": self.local["units"][item["unit"]].id,
            "township_id": self.local["townships"][item["township"]].id,
            "village_id": self._village(item["village"]),
            "field_id": self.field(item["field"]).id,
            "crop_phase_id": self.phases.get(item["crop_phase"]) if item["crop_phase"] else None,
            "window_start": _date(item["window_start"]), "window_end": _date(item["window_end"]),
            "experts_wanted": item["experts_wanted"], "days_wanted": item["days_wanted"],
            "required_title": item["required_title"],
            "beneficiaries_estimate": item["beneficiaries_estimate"],
            "status": NeedStatus(item["status"]), "source": item["source"],
            "submitted_on": _date(item["submitted_on"]),
            "deleted_at": _datetime(item["deleted_at"]),
        }
        year = values["submitted_on"].year if values["submitted_on"] else date.today().year
        values["code"] = self.code_for(Need, item["code"], f"XQ-{year}-", "needs", local)
        inserted = local is None
        need = self.settle("needs", item, local, values, item["code"], Need)
        if inserted:
            for ev in item.get("events", []):
                need.events.append(NeedEvent(
                    at=_datetime(ev["at"]), actor=ev["actor"],
                    from_status=NeedStatus(ev["from"]) if ev["from"] else None,
                    to_status=NeedStatus(ev["to"]), reason=ev["reason"]))

    def dispatches(self, item: dict[str, Any]) -> None:
        local = self.find_uuid(Dispatch, item["uuid"])
        need, expert = self.local["needs"][item["need"]], self.local["experts"][item["expert"]]
        values = {
            "need_id": need.id, "expert_id": expert.id,
            "start_date": _date(item["start_date"]), "end_date": _date(item["end_date"]),
            "place": item["place"], "tasks": item["tasks"],
            "status": DispatchStatus(item["status"]), "status_reason": item["status_reason"],
        }
        visit = (need.id, expert.id, values["start_date"])
        if local is None and visit in self.visits:
            self.result.conflicts.append(
                f"派遣 {item['code']} 与本库的派遣 {self.visits[visit]} 是同一次派遣（同一需求、专家和日期），"
                "保留本库版本。")
            self.result.unchanged["dispatches"] += 1
            return
        start = values["start_date"]
        values["code"] = self.code_for(Dispatch, item["code"], f"PQ-{start.year}-", "dispatches",
                                       local)
        local = self.settle("dispatches", item, local, values, item["code"], Dispatch)
        self.visits.setdefault(visit, local.code)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(_plain(v) for v in value) if all(
            isinstance(v, str) for v in value) else [_plain(v) for v in value]
    if isinstance(value, Field):
        return field_path(value)
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value
    return value


def import_package(
    session: Session,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> MergeResult:
    """Merge the package at ``path`` into the database of ``session`` (see module doc). Call
    inside a unit of work; commit unless ``dry_run`` (the caller decides; nothing is written
    until then, so a failure anywhere leaves the database as it was)."""
    manifest, data = read_package(path)
    if manifest.office_id and manifest.office_id == settings.get(session, OFFICE_ID):
        raise PackageError("这是本库自己导出的数据报送包，无需导入。")
    from services.exchange.importer import open_transaction

    open_transaction(session)
    session.info["audit_note"] = (f"数据报送包导入：{manifest.office_name} "
                                  f"{manifest.period_start}至{manifest.period_end}")
    result = MergeResult(manifest, dry_run)
    try:
        _Merger(session, result).run(data, progress)
    except (KeyError, TypeError, ValueError) as exc:
        raise PackageError(f"数据报送包内容不完整或有误（{exc}），未导入任何数据。") from exc
    return result


def default_package_name(county: str, start: date, end: date) -> str:
    return f"数据报送-{county}-{start:%Y%m%d}至{end:%Y%m%d}.zip"


def iter_counts(manifest: Manifest) -> Iterable[tuple[str, int]]:
    for table in TABLES:
        yield TABLE_LABELS[table], manifest.counts.get(table, 0)
