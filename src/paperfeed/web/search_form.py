"""The search of ``/search`` and ``/feeds/search.*``: the shared search parameters
(:mod:`paperfeed.http.search_params`) with the pages' paging, so the page and its feeds can
never disagree on what a URL means. Both show ``page_size`` papers; pages count from 1."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from paperfeed.http.deps import SettingsDep
from paperfeed.http.search_params import SearchParamsDep
from paperfeed.service.search_request import Paging, SearchRequest
from paperfeed.settings import Settings


def pages_paging(settings: Settings) -> Paging:
    return Paging(default_limit=settings.page_size, max_limit=settings.page_size, first_page=1)


def page_search(
    params: SearchParamsDep,
    settings: SettingsDep,
    p: Annotated[str | None, Query(description="Page number, from 1.")] = None,
) -> SearchRequest:
    return params.request(pages_paging(settings), page=p)


def feed_search(params: SearchParamsDep, settings: SettingsDep) -> SearchRequest:
    """The first page only: a feed holds at most ``page_size`` papers."""
    return params.request(pages_paging(settings))


PageSearchDep = Annotated[SearchRequest, Depends(page_search)]
FeedSearchDep = Annotated[SearchRequest, Depends(feed_search)]
