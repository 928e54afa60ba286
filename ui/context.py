"""What every screen is given (passed explicitly; no global registry of objects): the
database, the task runner, the remembered layout, and the channel through which a screen
that changed data tells the others.

``Changes`` says what an action changed (Anki's ``OpChanges``): each screen decides for itself
whether it must refresh, and how much — a list re-reads only the rows whose ids changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ui.state import UiState
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from services.database import Database

# Kinds of data a change may touch.
NEED, EXPERT, UNIT, PLACE, FIELD, SETTING = "need", "expert", "unit", "place", "field", "setting"


@dataclass(frozen=True)
class Changes:
    """``ids`` per kind; ``None`` for a kind means "possibly any record of that kind"."""

    kinds: dict[str, frozenset[int] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, kind: str, ids: Iterable[int] | None = None) -> Changes:
        return cls({kind: None if ids is None else frozenset(ids)})

    def __or__(self, other: Changes) -> Changes:
        merged: dict[str, frozenset[int] | None] = dict(self.kinds)
        for kind, ids in other.kinds.items():
            if kind in merged:
                mine = merged[kind]
                merged[kind] = None if mine is None or ids is None else mine | ids
            else:
                merged[kind] = ids
        return Changes(merged)

    def touches(self, *kinds: str) -> bool:
        return any(k in self.kinds for k in kinds)

    def ids(self, kind: str) -> frozenset[int] | None:
        """The ids of ``kind`` that changed (None: any may have)."""
        return self.kinds.get(kind, frozenset())


class AppContext(QObject):
    """Signals: ``changed(Changes)`` after any action that wrote data; ``navigate(page key,
    argument)`` when a screen asks to show another (e.g. the dashboard opening the needs list
    filtered by a status).

    Attributes: ``database``, ``tasks`` (TaskRunner), ``state`` (UiState), ``window`` (the
    main window, parent of dialogs).
    """

    changed = Signal(object)
    navigate = Signal(str, object)

    def __init__(self, database: Database, tasks: TaskRunner, state: UiState,
                 window: QWidget) -> None:
        super().__init__(window)
        self.database = database
        self.tasks = tasks
        self.state = state
        self.window = window

    def notify(self, changes: Changes) -> None:
        self.changed.emit(changes)

    def show_page(self, key: str, argument: Any = None) -> None:
        self.navigate.emit(key, argument)
