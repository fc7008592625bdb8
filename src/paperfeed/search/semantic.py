"""Search by meaning: the embedding model for queries, paired with a vector index.

The model loads lazily (seconds: torch, weights) on the first query; query vectors are
cached, so a repeated query (paging, the response cache expiring) does not re-run the model.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

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

    @property
    def model(self) -> str:
        return self.embedder.name

    def query_vector(self, text: str) -> np.ndarray:
        """The unit vector of a query. Raises ``ModelUnavailable`` if the model cannot load."""
        key = " ".join(text[:MAX_QUERY_CHARS].split())
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
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
        self.index.close()
