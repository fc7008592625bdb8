"""The Following feed: the new papers of what a member follows, newest first, each with the
follows that brought it (docs/follows.md).

**Window.** Papers published (arXiv v1 time, UTC) on the last ``days`` days ending with the
day of ``now``; on an idle instance (no paper published in those days) the window ends with
the day of the newest paper published at or before ``now`` instead, and the page says so
(``idle``), as trending does. ``days`` is 1 to :data:`MAX_DAYS`.

**What a follow brings** (a paper can be brought by several follows; cards name them all,
in the order the member followed them):

- an author by name: papers listing that name (case-folded, spaces collapsed);
- a member: papers of their approved author claims, under whichever name;
- a category: papers in it, primary or cross-listed;
- a topic: the best :data:`TOPIC_DEPTH` results of its search (its words and mode, through
  :func:`paperfeed.service.search.search`) among the window's papers; search by meaning
  falls back to words as the search page does.

Hidden papers are never brought. The window's papers are read once (id, time, authors,
categories: ``ix_papers_published_at``) and matched here, so the cost is one range scan
plus one search per topic, whatever the number of author and category follows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput
from paperfeed.library.follows import AUTHOR, CATEGORY, TOPIC, FollowView, list_follows
from paperfeed.search.base import KeywordIndex, SearchFilters
from paperfeed.search.semantic import SemanticSearch
from paperfeed.service.authors import APPROVED, name_key
from paperfeed.service.search import Mode, search
from paperfeed.service.views import PaperView
from paperfeed.store.models import AuthorClaim, DailyEntry, Paper

MAX_DAYS = 90
MAX_LIMIT = 200
TOPIC_DEPTH = 50


@dataclass(frozen=True)
class FollowingItem:
    paper: PaperView
    because: list[str]  # labels of the follows that brought it, in the member's follow order
    paper_id: int = 0  # the internal id (digests record suggestions by it)


@dataclass(frozen=True)
class FollowingPage:
    items: list[FollowingItem]
    total: int  # papers brought in the window
    days: int = 7
    first_day: date | None = None  # the window, inclusive (None: no paper at all yet)
    last_day: date | None = None
    idle: bool = False  # the window ends with the newest paper's day, not today's
    follows: int = 0  # how many things the member follows


@dataclass(frozen=True)
class _Candidate:
    paper_id: int
    published_at: datetime


def following_feed(
    session: Session,
    backend: KeywordIndex | None,
    semantic: SemanticSearch | None = None,
    *,
    user_id: int,
    now: datetime,
    days: int = 7,
    limit: int = 20,
    offset: int = 0,
) -> FollowingPage:
    """Page ``offset``/``limit`` of the member's Following feed (see the module docstring).

    ``backend`` and ``semantic`` are the site's keyword index and search by meaning, for
    topic follows (``backend`` None: topics bring nothing, e.g. a caller without search).
    """
    _check(days, limit, offset)
    follows = list_follows(session, user_id)
    if not follows:
        return FollowingPage([], 0, days)
    window = _window(session, now, days)
    if window is None:
        return FollowingPage([], 0, days, follows=len(follows))
    first, last, idle = window
    brought = bring(session, backend, semantic, follows, first, last)
    order = sorted(brought, key=lambda c: (c.published_at, c.paper_id), reverse=True)
    page = order[offset : offset + limit]
    views = _views(session, [c.paper_id for c in page])
    items = [
        FollowingItem(views[c.paper_id], [f.label for f in brought[c]], c.paper_id)
        for c in page
        if c.paper_id in views
    ]
    return FollowingPage(items, len(order), days, first, last, idle, len(follows))


def bring(
    session: Session,
    backend: KeywordIndex | None,
    semantic: SemanticSearch | None,
    follows: list[FollowView],
    first: date,
    last: date,
) -> dict[_Candidate, list[FollowView]]:
    """Every paper of the days ``first``..``last`` some follow brings, with those follows."""
    found: dict[int, set[int]] = defaultdict(set)  # paper id -> indexes into follows
    by_name = defaultdict(list)
    by_category = defaultdict(list)
    members = defaultdict(list)
    for i, f in enumerate(follows):
        if f.is_member and f.author_user_id is not None:
            members[f.author_user_id].append(i)
        elif f.kind == AUTHOR:
            by_name[f.key].append(i)
        elif f.kind == CATEGORY:
            by_category[f.key].append(i)
    start, end = _bounds(first, last)
    times: dict[int, datetime] = {}
    if by_name or by_category:
        rows = session.execute(
            select(Paper.id, Paper.published_at, Paper.authors, Paper.categories).where(
                Paper.published_at >= start, Paper.published_at < end, Paper.hidden.is_(False)
            )
        )
        for paper_id, published_at, authors, categories in rows:
            times[paper_id] = published_at
            for name in authors or ():
                for i in by_name.get(name_key(name), ()):
                    found[paper_id].add(i)
            for code in categories or ():
                for i in by_category.get(code, ()):
                    found[paper_id].add(i)
    if members:
        _bring_members(session, members, start, end, found, times)
    if backend is not None:
        for i, f in enumerate(follows):
            if f.kind == TOPIC:
                _bring_topic(session, backend, semantic, f, i, first, last, found, times)
    return {
        _Candidate(paper_id, times[paper_id]): [follows[i] for i in sorted(indexes)]
        for paper_id, indexes in found.items()
        if paper_id in times
    }


def _bring_members(session, members, start, end, found, times) -> None:
    rows = session.execute(
        select(AuthorClaim.paper_id, Paper.published_at, AuthorClaim.user_id)
        .join(Paper, Paper.id == AuthorClaim.paper_id)
        .where(
            AuthorClaim.status == APPROVED,
            AuthorClaim.user_id.in_(list(members)),
            Paper.published_at >= start,
            Paper.published_at < end,
            Paper.hidden.is_(False),
        )
    )
    for paper_id, published_at, claimer in rows:
        times[paper_id] = published_at
        found[paper_id].update(members[claimer])


def _bring_topic(session, backend, semantic, f, index, first, last, found, times) -> None:
    results = search(
        session,
        backend,
        f.query or "",
        SearchFilters(date_from=first, date_to=last),
        limit=TOPIC_DEPTH,
        mode=Mode(f.mode or Mode.HYBRID.value),
        semantic=semantic,
    )
    arxiv_ids = [p.arxiv_id for p in results.papers]
    if not arxiv_ids:
        return
    start, end = _bounds(first, last)
    rows = session.execute(
        select(Paper.id, Paper.published_at).where(
            Paper.arxiv_id.in_(arxiv_ids), Paper.published_at >= start, Paper.published_at < end
        )
    )
    for paper_id, published_at in rows:
        times[paper_id] = published_at
        found[paper_id].add(index)


def _window(session: Session, now: datetime, days: int) -> tuple[date, date, bool] | None:
    """The first and last day of the window, and whether it was moved back (idle)."""
    first = now.date() - timedelta(days=days - 1)
    newest = session.scalar(
        select(Paper.published_at)
        .where(Paper.published_at <= now, Paper.hidden.is_(False))
        .order_by(Paper.published_at.desc())
        .limit(1)
    )
    if newest is None:
        return None
    if newest.date() >= first:
        return first, now.date(), False
    last = newest.date()
    return last - timedelta(days=days - 1), last, True


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return datetime.combine(first, time(), UTC), datetime.combine(
        last + timedelta(days=1), time(), UTC
    )


def _views(session: Session, paper_ids: list[int]) -> dict[int, PaperView]:
    if not paper_ids:
        return {}
    rows = session.execute(
        select(Paper, DailyEntry)
        .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(Paper.id.in_(paper_ids), Paper.hidden.is_(False))
    ).all()
    return {p.id: PaperView.from_row(p, e) for p, e in rows}


def _check(days: int, limit: int, offset: int) -> None:
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be a whole number from 1 to {MAX_DAYS}")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    if not isinstance(offset, int) or not 0 <= offset <= 10_000:
        raise InvalidInput("offset must be a whole number from 0 to 10000")
