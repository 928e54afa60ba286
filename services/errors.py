"""Typed errors raised by services.

Every error carries a Chinese message that the GUI and the CLI show to the user as is: it says
what is wrong and what to do. Anything else that escapes a service is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class ServiceError(Exception):
    """Base of every expected, user-facing error. ``message`` is Chinese and complete."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(ServiceError):
    """One or more fields hold bad values.

    ``errors`` maps a field name (the model attribute, e.g. ``"id_number"``) to its Chinese
    message, so a form can show each message next to its field.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls({field: message})


class NotFoundError(ServiceError):
    """A record asked for by code or id does not exist (or was deleted)."""


class DuplicateError(ValidationError):
    """A record with the same identifying value (ID number, phone, code) already exists."""


class IllegalTransitionError(ServiceError):
    """A need cannot move from its current status to the one asked for."""


@dataclass(frozen=True)
class FieldChange:
    """One field on which the user's save and the stored record (someone else's save) differ.

    ``field``: the model attribute; ``label``: its Chinese name; ``mine`` / ``theirs``: the
    values as text for people (``mine``: what the user's save would store on top of the
    other person's version; ``theirs``: what is stored now)."""

    field: str
    label: str
    mine: str
    theirs: str


class ConflictError(ServiceError):
    """Somebody else changed the record since it was read (optimistic locking).

    Besides ``message``: ``changes`` (a list of ``FieldChange``, empty when unknown),
    ``entity`` / ``entity_id`` (which record), ``expected_version`` / ``current_version``,
    ``changed_by`` / ``changed_at`` (the other person's latest change, from the audit trail,
    when known). A form shows the changes and offers to reload or to keep the user's edits
    (saving them again on top of the current version)."""

    def __init__(self, message: str, *, changes: list[FieldChange] | None = None,
                 entity: str = "", entity_id: int | None = None,
                 expected_version: int | None = None, current_version: int | None = None,
                 changed_by: str = "", changed_at: datetime | None = None) -> None:
        super().__init__(message)
        self.changes = list(changes or [])
        self.entity = entity
        self.entity_id = entity_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at


class DatabaseError(ServiceError):
    """The database cannot be opened or used (locked, damaged, disk full, wrong URL)."""


class DatabaseTooNewError(DatabaseError):
    """The database was written by a newer version of the program; it is left untouched."""


class CalendarError(ServiceError):
    """A calendar question outside what the calendar can answer (year out of range, …)."""


class PermissionDeniedError(ServiceError):
    """The acting user's role does not allow this (a 查看 user writing, a 经办人 managing users)."""


class AuthenticationError(ServiceError):
    """Login refused: unknown user, wrong password, locked or disabled account."""
