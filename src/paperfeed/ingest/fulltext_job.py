"""The full-text job: fetch arXiv's HTML of the papers that have no full text yet, one request
at a time, within a daily budget, and store each as compressed Markdown with its passages.

Resumable by construction: each paper is stored in its own transaction (its state row and its
passages together), and what to fetch next is computed from those rows, so a run that stops
(a crash, SIGTERM, the budget) is continued by the next one without fetching or writing a
paper twice. A page that cannot be read (huge, truncated, not LaTeXML) is a recorded failure
with a backoff, and the job goes on; arXiv's "no HTML" answer is recorded as ``none`` and
asked again only after :data:`RETRY_NONE`. Network failures count too, and three in a row end
the run (arXiv is down: the next run tries again). docs/fulltext.md.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.errors import SourceUnavailable
from paperfeed.ingest.arxiv_html import FullText, NoHtml, PageRejected, fetch_page, parse_page
from paperfeed.ingest.http import Fetcher
from paperfeed.settings import Settings
from paperfeed.store.db import session_scope
from paperfeed.store.fulltext_models import FulltextPassage, PaperFulltext
from paperfeed.store.models import DailyEntry, Paper

logger = logging.getLogger(__name__)

RETRY_NONE = timedelta(days=30)  # arXiv may convert a paper later, rarely
FIRST_BACKOFF = timedelta(hours=1)  # a failure: 1 h, 4 h, 16 h, ... up to MAX_BACKOFF
MAX_BACKOFF = timedelta(days=7)
MAX_NETWORK_FAILURES = 3  # in a row: stop the run
COMPRESSION_LEVEL = 6


@dataclass
class FulltextReport:
    fetched: int = 0
    none: int = 0
    failed: int = 0
    budget_left: int = 0
    stopped: str | None = None  # why the run ended before its list did
    failures: list[dict] = field(default_factory=list)  # [{"arxiv_id", "reason"}]

    def summary(self) -> str:
        text = (
            f"full text: {self.fetched} fetched, {self.none} without HTML, {self.failed} failed;"
            f" {self.budget_left} requests left today"
        )
        return text + (f" ({self.stopped})" if self.stopped else "")

    def as_dict(self) -> dict:
        return {
            "fetched": self.fetched,
            "none": self.none,
            "failed": self.failed,
            "budget_left": self.budget_left,
            "stopped": self.stopped,
            "failures": self.failures,
        }


def run_fulltext(
    settings: Settings,
    sessions: sessionmaker,
    fetcher: Fetcher,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    should_stop: Callable[[], bool] = lambda: False,
    limit: int | None = None,
) -> FulltextReport:
    """Fetch and store full text for the papers due (see the module docstring)."""
    report = FulltextReport()
    network_failures = 0
    while True:
        with sessions() as session:
            report.budget_left = _budget_left(session, settings, now())
            if report.budget_left <= 0:
                report.stopped = "daily budget spent"
                return report
            due = due_papers(session, settings.fulltext_scope, now(), 1)
        if not due or (limit is not None and report.fetched + report.none + report.failed >= limit):
            return report
        if should_stop():
            report.stopped = "stopped"
            return report
        paper_id, arxiv_id, version = due[0]
        outcome = _fetch_one(settings, fetcher, arxiv_id, version)
        with session_scope(sessions) as session:
            _store(session, paper_id, version, outcome, now())
        if isinstance(outcome, FullText):
            report.fetched += 1
        elif isinstance(outcome, NoHtml):
            report.none += 1
        else:
            report.failed += 1
            report.failures.append({"arxiv_id": arxiv_id, "reason": outcome.reason})
        network_failures = network_failures + 1 if _is_network(outcome) else 0
        report.budget_left -= 1
        if network_failures >= MAX_NETWORK_FAILURES:
            report.stopped = f"arXiv unreachable: {outcome.reason}"
            return report


@dataclass(frozen=True)
class Failed:
    reason: str
    network: bool = False


def _is_network(outcome) -> bool:
    return isinstance(outcome, Failed) and outcome.network


def _fetch_one(settings: Settings, fetcher: Fetcher, arxiv_id: str, version: int | None):
    try:
        body = fetch_page(fetcher, settings.arxiv_html_url, arxiv_id, version)
    except SourceUnavailable as exc:
        return Failed(exc.message[:500], network=True)
    if body is None:
        return NoHtml("arXiv answered 404")
    try:
        return parse_page(body, max_bytes=settings.fulltext_max_bytes)
    except PageRejected as exc:
        return Failed(str(exc)[:500])
    except Exception as exc:  # noqa: BLE001 - any page that breaks the converter is bad input
        logger.exception("converting the HTML of %s failed", arxiv_id)
        return Failed(f"conversion failed: {type(exc).__name__}: {exc}"[:500])


def due_papers(
    session: Session, scope: str, now: datetime, limit: int
) -> list[tuple[int, str, int | None]]:
    """(paper id, arXiv id, version) of visible papers whose full text is due: never tried,
    past their next try, or fetched at an older version; newest first."""
    due = or_(
        PaperFulltext.paper_id.is_(None),
        PaperFulltext.next_try_at <= now,
        and_(
            PaperFulltext.status == "ok",
            PaperFulltext.version < Paper.version,
            PaperFulltext.next_try_at.is_(None),
        ),
    )
    query = (
        select(Paper.id, Paper.arxiv_id, Paper.version)
        .outerjoin(PaperFulltext, PaperFulltext.paper_id == Paper.id)
        .where(Paper.hidden.is_(False), due)
    )
    if scope == "feed":
        query = query.join(DailyEntry, DailyEntry.paper_id == Paper.id).order_by(
            DailyEntry.day.desc(), Paper.id.desc()
        )
    else:
        query = query.order_by(Paper.published_at.desc(), Paper.id.desc())
    return [tuple(row) for row in session.execute(query.limit(limit))]


def _budget_left(session: Session, settings: Settings, now: datetime) -> int:
    """Requests left today: the budget less the papers tried since 00:00 UTC."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    used = session.scalar(
        select(func.count()).select_from(PaperFulltext).where(PaperFulltext.fetched_at >= midnight)
    )
    return settings.fulltext_daily_budget - (used or 0)


def _store(session: Session, paper_id: int, version: int | None, outcome, now: datetime) -> None:
    """One paper's outcome: its state row and passages, replacing what was there (a failed
    refetch of a newer version keeps the older version's text)."""
    seq = (session.scalar(select(func.max(PaperFulltext.seq))) or 0) + 1
    row = session.get(PaperFulltext, paper_id)
    if row is None:
        row = PaperFulltext(paper_id=paper_id, attempts=0, chars=0, status="failed")
        session.add(row)
    row.fetched_at, row.seq = now, seq
    if isinstance(outcome, Failed):
        row.attempts, row.error = (row.attempts or 0) + 1, outcome.reason
        row.next_try_at = now + min(FIRST_BACKOFF * 4 ** (row.attempts - 1), MAX_BACKOFF)
        if row.status != "ok":
            row.status, row.version = "failed", version
        return
    session.execute(delete(FulltextPassage).where(FulltextPassage.paper_id == paper_id))
    row.version, row.attempts = version, 0
    if isinstance(outcome, NoHtml):
        row.status, row.error, row.markdown_z, row.chars = "none", outcome.reason, None, 0
        row.next_try_at = now + RETRY_NONE
        return
    row.status, row.error, row.next_try_at = "ok", None, None
    row.markdown_z = zlib.compress(outcome.markdown.encode("utf-8"), COMPRESSION_LEVEL)
    row.chars = len(outcome.markdown)
    session.flush()
    rows = [
        {"paper_id": paper_id, "ord": i, "section": p.section, "text": p.text}
        for i, p in enumerate(outcome.passages)
    ]
    if rows:
        session.execute(insert(FulltextPassage), rows)
