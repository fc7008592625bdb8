"""The papers a for-you list ranks: the feed papers posted in the window, with what the
formula needs of each (categories and authors for follows, the trending score), and the
stored embeddings of any papers. Views are made only for the page shown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from paperfeed.embed.store import load_embedding_matrix
from paperfeed.rank.trending import horizon
from paperfeed.rank.trending import weight as weight_at
from paperfeed.service.views import PaperView
from paperfeed.store.chunks import in_chunks
from paperfeed.store.library_models import PaperSeen
from paperfeed.store.models import DailyEntry, Paper, PaperVote


@dataclass(frozen=True)
class WindowPaper:
    paper_id: int
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    posted_at: datetime
    imported_upvotes: int
    text: str | None = None  # title and abstract, case-folded; only when topics need it


def window_papers(
    session: Session, *, since: datetime, until: datetime, with_text: bool = False
) -> list[WindowPaper]:
    """Visible feed papers posted in ``(since, until]``, newest first (ties by id)."""
    columns = [
        Paper.id,
        Paper.arxiv_id,
        Paper.title,
        Paper.authors,
        Paper.categories,
        DailyEntry.submitted_at,
        Paper.imported_upvotes,
    ]
    if with_text:
        columns.append(Paper.abstract)
    rows = session.execute(
        select(*columns)
        .join(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(
            Paper.hidden.is_(False),
            # The day bound lets the day index find the window; the time bound is exact.
            DailyEntry.day >= since.date(),
            DailyEntry.day <= until.date(),
            DailyEntry.submitted_at > since,
            DailyEntry.submitted_at <= until,
        )
    ).all()
    # Sorted here, not by an ORDER BY: the database would sort whole rows, abstracts and
    # all (on SQLite that doubled the query's time for a 1M-paper instance's window).
    rows.sort(key=lambda row: (row[5], row[0]), reverse=True)
    return [
        WindowPaper(
            paper_id=row[0],
            arxiv_id=row[1],
            title=row[2],
            authors=tuple(row[3] or ()),
            categories=tuple(row[4] or ()),
            posted_at=row[5],
            imported_upvotes=row[6] or 0,
            text=f"{row[2]} {row[7] or ''}".casefold() if with_text else None,
        )
        for row in rows
    ]


def seen_among(session: Session, user_id: int, paper_ids: list[int]) -> set[int]:
    seen: set[int] = set()
    for part in in_chunks(paper_ids):
        seen.update(
            session.scalars(
                select(PaperSeen.paper_id).where(
                    PaperSeen.user_id == user_id, PaperSeen.paper_id.in_(part)
                )
            )
        )
    return seen


def trending_scores(
    session: Session, papers: list[WindowPaper], *, as_of: datetime, half_life: timedelta
) -> np.ndarray:
    """Each paper's trending score at ``as_of``: the formula of the trending page
    (:func:`paperfeed.rank.trending.trending_score`), for the whole window at once.

    A window holds tens of thousands of votes; each paper's sum of their weights is taken in
    SQL (one row per paper back, from the (paper_id, created_at) index alone), not by reading
    every vote's time into Python, which was most of a 1M-paper instance's list time."""
    if not papers:
        return np.zeros(0, dtype=np.float64)
    now, span = as_of.timestamp(), half_life.total_seconds()
    posted = np.array([p.posted_at.timestamp() for p in papers])
    imported = np.array([p.imported_upvotes for p in papers], dtype=np.float64)
    # An imported upvote counts as cast when the paper was posted; nothing after as_of counts.
    scores = np.where(posted <= now, imported * np.exp2(-(now - posted) / span), 0.0)
    row_of = {p.paper_id: i for i, p in enumerate(papers)}
    for paper_id, weight in _vote_weights(session, list(row_of), as_of, half_life):
        scores[row_of[paper_id]] += weight
    return scores


def _vote_weights(session: Session, paper_ids: list[int], as_of: datetime, half_life: timedelta):
    """``(paper_id, sum of its votes' weights at as_of)`` for papers with votes in the
    horizon; each weight ``2 ** -(age / half_life)`` = ``exp(-age * ln 2 / half_life)``."""
    rate = math.log(2) / half_life.total_seconds()
    age = as_of.timestamp() - _epoch_seconds(session, PaperVote.created_at)
    weight = func.sum(func.exp(-age * rate))
    found: list = []
    for part in in_chunks(paper_ids):
        query = (
            select(PaperVote.paper_id, weight)
            .where(
                PaperVote.paper_id.in_(part),
                PaperVote.created_at >= as_of - horizon(half_life),
                PaperVote.created_at <= as_of,
            )
            .group_by(PaperVote.paper_id)
        )
        try:
            found.extend(session.execute(query).all())
        except OperationalError:  # a SQLite built without its math functions (no exp)
            found.extend(vote_weights_one_by_one(session, part, as_of, half_life))
    return [(pid, float(w)) for pid, w in found]


def vote_weights_one_by_one(
    session: Session, paper_ids: list[int], as_of: datetime, half_life: timedelta
) -> list[tuple[int, float]]:
    """What :func:`_vote_weights` takes in SQL, vote by vote in Python (its fallback)."""
    rows = session.execute(
        select(PaperVote.paper_id, PaperVote.created_at).where(
            PaperVote.paper_id.in_(paper_ids),
            PaperVote.created_at >= as_of - horizon(half_life),
            PaperVote.created_at <= as_of,
        )
    ).all()
    sums: dict[int, float] = defaultdict(float)
    for paper_id, cast_at in rows:
        sums[paper_id] += weight_at(cast_at, as_of, half_life)
    return list(sums.items())


def _epoch_seconds(session: Session, column):
    """``column`` (a UTC time) as float seconds since the epoch, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_part("epoch", column)
    # SQLite stores UTC as text; julianday reads it (2440587.5 is 1970-01-01, in days).
    return (func.julianday(column) - 2440587.5) * 86400.0


def vectors_of(session: Session, model: str, paper_ids: list[int]) -> dict[int, np.ndarray]:
    """Unit float vectors of those papers embedded under ``model`` (others are absent)."""
    ids: list[int] = []
    parts: list[np.ndarray] = []
    for part in in_chunks(paper_ids):
        found, matrix = load_embedding_matrix(session, model, part)
        ids.extend(found)
        if found:
            parts.append(matrix)
    if not ids:
        return {}
    matrix = np.concatenate(parts)
    norms = np.linalg.norm(matrix, axis=1)
    keep = norms > 0
    matrix = matrix[keep] / norms[keep, None]
    return dict(zip([i for i, k in zip(ids, keep, strict=True) if k], matrix, strict=True))


def views_of(session: Session, paper_ids: list[int]) -> dict[int, PaperView]:
    """Views of visible papers by internal id (the page shown)."""
    views: dict[int, PaperView] = {}
    for part in in_chunks(paper_ids):
        for paper, entry in session.execute(
            select(Paper, DailyEntry)
            .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
            .where(Paper.id.in_(part), Paper.hidden.is_(False))
        ):
            views[paper.id] = PaperView.from_row(paper, entry)
    return views


def titles_of(session: Session, paper_ids: list[int]) -> dict[int, tuple[str, str]]:
    """``paper_id -> (arxiv_id, title)``: what a reason names."""
    found: dict[int, tuple[str, str]] = {}
    for part in in_chunks(paper_ids):
        for pid, arxiv_id, title in session.execute(
            select(Paper.id, Paper.arxiv_id, Paper.title).where(Paper.id.in_(part))
        ):
            found[pid] = (arxiv_id, title)
    return found


def categories_of(session: Session, paper_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """``paper_id -> categories`` (primary first): what the category prior counts."""
    found: dict[int, tuple[str, ...]] = {}
    for part in in_chunks(paper_ids):
        for pid, cats in session.execute(
            select(Paper.id, Paper.categories).where(Paper.id.in_(part))
        ):
            found[pid] = tuple(cats or ())
    return found


def texts_of(session: Session, paper_ids: list[int]) -> dict[int, str]:
    """``paper_id -> "title. abstract"``: what word relevance reads."""
    found: dict[int, str] = {}
    for part in in_chunks(paper_ids):
        for pid, title, abstract in session.execute(
            select(Paper.id, Paper.title, Paper.abstract).where(Paper.id.in_(part))
        ):
            found[pid] = f"{title}. {abstract or ''}"
    return found
