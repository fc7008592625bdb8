"""Trending papers: load the recent votes and feed entries, rank them with the pure formula
in :mod:`paperfeed.rank.trending` (each vote decays by its own age; imported upvotes count
as cast when the paper was put on the feed).

What is loaded is bounded by the formula's horizon (ten half-lives; older votes weigh less
than 1/1000): the feed entries of that span and the papers voted on in it, and only the votes
cast in it (``ix_paper_votes_created_at``, ``ix_daily_entries_day_submitted_at``). With a
period (the trending papers of a past week), every entry of the period is a candidate, judged
as of the period's end.

**Idle instances.** When nothing happened for longer than that horizon (a demo of 2024 papers,
a mirror that stopped), trending as of now would be empty. :func:`trending_as_of` is the one
place that decides when trending is judged: now, or else the *latest activity*, the newer of
the newest member vote and the newest posting on the feed (imported upvotes have no times and
count as cast at their paper's posting, so that is their activity too). Every surface (the
page, the feeds, the API, the digests) asks it and says "as of" when it answers ``idle``.
Judging at the latest activity ranks exactly as judging at any later time would without the
horizon (every weight scales by the same factor), so nothing is invented, only shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from paperfeed.rank.trending import DEFAULT_HALF_LIFE, Candidate, horizon, rank_trending
from paperfeed.service.periods import Period
from paperfeed.service.views import PaperView
from paperfeed.store.models import DailyEntry, Paper, PaperVote


@dataclass(frozen=True)
class TrendingPaper:
    paper: PaperView
    score: float


@dataclass(frozen=True)
class AsOf:
    """When trending is judged: ``at``; ``idle`` when that is the latest activity because
    nothing happened within the horizon before the time asked for."""

    at: datetime
    idle: bool = False

    @property
    def label(self) -> str:
        """ "Nov 8, 2024": what the surfaces show after "as of"."""
        return f"{self.at:%b} {self.at.day}, {self.at.year}"


def latest_activity(session: Session, until: datetime) -> datetime | None:
    """The newest vote cast on, or posting on the feed of, a visible feed paper, at or
    before ``until``; None when there is neither. One statement of two index walks
    (``created_at``; ``day, submitted_at``) that each stop at the first visible row: every
    trending surface asks this on every request."""
    voted = (
        select(PaperVote.created_at)
        .join(Paper, Paper.id == PaperVote.paper_id)
        .join(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(Paper.hidden.is_(False), PaperVote.created_at <= until)
        .order_by(PaperVote.created_at.desc())
        .limit(1)
    )
    posted = (
        select(DailyEntry.submitted_at)
        .join(Paper, Paper.id == DailyEntry.paper_id)
        .where(
            Paper.hidden.is_(False),
            DailyEntry.day <= until.date(),
            DailyEntry.submitted_at <= until,
        )
        .order_by(DailyEntry.day.desc(), DailyEntry.submitted_at.desc())
        .limit(1)
    )
    both = session.execute(select(voted.scalar_subquery(), posted.scalar_subquery())).one()
    return max((t for t in both if t is not None), default=None)


def trending_as_of(
    session: Session,
    *,
    now: datetime,
    half_life: timedelta = DEFAULT_HALF_LIFE,
    period: Period | None = None,
) -> AsOf:
    """When to judge trending asked at ``now`` (for ``period``: at its end, if that is
    earlier): then, unless the instance has been idle for longer than the horizon before it,
    in which case at its latest activity."""
    end = now if period is None else min(now, datetime.combine(period.end, time(), UTC))
    latest = latest_activity(session, end)
    if latest is not None and end - latest > horizon(half_life):
        return AsOf(latest, idle=True)
    return AsOf(end)


def trending(
    session: Session,
    *,
    as_of: datetime,
    half_life: timedelta = DEFAULT_HALF_LIFE,
    period: Period | None = None,
    submitter: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[TrendingPaper], int]:
    """Feed papers by trending score at ``as_of``, best first, paged; and how many ranked."""
    since = as_of - horizon(half_life)
    recent_votes = select(PaperVote.paper_id).where(
        PaperVote.created_at >= since, PaperVote.created_at <= as_of
    )
    query = (
        select(Paper, DailyEntry)
        .join(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(Paper.hidden.is_(False))
    )
    if period is not None:
        query = query.where(DailyEntry.day >= period.start, DailyEntry.day < period.end)
    else:
        query = query.where(
            or_(DailyEntry.day >= since.date(), Paper.id.in_(recent_votes.distinct()))
        )
    if submitter:
        query = query.where(DailyEntry.submitted_by == submitter)
    # A fixed order in, so equal scores come out the same on every database.
    rows = session.execute(query.order_by(DailyEntry.submitted_at.desc(), Paper.id.desc())).all()
    if not rows:
        return [], 0

    times: dict[int, list[datetime]] = defaultdict(list)
    ids = [paper.id for paper, _entry in rows]
    for start in range(0, len(ids), 500):
        for paper_id, cast_at in session.execute(
            select(PaperVote.paper_id, PaperVote.created_at).where(
                PaperVote.created_at >= since,
                PaperVote.created_at <= as_of,
                PaperVote.paper_id.in_(ids[start : start + 500]),
            )
        ):
            times[paper_id].append(cast_at)

    ranked = rank_trending(
        (
            Candidate(
                key=(paper, entry),
                posted_at=entry.submitted_at,
                imported_upvotes=paper.imported_upvotes,
                vote_times=tuple(times.get(paper.id, ())),
            )
            for paper, entry in rows
        ),
        now=as_of,
        half_life=half_life,
    )
    page = ranked[offset : offset + limit]
    return [TrendingPaper(PaperView.from_row(p, e), score) for (p, e), score in page], len(ranked)
