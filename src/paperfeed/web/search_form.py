"""The query string of a search, as ``/search`` and ``/feeds/search.*`` read it: one
dependency, so the page and its feeds can never disagree on what a URL means."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query

from paperfeed.service.day_range import parse_day
from paperfeed.service.search import Mode, SearchFilters
from paperfeed.settings import Settings


@dataclass(frozen=True)
class SearchForm:
    q: str
    mode: Mode | None  # as asked; None: the site's default
    filters: SearchFilters

    def mode_or_default(self, settings: Settings) -> Mode:
        return self.mode or Mode(settings.search_mode)

    def query_params(self) -> dict[str, str]:
        """The non-empty parameters, normalised, in a stable order (for links)."""
        f = self.filters
        pairs = (
            ("q", self.q),
            ("category", f.category),
            ("author", f.author),
            ("from", f.date_from and f.date_from.isoformat()),
            ("to", f.date_to and f.date_to.isoformat()),
            ("mode", self.mode and self.mode.value),
        )
        return {k: v for k, v in pairs if v}


def search_form(
    q: Annotated[str, Query(max_length=500)] = "",
    mode: Annotated[Literal["hybrid", "keyword", "semantic"] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    author: Annotated[str | None, Query(max_length=200)] = None,
    date_from: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=64)] = None,
) -> SearchForm:
    filters = SearchFilters(
        date_from=parse_day("from", date_from),
        date_to=parse_day("to", date_to),
        category=(category or "").strip() or None,
        author=(author or "").strip() or None,
    )
    return SearchForm(q, Mode(mode) if mode else None, filters)


SearchFormDep = Annotated[SearchForm, Depends(search_form)]
