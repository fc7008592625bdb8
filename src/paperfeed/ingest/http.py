"""Polite, retrying HTTP GETs shared by every remote ingest source.

arXiv asks harvesters to wait a few seconds between requests and answers 503 with a
``Retry-After`` header when they do not; Hugging Face rate-limits with 429. One
:class:`Fetcher` per run keeps the last request time per host, so a delay between two
requests to the same host is always honoured, and turns everything that can go wrong on
the wire (refused or dropped connections, timeouts, truncated bodies, 5xx) into retries
with exponential backoff, then one :class:`~paperfeed.errors.SourceUnavailable` with a
message a user can act on. Time is injected (``clock``, ``sleep``) so tests never sleep.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from paperfeed.errors import SourceUnavailable
from paperfeed.settings import Settings

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 600.0  # never let a server park us for more than ten minutes
MAX_BACKOFF = 120.0


class BadResponse(SourceUnavailable):
    """A source answered, but with a body we cannot read (invalid XML or JSON, wrong shape)."""


class Missing(SourceUnavailable):
    """A source answered 404 or 410: it has nothing at that URL (never retried)."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Fetcher:
    """GET with timeouts, retries, exponential backoff, Retry-After and a per-host delay."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        retries: int = 4,
        delay: float = 3.0,
        user_agent: str = "paperfeed",
        backoff: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        client: httpx.Client | None = None,
    ):
        self.retries = retries
        self.delay = delay
        self.backoff = backoff
        self.clock = clock
        self.sleep = sleep
        self._last: dict[str, float] = {}
        self._client = client or httpx.Client(
            timeout=timeout, headers={"User-Agent": user_agent}, follow_redirects=True
        )

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs) -> Fetcher:
        return cls(
            timeout=settings.http_timeout,
            retries=settings.http_retries,
            delay=settings.http_delay,
            user_agent=settings.user_agent,
            **kwargs,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, params: Mapping[str, str] | None = None) -> bytes:
        """The body of a successful GET; raise SourceUnavailable once retries are spent."""
        host = urlsplit(url).netloc
        attempts = self.retries + 1
        last_error = "no attempt made"
        for attempt in range(attempts):
            self._wait_turn(host)
            wait: float | None = None
            try:
                response = self._client.get(url, params=params)
                body = response.content  # reads it all: a truncated body raises here
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise SourceUnavailable(f"cannot fetch {url!r}: {exc}") from None
            except httpx.TimeoutException as exc:
                last_error = f"timed out ({type(exc).__name__})"
            except httpx.HTTPError as exc:  # refused, reset, dropped, truncated body
                last_error = f"connection failed ({exc or type(exc).__name__})"
            else:
                if response.status_code < 300:
                    return body
                last_error = f"HTTP {response.status_code}"
                if response.status_code not in RETRY_STATUSES:
                    error = Missing if response.status_code in (404, 410) else SourceUnavailable
                    raise error(f"{_shown(url, params)} answered {last_error}: {_snippet(body)}")
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait is not None:
                    wait = min(wait, MAX_RETRY_AFTER)
            finally:
                self._last[host] = self.clock()
            if attempt + 1 == attempts:
                break
            if wait is None:
                wait = min(self.backoff * 2**attempt, MAX_BACKOFF)
            logger.warning(
                "%s: %s; retry %d of %d in %.1fs",
                _shown(url, params),
                last_error,
                attempt + 1,
                self.retries,
                wait,
            )
            self.sleep(wait)
            self._last[host] = self.clock()
        raise SourceUnavailable(
            f"{_shown(url, params)} is unavailable: {last_error} "
            f"(gave up after {attempts} attempt{'s' if attempts > 1 else ''})"
        )

    def _wait_turn(self, host: str) -> None:
        last = self._last.get(host)
        if last is None or self.delay <= 0:
            return
        remaining = self.delay - (self.clock() - last)
        if remaining > 0:
            self.sleep(remaining)


def _shown(url: str, params: Mapping[str, str] | None) -> str:
    if not params:
        return url
    return str(httpx.URL(url, params=dict(params)))


def _snippet(body: bytes, limit: int = 200) -> str:
    text = " ".join(body[:limit].decode("utf-8", "replace").split())
    return text or "(empty body)"
