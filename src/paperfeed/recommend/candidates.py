"""What a for-you list reads per request besides the window's shared data
(:mod:`paperfeed.recommend.window_data`): the member's seen papers among the candidates,
and the views of the page shown (only its cards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.service.papers import get_papers_by_id
from paperfeed.service.views import PaperView
from paperfeed.store.chunks import in_chunks
from paperfeed.store.library_models import PaperSeen
from paperfeed.store.models import Paper


@dataclass(frozen=True)
class WindowPaper:
    """A candidate as the benchmark and tests read it (``Scored.papers[i]``)."""

    paper_id: int
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    posted_at: datetime
    imported_upvotes: int


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


def views_of(session: Session, paper_ids: list[int]) -> dict[int, PaperView]:
    """Views of visible papers by internal id (the page shown)."""
    views: dict[int, PaperView] = {}
    for part in in_chunks(paper_ids):
        views.update(get_papers_by_id(session, part))
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
