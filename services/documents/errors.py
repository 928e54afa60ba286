"""Errors of printing, each a ``ServiceError`` with a complete Chinese message."""

from __future__ import annotations

from services.errors import ServiceError


class DocumentError(ServiceError):
    """A document cannot be produced (nothing to print, file cannot be written, …)."""


class FontError(DocumentError):
    """A font file is missing, unreadable, not TrueType-outlined, or forbids embedding."""


class PrintCancelled(DocumentError):
    """The user cancelled a batch; no file was written."""
