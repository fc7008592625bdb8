"""The resumable local-keywords step: keywords for papers Hugging Face gave none.

It runs after the embedding job (service/indexing.py ``embed_papers``, which every ingest,
``paperfeed index embed`` and the web server's background embedder go through), because it
scores candidate phrases against the paper's stored embedding (embed/keyphrases.py).

A paper needs keywords when it is visible, has no ``ai_keywords`` from HF, has an embedding
under the model, and its ``local_keywords_hash`` is not that embedding's ``text_hash`` (none
yet, or its text changed and was re-embedded since). Batches in id order: read, compute (no
transaction open), write and commit; a kill loses at most the batch in flight, and the next
run finds only what is still missing. Each written paper goes on the change sequence, so
cached pages that show it are renewed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.embed.keyphrases import candidates, pick
from paperfeed.embed.model import Embedder, paper_text
from paperfeed.store.changes import record_changes
from paperfeed.store.db import session_scope
from paperfeed.store.models import Paper, PaperEmbedding

logger = logging.getLogger(__name__)

PHRASE_CACHE = 50_000  # phrase vectors kept within one run: titles share many phrases


@dataclass(frozen=True)
class KeywordReport:
    computed: int  # papers given keywords in this run
    remaining: int  # papers still needing them (a limit was reached, or papers came in)

    def summary(self) -> str:
        return f"local keywords: computed {self.computed:,}, remaining {self.remaining:,}"


def _needs_keywords(model: str) -> tuple:
    return (
        Paper.hidden.is_(False),
        Paper.ai_keywords.is_(None),
        PaperEmbedding.model == model,
        or_(
            Paper.local_keywords_hash.is_(None),
            Paper.local_keywords_hash != PaperEmbedding.text_hash,
        ),
    )


def count_missing_keywords(session: Session, model: str) -> int:
    query = (
        select(func.count())
        .select_from(Paper)
        .join(PaperEmbedding, PaperEmbedding.paper_id == Paper.id)
        .where(*_needs_keywords(model))
    )
    return session.scalar(query) or 0


def compute_missing_keywords(
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    *,
    batch_size: int = 32,
    limit: int | None = None,
    now: datetime | None = None,
) -> KeywordReport:
    """Give keywords to the papers that need them (module docstring); ``limit`` caps how
    many in this run. ``now`` stamps the change-sequence rows (default: the clock)."""
    now = now or datetime.now(UTC)
    cache: dict[str, np.ndarray] = {}
    computed = 0
    last_id = 0
    while limit is None or computed < limit:
        take = batch_size if limit is None else min(batch_size, limit - computed)
        with session_factory() as session:
            rows = session.execute(
                select(
                    Paper.id,
                    Paper.title,
                    Paper.abstract,
                    PaperEmbedding.vector,
                    PaperEmbedding.text_hash,
                )
                .join(PaperEmbedding, PaperEmbedding.paper_id == Paper.id)
                .where(*_needs_keywords(embedder.name), Paper.id > last_id)
                .order_by(Paper.id)
                .limit(take)
            ).all()
        if not rows:
            break
        last_id = rows[-1].id
        found = [
            {
                "pid": row.id,
                "kw": keywords_of(embedder, row.title, row.abstract, row.vector, cache),
                "hash": row.text_hash,
            }
            for row in rows
        ]
        _write(session_factory, found, now)
        computed += len(found)
        if len(cache) > PHRASE_CACHE:
            cache.clear()
    with session_factory() as session:
        remaining = count_missing_keywords(session, embedder.name)
    logger.info("local keywords for %d papers, %d remaining", computed, remaining)
    return KeywordReport(computed, remaining)


def keywords_of(
    embedder: Embedder, title: str, abstract: str, doc: np.ndarray, cache: dict | None = None
) -> list[str]:
    """The keywords of one paper whose embedding is ``doc`` (embed/keyphrases.py)."""
    cache = {} if cache is None else cache
    phrases = candidates(title, paper_text(title, abstract))
    new = [p for p in dict.fromkeys(phrases) if p not in cache]
    if new:
        cache.update(zip(new, np.asarray(embedder.encode(new), dtype=np.float32), strict=True))
    if not phrases:
        return []
    vectors = np.stack([cache[p] for p in phrases])
    doc = np.asarray(doc, dtype=np.float32)
    norm = float(np.linalg.norm(doc))
    return pick(doc / norm if norm else doc, phrases, vectors)


def _write(session_factory: sessionmaker[Session], found: list[dict], now: datetime) -> None:
    table = Paper.__table__
    with session_scope(session_factory) as session:
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("pid"))
            .values(local_keywords=bindparam("kw"), local_keywords_hash=bindparam("hash")),
            found,
        )
        record_changes(session, [f["pid"] for f in found], now)
