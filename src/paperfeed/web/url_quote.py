"""The templates' ``urlencode`` filter: Jinja's output, without its per-character Python loop.

A page of 50 search results quotes ~250 strings (each card's author links and its log-in
links, whose ``next`` is the whole search URL); Jinja's filter quotes through
``urllib.parse.quote_from_bytes``, which builds a list of one string per byte, and that was
~15% of the search page's render (docs/benchmarks.md, issue 16 item 4). ASCII text (nearly all
of it) is quoted here by one ``str.translate``; anything else goes to Jinja's own code, so
the output is Jinja's in every case (tests/web/test_url_quote.py compares the two).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jinja2.filters import do_urlencode as jinja_urlencode

# urllib's always-safe characters: letters, digits and "_.-~"
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
# a query string's key or value: "/" quoted, a space as "+" (Jinja's url_quote, for_qs=True)
_QUERY = {c: None if c in _SAFE else f"%{c:02X}" for c in range(128)}
_QUERY = {c: v for c, v in _QUERY.items() if v is not None} | {ord(" "): "+"}
# a path (a string given alone): "/" kept
_PATH = {c: v for c, v in _QUERY.items() if c not in (ord("/"), ord(" "))} | {ord(" "): "%20"}


def _quote(value: Any, table: dict[int, str]) -> str | None:
    """``value`` quoted by ``table``, or None where Jinja's own code must do it (bytes, or
    text that is not ASCII: it is quoted as UTF-8 bytes)."""
    if isinstance(value, bytes):
        return None
    text = value if isinstance(value, str) else str(value)
    return str.translate(text, table) if text.isascii() else None


def urlencode(value: str | Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    """``value|urlencode`` as Jinja's filter gives it: a string quoted for a URL path, a dict
    or pairs as a query string."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        quoted = _quote(value, _PATH)
        return quoted if quoted is not None else jinja_urlencode(value)
    items = list(value.items() if isinstance(value, dict) else value)
    parts = []
    for key, item in items:
        k, v = _quote(key, _QUERY), _quote(item, _QUERY)
        if k is None or v is None:
            return jinja_urlencode(items)
        parts.append(f"{k}={v}")
    return "&".join(parts)
