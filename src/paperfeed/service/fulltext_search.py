"""Search that looks inside papers (``fulltext`` on a search request; docs/fulltext.md).

The usual ranking (keyword, semantic or hybrid over titles and abstracts, by
:func:`paperfeed.service.search.run_request`) and the ranking of papers by their best
full-text passage are fused by reciprocal rank fusion, so a paper that only says it in its
body comes up too; every paper whose body matched carries that passage and its section. The
filters (category, author, dates) apply to both lists. Without full text on this site the
request is answered as an ordinary search, with a notice saying why.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from paperfeed.search.base import KeywordIndex, SearchFilters
from paperfeed.search.fulltext_index import PassageHit, PassageIndex
from paperfeed.search.fusion import reciprocal_rank_fusion
from paperfeed.search.query import normalize_category, parse_query, words_of
from paperfeed.search.semantic import SemanticSearch
from paperfeed.service.papers import get_papers
from paperfeed.service.search import MAX_TOTAL, SearchResults, run_request
from paperfeed.service.search_request import SearchRequest
from paperfeed.service.views import PaperView

DEPTH = 100  # each list's best, as for hybrid search: pages within it stay consistent
MAX_DEPTH = 1_000
__all__ = ["PassageHit", "run_search"]

FULLTEXT_OFF = "Full-text search is not available on this site."


def run_search(
    session: Session,
    backend: KeywordIndex,
    request: SearchRequest,
    *,
    default_mode: str,
    semantic: SemanticSearch | None = None,
    passages: PassageIndex | None = None,
) -> SearchResults:
    """:func:`~paperfeed.service.search.run_request`, looking inside papers when the request
    says ``fulltext`` (``passages``: the site's passage index, None when full text is off)."""
    if not request.fulltext or passages is None:
        results = run_request(
            session, backend, request, default_mode=default_mode, semantic=semantic
        )
        if request.fulltext:
            notice = f"{results.notice} {FULLTEXT_OFF}" if results.notice else FULLTEXT_OFF
            results = replace(results, notice=notice)
        return results
    depth = min(max(DEPTH, request.offset + request.limit), MAX_DEPTH)
    usual = run_request(
        session,
        backend,
        replace(request, limit=depth, offset=0, fulltext=False),
        default_mode=default_mode,
        semantic=semantic,
    )
    if usual.exact_id:
        return replace(usual, papers=usual.papers if request.offset == 0 else [])
    hits = passages.search(session, parse_query(request.query), depth)
    found = {h.arxiv_id: h for h in hits}
    views = {v.arxiv_id: v for v in usual.papers}
    extra = [a for a in found if a not in views]
    views.update(
        (a, v) for a, v in get_papers(session, extra).items() if _passes(v, request.filters)
    )
    ranked = reciprocal_rank_fusion(
        [[v.arxiv_id for v in usual.papers], [a for a in found if a in views]]
    )
    window = [a for a, _score in ranked[request.offset : request.offset + request.limit]]
    return SearchResults(
        usual.query,
        [views[a] for a in window],
        min(len(ranked), MAX_TOTAL),
        mode=usual.mode,
        notice=usual.notice,
        passages={a: found[a] for a in window if a in found},
    )


def _passes(view: PaperView, filters: SearchFilters) -> bool:
    """Whether a paper found by its body meets the request's filters, as the indexes read
    them: the category exactly, every word of the author among the names, the
    publication day within the dates."""
    if filters.category and normalize_category(filters.category) not in view.categories:
        return False
    names = set(words_of(" ".join(view.authors)))
    if filters.author and not set(words_of(filters.author)) <= names:
        return False
    day = view.published_at.date() if view.published_at else None
    if filters.date_from and (day is None or day < filters.date_from):
        return False
    return not (filters.date_to and (day is None or day > filters.date_to))
