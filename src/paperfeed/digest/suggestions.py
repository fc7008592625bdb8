"""What a personal digest suggests, and the record that makes "at most once" hold.

- **Fresh contents**: the member's For you list (:func:`paperfeed.recommend.for_you.for_you`,
  with their stored mix and "hide papers I have seen", over the period's days: 1 for a daily
  digest, 7 for a weekly one, as of the period's end) or their Following feed
  (:func:`paperfeed.recommend.following.following_feed`, papers published on arXiv on the
  period's days), best first, without the papers any earlier digest of theirs suggested; at
  most ``limit``. Both rankers judge an idle instance as of its latest activity, as the
  pages do; the record below keeps a quiet week from repeating the last busy one.
- **Fixing them**: :func:`fix` writes one ``digest_suggestions`` row per paper (its place and
  its reason) with the outbox row's id, in the transaction that decides the digest's contents,
  with ``ON CONFLICT DO NOTHING`` on (member, paper): when two digests of one member are
  fixed at once (the daily and the weekly job), each paper goes to the one that wrote it
  first, and only the rows this transaction wrote are its contents.
- **A resend** (after a crash or a transient SMTP failure) reads the fixed rows back
  (:func:`fixed`): the same papers in the same order with the same reasons.
- **Released** (:func:`release`) when the digest is not sent after all (unsubscribed since
  the plan, refused for good by the server): those papers may be suggested again later.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paperfeed.digest.personal import PersonalKind
from paperfeed.digest.selection import period_bounds
from paperfeed.library.prefs import get_prefs
from paperfeed.recommend.following import following_feed
from paperfeed.recommend.for_you import for_you
from paperfeed.search.base import KeywordIndex, VectorIndex
from paperfeed.search.semantic import SemanticSearch
from paperfeed.service.periods import Period
from paperfeed.service.views import PaperView
from paperfeed.store.digest_models import DigestSuggestion
from paperfeed.store.models import DailyEntry, Paper

# Candidates per call of a ranker: first twice what the email needs (cards cost a query
# each page), then its most; each call ranks the whole window again, so a few calls at most.
PAGE = 100
MAX_PAGES = 4
REASON_CHARS = 200


@dataclass(frozen=True)
class Suggested:
    paper: PaperView
    reason: str  # "Because you follow cs.CL", "Close to “<title>”, which you saved"


@dataclass
class Sources:
    """What the rankers need, opened once per run by the runner."""

    backend: KeywordIndex
    semantic: SemanticSearch | None
    half_life: timedelta

    @property
    def vectors(self) -> VectorIndex | None:
        return self.semantic.index if self.semantic is not None else None

    def ranked(
        self, session: Session, kind: PersonalKind, user_id: int, period: Period, first: int
    ) -> Iterator[Suggested]:
        """The member's list for the period, best first, page by page."""
        _start, end = period_bounds(period)
        days = max(1, (period.end - period.start).days)
        prefs = get_prefs(session, user_id) if kind == "for-you" else None
        offset, size = 0, min(PAGE, first)
        for _page in range(MAX_PAGES):
            if prefs is not None:
                found = for_you(
                    session,
                    self.vectors,
                    user_id=user_id,
                    now=end,
                    days=days,
                    mix=prefs.mix,
                    hide_seen=prefs.hide_seen,
                    limit=size,
                    offset=offset,
                    half_life=self.half_life,
                )
                items = [Suggested(i.paper, i.reason.text if i.reason else "") for i in found.items]
            else:
                found = following_feed(
                    session,
                    self.backend,
                    self.semantic,
                    user_id=user_id,
                    now=end - timedelta(microseconds=1),  # its window ends with now's day
                    days=days,
                    limit=size,
                    offset=offset,
                )
                items = [Suggested(i.paper, _because(i.because)) for i in found.items]
            yield from items
            offset += size
            if len(items) < size or offset >= found.total:
                return
            size = PAGE

    def fresh(
        self, session: Session, kind: PersonalKind, user_id: int, period: Period, *, limit: int
    ) -> list[Suggested]:
        """At most ``limit`` papers of the list that no digest suggested to the member."""
        done = set(
            session.scalars(
                select(Paper.arxiv_id)
                .join(DigestSuggestion, DigestSuggestion.paper_id == Paper.id)
                .where(DigestSuggestion.user_id == user_id)
            )
        )
        chosen: list[Suggested] = []
        for item in self.ranked(session, kind, user_id, period, first=2 * limit):
            if item.paper.arxiv_id not in done:
                done.add(item.paper.arxiv_id)
                chosen.append(item)
                if len(chosen) >= limit:
                    break
        return chosen


def _because(follows: list[str]) -> str:
    """The For you cards' words for a follow (recommend/for_you.py Reason.text), for all
    the follows that brought the paper."""
    return ("Because you follow " + ", ".join(follows)) if follows else ""


def _insert(session: Session):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(DigestSuggestion)


def fix(
    session: Session, outbox_id: int, user_id: int, chosen: list[Suggested], *, now: datetime
) -> list[Suggested]:
    """Record ``chosen`` as the contents of the outbox row ``outbox_id``; the ones recorded
    (a paper another digest of the member recorded meanwhile is left out)."""
    if not chosen:
        return []
    ids = dict(
        session.execute(
            select(Paper.arxiv_id, Paper.id).where(
                Paper.arxiv_id.in_([c.paper.arxiv_id for c in chosen])
            )
        ).all()
    )
    rows = [
        {
            "user_id": user_id,
            "paper_id": ids[c.paper.arxiv_id],
            "outbox_id": outbox_id,
            "position": n,
            "reason": c.reason[:REASON_CHARS],
            "suggested_at": now,
        }
        for n, c in enumerate(chosen)
        if c.paper.arxiv_id in ids
    ]
    statement = (
        _insert(session)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
        .returning(DigestSuggestion.paper_id)
    )
    written = set(session.scalars(statement))
    return [c for c in chosen if ids.get(c.paper.arxiv_id) in written]


def fixed(session: Session, outbox_id: int) -> list[Suggested]:
    """The contents fixed for ``outbox_id`` earlier, in their order (papers hidden since by
    a moderator are left out)."""
    rows = session.execute(
        select(Paper, DailyEntry, DigestSuggestion.reason)
        .join(DigestSuggestion, DigestSuggestion.paper_id == Paper.id)
        .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(DigestSuggestion.outbox_id == outbox_id, Paper.hidden.is_(False))
        .order_by(DigestSuggestion.position)
    ).all()
    return [Suggested(PaperView.from_row(paper, entry), reason) for paper, entry, reason in rows]


def has_fixed(session: Session, outbox_id: int) -> bool:
    found = session.scalar(
        select(DigestSuggestion.paper_id).where(DigestSuggestion.outbox_id == outbox_id).limit(1)
    )
    return found is not None


def release(connection, outbox_id: int) -> None:
    """Forget what ``outbox_id`` suggested (it was not sent): on a session or a connection."""
    connection.execute(delete(DigestSuggestion).where(DigestSuggestion.outbox_id == outbox_id))
