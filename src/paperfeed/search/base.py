"""Types shared by the search backends: filters, hits, and the keyword and vector protocols.

``SearchFilters`` lives here (not in the service) so backends can depend on it without
importing the service layer; ``paperfeed.service.search`` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    from sqlalchemy.orm import Session

    from paperfeed.search.query import ParsedQuery


class IndexBusy(Exception):
    """Another process holds the tantivy writer lock (e.g. an ingest syncing right now)."""


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions applied inside the index, so paging and totals stay right."""

    date_from: date | None = None  # on the paper's arXiv published date (UTC), inclusive
    date_to: date | None = None  # inclusive
    category: str | None = None  # any of the paper's categories, e.g. "cs.CL"
    author: str | None = None  # every token must appear in the author names, any case


@dataclass(frozen=True)
class Hit:
    arxiv_id: str
    score: float


@dataclass(frozen=True)
class HitPage:
    """One page of hits in rank order, and how many documents matched in all."""

    hits: list[Hit]
    total: int


class KeywordIndex(Protocol):
    """A BM25-style keyword backend. Implementations must be safe to share between threads."""

    name: str

    def search(
        self,
        session: Session,
        query: ParsedQuery,
        filters: SearchFilters,
        limit: int,
        offset: int,
        *,
        count: bool = True,
    ) -> HitPage:
        """Rank documents for ``query``; ``session`` is the caller's read transaction.

        ``count=False``: the caller does not show the total (hybrid ranks its own list), so
        ``HitPage.total`` is only ``offset`` + the hits, and no time is spent counting."""
        ...

    def close(self) -> None: ...


def query_vector(vector) -> np.ndarray:
    """``vector`` as a float32 array, checked to be 1-dimensional and non-empty: what every
    :class:`VectorIndex` ``search`` accepts."""
    import numpy as np

    query = np.asarray(vector, dtype=np.float32)
    if query.ndim != 1 or not query.size:
        raise ValueError(f"a query vector must be 1-dimensional, got shape {query.shape}")
    return query


class VectorIndex(Protocol):
    """Nearest neighbours among the stored paper embeddings of one model.

    Implementations: an approximate index file beside the database on SQLite
    (:mod:`paperfeed.search.usearch_index`), pgvector HNSW on PostgreSQL
    (:mod:`paperfeed.search.pgvector_index`). Safe to share between threads.
    """

    name: str
    model: str  # the embedding model whose vectors this index holds

    def search(
        self,
        session: Session,
        vector: np.ndarray,
        filters: SearchFilters,
        limit: int,
        exclude: frozenset[str] = frozenset(),
    ) -> list[Hit]:
        """Up to ``limit`` visible papers nearest to ``vector`` (float32, unit length) by
        cosine similarity, best first, ``Hit.score`` the similarity; papers failing
        ``filters`` or named in ``exclude`` (arXiv ids) are never returned.
        ``session`` is the caller's read transaction."""
        ...

    def close(self) -> None: ...
