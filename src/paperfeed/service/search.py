"""Keyword search over all papers: the one use case pages, the JSON API and the CLI call.

An arXiv id or URL goes straight to that paper (``exact_id``: pages redirect there).
Anything else is parsed into words and phrases (see :mod:`paperfeed.search.query`) and
ranked by the backend (tantivy BM25 on SQLite, full-text search on PostgreSQL). Hits are
turned into views through the database, which drops any paper hidden or deleted since the
index last synced: a hidden paper is never served, even from a stale index.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput
from paperfeed.ingest.arxiv_ids import match_arxiv_id
from paperfeed.search.base import KeywordIndex, SearchFilters
from paperfeed.search.query import normalize_category, parse_query, words_of
from paperfeed.service.papers import get_papers
from paperfeed.service.views import PaperView

__all__ = ["MAX_LIMIT", "MAX_OFFSET", "MAX_TOTAL", "SearchFilters", "SearchResults", "search"]

MAX_LIMIT = 1_000
MAX_OFFSET = 10_000
MAX_TOTAL = 10_000


@dataclass(frozen=True)
class SearchResults:
    query: str
    papers: list[PaperView]  # in rank order
    # Papers matching the query and filters, counted up to MAX_TOTAL (10,000) on both
    # backends, so page links never point past MAX_OFFSET. Hits dropped from this page because
    # the paper was hidden or deleted after indexing are subtracted.
    total: int
    exact_id: str | None = None  # the query named a paper we have: show that paper


def search(
    session: Session,
    backend: KeywordIndex,
    query: str,
    filters: SearchFilters = SearchFilters(),
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Ranked papers for ``query``; an empty or all-punctuation query gives no results."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}, got {offset}")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput(
            f"date_from {filters.date_from} is after date_to {filters.date_to}; swap them"
        )
    query = query or ""
    found = match_arxiv_id(query) if len(query) <= 200 else None
    if found is not None:
        view = get_papers(session, [found[0]]).get(found[0])
        if view is not None:
            return SearchResults(query, [view] if offset == 0 else [], 1, exact_id=view.arxiv_id)

    parsed = parse_query(query)
    if parsed.is_empty:
        return SearchResults(query, [], 0)
    page = backend.search(session, parsed, _normalized(filters), limit, offset)
    views = get_papers(session, [h.arxiv_id for h in page.hits])
    papers = [views[h.arxiv_id] for h in page.hits if h.arxiv_id in views]
    dropped = len(page.hits) - len(papers)
    total = max(page.total - dropped, offset + len(papers) if papers else 0)
    return SearchResults(query, papers, min(total, MAX_TOTAL))


def _normalized(filters: SearchFilters) -> SearchFilters:
    """Filters as every backend expects them: arXiv-cased category, author as plain words.

    An author or category with nothing searchable in it (e.g. "  " or "!!") counts as unset.
    """
    category = normalize_category(filters.category or "") or None
    author = " ".join(words_of(filters.author or "")[:16]) or None
    return replace(filters, category=category, author=author)
