"""What a digest contains: the papers of its period.

- **No topic**: the period's top trending papers (:mod:`paperfeed.service.trending`, judged
  at the period's end). When the period has none because the instance has been idle for
  longer than the trending horizon (a demo, a mirror that stopped), the top trending papers
  as of its latest activity instead, and the email says "as of" that day.
- **A topic**: the best matches among the period's papers (on the feed in the period, or
  published on arXiv in it), through the search service: hybrid ranking when search by
  meaning is available, keyword otherwise. A paper counts as a match if it matches a word of
  the query, or (hybrid) if its embedding is at least ``min_similarity`` close to the
  query's: nearest neighbours always exist, so similarity alone must clear a bar, or a topic
  would never "match nothing". Categories restrict to papers in any of them; categories
  alone rank the period's papers in them by upvotes.

An empty list means no email: the outbox records the digest as skipped.
:class:`Selector` computes each (period, topic) once per run, however many subscribers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from paperfeed.digest.subscriptions import Topic
from paperfeed.search.base import KeywordIndex, SearchFilters
from paperfeed.search.semantic import SemanticSearch
from paperfeed.service.periods import Period
from paperfeed.service.search import run_request
from paperfeed.service.search_request import MAX_LIMIT, Mode, SearchRequest
from paperfeed.service.trending import AsOf, trending, trending_as_of
from paperfeed.service.views import PaperView
from paperfeed.store.models import DailyEntry, Paper

# Papers shown on the feed in a period may have been published on arXiv a while before.
PUBLISHED_LOOKBACK = timedelta(days=30)


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    return (
        datetime.combine(period.start, time(), tzinfo=UTC),
        datetime.combine(period.end, time(), tzinfo=UTC),
    )


@dataclass(frozen=True)
class Selection:
    """A digest's papers; ``idle_as_of`` is set when they are an idle instance's trending
    papers as of its latest activity, not the period's."""

    papers: list[PaperView]
    idle_as_of: AsOf | None = None


def trending_papers(
    session: Session, period: Period, *, limit: int, half_life: timedelta
) -> Selection:
    _start, end = period_bounds(period)
    as_of = trending_as_of(session, now=end, half_life=half_life, period=period)
    ranked, _total = trending(
        session, as_of=as_of.at, half_life=half_life, period=period, limit=limit
    )
    if ranked or not as_of.idle:
        return Selection([t.paper for t in ranked])
    # Nothing in the period because nothing happened lately: the trending page's list then.
    ranked, _total = trending(session, as_of=as_of.at, half_life=half_life, limit=limit)
    return Selection([t.paper for t in ranked], idle_as_of=as_of if ranked else None)


def period_papers(session: Session, period: Period) -> dict[str, PaperView]:
    """Every visible paper of the period: on the feed in it, or published on arXiv in it."""
    start, end = period_bounds(period)
    rows = session.execute(
        select(Paper, DailyEntry)
        .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(
            Paper.hidden.is_(False),
            or_(
                and_(DailyEntry.day >= period.start, DailyEntry.day < period.end),
                and_(Paper.published_at >= start, Paper.published_at < end),
            ),
        )
    )
    return {paper.arxiv_id: PaperView.from_row(paper, entry) for paper, entry in rows}


def topic_papers(
    session: Session,
    backend: KeywordIndex,
    semantic: SemanticSearch | None,
    period: Period,
    topic: Topic,
    *,
    limit: int,
    min_similarity: float,
    candidates: dict[str, PaperView] | None = None,
) -> list[PaperView]:
    """The best matches of ``topic`` among the period's papers, at most ``limit``."""
    if candidates is None:
        candidates = period_papers(session, period)
    if topic.categories:
        wanted = set(topic.categories)
        candidates = {a: p for a, p in candidates.items() if wanted & set(p.categories)}
    if not candidates:
        return []
    if not topic.query:
        ordered = sorted(
            candidates.values(),
            key=lambda p: (-p.upvotes, -(p.published_at or _EPOCH).timestamp(), p.arxiv_id),
        )
        return ordered[:limit]
    order = _matches(session, backend, semantic, period, topic.query, min_similarity)
    return [candidates[a] for a in order if a in candidates][:limit]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _matches(
    session: Session,
    backend: KeywordIndex,
    semantic: SemanticSearch | None,
    period: Period,
    query: str,
    min_similarity: float,
) -> list[str]:
    """arXiv ids matching ``query`` around the period, best first."""
    filters = SearchFilters(date_from=period.start - PUBLISHED_LOOKBACK, date_to=period.end)
    # The same checked request as every other surface's (service/search_request.py).
    asked = SearchRequest(query, Mode.KEYWORD, filters, limit=MAX_LIMIT)
    keyword = run_request(session, backend, asked, default_mode=Mode.KEYWORD)
    keyword_ids = [p.arxiv_id for p in keyword.papers]
    if semantic is None:
        return keyword_ids
    hybrid = run_request(
        session,
        backend,
        replace(asked, mode=Mode.HYBRID),
        default_mode=Mode.HYBRID,
        semantic=semantic,
    )
    if hybrid.mode is not Mode.HYBRID:  # search by meaning unavailable: keyword it is
        return keyword_ids
    nearest = semantic.index.search(session, semantic.query_vector(query), filters, MAX_LIMIT)
    allowed = set(keyword_ids) | {h.arxiv_id for h in nearest if h.score >= min_similarity}
    ranked = [p.arxiv_id for p in hybrid.papers if p.arxiv_id in allowed]
    seen = set(ranked)
    return ranked + [a for a in keyword_ids if a not in seen]


@dataclass
class Selector:
    """Digest contents for one run, computed once per (period, topic)."""

    backend: KeywordIndex
    semantic: SemanticSearch | None
    limit: int
    half_life: timedelta
    min_similarity: float
    _cache: dict[tuple, Selection] = field(default_factory=dict)
    _period_papers: dict[Period, dict[str, PaperView]] = field(default_factory=dict)

    def select(self, session: Session, period: Period, topic: Topic) -> Selection:
        key = (period, topic.query.casefold(), topic.categories)
        if key not in self._cache:
            if topic.empty:
                found = trending_papers(session, period, limit=self.limit, half_life=self.half_life)
            else:
                if period not in self._period_papers:
                    self._period_papers[period] = period_papers(session, period)
                found = Selection(
                    topic_papers(
                        session,
                        self.backend,
                        self.semantic,
                        period,
                        topic,
                        limit=self.limit,
                        min_similarity=self.min_similarity,
                        candidates=self._period_papers[period],
                    )
                )
            self._cache[key] = found
        return self._cache[key]
