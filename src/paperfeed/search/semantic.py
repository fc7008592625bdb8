"""Search by meaning: the embedding model for queries, paired with a vector index.

The model loads lazily (seconds: torch, weights) on the first query; query vectors are
cached, so a repeated query (paging, the response cache expiring) does not re-run the model.
Hybrid search runs its semantic leg (embedding the query, then the vector index search) in a
worker thread, with a session of its own, while the keyword leg runs in the request's thread
(:meth:`SemanticSearch.start_nearest`): the model runtimes, usearch, tantivy and the database
driver release the GIL, so the two legs overlap on two cores.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.embed.model import Embedder
from paperfeed.search.base import Hit, SearchFilters, VectorIndex
from paperfeed.store.models import PaperEmbedding

QUERY_CACHE_SIZE = 1_024
MAX_QUERY_CHARS = 2_000  # the model reads at most 256 tokens; longer text only costs time
# Worker threads for semantic legs, per process. Each holds a database connection while it
# searches, beside the one of the request waiting for it: a connection pool needs this many
# connections more than it has request threads, or waiting requests could hold them all.
QUERY_WORKERS = 2
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
        self._workers = ThreadPoolExecutor(QUERY_WORKERS, thread_name_prefix="semantic-leg")
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
    ) -> Future[list[Hit]]:
        """The ``limit`` papers nearest to ``text``, found in a worker thread: the query is
        embedded (or read from the cache), then the index is searched through a session of
        the worker's own on ``session``'s database, since a session is not thread-safe.
        A database that each connection sees differently (SQLite in memory) is searched in
        this thread instead."""
        bind = session.get_bind().engine  # an engine, even for a session bound to a connection
        if bind.url.get_backend_name() == "sqlite" and bind.url.database in (None, "", ":memory:"):
            done: Future[list[Hit]] = Future()
            done.set_result(self.index.search(session, self.query_vector(text), filters, limit))
            return done
        # Queued for the model here, not in the worker: the workers are few (QUERY_WORKERS),
        # and a query waiting for one could not join the model call of the others in flight.
        queued = self._queued_vector(text)

        def nearest() -> list[Hit]:
            vector = queued.result() if queued is not None else self.query_vector(text)
            with Session(bind) as own:
                return self.index.search(own, vector, filters, limit)

        return self._workers.submit(nearest)

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
        self._workers.shutdown(wait=False, cancel_futures=True)
        self.index.close()
