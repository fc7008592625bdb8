"""Which outside URLs a paper may link to (its code repository, its project page).

They come from import sources (Hugging Face daily JSON, JSON Lines, page dumps) that anyone
can write, and the JSON API hands them to clients that may put them in an ``href``: only an
absolute http(s) URL with a host and no characters that are not allowed in a URL (spaces,
quotes, angle brackets: markup) is kept. Ingest drops the others (``PaperRecord.build``),
and the values served are filtered again (``PaperView``), for rows imported before.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Characters RFC 3986 does not allow anywhere in a URL (they must be percent-encoded), the
# ones markup and attribute injection need among them; and every control character.
_NOT_IN_URLS = re.compile(r'[\x00-\x20\x7f"<>\\^`{|}]')
_GITHUB_SHORT = re.compile(r"(?:github\.com/)?([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+?)/?")


def web_url(value: str | None) -> str | None:
    """``value`` (stripped) if it is an absolute http(s) URL, else None."""
    url = (value or "").strip()
    if not url or _NOT_IN_URLS.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a bad port or IPv6 literal
        return None
    return url if parts.scheme in ("http", "https") and host else None


def github_url(value: str | None) -> str | None:
    """A code repository's URL: ``web_url``, where ``owner/name`` (or ``github.com/owner/name``)
    stands for ``https://github.com/owner/name``."""
    short = _GITHUB_SHORT.fullmatch((value or "").strip())
    if short:
        return f"https://github.com/{short.group(1)}"
    return web_url(value)


def site_url(base_url: str, path: str) -> str:
    """The absolute URL of ``path`` (a local path) on this site, from the configured
    ``base_url``: never from the request's Host header, which a client chooses."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")
