"""Errors that carry their own HTTP status; every surface renders them its own way."""

from __future__ import annotations


class PaperfeedError(Exception):
    """A problem the caller can act on. ``message`` is safe to show to a user."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(PaperfeedError):
    status = 400


class NotFound(PaperfeedError):
    status = 404


class Conflict(PaperfeedError):
    status = 409


class SourceUnavailable(PaperfeedError):
    """An upstream source (arXiv, Hugging Face) failed after retries."""

    status = 502


class MigrationsPending(PaperfeedError):
    status = 503
