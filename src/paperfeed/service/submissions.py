"""Submit a paper to today's feed by arXiv id or URL, with Hugging Face's rules.

1. The id is checked (any form :func:`~paperfeed.arxiv_ids.match_arxiv_id` accepts).
2. A paper already in the feed, on any day, is not added again: the caller is told where it
   is (``Submitted.created`` is False). This is checked before anything else costs time.
3. A member may submit :attr:`Rules.daily_cap` papers per UTC day (admins: any number).
4. The metadata comes from the arXiv API (:mod:`paperfeed.ingest.arxiv_api`), unless the
   paper is already in the store (e.g. harvested, but never put on the feed).
5. A member may submit only papers published (arXiv v1) within :attr:`Rules.max_age`;
   admins may submit older ones.
6. One transaction writes the paper, its daily entry (today, "submitted by" the user) and
   the change-sequence row; the network call happens before it, outside any transaction,
   so a failing arXiv leaves nothing written.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.accounts.users import ACCOUNT_DELETION_HOOKS, Account
from paperfeed.arxiv_ids import parse_arxiv_id
from paperfeed.errors import Forbidden, InvalidInput, NotFound, RateLimited
from paperfeed.ingest.arxiv_api import fetch_by_ids
from paperfeed.ingest.http import Fetcher
from paperfeed.ingest.records import PaperRecord
from paperfeed.ingest.upsert import upsert_records
from paperfeed.service.papers import get_paper
from paperfeed.service.views import PaperView
from paperfeed.settings import Settings
from paperfeed.store.changes import record_changes
from paperfeed.store.db import session_scope
from paperfeed.store.models import DailyEntry, Paper

SOURCE = "submission"
MAX_INPUT = 300  # characters of the id or URL typed
MAX_WAIT = 2.0  # seconds a web request may wait between two tries at arXiv

# Looks a paper up at arXiv by bare id: its record, or None if arXiv does not know it.
# Raises SourceUnavailable when arXiv cannot be reached.
ArxivLookup = Callable[[str], PaperRecord | None]


@dataclass(frozen=True)
class Rules:
    max_age: timedelta
    daily_cap: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        return cls(
            max_age=timedelta(days=settings.submission_max_age_days),
            daily_cap=settings.submission_daily_cap,
        )


@dataclass(frozen=True)
class Submitted:
    paper: PaperView
    created: bool  # False: it was already in the feed, nothing was written

    @property
    def url(self) -> str:
        return f"/papers/{self.paper.arxiv_id}"


def arxiv_lookup(settings: Settings) -> ArxivLookup:
    """Fetch one paper from the configured arXiv API, with few, short retries (a person is
    waiting for the answer)."""

    def lookup(arxiv_id: str) -> PaperRecord | None:
        with Fetcher(
            timeout=settings.http_timeout,
            retries=min(settings.http_retries, 1),
            delay=0,
            backoff=0.5,
            user_agent=settings.user_agent,
            sleep=lambda seconds: time.sleep(min(seconds, MAX_WAIT)),
        ) as fetcher:
            for batch in fetch_by_ids(fetcher, settings.arxiv_api_url, [arxiv_id]):
                for item in batch:
                    if isinstance(item, PaperRecord) and item.arxiv_id == arxiv_id:
                        return item
        return None

    return lookup


def parse_submission(text: object) -> str:
    """The bare arXiv id of what was typed; InvalidInput with an example otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(
            "Give an arXiv id or URL, e.g. 2406.12345 or https://arxiv.org/abs/2406.12345"
        )
    if len(text) > MAX_INPUT:
        raise InvalidInput(f"That is {len(text):,} characters long; an arXiv id or URL is shorter.")
    bare, _version = parse_arxiv_id(text)
    return bare


def submit_paper(
    sessions: sessionmaker[Session],
    lookup: ArxivLookup,
    text: object,
    account: Account,
    *,
    rules: Rules,
    now: datetime,
) -> Submitted:
    """Put the paper named by ``text`` on today's feed for ``account`` (rules above)."""
    arxiv_id = parse_submission(text)
    with session_scope(sessions, write=False) as session:
        found = _in_feed(session, arxiv_id)
        if found is not None:
            return found
        _check_cap(session, account, rules, now)
        stored = session.scalar(select(Paper).where(Paper.arxiv_id == arxiv_id))
        if stored is not None and stored.hidden:
            raise Forbidden("This paper was removed by the moderators; it cannot be submitted.")
        published = stored.published_at if stored is not None else None
    record = None
    if stored is None:
        record = lookup(arxiv_id)
        if record is None:
            raise NotFound(f"arXiv has no paper {arxiv_id}; check the id.")
        published = record.published_at
    _check_age(published, account, rules, now)

    try:
        return _write(sessions, arxiv_id, record, account, rules=rules, now=now)
    except (IntegrityError, _Lost):  # a concurrent submission of the same paper won
        with session_scope(sessions, write=False) as session:
            found = _in_feed(session, arxiv_id)
        if found is None:
            raise
        return found


class _Lost(InvalidInput):
    pass


def _write(
    sessions: sessionmaker[Session],
    arxiv_id: str,
    record: PaperRecord | None,
    account: Account,
    *,
    rules: Rules,
    now: datetime,
) -> Submitted:
    with session_scope(sessions) as session:
        found = _in_feed(session, arxiv_id)  # someone else was quicker
        if found is not None:
            return found
        _check_cap(session, account, rules, now)
        if record is not None:
            # The paper's metadata only: the entry is inserted below, where the unique key on
            # daily_entries.paper_id picks one winner among concurrent submissions (an upsert
            # with a feed day would merge into an entry a concurrent submission just committed).
            record = dataclasses.replace(record, feed_day=None)
            report = upsert_records(session, [record], source=SOURCE, now=now)
            if report.failed:
                raise _Lost(
                    f"arXiv's record of {arxiv_id} could not be stored: {report.failed[0].reason}"
                )
        paper_id = session.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))
        session.execute(
            insert(DailyEntry).values(
                paper_id=paper_id,
                day=now.date(),
                submitted_at=now,
                submitted_by=account.username,
                submitted_by_user_id=account.id,
                source=SOURCE,
            )
        )
        record_changes(session, [paper_id], now)
        session.flush()
        return Submitted(get_paper(session, arxiv_id), created=True)


def _in_feed(session: Session, arxiv_id: str) -> Submitted | None:
    on_feed = session.scalar(
        select(Paper.id)
        .join(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(Paper.arxiv_id == arxiv_id)
    )
    if on_feed is None:
        return None
    try:
        return Submitted(get_paper(session, arxiv_id), created=False)
    except NotFound:
        raise Forbidden(
            "This paper was removed by the moderators; it cannot be submitted."
        ) from None


def _check_cap(session: Session, account: Account, rules: Rules, now: datetime) -> None:
    if account.is_admin:
        return
    start = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
    done = session.scalar(
        select(func.count())
        .select_from(DailyEntry)
        .where(DailyEntry.submitted_by_user_id == account.id, DailyEntry.submitted_at >= start)
    )
    if (done or 0) >= rules.daily_cap:
        retry = int((start + timedelta(days=1) - now).total_seconds()) + 1
        raise RateLimited(
            f"You have submitted {rules.daily_cap} papers today, the daily limit; "
            "submit more tomorrow (UTC).",
            retry,
        )


def _check_age(published: datetime | None, account: Account, rules: Rules, now: datetime) -> None:
    if account.is_admin or published is None:
        return
    if now - published > rules.max_age:
        days = rules.max_age.days
        raise InvalidInput(
            f"This paper was published on arXiv on {published:%Y-%m-%d}, more than {days} "
            f"days ago; only papers from the last {days} days can be submitted."
        )


def forget_submitter(session: Session, user_id: int) -> None:
    """ACCOUNT_DELETION_HOOKS entry: the papers stay on the feed (they are arXiv's, not the
    user's), without the name of the deleted account."""
    session.execute(
        update(DailyEntry)
        .where(DailyEntry.submitted_by_user_id == user_id)
        .values(submitted_by=None, submitted_by_user_id=None)
    )


if forget_submitter not in ACCOUNT_DELETION_HOOKS:
    ACCOUNT_DELETION_HOOKS.append(forget_submitter)
