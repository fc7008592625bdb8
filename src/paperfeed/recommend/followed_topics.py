"""Which papers of a window a followed topic (a saved search) brings.

The search page ranks every paper against a query; a feed needs a yes or no. So a topic
brings, among the window's papers, at most :data:`TOPIC_DEPTH` of:

- by words (``keyword``): papers with every word and phrase of the query in their title,
  abstract or author names. The search page ORs the words and ranks (BM25); a feed that
  brought every paper with any one word of "graph diffusion" would bring half of a day, so
  the backend's best :data:`KEYWORD_DEPTH` are kept only if they hold all of them (compared
  as words, lowercased, with a plural or -ing/-ed ending ignored, as the stemmer would);
- by meaning (``semantic``): the nearest embeddings whose cosine similarity to the query's
  is at least :data:`MIN_SIMILARITY`, so that a quiet day does not fill up with the least
  unrelated papers (a plain top-k would always bring k);
- ``hybrid`` (the default): both of those.

Search by meaning falls back to words when it cannot answer (turned off, nothing embedded
yet, the model unavailable), as the search page does.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.embed.model import ModelUnavailable
from paperfeed.search.base import KeywordIndex, SearchFilters
from paperfeed.search.query import ParsedQuery, parse_query, words_of
from paperfeed.search.semantic import SemanticSearch
from paperfeed.store.models import Paper

logger = logging.getLogger(__name__)

TOPIC_DEPTH = 50
KEYWORD_DEPTH = 200
_ENDINGS = ("ies", "es", "s", "ing", "ed")
# all-MiniLM-L6-v2, 8 queries against arXiv cs papers (docs/follows.md): papers near 0.44
# are on the query's subject, near 0.34 they only brush it, near 0.39 it is mixed.
MIN_SIMILARITY = 0.42


def topic_papers(
    session: Session,
    backend: KeywordIndex,
    semantic: SemanticSearch | None,
    query: str,
    mode: str,
    first: date,
    last: date,
) -> list[str]:
    """The arXiv ids a topic brings among the papers published from ``first`` to ``last``."""
    filters = SearchFilters(date_from=first, date_to=last)
    by_meaning: list[str] | None = None
    if mode in ("semantic", "hybrid"):
        by_meaning = _nearest(session, semantic, query, filters)
    found: list[str] = []
    if mode == "keyword" or mode == "hybrid" or by_meaning is None:
        found = _by_words(session, backend, parse_query(query), filters)
    for arxiv_id in by_meaning or ():
        if arxiv_id not in found:
            found.append(arxiv_id)
    return found


def _nearest(
    session: Session, semantic: SemanticSearch | None, query: str, filters: SearchFilters
) -> list[str] | None:
    """The close-enough papers by meaning, or None when search by meaning cannot answer."""
    if semantic is None or not query.strip() or not semantic.has_vectors(session):
        return None
    try:
        vector = semantic.query_vector(query)
    except ModelUnavailable as exc:
        logger.error("followed topics: search by meaning unavailable: %s", exc)
        return None
    hits = semantic.index.search(session, vector, filters, TOPIC_DEPTH)
    return [h.arxiv_id for h in hits if h.score >= MIN_SIMILARITY]


def _by_words(
    session: Session, backend: KeywordIndex, parsed: ParsedQuery, filters: SearchFilters
) -> list[str]:
    if parsed.is_empty:
        return []
    page = backend.search(session, parsed, filters, KEYWORD_DEPTH, 0, count=False)
    ranked = [h.arxiv_id for h in page.hits]
    if not ranked:
        return []
    texts = {
        arxiv_id: " ".join([title_search or title, abstract_search or abstract, *authors])
        for arxiv_id, title, abstract, title_search, abstract_search, authors in session.execute(
            select(
                Paper.arxiv_id,
                Paper.title,
                Paper.abstract,
                Paper.title_search,
                Paper.abstract_search,
                Paper.authors,
            ).where(Paper.arxiv_id.in_(ranked))
        )
    }
    units = [tuple(_stem(w) for w in unit) for unit in parsed.units]
    kept = [a for a in ranked if a in texts and _holds_all(texts[a], units)]
    return kept[:TOPIC_DEPTH]


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if len(word) > len(ending) + 3 and word.endswith(ending):
            return word[: -len(ending)]
    return word


def _holds_all(text: str, units: list[tuple[str, ...]]) -> bool:
    """Every unit (a word, or a phrase as consecutive words) is in ``text``."""
    words = [_stem(w) for w in words_of(text)]
    present = set(words)
    for unit in units:
        if len(unit) == 1:
            if unit[0] not in present:
                return False
        elif not any(tuple(words[i : i + len(unit)]) == unit for i in range(len(words))):
            return False
    return True
