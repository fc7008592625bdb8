"""Search by meaning: the embedding model for queries, paired with a vector index.

The model loads lazily (seconds: torch, weights) on the first query; query vectors are
cached, so a repeated query (paging, the response cache expiring) does not re-run the model.
Hybrid search embeds the query in a worker thread while the keyword leg runs
(:meth:`SemanticSearch.start_query_vector`): torch and the keyword backends release the GIL,
so the two overlap.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.embed.model import Embedder
from paperfeed.search.base import VectorIndex
from paperfeed.store.models import PaperEmbedding

QUERY_CACHE_SIZE = 1_024
MAX_QUERY_CHARS = 2_000  # the model reads at most 256 tokens; longer text only costs time


class SemanticSearch:
    """An embedder for queries and the vector index of the same model. Thread-safe."""

    def __init__(self, embedder: Embedder, index: VectorIndex):
        if embedder.name != index.model:
            raise ValueError(f"embedder {embedder.name!r} but index of {index.model!r}")
        self.embedder = embedder
        self.index = index
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-vector")

    @property
    def model(self) -> str:
        return self.embedder.name

    def query_vector(self, text: str) -> np.ndarray:
        """The unit vector of a query. Raises ``ModelUnavailable`` if the model cannot load."""
        key = self._key(text)
        cached = self._cached(key)
        return cached if cached is not None else self._embed(key)

    def start_query_vector(self, text: str) -> Future[np.ndarray]:
        """:meth:`query_vector` in a worker thread; a cached vector comes back done."""
        key = self._key(text)
        cached = self._cached(key)
        if cached is not None:
            done: Future[np.ndarray] = Future()
            done.set_result(cached)
            return done
        return self._workers.submit(self._embed, key)

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
        vector = np.asarray(self.embedder.encode([key])[0], dtype=np.float32)
        vector.setflags(write=False)
        with self._lock:
            self._cache[key] = vector
            while len(self._cache) > QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector

    def has_vectors(self, session: Session) -> bool:
        """Whether any paper is embedded under this model (else nothing to search)."""
        found = session.scalar(
            select(PaperEmbedding.paper_id).where(PaperEmbedding.model == self.model).limit(1)
        )
        return found is not None

    def close(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)
        self.index.close()
