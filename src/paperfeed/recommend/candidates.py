"""The papers a for-you list ranks: the feed papers posted in the window, with what the
formula needs of each (categories and authors for follows, the trending score), and the
stored embeddings of any papers. Views are made only for the page shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.embed.store import load_embeddings
from paperfeed.rank.trending import Candidate, horizon, trending_score
from paperfeed.service.views import PaperView
from paperfeed.store.library_models import PaperSeen
from paperfeed.store.models import DailyEntry, Paper, PaperVote

_IN_CHUNK = 500  # ids per IN (...) list


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


def chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


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
        .order_by(DailyEntry.submitted_at.desc(), Paper.id.desc())
    ).all()
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
    for part in chunks(paper_ids):
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
    """Each paper's trending score at ``as_of`` (the formula of the trending page)."""
    since = as_of - horizon(half_life)
    times: dict[int, list[datetime]] = defaultdict(list)
    for part in chunks([p.paper_id for p in papers]):
        for paper_id, cast_at in session.execute(
            select(PaperVote.paper_id, PaperVote.created_at).where(
                PaperVote.paper_id.in_(part),
                PaperVote.created_at >= since,
                PaperVote.created_at <= as_of,
            )
        ):
            times[paper_id].append(cast_at)
    return np.array(
        [
            trending_score(
                Candidate(p.paper_id, p.posted_at, p.imported_upvotes, tuple(times[p.paper_id])),
                as_of,
                half_life,
            )
            for p in papers
        ],
        dtype=np.float64,
    )


def vectors_of(session: Session, model: str, paper_ids: list[int]) -> dict[int, np.ndarray]:
    """Unit float vectors of those papers embedded under ``model`` (others are absent)."""
    found: dict[int, np.ndarray] = {}
    for part in chunks(paper_ids):
        for paper_id, vector in load_embeddings(session, model, part).items():
            vec = np.asarray(vector, dtype=np.float32)
            norm = float(np.linalg.norm(vec))
            if norm > 0:
                found[paper_id] = vec / norm
    return found


def views_of(session: Session, paper_ids: list[int]) -> dict[int, PaperView]:
    """Views of visible papers by internal id (the page shown)."""
    views: dict[int, PaperView] = {}
    for part in chunks(paper_ids):
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
    for part in chunks(paper_ids):
        for pid, arxiv_id, title in session.execute(
            select(Paper.id, Paper.arxiv_id, Paper.title).where(Paper.id.in_(part))
        ):
            found[pid] = (arxiv_id, title)
    return found
