"""What the for-you tests share: papers on the feed with hand-made embeddings (so which
paper is near which is known), members, their library (through the library's service), votes
and follows."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select

from members import NOW, make_account  # noqa: F401 (re-exported)
from paperfeed.embed.store import EmbeddingRow, write_embeddings
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.library.collections import save_paper
from paperfeed.store.db import session_scope
from paperfeed.store.library_models import Follow
from paperfeed.store.models import Paper, PaperVote

DIM = 8


def axis(i: int, tilt: float = 0.0) -> np.ndarray:
    """A unit vector along axis ``i``, tilted towards the next axis by ``tilt``."""
    v = np.zeros(DIM, dtype=np.float32)
    v[i % DIM] = 1.0
    v[(i + 1) % DIM] = tilt
    return v / np.linalg.norm(v)


def add_paper(
    sessions,
    model: str,
    n: int,
    vector: np.ndarray | None,
    *,
    age: timedelta = timedelta(hours=1),
    upvotes: int = 0,
    authors=("Ada Lovelace",),
    categories=("cs.LG",),
    title: str | None = None,
    abstract: str = "",
) -> str:
    """Paper ``2611.0000n`` posted on the feed ``age`` before NOW, embedded as ``vector``."""
    posted = NOW - age
    record = PaperRecord.build(
        arxiv_id=f"2611.{n:05d}",
        title=title or f"Paper {n}",
        abstract=abstract or f"Abstract {n}.",
        authors=authors,
        categories=categories,
        published_at=posted,
        feed_day=posted.date(),
        submitted_at=posted,
        upvotes=upvotes,
    )
    with session_scope(sessions) as s:
        report = upsert_records(s, [record], source="test", now=NOW)
        assert not report.failed, report.failed
        if vector is not None:
            pid = s.scalar(select(Paper.id).where(Paper.arxiv_id == record.arxiv_id))
            write_embeddings(s, model, [EmbeddingRow(pid, "h", 0)], vector[None, :], now=NOW)
    return record.arxiv_id


def paper_id(sessions, arxiv_id: str) -> int:
    with sessions() as s:
        return s.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))


def save(sessions, user_id: int, arxiv_id: str, *, at: datetime = NOW) -> None:
    """Into the member's "Saved", through the library's service, as saved at ``at``."""
    with session_scope(sessions) as s:
        save_paper(s, user_id, arxiv_id, now=at)


def vote(sessions, user_id: int, arxiv_id: str, *, at: datetime = NOW) -> None:
    with session_scope(sessions) as s:
        pid = s.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))
        s.add(PaperVote(user_id=user_id, paper_id=pid, created_at=at))


def follow(sessions, user_id: int, kind: str, key: str, *, query: str | None = None) -> None:
    with session_scope(sessions) as s:
        s.add(
            Follow(
                user_id=user_id,
                kind=kind,
                key=key,
                label=query or key,
                query=query,
                mode="keyword" if query else None,
                created_at=NOW,
            )
        )


def at(days: float) -> datetime:
    return NOW - timedelta(days=days)
