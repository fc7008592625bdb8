"""Upvotes: one per member per paper, stored with its time; the shown count kept exact.

**Count.** ``papers.upvotes`` (what every page and the API show) is ``imported_upvotes`` (the
count an import source reported, see ingest/upsert.py) plus one per ``paper_votes`` row. A
vote is a *conditional* write of its row, ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` or
``DELETE ... RETURNING``, and only when a row really was inserted (deleted) does the same
transaction run ``UPDATE papers SET upvotes = upvotes + 1`` (``- 1``). Row and count commit
together or not at all, so the invariant holds after any crash.

**Concurrency.** PostgreSQL: the primary key (user, paper) makes a second concurrent insert of
the same vote wait for the first, then insert nothing, so it never adds to the count; the
``UPDATE`` locks the paper's row and computes ``upvotes + 1`` from its newest version, so
votes of different members queue and none is lost. SQLite: write transactions begin
IMMEDIATE (store/db.py) and run one at a time. Requests say which state they want (``up`` or
not), never "flip whatever it is", so a double-clicked form or a retried API call is a no-op.

**Deleted accounts.** :func:`forget_user_votes` (an ``ACCOUNT_DELETION_HOOKS`` entry) deletes
the member's vote rows and lowers each paper's count by one: a deleted account leaves no
personal data behind, and the invariant holds.

Every change appends to ``paper_changes``, which is what the response cache
(http/cache.py) compares against, so no cached page shows an old count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paperfeed.accounts.users import ACCOUNT_DELETION_HOOKS
from paperfeed.service.papers import visible_paper_id
from paperfeed.store.changes import record_changes
from paperfeed.store.chunks import in_chunks
from paperfeed.store.models import Paper, PaperVote


@dataclass(frozen=True)
class VoteState:
    """A paper's count and whether this member has upvoted it; ``changed``: this call did."""

    arxiv_id: str
    upvotes: int
    upvoted: bool
    changed: bool = False


def set_vote(
    session: Session, user_id: int, arxiv_id: str, *, up: bool, now: datetime
) -> VoteState:
    """Make the member's vote on the paper ``up`` (or not); idempotent. No commit."""
    paper_id, bare = visible_paper_id(session, arxiv_id)
    if up:
        insert_ = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
        stmt = (
            insert_(PaperVote)
            .values(user_id=user_id, paper_id=paper_id, created_at=now)
            .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
            .returning(PaperVote.paper_id)
        )
    else:
        stmt = (
            delete(PaperVote)
            .where(PaperVote.user_id == user_id, PaperVote.paper_id == paper_id)
            .returning(PaperVote.paper_id)
        )
    changed = session.execute(stmt).first() is not None
    if changed:
        upvotes = session.scalar(
            update(Paper)
            .where(Paper.id == paper_id)
            .values(upvotes=Paper.upvotes + (1 if up else -1))
            .returning(Paper.upvotes)
        )
        record_changes(session, [paper_id], now)
    else:
        upvotes = session.scalar(select(Paper.upvotes).where(Paper.id == paper_id))
    return VoteState(bare, int(upvotes or 0), up, changed)


def upvote(session: Session, user_id: int, arxiv_id: str, *, now: datetime) -> VoteState:
    return set_vote(session, user_id, arxiv_id, up=True, now=now)


def remove_upvote(session: Session, user_id: int, arxiv_id: str, *, now: datetime) -> VoteState:
    return set_vote(session, user_id, arxiv_id, up=False, now=now)


def vote_state(session: Session, user_id: int | None, arxiv_id: str) -> VoteState:
    """The paper's count and whether ``user_id`` (None: an anonymous reader) upvoted it."""
    paper_id, bare = visible_paper_id(session, arxiv_id)
    upvotes = session.scalar(select(Paper.upvotes).where(Paper.id == paper_id)) or 0
    upvoted = user_id is not None and (
        session.scalar(
            select(PaperVote.paper_id).where(
                PaperVote.user_id == user_id, PaperVote.paper_id == paper_id
            )
        )
        is not None
    )
    return VoteState(bare, int(upvotes), upvoted)


def upvoted_among(
    session: Session, user_id: int | None, arxiv_ids: Iterable[str]
) -> frozenset[str]:
    """Which of ``arxiv_ids`` (bare ids, e.g. the cards of a page) the member has upvoted."""
    ids = list(dict.fromkeys(arxiv_ids))
    if user_id is None or not ids:
        return frozenset()
    found: set[str] = set()
    for part in in_chunks(ids):
        found.update(
            session.scalars(
                select(Paper.arxiv_id)
                .join(PaperVote, PaperVote.paper_id == Paper.id)
                .where(PaperVote.user_id == user_id, Paper.arxiv_id.in_(part))
            )
        )
    return frozenset(found)


def forget_user_votes(session: Session, user_id: int) -> None:
    """Account deletion: remove the member's votes and lower those papers' counts.

    ``DELETE ... RETURNING`` names exactly the rows removed, so a vote committed concurrently
    is either deleted and decremented here or not touched at all.
    """
    paper_ids = list(
        session.scalars(
            delete(PaperVote).where(PaperVote.user_id == user_id).returning(PaperVote.paper_id)
        )
    )
    if not paper_ids:
        return
    now = datetime.now(UTC)  # the hook is called without a clock; only a change stamp
    for chunk in in_chunks(paper_ids):
        session.execute(update(Paper).where(Paper.id.in_(chunk)).values(upvotes=Paper.upvotes - 1))
    record_changes(session, paper_ids, now)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


if forget_user_votes not in ACCOUNT_DELETION_HOOKS:
    ACCOUNT_DELETION_HOOKS.append(forget_user_votes)
