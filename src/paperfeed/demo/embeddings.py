"""The demo's precomputed embeddings (``embeddings.npz``): read them and import them.

Embedding the 2,836 demo papers takes minutes on a laptop CPU, so the demo ships their
vectors, made by ``python -m paperfeed.demo.build_embeddings``. The file holds, row for row,
the arXiv ids, the SHA-256 of each embedded text (:func:`paperfeed.embed.store.text_hash`, as
32 raw bytes), the unit vectors at half precision (what the database stores anyway), and the
model name.

A shipped vector is imported only where it is exactly what the embedding job would compute:
same model as configured, same text (by hash). Everything else is left to the job. Nothing
here loads the model.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from paperfeed.embed.job import embedding_state
from paperfeed.embed.model import paper_text
from paperfeed.embed.store import EmbeddingRow, text_hash, write_embeddings
from paperfeed.store.models import Paper

logger = logging.getLogger(__name__)

EMBEDDINGS_FILE = files("paperfeed.demo") / "embeddings.npz"
FORMAT = "paperfeed-embeddings/1"
_CHUNK = 500  # arXiv ids per query (well under every backend's bound-parameter limit)


@dataclass(frozen=True)
class ShippedEmbeddings:
    """Precomputed embeddings: row ``i`` of ``vectors`` is the paper ``arxiv_ids[i]``."""

    model: str
    arxiv_ids: list[str]
    text_hashes: list[str]  # hex, as stored in ``paper_embeddings.text_hash``
    vectors: np.ndarray  # (n, dim) float16, unit length

    def __post_init__(self):
        n = len(self.arxiv_ids)
        if len(self.text_hashes) != n or self.vectors.ndim != 2 or self.vectors.shape[0] != n:
            raise ValueError(
                f"{n} arXiv ids, {len(self.text_hashes)} hashes, vectors {self.vectors.shape}"
            )
        if any(len(h) != 64 for h in self.text_hashes):
            raise ValueError("text hashes must be SHA-256 hex digests")


def save_shipped(path: str | Path, shipped: ShippedEmbeddings) -> None:
    """Write ``shipped`` as a compressed ``.npz`` (no pickled objects)."""
    np.savez_compressed(
        path,
        format=np.array(FORMAT),
        model=np.array(shipped.model),
        arxiv_ids=np.array(shipped.arxiv_ids, dtype=np.bytes_),
        # (n, 32) uint8, not "S32": numpy strips trailing NUL bytes from fixed-width bytes.
        text_hashes=np.frombuffer(
            b"".join(bytes.fromhex(h) for h in shipped.text_hashes), dtype=np.uint8
        ).reshape(-1, 32),
        vectors=np.asarray(shipped.vectors, dtype="<f2"),
    )


def read_shipped(path: str | Path | None = None) -> ShippedEmbeddings | None:
    """The embeddings file (default: the bundled one), or None if it is missing or unreadable
    (then the demo papers are simply embedded by the job)."""
    source = Path(path) if path is not None else EMBEDDINGS_FILE
    try:
        with source.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            if str(data["format"]) != FORMAT:
                raise ValueError(f"format {str(data['format'])!r}, expected {FORMAT!r}")
            return ShippedEmbeddings(
                model=str(data["model"]),
                arxiv_ids=[i.decode("ascii") for i in data["arxiv_ids"]],
                text_hashes=[h.tobytes().hex() for h in data["text_hashes"]],
                vectors=data["vectors"],
            )
    except FileNotFoundError:
        logger.info("no precomputed embeddings at %s", source)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        logger.warning("ignoring precomputed embeddings %s: %s", source, exc)
    return None


def import_shipped(session: Session, model: str, shipped: ShippedEmbeddings) -> int:
    """Store the shipped vectors of papers in the database whose text is unchanged.

    Only when ``shipped.model`` is ``model``; a paper is skipped when its current text hash
    differs from the shipped one, or when it already has an embedding of that very text under
    ``model`` (so a second run writes nothing). Writes through :func:`write_embeddings`, so
    the change sequence records each paper as usual. Returns how many were written.
    """
    if shipped.model != model:
        logger.info("precomputed embeddings are of %s, not %s: skipped", shipped.model, model)
        return 0
    position = {arxiv_id: i for i, arxiv_id in enumerate(shipped.arxiv_ids)}
    rows: list[EmbeddingRow] = []
    picks: list[int] = []
    for paper in _papers(session, list(position)):
        i = position[paper.arxiv_id]
        digest = text_hash(paper_text(paper.title, paper.abstract))
        if digest != shipped.text_hashes[i]:
            continue  # text changed since the file was made: the job embeds it
        if paper.emb_model == model and paper.emb_hash == digest:
            continue  # already embedded
        rows.append(EmbeddingRow(paper.id, digest, paper.seq))
        picks.append(i)
    if not rows:
        return 0
    written = write_embeddings(session, model, rows, shipped.vectors[picks])
    logger.info("imported %d precomputed embeddings (%s)", written, model)
    return written


def _papers(session: Session, arxiv_ids: Sequence[str]) -> Iterator:
    query = embedding_state(Paper.arxiv_id)
    for start in range(0, len(arxiv_ids), _CHUNK):
        chunk = arxiv_ids[start : start + _CHUNK]
        yield from session.execute(query.where(Paper.arxiv_id.in_(chunk)))


def import_demo_embeddings(session: Session, model: str) -> int:
    """Import the bundled demo embeddings (see :func:`import_shipped`); 0 if there are none."""
    shipped = read_shipped()
    return import_shipped(session, model, shipped) if shipped is not None else 0
