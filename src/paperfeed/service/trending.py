"""Trending papers: load the recent votes and feed entries, rank them with the pure formula
in :mod:`paperfeed.rank.trending` (each vote decays by its own age; imported upvotes count
as cast when the paper was put on the feed).

What is loaded is bounded by the formula's horizon (ten half-lives; older votes weigh less
than 1/1000): the feed entries of that span and the papers voted on in it, and only the votes
cast in it (``ix_paper_votes_created_at``, ``ix_daily_entries_day``). With a period (the
trending papers of a past week), every entry of the period is a candidate, judged as of the
period's end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

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
