"""A member's explicit feedback on papers: "more like this" and "not interested".

One row per (member, paper) in ``paper_feedback``; setting the other kind replaces the first,
undoing deletes the row, so every call says which state it wants and a retried request is a
no-op. "more" joins the member's profile as a positive (like a saved paper); "not
interested" is a negative for papers like it and hides that paper from their for-you list
(:mod:`paperfeed.recommend.for_you`). The rows go with the account (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paperfeed.arxiv_ids import parse_arxiv_id
from paperfeed.errors import InvalidInput, NotFound
from paperfeed.service.papers import visible_paper_id
from paperfeed.store.chunks import in_chunks
from paperfeed.store.library_models import PaperFeedback
from paperfeed.store.models import Paper

MORE = "more"
NOT_INTERESTED = "not_interested"
KINDS = (MORE, NOT_INTERESTED)


@dataclass(frozen=True)
class FeedbackState:
    """The member's feedback on one paper after the call (None: none); ``changed``: this
    call changed it."""

    arxiv_id: str
    kind: str | None
    changed: bool = False


def set_feedback(
    session: Session, user_id: int, arxiv_id: str, kind: str, *, now: datetime
) -> FeedbackState:
    """Make the member's feedback on the paper ``kind`` ("more" or "not_interested");
    idempotent. InvalidInput for another kind, NotFound for an unknown or hidden paper.
    No commit."""
    if kind not in KINDS:
        raise InvalidInput(f"feedback must be one of {', '.join(KINDS)}, got {kind!r}")
    paper_id, bare = visible_paper_id(session, arxiv_id)
    current = session.scalar(
        select(PaperFeedback.kind).where(
            PaperFeedback.user_id == user_id, PaperFeedback.paper_id == paper_id
        )
    )
    if current == kind:
        return FeedbackState(bare, kind)
    values = {"user_id": user_id, "paper_id": paper_id, "kind": kind, "created_at": now}
    insert_ = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    stmt = insert_(PaperFeedback).values(**values)
    # Two requests at once (a double click) end in one row holding the last kind asked for.
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "paper_id"],
            set_={"kind": stmt.excluded.kind, "created_at": stmt.excluded.created_at},
        )
    )
    return FeedbackState(bare, kind, changed=True)


def clear_feedback(
    session: Session, user_id: int, arxiv_id: str, *, now: datetime | None = None
) -> FeedbackState:
    """Undo the member's feedback on the paper (whichever kind); idempotent. No commit.
    ``now`` is accepted for symmetry with :func:`set_feedback` (nothing is dated)."""
    bare, _version = parse_arxiv_id(arxiv_id)
    paper_id = session.scalar(select(Paper.id).where(Paper.arxiv_id == bare))
    if paper_id is None:
        raise NotFound(f"No paper with arXiv id {bare!r}")
    gone = session.execute(
        delete(PaperFeedback)
        .where(PaperFeedback.user_id == user_id, PaperFeedback.paper_id == paper_id)
        .returning(PaperFeedback.paper_id)
    ).first()
    return FeedbackState(bare, None, changed=gone is not None)


def feedback_of(session: Session, user_id: int) -> dict[int, str]:
    """``paper_id -> kind`` of all the member's feedback (what the ranker reads)."""
    return dict(
        session.execute(
            select(PaperFeedback.paper_id, PaperFeedback.kind).where(
                PaperFeedback.user_id == user_id
            )
        ).all()
    )


def feedback_among(
    session: Session, user_id: int | None, arxiv_ids: Iterable[str]
) -> dict[str, str]:
    """``arxiv_id -> kind`` for those of ``arxiv_ids`` (bare ids: the cards of a page) the
    member gave feedback on."""
    ids = list(dict.fromkeys(arxiv_ids))
    if user_id is None or not ids:
        return {}
    found: dict[str, str] = {}
    for part in in_chunks(ids):
        found.update(
            session.execute(
                select(Paper.arxiv_id, PaperFeedback.kind)
                .join(PaperFeedback, PaperFeedback.paper_id == Paper.id)
                .where(
                    PaperFeedback.user_id == user_id,
                    Paper.arxiv_id.in_(part),
                )
            ).all()
        )
    return found
