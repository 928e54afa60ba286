"""The specialty tree (专业领域): loading the shipped tree and looking fields up."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Field
from services.errors import NotFoundError, ValidationError
from services.records import as_record_id, looks_like_id

FIELDS_FILE = Path(__file__).resolve().parent.parent / "resources" / "fields.json"


@dataclass(frozen=True)
class FieldInfo:
    id: int
    name: str
    level: int
    parent_id: int | None
    path: str  # 种植业 › 茶叶 › 茶园管理


@cache
def shipped_tree() -> list[dict[str, Any]]:
    return json.loads(FIELDS_FILE.read_text(encoding="utf-8"))["fields"]


def sync_fields(session: Session) -> None:
    """Insert every shipped field that is missing; never rename or remove the user's ones."""
    existing = {(f.parent_id, f.name): f for f in session.scalars(select(Field))}

    def ensure(name: str, level: int, parent: Field | None) -> Field:
        key = (parent.id if parent else None, name)
        field = existing.get(key)
        if field is None:
            field = Field(name=name, level=level, parent=parent)
            session.add(field)
            session.flush()
            existing[key] = field
        return field

    for top in shipped_tree():
        root = ensure(top["name"], 1, None)
        for industry in top.get("children", []):
            mid = ensure(industry["name"], 2, root)
            for topic in industry.get("children", []):
                ensure(topic, 3, mid)


def all_fields(session: Session) -> list[FieldInfo]:
    rows = session.execute(select(Field.id, Field.name, Field.level, Field.parent_id)).all()
    by_id = {r.id: r for r in rows}

    def path(row: Any) -> str:
        parts = [row.name]
        while row.parent_id is not None:
            row = by_id[row.parent_id]
            parts.append(row.name)
        return " › ".join(reversed(parts))

    return sorted(
        (FieldInfo(r.id, r.name, r.level, r.parent_id, path(r)) for r in rows),
        key=lambda f: f.path,
    )


def find_field(session: Session, text: str, field: str = "field_id") -> Field:
    """A field by id, full path (种植业 › 茶叶), or unique name (茶叶)."""
    text = str(text).strip()
    if looks_like_id(text):
        found = session.get(Field, as_record_id(text))
        if found is None:
            raise NotFoundError(f"找不到编号为 {text} 的专业领域。")
        return found
    parts = [p.strip() for p in text.replace(">", "›").replace("/", "›").split("›") if p.strip()]
    candidates = list(session.scalars(select(Field).where(Field.name == parts[-1])))
    if len(parts) > 1:
        candidates = [f for f in candidates if _path_parts(f)[-len(parts):] == parts]
    if not candidates:
        raise ValidationError.single(field, f"没有名为“{text}”的专业领域，请从专业领域列表中选择。")
    if len(candidates) > 1:
        paths = "、".join(" › ".join(_path_parts(f)) for f in candidates)
        raise ValidationError.single(field, f"专业领域“{text}”有多个：{paths}。请写出完整路径。")
    return candidates[0]


def _path_parts(field: Field) -> list[str]:
    parts = []
    node: Field | None = field
    while node is not None:
        parts.append(node.name)
        node = node.parent
    return list(reversed(parts))


def field_path(field: Field) -> str:
    return " › ".join(_path_parts(field))


def ancestors_and_self(session: Session, field_id: int) -> list[int]:
    """[topic, industry, field] ids, nearest first."""
    ids = []
    current: int | None = field_id
    while current is not None:
        ids.append(current)
        current = session.scalar(select(Field.parent_id).where(Field.id == current))
    return ids


def _register() -> None:
    from services.database import register_reference_sync

    register_reference_sync(sync_fields)


_register()
