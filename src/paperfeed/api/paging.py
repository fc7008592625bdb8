"""``Link: <...>; rel="next"`` on the list endpoints that page, as huggingface.co sends it
on its listings and ``huggingface_hub``'s ``paginate`` follows it (the next URL, absolute,
query included; the last page has none). docs/api.md#paging.

The URL is built from the configured ``base_url`` and the parameters the route itself read
(normalised), never from the request's Host or query string: responses are cached and served
to every anonymous reader, and a Host header is the client's to choose (issue 12,
docs/security.md).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from fastapi import Response

from paperfeed.links import site_url


def _query_value(value: object) -> object:
    # FastAPI reads "true"/"false"; str(True) would be "True".
    return str(value).lower() if isinstance(value, bool) else value


def next_link(base_url: str, path: str, params: dict[str, object]) -> str:
    """The ``Link`` header value naming the next page: ``path`` with ``params`` (None and
    empty values left out) on this site."""
    query = urlencode({k: _query_value(v) for k, v in params.items() if v is not None and v != ""})
    return f'<{site_url(base_url, path)}?{query}>; rel="next"'


def link_next_page(
    response: Response,
    base_url: str,
    path: str,
    params: dict[str, object],
    *,
    offset: int,
    limit: int,
    total: int,
    max_offset: int,
    position: Literal["p", "offset"] = "p",
) -> None:
    """Name the page after the one of ``limit`` items from ``offset`` (out of ``total``) in
    a ``Link`` header, when items are left after it and the route serves it (``max_offset``:
    the largest offset it accepts). ``position`` is the query parameter the route pages by:
    ``p``, a page index from 0 (HF's endpoints), or ``offset``, the first item's index."""
    after = offset + limit
    if after < total and after <= max_offset:
        at = after // limit if position == "p" else after
        params = {**params, position: at, "limit": limit}
        response.headers["Link"] = next_link(base_url, path, params)
