"""Search by meaning: the embedding model for queries, paired with a vector index.

The model loads lazily (seconds: torch, weights) on the first query; query vectors are
cached, so a repeated query (paging, the response cache expiring) does not re-run the model.
Hybrid search queues its query for the model before the keyword leg runs
(:meth:`SemanticSearch.start_nearest`), so the model (in the batcher's thread, without the
GIL) embeds it while the request's thread runs the keyword leg; the vector index search then
runs in the request's thread too, on its session. It ran in a pool of two worker threads
before: under load every hybrid search queued for those two, whose threads, contending for
the GIL with the request threads, took ~130 ms a leg (bench/load.py at 75k papers: 10-15
requests/s, the requests waiting on the legs' futures; docs/benchmarks.md).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Future

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.embed.model import Embedder
from paperfeed.search.base import Hit, SearchFilters, VectorIndex
from paperfeed.store.models import PaperEmbedding

QUERY_CACHE_SIZE = 1_024
MAX_QUERY_CHARS = 2_000  # the model reads at most 256 tokens; longer text only costs time
# Once some paper is embedded, searches skip asking again for this long: the answer rarely
# turns false (every vector deleted), and then the semantic leg only finds nothing.
HAS_VECTORS_SECONDS = 60.0


class SemanticSearch:
    """An embedder for queries and the vector index of the same model. Thread-safe."""

    def __init__(self, embedder: Embedder, index: VectorIndex):
        if embedder.name != index.model:
            raise ValueError(f"embedder {embedder.name!r} but index of {index.model!r}")
        self.embedder = embedder
        self.index = index
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._vectors_seen_at: float | None = None  # monotonic time some vector was found

    @property
    def model(self) -> str:
        return self.embedder.name

    def query_vector(self, text: str) -> np.ndarray:
        """The unit vector of a query. Raises ``ModelUnavailable`` if the model cannot load."""
        key = self._key(text)
        cached = self._cached(key)
        return cached if cached is not None else self._embed(key)

    def start_nearest(
        self, session: Session, text: str, filters: SearchFilters, limit: int
    ) -> PendingNearest:
        """The ``limit`` papers nearest to ``text``, to be had from the result's ``result()``:
        the query is queued for the model now (or read from the cache), so it is embedded
        while the caller runs its keyword leg; ``result()`` waits for the vector and searches
        the index on ``session`` in the caller's thread."""
        return PendingNearest(self, session, text, filters, limit, self._queued_vector(text))

    def _queued_vector(self, text: str) -> Future[np.ndarray] | None:
        """The query's vector as a future: from the cache, or queued for the model's next
        shared call; None for an embedder that cannot queue (torch: embedded when needed)."""
        key = self._key(text)
        cached = self._cached(key)
        out: Future[np.ndarray] = Future()
        if cached is not None:
            out.set_result(cached)
            return out
        submit = getattr(self.embedder, "submit", None)
        if submit is None:
            return None

        def done(rows: Future) -> None:
            try:
                out.set_result(self._store(key, rows.result()[0]))
            except BaseException as exc:  # the model's error, for the caller to see
                out.set_exception(exc)

        submit([key]).add_done_callback(done)
        return out

    @staticmethod
    def _key(text: str) -> str:
        return " ".join(text[:MAX_QUERY_CHARS].split())

    def _cached(self, key: str) -> np.ndarray | None:
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
            return cached

    def _embed(self, key: str) -> np.ndarray:
        return self._store(key, self.embedder.encode([key])[0])

    def _store(self, key: str, row: np.ndarray) -> np.ndarray:
        vector = np.asarray(row, dtype=np.float32)
        vector.setflags(write=False)
        with self._lock:
            self._cache[key] = vector
            while len(self._cache) > QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector

    def has_vectors(self, session: Session) -> bool:
        """Whether any paper is embedded under this model (else nothing to search); a yes is
        remembered for HAS_VECTORS_SECONDS."""
        seen = self._vectors_seen_at
        if seen is not None and time.monotonic() - seen < HAS_VECTORS_SECONDS:
            return True
        found = session.scalar(
            select(PaperEmbedding.paper_id).where(PaperEmbedding.model == self.model).limit(1)
        )
        if found is not None:
            self._vectors_seen_at = time.monotonic()
        return found is not None

    def close(self) -> None:
        self.index.close()


class PendingNearest:
    """A semantic leg begun by :meth:`SemanticSearch.start_nearest`: its query is with the
    model; :meth:`result` finishes it in the caller's thread, on the caller's session."""

    def __init__(self, semantic, session, text, filters, limit, queued: Future | None):
        self._semantic, self._session, self._text = semantic, session, text
        self._filters, self._limit, self._queued = filters, limit, queued

    def result(self) -> list[Hit]:
        semantic = self._semantic
        queued = self._queued
        vector = queued.result() if queued is not None else semantic.query_vector(self._text)
        return semantic.index.search(self._session, vector, self._filters, self._limit)
