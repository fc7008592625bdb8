"""What :mod:`paperfeed.recommend.window_data` reads from the store: a window's papers (raw
columns, no ORM objects), their stored vectors, the votes on them, and the change sequence
since a version. Every read here is a bulk read for many papers at once; the per-request
path of a for-you list calls none of them while nothing changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from paperfeed.embed.store import load_embedding_matrix
from paperfeed.store.chunks import in_chunks
from paperfeed.store.models import DailyEntry, Paper, PaperChange, PaperVote


@dataclass(frozen=True)
class PaperRow:
    """One window paper as read (what a snapshot is made of; compared to tell a real change)."""

    paper_id: int
    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    posted_at: datetime  # DailyEntry.submitted_at
    imported_upvotes: int


def read_papers(
    session: Session, first_day: date, last_day: date, paper_ids: Sequence[int] | None = None
) -> list[PaperRow]:
    """Visible feed papers listed on ``first_day``..``last_day`` (all of them, or those of
    ``paper_ids``), in no particular order."""
    query = (
        select(
            Paper.id,
            Paper.arxiv_id,
            Paper.title,
            Paper.abstract,
            Paper.authors,
            Paper.categories,
            DailyEntry.submitted_at,
            Paper.imported_upvotes,
        )
        .join(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(Paper.hidden.is_(False), DailyEntry.day >= first_day, DailyEntry.day <= last_day)
    )
    parts = (
        [query]
        if paper_ids is None
        else [query.where(Paper.id.in_(c)) for c in in_chunks(paper_ids)]
    )
    rows: list[PaperRow] = []
    for part in parts:
        for pid, arxiv_id, title, abstract, authors, cats, posted, imported in session.execute(
            part
        ):
            rows.append(
                PaperRow(
                    pid,
                    arxiv_id,
                    title or "",
                    abstract or "",
                    tuple(authors or ()),
                    tuple(cats or ()),
                    posted,
                    imported or 0,
                )
            )
    return rows


def read_vector_matrix(
    session: Session, model: str, paper_ids: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, matrix)``: the papers of ``paper_ids`` embedded under ``model`` (in no
    particular order) and their unit float32 vectors, one row each (zero vectors left out)."""
    ids: list[int] = []
    parts: list[np.ndarray] = []
    for part in in_chunks(paper_ids):
        found, matrix = load_embedding_matrix(session, model, part)
        if found:
            ids.extend(found)
            parts.append(matrix)
    if not ids or len({p.shape[1] for p in parts}) != 1:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    matrix = np.concatenate(parts)
    norms = np.linalg.norm(matrix, axis=1)
    keep = norms > 0
    return np.array(ids, dtype=np.int64)[keep], matrix[keep] / norms[keep, None]


def read_vectors(session: Session, model: str, paper_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """Unit float32 vectors of those papers embedded under ``model`` (others, and zero
    vectors, are absent)."""
    ids, matrix = read_vector_matrix(session, model, paper_ids)
    return dict(zip(ids.tolist(), matrix, strict=True))


def epoch_seconds(session: Session, column):
    """``column`` (a UTC time) as float seconds since the epoch, in SQL: reading tens of
    thousands of vote times as datetimes would cost more than the votes' sums."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_part("epoch", column)
    # SQLite stores UTC as text; julianday reads it (2440587.5 is 1970-01-01, in days).
    return (func.julianday(column) - 2440587.5) * 86400.0


def read_votes(
    session: Session,
    *,
    paper_ids: Sequence[int] | None = None,
    days: tuple[date, date] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(paper_ids, cast_at)`` of every vote on those papers (or on the visible feed papers
    listed in the ``days`` range): int64 and float64 epoch seconds arrays."""
    cast_at = epoch_seconds(session, PaperVote.created_at)
    query = select(PaperVote.paper_id, cast_at)
    if days is not None:
        query = query.join(DailyEntry, DailyEntry.paper_id == PaperVote.paper_id).where(
            DailyEntry.day >= days[0], DailyEntry.day <= days[1]
        )
        parts = [query]
    else:
        parts = [query.where(PaperVote.paper_id.in_(c)) for c in in_chunks(paper_ids or [])]
    pids: list[int] = []
    times: list[float] = []
    for part in parts:
        for pid, at in session.execute(part):
            pids.append(pid)
            times.append(float(at))
    return np.array(pids, dtype=np.int64), np.array(times, dtype=np.float64)


def read_changes(
    session: Session, after: int, gaps: Sequence[tuple[int, int]], limit: int
) -> list[tuple[int, int]]:
    """``(seq, paper_id)`` of the changes after ``after`` and of those in the ``gaps``
    (inclusive seq ranges not yet seen committed), at most ``limit``, by seq."""
    where = [PaperChange.seq > after] + [PaperChange.seq.between(lo, hi) for lo, hi in gaps]
    rows = session.execute(
        select(PaperChange.seq, PaperChange.paper_id)
        .where(or_(*where))
        .order_by(PaperChange.seq)
        .limit(limit)
    ).all()
    return [(seq, pid) for seq, pid in rows]


def recent_seqs(session: Session, head: int, lookback: int) -> np.ndarray:
    """The committed seqs in ``(head - lookback, head]``: a full rebuild's view of which
    recent changes it has seen (the ones missing may still commit, on PostgreSQL)."""
    seqs = session.scalars(select(PaperChange.seq).where(PaperChange.seq > head - lookback))
    return np.fromiter(seqs, dtype=np.int64)
