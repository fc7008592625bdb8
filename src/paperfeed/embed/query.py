"""The embedder for search queries: the same model, run by ONNX Runtime in full precision.

A query is a few words, embedded one at a time on one thread while the request waits. For
such tiny inputs torch spends most of its time in per-operator overhead; ONNX Runtime runs
the same weights (fp32, the graph fused) 2.9x faster on the 2-core machine, p50 5.8 ms
against 16.6 ms for 200 real title queries, with the same vectors (cosine 1.0000 to torch's;
docs/benchmarks.md "Query embedding"). Papers are still embedded by torch, or by the int8
copy for bulk backfills (:mod:`paperfeed.embed.onnx`).

Concurrent queries are embedded together (:mod:`paperfeed.embed.batching`): under load one
model call serves every search waiting, instead of one call each.

``PAPERFEED_EMBED_QUERY_RUNTIME``: ``auto`` (the default) uses ONNX Runtime for the bundled
model on CPU when it is installed, torch otherwise; ``torch`` always torch; ``onnx`` insists
(search by meaning is unavailable if it cannot load). With ``auto``, any failure to build or
load the ONNX copy is logged and the query model falls back to torch.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from paperfeed.embed.batching import MicroBatcher
from paperfeed.embed.model import (
    BUNDLED_NAMES,
    Embedder,
    ModelUnavailable,
    bundled_model_path,
    default_device,
    get_embedder,
)
from paperfeed.settings import Settings

logger = logging.getLogger(__name__)


class QueryEmbedder:
    """Embeds queries with the ONNX fp32 copy of model ``name`` (built under ``cache_dir`` on
    first use), or with torch when ``fallback`` allows it and ONNX Runtime cannot. Thread-safe;
    loads on the first ``encode``; concurrent calls share model calls (``batcher``)."""

    def __init__(self, name: str, cache_dir: Path, *, fallback: bool = True):
        self._name = name
        self.cache_dir = cache_dir
        self.fallback = fallback
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()
        self.batcher = MicroBatcher(self._encode_now)

    @property
    def name(self) -> str:
        return self._name

    @property
    def runtime(self) -> str | None:
        """``onnx`` or ``torch`` once loaded; None before."""
        embedder = self._embedder
        if embedder is None:
            return None
        return "torch" if embedder is get_embedder(self._name) else "onnx"

    @property
    def loaded(self) -> bool:
        embedder = self._embedder
        return embedder is not None and getattr(embedder, "loaded", True)

    @property
    def dim(self) -> int:
        return self._loaded().dim

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.batcher.encode(texts)

    def submit(self, texts: list[str]) -> Future:
        """A future of ``encode(texts)``, queued for the next shared model call."""
        return self.batcher.submit(texts)

    def _encode_now(self, texts: list[str]) -> np.ndarray:
        return self._loaded().encode(texts)

    def close(self) -> None:
        self.batcher.close()

    def _loaded(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = self._load()
        return self._embedder

    def _load(self) -> Embedder:
        from paperfeed.embed.onnx import OnnxEmbedder, onnx_model_path

        if self.fallback and default_device() != "cpu":
            return get_embedder(self._name)  # torch on a GPU beats ONNX Runtime on the CPU
        try:
            model_dir = bundled_model_path()
            embedder = OnnxEmbedder(
                onnx_model_path(model_dir, self.cache_dir, int8=False),
                model_dir,
                name=self._name,
                threads=1,  # one core per query, as torch.set_num_threads(1) for the server
                group_by_length=True,  # batches of queries waiting together: little padding
            )
            embedder.encode(["load the query model"])
            return embedder
        except Exception as exc:  # the export runs torch and ONNX tooling: anything may fail
            if not self.fallback:
                if isinstance(exc, ModelUnavailable):
                    raise
                raise ModelUnavailable(f"cannot build the ONNX query model: {exc}") from exc
            logger.warning("queries embedded by torch: the ONNX copy failed to load (%s)", exc)
            return get_embedder(self._name)


def onnx_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


def query_embedder(name: str, runtime: str, cache_dir: Path) -> Embedder:
    """The embedder that search should use for queries of model ``name``."""
    if runtime == "torch":
        return get_embedder(name)
    if runtime == "onnx":
        if name not in BUNDLED_NAMES:
            raise ModelUnavailable(
                f"an ONNX query model exists for the bundled model only, not {name!r}; set "
                "PAPERFEED_EMBED_QUERY_RUNTIME=torch"
            )
        return QueryEmbedder(name, cache_dir, fallback=False)
    # auto: the ONNX copy where it is known to equal torch's vectors (and, decided on
    # loading, torch has no GPU)
    if name in BUNDLED_NAMES and onnx_available():
        return QueryEmbedder(name, cache_dir)
    return get_embedder(name)


def query_embedder_of(settings: Settings) -> Embedder:
    """:func:`query_embedder` as ``settings`` configure it."""
    return query_embedder(
        settings.embedding_model,
        settings.embed_query_runtime,
        settings.resolved_model_cache_dir(),
    )
