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


class Unauthorized(PaperfeedError):
    """Not signed in, or a bad API token."""

    status = 401


class Forbidden(PaperfeedError):
    """Signed in, but not allowed; also a missing or invalid CSRF token."""

    status = 403


class RateLimited(PaperfeedError):
    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}
