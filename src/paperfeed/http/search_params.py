"""The query-string parameters of a search, for ``/search``, its feeds and
``/api/papers/search``: read here as the raw strings the client sent, checked by
:func:`paperfeed.service.search_request.parse_search_request` (one set of limits and messages
for every surface, the CLI and digests included). Each route adds its own paging to them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import Depends, Query

from paperfeed.service.search_request import (
    MODES,
    Paging,
    SearchRequest,
    parse_search_request,
)


@dataclass(frozen=True)
class SearchParams:
    """What a search URL says besides its paging, unchecked."""

    query: str | None
    mode: str | None
    category: str | None
    author: str | None
    date_from: str | None
    date_to: str | None
    fulltext: str | None = None

    def request(
        self, paging: Paging, *, page: str | None = None, limit: str | None = None
    ) -> SearchRequest:
        """The checked request (InvalidInput: a 400 in the surface's own rendering)."""
        return parse_search_request(**asdict(self), page=page, limit=limit, paging=paging)


def search_params(
    q: Annotated[str | None, Query(description='Words, "phrases" or an arXiv id.')] = None,
    mode: Annotated[
        str | None,
        Query(
            description="hybrid (words and meaning), keyword or semantic; default: the "
            "instance's search_mode.",
            json_schema_extra={"enum": list(MODES)},
        ),
    ] = None,
    category: Annotated[str | None, Query(description="Only this category, e.g. cs.CL.")] = None,
    author: Annotated[str | None, Query(description="Only papers by this author.")] = None,
    date_from: Annotated[
        str | None, Query(alias="from", description="Published on or after, YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[
        str | None, Query(alias="to", description="Published on or before, YYYY-MM-DD.")
    ] = None,
    fulltext: Annotated[
        str | None,
        Query(
            description="1: match inside the papers' full text too, and show the passage "
            "that matched (instances that fetch full text: docs/fulltext.md)."
        ),
    ] = None,
) -> SearchParams:
    return SearchParams(q, mode, category, author, date_from, date_to, fulltext)


SearchParamsDep = Annotated[SearchParams, Depends(search_params)]
