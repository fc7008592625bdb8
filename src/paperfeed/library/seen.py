"""Papers a member has seen, for the for-you option "hide papers I have seen".

A paper counts as seen when the member opens its page (``web/seen_recording.py``) or gets it
in a personal digest. Recording happens on a page view, so it must cost almost nothing: a
read first (one primary-key lookup, no write lock) and a write only the first time, as
``INSERT ... ON CONFLICT DO NOTHING``, so two tabs opening the same paper at once store one
row and neither fails. Rows go with the account (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paperfeed.store.library_models import PaperSeen
from paperfeed.store.models import Paper


def has_seen(session: Session, user_id: int, paper_id: int) -> bool:
    return session.get(PaperSeen, (user_id, paper_id)) is not None


def unseen_paper_id(conn: Connection, user_id: int, arxiv_id: str) -> int | None:
    """The internal id of the visible paper ``arxiv_id`` if the member has not seen it yet,
    else None: a visible-paper lookup and :func:`has_seen` in one Core read (member pages
    ask it on every paper view, web/member_pages.py)."""
    row = conn.execute(
        select(Paper.id, PaperSeen.user_id)
        .outerjoin(PaperSeen, (PaperSeen.paper_id == Paper.id) & (PaperSeen.user_id == user_id))
        .where(Paper.arxiv_id == arxiv_id, Paper.hidden.is_(False))
    ).first()
    return row[0] if row is not None and row[1] is None else None


def mark_seen(session: Session, user_id: int, paper_ids: Iterable[int], *, now: datetime) -> int:
    """Record that the member saw ``paper_ids``; the ones seen before keep their first time.
    Returns how many rows were new. No commit."""
    rows = [
        {"user_id": user_id, "paper_id": pid, "seen_at": now} for pid in dict.fromkeys(paper_ids)
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert_(PaperSeen)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
        .returning(PaperSeen.paper_id)
    )
    return len(session.execute(stmt).all())
