"""The vector index's folder on disk: the usearch file format, its parameters, and its lock.

Layout: ``<index_dir>/vector/<model slug>/`` holds ``index.usearch`` (keys are ``papers.id``,
vectors float16), ``checkpoint.json`` (the change seq that file reflects) and ``lock``. A
file is written to a temporary name, fsynced and renamed, then its checkpoint is written,
all under an exclusive ``flock`` on ``lock``; readers read the checkpoint *before* the file,
so the seq they start from is never newer than the file they load.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# usearch's wheel carries its own static libstdc++: importing ONNX Runtime (the optional
# fast bulk embedder, paperfeed.embed.onnx) after it crashes the process, before it is fine.
# Every module of paperfeed that uses usearch gets it from here.
with contextlib.suppress(ImportError):
    import onnxruntime  # noqa: F401
from usearch.index import Index  # noqa: E402

from paperfeed.search.changes import fsync_dir  # noqa: E402

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1  # bump when the parameters below or the file layout change: forces a rebuild
CONNECTIVITY = 16  # HNSW links per node (M)
EXPANSION_ADD = 128  # ef_construction
# ef_search. At 1M (bench/search_scale.py: real + synthetic vectors, queries near papers)
# recall@20 by ef: 256 -> 0.924, 512 -> 0.953, 1024 -> 0.973, 2048 -> 0.987, at k = 100
# p50 5.5 / 9.4 / 14.2 / 22.8 ms (docs/benchmarks.md; docs/vector-index.md for 100k).
EXPANSION_SEARCH = 512


def model_slug(model: str) -> str:
    """A folder name for ``model``: readable, and distinct for distinct names."""
    readable = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")[:60] or "model"
    digest = hashlib.sha1(model.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{readable}-{digest}"


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Vectors as the index holds and is searched with: float32, each of length 1."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def new_index(ndim: int) -> Index:
    """An empty HNSW index with this format's parameters."""
    return Index(
        ndim=ndim,
        metric="ip",  # vectors are normalised first, so this is cosine similarity
        dtype="f16",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )


def read_index(file: Path) -> Index | None:
    """The index saved in ``file``, or None (logged) if it is unreadable or of another kind."""
    try:
        loaded = Index.restore(str(file))
    except (ValueError, RuntimeError, OSError) as exc:
        logger.warning("vector index %s unreadable (%s): rebuilding", file, exc)
        return None
    if loaded is None or loaded.dtype.name != "F16" or loaded.metric_kind.name != "IP":
        logger.warning("vector index %s missing or of another kind: rebuilding", file)
        return None
    loaded.expansion_search = EXPANSION_SEARCH
    return loaded


def write_index(index: Index, file: Path) -> None:
    """Replace ``file`` by ``index`` atomically and durably (the caller holds the lock)."""
    tmp = file.with_name(file.name + ".tmp")
    index.save(str(tmp))
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, file)
    fsync_dir(file.parent)


@contextmanager
def folder_lock(folder: Path, *, wait: bool) -> Iterator[bool]:
    """Hold the folder's exclusive lock; yields False if ``wait`` is off and it is taken."""
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock
