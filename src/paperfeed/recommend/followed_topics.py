"""Which papers of a window a followed topic (a saved search) brings.

The search page ranks every paper against a query; a feed needs a yes or no. So a topic
brings, among the window's papers, at most :data:`TOPIC_DEPTH` of:

- by words (``keyword``): papers with every word and phrase of the query in their title or
  abstract. The search page ORs the words and ranks (BM25); a feed that
  brought every paper with any one word of "graph diffusion" would bring half of a day, so
  the backend's best :data:`KEYWORD_DEPTH` are kept only if they hold all of them (compared
  as whole words, lowercased, a plural or -ing/-ed ending ignored, roughly as the stemmer
  would: "images" matches image, imaging; "studies" matches study);
- by meaning (``semantic``): the nearest embeddings whose cosine similarity to the query's
  is at least :data:`MIN_SIMILARITY`, so that a quiet day does not fill up with the least
  unrelated papers (a plain top-k would always bring k);
- ``hybrid`` (the default): both of those.

Search by meaning falls back to words when it cannot answer (turned off, nothing embedded
yet, the model unavailable), as the search page does.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paperfeed.embed.model import ModelUnavailable
from paperfeed.search.base import KeywordIndex, SearchFilters
from paperfeed.search.query import ParsedQuery, parse_query
from paperfeed.search.semantic import SemanticSearch
from paperfeed.store.models import Paper

logger = logging.getLogger(__name__)

TOPIC_DEPTH = 50
KEYWORD_DEPTH = 100
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
    rows = session.execute(
        select(
            Paper.arxiv_id,
            func.coalesce(Paper.title_search, Paper.title),
            func.coalesce(Paper.abstract_search, Paper.abstract),
        ).where(Paper.arxiv_id.in_(ranked))
    )
    texts = {arxiv_id: f"{title}\n{abstract}".lower() for arxiv_id, title, abstract in rows}
    bases = [_base(word) for unit in parsed.units for word in unit]
    patterns = [_unit_pattern(unit) for unit in parsed.units]
    kept = [
        a
        for a in ranked
        # A base that is not even a substring cannot start a word: most misses stop here.
        if a in texts and all(b in texts[a] for b in bases) and _holds_all(texts[a], patterns)
    ]
    return kept[:TOPIC_DEPTH]


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if len(word) > len(ending) + 3 and word.endswith(ending):
            return word[: -len(ending)]
    return word


def _base(word: str) -> str:
    """The part every ending is tried after: study -> stud, image -> imag."""
    base = _stem(word)
    return base[:-1] if len(base) > 4 and base.endswith(("e", "y")) else base


def _unit_pattern(unit: tuple[str, ...]) -> re.Pattern[str]:
    """A word (or a phrase: its words in a row) in any of its endings, as a whole word.

    One regular expression a unit, so the check runs in C over the text instead of
    stemming every word of every abstract in Python (that was 0.5 s a topic for 200 papers).
    Words are runs of letters and digits, as :func:`paperfeed.search.query.words_of` cuts
    them."""
    endings = "|".join((*_ENDINGS, "e", "y"))  # images -> imag -> image, studies -> study
    words = [f"{re.escape(_base(w))}(?:{endings})?" for w in unit]
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])")


def _holds_all(text: str, patterns: list[re.Pattern[str]]) -> bool:
    """Every unit is in ``text`` (lowercased)."""
    return all(p.search(text) for p in patterns)
