"""What a for-you list reads per request besides the window's shared data
(:mod:`paperfeed.recommend.window_data`): the member's seen papers among the candidates,
and the views of the page shown (only its cards; what a reason names comes with the liked
papers' kept facts, :mod:`paperfeed.recommend.paper_facts`).
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
