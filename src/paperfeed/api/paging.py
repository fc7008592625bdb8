"""``Link: <...>; rel="next"`` on the list endpoints that page, as huggingface.co sends it
on its listings and ``huggingface_hub``'s ``paginate`` follows it (the next URL, absolute,
query included; the last page has none). docs/api.md#paging.

The URL is built from the configured ``base_url`` and the parameters the route itself read
(normalised), never from the request's Host or query string: responses are cached and served
to every anonymous reader, and a Host header is the client's to choose (issue 12,
docs/security.md).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Response

from paperfeed.links import site_url


def next_link(base_url: str, path: str, params: dict[str, object]) -> str:
    """The ``Link`` header value naming the next page: ``path`` with ``params`` (None and
    empty values left out) on this site."""
    query = urlencode({k: v for k, v in params.items() if v is not None and v != ""})
    return f'<{site_url(base_url, path)}?{query}>; rel="next"'


def link_next_page(
    response: Response,
    base_url: str,
    path: str,
    params: dict[str, object],
    *,
    page: int,
    limit: int,
    total: int,
    max_page: int,
    page_param: str = "p",
) -> None:
    """Name page ``page + 1`` (``page_param``, from 0) in a ``Link`` header when papers are
    left after page ``page`` of ``limit`` out of ``total`` and the route serves that page
    (``max_page``: the last page index it accepts)."""
    if (page + 1) * limit < total and page + 1 <= max_page:
        params = {**params, page_param: page + 1, "limit": limit}
        response.headers["Link"] = next_link(base_url, path, params)
