"""Bringing the crop-phase catalogue file into the database, without overwriting user edits.

Runs at every database open (registered with services/database.py): phases missing from the
database are inserted, phases the user never edited follow the file, and phases the user edited
(``user_edited``) are left exactly as they are. Nothing is deleted: needs refer to phases, and a
phase dropped from a later catalogue simply stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models import CropPhase as CropPhaseRow
from services.calendar.crop_phases import Catalogue, CropPhase, load_catalogue
from services.database import register_reference_sync

#: Columns that come from the catalogue file (``key`` identifies the row).
CATALOGUE_COLUMNS = (
    "region", "crop", "name", "start_spec", "end_spec", "ideal_spec", "help", "topics", "source",
)  # fmt: skip


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: rows inserted, unedited rows updated, edited rows left alone."""

    inserted: int
    updated: int
    kept_user_edits: int


def catalogue_values(phase: CropPhase) -> dict[str, Any]:
    """The column values of a catalogue phase."""
    return {
        "key": phase.key,
        "region": phase.region,
        "crop": phase.crop,
        "name": phase.name,
        "start_spec": phase.start_spec,
        "end_spec": phase.end_spec,
        "ideal_spec": phase.ideal_spec,
        "help": list(phase.help),
        "topics": list(phase.topics),
        "source": phase.source,
    }


def sync_catalogue(session: Session, catalogue: Catalogue | None = None) -> SyncResult:
    """Insert missing catalogue phases and update unedited ones; never touch edited rows."""
    catalogue = catalogue or load_catalogue()
    # Plain tuples, not ORM objects: this runs at every open and usually changes nothing.
    columns = [getattr(CropPhaseRow, c) for c in CATALOGUE_COLUMNS]
    stored = {
        r.key: r
        for r in session.execute(
            select(CropPhaseRow.id, CropPhaseRow.key, CropPhaseRow.user_edited, *columns)
        )
    }
    new_rows: list[dict[str, Any]] = []
    updated = kept = 0
    previous_note = session.info.get("audit_note")
    session.info["audit_note"] = "农时目录更新"
    try:
        for phase in catalogue.phases:
            values = catalogue_values(phase)
            current = stored.get(phase.key)
            if current is None:
                new_rows.append({**values, "user_edited": False})
                continue
            if current.user_edited:
                kept += 1
                continue
            changed = {c: values[c] for c in CATALOGUE_COLUMNS if getattr(current, c) != values[c]}
            if changed:
                row = session.get(CropPhaseRow, current.id)
                assert row is not None
                for column, value in changed.items():
                    setattr(row, column, value)  # through the ORM, so the change is audited
                updated += 1
        if new_rows:
            # One bulk INSERT: a fresh database gets several hundred shipped rows, which are
            # reference data (the file is their record), not user changes worth an audit entry.
            session.execute(insert(CropPhaseRow), new_rows)
        session.flush()
    finally:
        if previous_note is None:
            session.info.pop("audit_note", None)
        else:
            session.info["audit_note"] = previous_note
    return SyncResult(len(new_rows), updated, kept)


def _sync_at_open(session: Session) -> None:
    sync_catalogue(session)


register_reference_sync(_sync_at_open)
