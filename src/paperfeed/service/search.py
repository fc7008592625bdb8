"""Search over all papers: the one use case pages, the JSON API and the CLI call.

An arXiv id or URL goes straight to that paper (``exact_id``: pages redirect there).
Anything else is parsed into words and phrases (see :mod:`paperfeed.search.query`) and ranked
in one of three modes:

- ``keyword``: the keyword backend (tantivy BM25 on SQLite, full-text search on PostgreSQL);
- ``semantic``: nearest embeddings to the query's (search by meaning);
- ``hybrid`` (the default): both lists fused into one (z-score fusion by default, or
  reciprocal rank fusion; see :mod:`paperfeed.search.fusion`).

Semantic and hybrid fall back to keyword, with a ``notice`` saying why, when search by
meaning is off, no paper is embedded yet, or the model cannot be loaded: never an error.
Hits are turned into views through the database, which drops any paper hidden or deleted
since an index last synced: a hidden paper is never served, even from a stale index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sqlalchemy.orm import Session

from paperfeed.arxiv_ids import match_arxiv_id
from paperfeed.embed.model import ModelUnavailable
from paperfeed.search.base import Hit, KeywordIndex, SearchFilters
from paperfeed.search.fulltext_index import PassageHit
from paperfeed.search.fusion import reciprocal_rank_fusion, zscore_fusion
from paperfeed.search.query import normalize_category, parse_query, words_of
from paperfeed.search.semantic import SemanticSearch
from paperfeed.service.papers import get_papers
from paperfeed.service.search_request import (
    MAX_LIMIT,
    MAX_OFFSET,
    Mode,
    SearchRequest,
    check_dates,
    check_window,
)
from paperfeed.service.views import PaperView

__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MAX_TOTAL",
    "Fusion",
    "FusionMethod",
    "Mode",
    "SearchFilters",
    "SearchRequest",
    "SearchResults",
    "run_request",
    "search",
]

logger = logging.getLogger(__name__)

MAX_TOTAL = 10_000
# Semantic and hybrid rank a bounded list: each leg's best DEPTH (or offset + limit, if more,
# up to MAX_DEPTH). Pages within the first DEPTH results stay consistent with each other.
DEPTH = 100
MAX_DEPTH = 1_000


class FusionMethod(StrEnum):
    ZSCORE = "zscore"
    RRF = "rrf"


@dataclass(frozen=True)
class Fusion:
    """How hybrid mode fuses its two lists (see :mod:`paperfeed.search.fusion`).

    Z-score fusion by default: on BEIR SciFact train (bench/relevance.py --experiments) it
    beat the best reciprocal rank fusion by +0.014 nDCG@10 (paired t 2.7), and dev agreed
    on both backends (docs/benchmarks.md). ``k`` applies to RRF only: 5 rather than the
    paper's 60 scored 0.003-0.007 higher at every title boost tried.
    """

    method: FusionMethod = FusionMethod.ZSCORE
    keyword_weight: float = 1.0
    semantic_weight: float = 1.0
    k: float = 5.0


@dataclass(frozen=True)
class SearchResults:
    query: str
    papers: list[PaperView]  # in rank order
    # Papers matching the query and filters, counted up to MAX_TOTAL (10,000) on both
    # backends, so page links never point past MAX_OFFSET. Hits dropped from this page because
    # the paper was hidden or deleted after indexing are subtracted.
    total: int
    exact_id: str | None = None  # the query named a paper we have: show that paper
    mode: Mode = Mode.KEYWORD  # the mode that produced these results
    notice: str | None = None  # why the mode differs from the one asked for, for the reader
    # With ``fulltext``: each paper's best matching passage, by arXiv id (service/fulltext_search.py)
    passages: dict[str, PassageHit] = field(default_factory=dict)


def search(
    session: Session,
    backend: KeywordIndex,
    query: str,
    filters: SearchFilters = SearchFilters(),
    limit: int = 20,
    offset: int = 0,
    *,
    mode: Mode = Mode.HYBRID,
    semantic: SemanticSearch | None = None,
    fusion: Fusion = Fusion(),
) -> SearchResults:
    """Ranked papers for ``query``; an empty or all-punctuation query gives no results.

    ``semantic`` is the search by meaning to use (None: the site has it turned off).
    """
    check_window(limit, offset)  # the checks a SearchRequest makes, for direct callers too
    check_dates(filters)
    query = query or ""
    found = match_arxiv_id(query) if len(query) <= 200 else None
    if found is not None:
        view = get_papers(session, [found[0]]).get(found[0])
        if view is not None:
            return SearchResults(
                query, [view] if offset == 0 else [], 1, exact_id=view.arxiv_id, mode=mode
            )

    parsed = parse_query(query)
    if parsed.is_empty:
        return SearchResults(query, [], 0, mode=mode)
    filters = _normalized(filters)
    notice = None
    if mode is not Mode.KEYWORD:
        notice = _semantic_unavailable(session, semantic)
        if notice is None:
            try:
                return _ranked(
                    session, backend, semantic, parsed, query, filters, limit, offset, mode, fusion
                )
            except ModelUnavailable as exc:
                logger.error("search by meaning unavailable: %s", exc)
                notice = (
                    "Search by meaning is unavailable right now (the model could not be loaded)."
                )
        notice += " Showing keyword results."
    page = backend.search(session, parsed, filters, limit, offset)
    papers = _views(session, page.hits)
    dropped = len(page.hits) - len(papers)
    total = max(page.total - dropped, offset + len(papers) if papers else 0)
    return SearchResults(query, papers, min(total, MAX_TOTAL), mode=Mode.KEYWORD, notice=notice)


def run_request(
    session: Session,
    backend: KeywordIndex,
    request: SearchRequest,
    *,
    default_mode: str,
    semantic: SemanticSearch | None = None,
) -> SearchResults:
    """:func:`search` for a :class:`SearchRequest`; ``default_mode``: the site's
    ``search_mode``, used when the request names no mode."""
    return search(
        session,
        backend,
        request.query,
        request.filters,
        limit=request.limit,
        offset=request.offset,
        mode=request.mode_or(default_mode),
        semantic=semantic,
    )


def _semantic_unavailable(session: Session, semantic: SemanticSearch | None) -> str | None:
    """Why search by meaning cannot answer now, or None if it can."""
    if semantic is None:
        return "Search by meaning is turned off on this site."
    if not semantic.has_vectors(session):
        return "Search by meaning is not ready: no paper has been embedded yet."
    return None


def _ranked(
    session: Session,
    backend: KeywordIndex,
    semantic: SemanticSearch,
    parsed,
    query: str,
    filters: SearchFilters,
    limit: int,
    offset: int,
    mode: Mode,
    fusion: Fusion,
) -> SearchResults:
    """Semantic or hybrid results: a bounded ranking (see DEPTH), paged in memory."""
    depth = min(max(DEPTH, offset + limit), MAX_DEPTH)
    if mode is Mode.SEMANTIC:
        vector = semantic.query_vector(query)  # a model failure falls back before any work
        ranked = [h.arxiv_id for h in semantic.index.search(session, vector, filters, depth)]
    else:
        # The query is embedded (by the model's thread) while the keyword leg runs here.
        pending = semantic.start_nearest(session, query, filters, depth)
        keyword = backend.search(session, parsed, filters, depth, 0, count=False)
        nearest = pending.result()
        ranked = _fused(keyword.hits, nearest, fusion)
    window = ranked[offset : offset + limit]
    views = get_papers(session, window)
    papers = [views[a] for a in window if a in views]
    total = len(ranked) - (len(window) - len(papers))
    return SearchResults(query, papers, min(total, MAX_TOTAL), mode=mode)


def _fused(keyword: list[Hit], nearest: list[Hit], fusion: Fusion) -> list[str]:
    weights = [fusion.keyword_weight, fusion.semantic_weight]
    if fusion.method is FusionMethod.RRF:
        lists = [[h.arxiv_id for h in keyword], [h.arxiv_id for h in nearest]]
        fused = reciprocal_rank_fusion(lists, weights=weights, k=fusion.k)
    else:
        lists = [[(h.arxiv_id, h.score) for h in keyword], [(h.arxiv_id, h.score) for h in nearest]]
        fused = zscore_fusion(lists, weights=weights)
    return [arxiv_id for arxiv_id, _score in fused]


def _views(session: Session, hits: list[Hit]) -> list[PaperView]:
    views = get_papers(session, [h.arxiv_id for h in hits])
    return [views[h.arxiv_id] for h in hits if h.arxiv_id in views]


def _normalized(filters: SearchFilters) -> SearchFilters:
    """Filters as every backend expects them: arXiv-cased category, author as plain words.

    An author or category with nothing searchable in it (e.g. "  " or "!!") counts as unset.
    """
    category = normalize_category(filters.category or "") or None
    author = " ".join(words_of(filters.author or "")[:16]) or None
    return replace(filters, category=category, author=author)
