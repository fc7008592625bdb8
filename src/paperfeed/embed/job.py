"""The resumable embedding backfill: embed every visible paper that has no current embedding.

A paper needs work when it has no embedding under the embedder's model, or when the change
sequence has a change to it newer than the one its embedding was checked against. Such a
paper is re-embedded only if its text (title + abstract) actually differs (by hash); a change
to upvotes or links just moves the embedding's ``source_seq`` forward.

Work goes in batches of papers in id order: read (short read transaction), encode (no
transaction open, so SQLite writers are not held up for the seconds it takes), write and
commit. A kill at any moment loses at most the batch in flight; the next run finds only the
papers still needing work, so no finished batch is redone.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Select, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from paperfeed.embed.model import Embedder, ModelUnavailable, paper_text
from paperfeed.embed.store import EmbeddingRow, text_hash, write_embeddings
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperChange, PaperEmbedding

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbedReport:
    embedded: int  # papers whose vector was computed and stored
    skipped: int  # papers changed since their embedding, but not in their text
    remaining: int  # papers still needing work (a --limit was reached, or papers came in)


def _needs_work(model: str):
    changed = exists().where(
        PaperChange.paper_id == Paper.id, PaperChange.seq > PaperEmbedding.source_seq
    )
    return Paper.hidden.is_(False), or_(
        PaperEmbedding.paper_id.is_(None), PaperEmbedding.model != model, changed
    )


def embedding_state(*columns) -> Select:
    """Papers with their newest change seq and their current embedding's model and text
    hash (NULL when none): what deciding whether to (re-)embed a paper needs."""
    latest_seq = (
        select(func.coalesce(func.max(PaperChange.seq), 0))
        .where(PaperChange.paper_id == Paper.id)
        .correlate(Paper)
        .scalar_subquery()
    )
    return (
        select(
            Paper.id,
            *columns,
            Paper.title,
            Paper.abstract,
            latest_seq.label("seq"),
            PaperEmbedding.model.label("emb_model"),
            PaperEmbedding.text_hash.label("emb_hash"),
        )
        .select_from(Paper)
        .outerjoin(PaperEmbedding, PaperEmbedding.paper_id == Paper.id)
    )


def _candidates(model: str) -> Select:
    return embedding_state().where(*_needs_work(model))


def count_pending(session: Session, model: str) -> int:
    """Visible papers with no embedding under ``model``, or changed since it was made."""
    query = (
        select(func.count())
        .select_from(Paper)
        .outerjoin(PaperEmbedding, PaperEmbedding.paper_id == Paper.id)
        .where(*_needs_work(model))
    )
    return session.scalar(query) or 0


def embed_missing(
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    *,
    batch_size: int = 64,
    limit: int | None = None,
    progress: bool = False,
) -> EmbedReport:
    """Embed what is missing or stale, committing every batch; see the module docstring.

    ``limit`` caps how many papers are embedded in this run. Raises :class:`ModelUnavailable`
    when the model cannot be loaded (before anything is written).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    model = embedder.name
    with session_factory() as session:
        pending = count_pending(session, model)
    total = pending if limit is None else min(pending, limit)
    embedded = skipped = 0
    last_id = 0
    with tqdm(
        total=total, disable=not progress, file=sys.stderr, unit="paper", desc="embedding"
    ) as bar:
        while limit is None or embedded < limit:
            take = batch_size if limit is None else min(batch_size, limit - embedded)
            with session_factory() as session:
                rows = session.execute(
                    _candidates(model).where(Paper.id > last_id).order_by(Paper.id).limit(take)
                ).all()
            if not rows:
                break
            last_id = rows[-1].id
            todo, texts, unchanged = _split_by_text(rows, model)
            vectors = _encode(embedder, texts) if texts else None
            _write_batch(session_factory, model, todo, vectors, unchanged)
            embedded += len(todo)
            skipped += len(unchanged)
            bar.update(len(rows))
    with session_factory() as session:
        remaining = count_pending(session, model)
    logger.info("embedded %d papers (%d unchanged), %d remaining", embedded, skipped, remaining)
    return EmbedReport(embedded=embedded, skipped=skipped, remaining=remaining)


def _split_by_text(rows, model: str) -> tuple[list[EmbeddingRow], list[str], list[dict]]:
    """The papers to (re-)embed with their texts, and those whose embedded text is unchanged
    (only their ``source_seq`` moves forward)."""
    todo: list[EmbeddingRow] = []
    texts: list[str] = []
    unchanged: list[dict] = []
    for row in rows:
        text = paper_text(row.title, row.abstract)
        digest = text_hash(text)
        if row.emb_model == model and row.emb_hash == digest:
            unchanged.append({"pid": row.id, "seq": row.seq})
        else:
            todo.append(EmbeddingRow(row.id, digest, row.seq))
            texts.append(text)
    return todo, texts, unchanged


def _write_batch(
    session_factory: sessionmaker[Session],
    model: str,
    todo: list[EmbeddingRow],
    vectors: np.ndarray | None,
    unchanged: list[dict],
) -> None:
    """One commit: the new vectors, and the unchanged papers' newer ``source_seq``."""
    with session_scope(session_factory) as session:
        if todo:
            write_embeddings(session, model, todo, vectors)
        if unchanged:
            session.connection().execute(
                update(PaperEmbedding.__table__)
                .where(PaperEmbedding.__table__.c.paper_id == bindparam("pid"))
                .values(source_seq=bindparam("seq")),
                unchanged,
            )


def _encode(embedder: Embedder, texts: list[str]) -> np.ndarray:
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise ModelUnavailable(
            f"embedding model {embedder.name!r} returned shape {vectors.shape} "
            f"for {len(texts)} texts"
        )
    if not np.isfinite(vectors).all():
        raise ModelUnavailable(f"embedding model {embedder.name!r} returned non-finite values")
    return vectors
