"""A member's feedback on papers as a list to show (``GET /api/feedback``): which papers they
asked more of or are not interested in, newest first, so a hidden paper can be found again
and its "not interested" undone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paperfeed.store.library_models import PaperFeedback
from paperfeed.store.models import Paper


@dataclass(frozen=True)
class FeedbackItem:
    arxiv_id: str
    title: str
    kind: str  # more | not_interested
    created_at: datetime


def feedback_page(
    session: Session, user_id: int, *, kind: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[FeedbackItem], int]:
    """One page of the member's feedback (of ``kind`` only, if given) and how much there is."""
    where = [PaperFeedback.user_id == user_id]
    if kind is not None:
        where.append(PaperFeedback.kind == kind)
    total = session.scalar(select(func.count()).select_from(PaperFeedback).where(*where)) or 0
    rows = session.execute(
        select(Paper.arxiv_id, Paper.title, PaperFeedback.kind, PaperFeedback.created_at)
        .join(Paper, Paper.id == PaperFeedback.paper_id)
        .where(*where)
        .order_by(PaperFeedback.created_at.desc(), Paper.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [FeedbackItem(*row) for row in rows], total
