"""Typed errors raised by services.

Every error carries a Chinese message that the GUI and the CLI show to the user as is: it says
what is wrong and what to do. Anything else that escapes a service is a bug.
"""

from __future__ import annotations


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


class ConflictError(ServiceError):
    """Somebody else changed the record since it was read (optimistic locking)."""


class DatabaseError(ServiceError):
    """The database cannot be opened or used (locked, damaged, disk full, wrong URL)."""


class DatabaseTooNewError(DatabaseError):
    """The database was written by a newer version of the program; it is left untouched."""


class CalendarError(ServiceError):
    """A calendar question outside what the calendar can answer (year out of range, …)."""
