"""What a member with nothing yet (no library, upvotes, follows or feedback) is offered on
``/for-you/start``: the arXiv categories most papers came in lately, to follow, and a handful
of trending papers, to save. Until they pick something, for-you shows trending
(:mod:`paperfeed.recommend.for_you` answers ``cold_start``).

"Lately" is the 30 days before the newest paper's publication, not before the clock, so an
idle instance (a demo of old papers) still offers its own categories. One grouped count over
the ``published_at`` index; the papers are the trending page's first ones, or the newest
papers where nothing trends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paperfeed.service.trending import trending, trending_as_of
from paperfeed.service.views import PaperView
from paperfeed.store.models import DailyEntry, Paper

CATEGORY_SPAN = timedelta(days=30)
CATEGORIES_OFFERED = 12
PAPERS_OFFERED = 8


@dataclass(frozen=True)
class CategoryChoice:
    code: str  # "cs.CL"
    papers: int  # how many papers came in it lately


@dataclass(frozen=True)
class ColdStartOffer:
    categories: list[CategoryChoice]
    papers: list[PaperView]


def popular_categories(
    session: Session, *, limit: int = CATEGORIES_OFFERED
) -> list[CategoryChoice]:
    """Primary categories by number of visible papers in the 30 days before the newest."""
    newest = session.scalar(select(func.max(Paper.published_at)).where(Paper.hidden.is_(False)))
    if newest is None:
        return []
    count = func.count().label("n")
    rows = session.execute(
        select(Paper.primary_category, count)
        .where(
            Paper.published_at >= newest - CATEGORY_SPAN,
            Paper.hidden.is_(False),
            Paper.primary_category.is_not(None),
        )
        .group_by(Paper.primary_category)
        .order_by(count.desc(), Paper.primary_category)
        .limit(limit)
    ).all()
    return [CategoryChoice(code, n) for code, n in rows]


def starter_papers(
    session: Session, *, now: datetime, half_life: timedelta, limit: int = PAPERS_OFFERED
) -> list[PaperView]:
    """The first trending papers; the newest feed papers when nothing trends."""
    as_of = trending_as_of(session, now=now, half_life=half_life)
    ranked, _total = trending(session, as_of=as_of.at, half_life=half_life, limit=limit)
    if ranked:
        return [t.paper for t in ranked]
    rows = session.execute(
        select(Paper, DailyEntry)
        .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(Paper.hidden.is_(False))
        .order_by(Paper.published_at.desc(), Paper.id.desc())
        .limit(limit)
    ).all()
    return [PaperView.from_row(paper, entry) for paper, entry in rows]


def cold_start_offer(session: Session, *, now: datetime, half_life: timedelta) -> ColdStartOffer:
    return ColdStartOffer(
        categories=popular_categories(session),
        papers=starter_papers(session, now=now, half_life=half_life),
    )
