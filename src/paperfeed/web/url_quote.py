"""The templates' ``urlencode`` filter: Jinja's output, without its per-character Python loop.

A page of 50 search results quotes ~250 strings (each card's author links and its log-in
links, whose ``next`` is the whole search URL); Jinja's filter quotes through
``urllib.parse.quote_from_bytes``, which builds a list of one string per byte, and that was
~15% of the search page's render (docs/benchmarks.md, issue 16 item 4). ASCII text (nearly all
of it) is quoted here by a regular expression, and the parts that repeat are remembered;
anything else goes to Jinja's own code, so the output is Jinja's in every case (tests/web/test_url_quote.py compares the two).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2.filters import do_urlencode as jinja_urlencode

# urllib's always-safe characters: letters, digits and "_.-~"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.~-]")
# a query string's key or value: "/" quoted, a space as "+" (Jinja's url_quote, for_qs=True)
_QUERY = {chr(c): f"%{c:02X}" for c in range(128)} | {" ": "+"}
# a path (a string given alone): "/" kept
_PATH = _QUERY | {"/": "/", " ": "%20"}


def _substitute(text: str, table: dict[str, str]) -> str:
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: table[m.group()], text)


@functools.lru_cache(maxsize=4_096)
def _head(text: str, path: bool) -> str:
    return _substitute(text, _PATH if path else _QUERY)


def _quote(value: Any, path: bool) -> str | None:
    """``value`` quoted, or None where Jinja's own code must do it (bytes, or text that is
    not ASCII: it is quoted as UTF-8 bytes). Quoting is character by character, so a text is
    quoted as its part before the last ``#`` (kept: a page's cards link back to the same
    URL with their own ``#paper-...``) and the rest."""
    if isinstance(value, bytes):
        return None
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        return None
    head, hash_, tail = str(text).rpartition("#")
    if not hash_:
        return _head(tail, path)
    return _head(head, path) + "%23" + _substitute(tail, _PATH if path else _QUERY)


def urlencode(value: str | Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    """``value|urlencode`` as Jinja's filter gives it: a string quoted for a URL path, a dict
    or pairs as a query string."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        quoted = _quote(value, True)
        return quoted if quoted is not None else jinja_urlencode(value)
    items = list(value.items() if isinstance(value, dict) else value)
    parts = []
    for key, item in items:
        k, v = _quote(key, False), _quote(item, False)
        if k is None or v is None:
            return jinja_urlencode(items)
        parts.append(f"{k}={v}")
    return "&".join(parts)
