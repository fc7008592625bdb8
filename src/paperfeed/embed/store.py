"""Read and write paper embeddings (the ``paper_embeddings`` table)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import LargeBinary, delete, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from paperfeed.store.models import Paper, PaperChange, PaperEmbedding


def text_hash(text: str) -> str:
    """SHA-256 hex of the embedded text: tells whether a paper's text changed since."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EmbeddingRow:
    paper_id: int
    text_hash: str
    source_seq: int


def write_embeddings(
    session: Session,
    model: str,
    rows: Sequence[EmbeddingRow],
    vectors: np.ndarray,
    *,
    now: datetime | None = None,
) -> int:
    """Replace the embeddings of ``rows``' papers with ``vectors`` (one row each).

    Papers deleted meanwhile are left out. Each written paper gets a change in the change
    sequence, so derived indexes (the vector index file on SQLite) and the response cache
    see the new vector. Its ``source_seq`` becomes that change's seq, unless the paper changed
    after ``row.source_seq`` was read (while the model ran): then it keeps the old one and
    the next run checks the paper again. The paper rows are locked first (PostgreSQL) so no
    concurrent write can slip between that check and the new change.
    Returns how many rows were written.
    """
    if len(rows) != len(vectors):
        raise ValueError(f"{len(rows)} rows but {len(vectors)} vectors")
    if not rows:
        return 0
    now = now or datetime.now(UTC)
    ids = [r.paper_id for r in rows]
    alive = set(session.scalars(select(Paper.id).where(Paper.id.in_(ids)).with_for_update()))
    latest = dict(
        session.execute(
            select(PaperChange.paper_id, func.max(PaperChange.seq))
            .where(PaperChange.paper_id.in_(ids))
            .group_by(PaperChange.paper_id)
        ).all()
    )
    session.execute(delete(PaperEmbedding).where(PaperEmbedding.paper_id.in_(ids)))
    changes = PaperChange.__table__
    embeddings = []
    for row, vector in zip(rows, vectors, strict=True):
        if row.paper_id not in alive:
            continue
        # One statement per paper: RETURNING over executemany is not portable here (the
        # PostgreSQL engine runs without insertmanyvalues, see store/db.py).
        seq = session.execute(
            insert(changes).values(paper_id=row.paper_id, changed_at=now).returning(changes.c.seq)
        ).scalar_one()
        vec = np.asarray(vector, dtype=np.float32)
        embeddings.append(
            {
                "paper_id": row.paper_id,
                "model": model,
                "dim": int(vec.shape[0]),
                "vector": vec,
                "text_hash": row.text_hash,
                "source_seq": seq
                if latest.get(row.paper_id, 0) <= row.source_seq
                else row.source_seq,
                "created_at": now,
            }
        )
    if embeddings:
        session.execute(insert(PaperEmbedding.__table__), embeddings)
    return len(embeddings)


def load_embeddings(
    session: Session, model: str, paper_ids: Iterable[int] | None = None
) -> dict[int, np.ndarray]:
    """``paper_id -> float32 vector`` of the stored embeddings under ``model``."""
    query = select(PaperEmbedding.paper_id, PaperEmbedding.vector).where(
        PaperEmbedding.model == model
    )
    if paper_ids is not None:
        query = query.where(PaperEmbedding.paper_id.in_(list(paper_ids)))
    return {pid: vec for pid, vec in session.execute(query)}


def load_embedding_matrix(
    session: Session, model: str, paper_ids: Sequence[int]
) -> tuple[list[int], np.ndarray]:
    """The stored embeddings of ``paper_ids`` under ``model`` as one float32 matrix: the
    ids found (in the database's order) and their vectors, one row each.

    What :func:`load_embeddings` gives, for thousands of papers at once: the stored float16
    bytes are read as bytes and decoded in one numpy call, not one vector object per row (on
    PostgreSQL ``halfvec_send`` gives pgvector's binary form; its text form, what the column
    reads as, is parsed float by float in Python, ~40 us a vector).
    """
    if not paper_ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    postgres = session.get_bind().dialect.name == "postgresql"
    column = PaperEmbedding.vector
    raw = func.halfvec_send(column) if postgres else type_coerce(column, LargeBinary)
    rows = session.execute(
        select(PaperEmbedding.paper_id, type_coerce(raw, LargeBinary)).where(
            PaperEmbedding.model == model, PaperEmbedding.paper_id.in_(list(paper_ids))
        )
    ).all()
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    # pgvector's binary halfvec: int16 dim, int16 unused, then big-endian float16s.
    skip, dtype = (4, ">f2") if postgres else (0, "<f2")
    sizes = {len(blob) for _pid, blob in rows}
    if len(sizes) != 1:
        raise ValueError(f"embeddings of {model!r} have several dimensions")
    size = sizes.pop()
    data = np.frombuffer(b"".join(blob for _pid, blob in rows), dtype=np.uint8)
    matrix = data.reshape(len(rows), size)[:, skip:].copy().view(dtype)
    return [pid for pid, _blob in rows], matrix.astype(np.float32)


def count_embedded(session: Session, model: str) -> tuple[int, int]:
    """``(embedded, total)`` over visible papers: how many have an embedding under ``model``."""
    total = session.scalar(select(func.count()).where(Paper.hidden.is_(False))) or 0
    embedded = (
        session.scalar(
            select(func.count())
            .select_from(PaperEmbedding)
            .join(Paper, Paper.id == PaperEmbedding.paper_id)
            .where(Paper.hidden.is_(False), PaperEmbedding.model == model)
        )
        or 0
    )
    return embedded, total
