"""Sending the digests of a period through an outbox, so a run can stop anywhere and the
next one neither sends a digest twice nor misses one.

1. **Plan**: one committed ``digest_outbox`` row, ``pending``, per confirmed subscription of
   the cadence (``INSERT ... ON CONFLICT DO NOTHING`` on (subscription, period): planning
   again adds only new subscribers).
2. **Send**: pending rows in id order. Each is rendered and sent, then marked ``sent`` in its
   own commit right after the server's 250. A topic with no matching paper is marked
   ``skipped`` without any email. A permanent refusal (5xx) marks the row ``failed`` and
   counts against the address; after ``digest_failures_before_failing`` in a row the
   subscription becomes ``failing`` and gets no more digests until an admin reactivates it.
3. **Transient failures** (4xx, a dropped connection, a timeout) are retried with
   exponential backoff on a new connection; if the server stays unavailable the run stops and
   the rest stays pending for the next run.

A crash leaves every unsent row pending, so the next run sends exactly those. The one
window left is between the server accepting a message and the commit that marks it (a few
milliseconds): a crash there sends that one digest again, with the same ``Message-ID``
(derived from the row), which receiving systems use to drop the duplicate.

**Personal digests** (a member's For you or Following list, digest/personal.py) go through
the same rows; each one's contents are picked and recorded as suggested in their own commit
before the email is sent (digest/personal_run.py), so a resend carries the same papers and
no later digest suggests them again.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message

from sqlalchemy import Integer, String, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.digest import message as mail
from paperfeed.digest import suggestions
from paperfeed.digest.periods import Cadence, period_key
from paperfeed.digest.personal import PersonalKind, kind_of
from paperfeed.digest.personal_run import NOTHING_NEW, PersonalDigests
from paperfeed.digest.report import INTERRUPTED, RunReport
from paperfeed.digest.selection import Selector
from paperfeed.digest.smtp_failures import Outcome, classify
from paperfeed.digest.subscriptions import Topic, unsubscribe_token_of
from paperfeed.digest.suggestions import Sources
from paperfeed.service.periods import Period
from paperfeed.service.trending import AsOf
from paperfeed.settings import Settings
from paperfeed.store.db import session_scope
from paperfeed.store.digest_models import DigestOutbox, Subscription
from paperfeed.store.models import User
from paperfeed.store.types import UTCDateTime

logger = logging.getLogger(__name__)

BATCH = 200  # pending rows read per query
MAX_BACKOFF = 60.0
NO_MATCH = "no paper of the period matched the topic"
MEMBER_BANNED = "the member is banned"


def message_id(settings: Settings, row: DigestOutbox, sub: Subscription) -> str:
    """Fixed per outbox row (never random): a resend carries the same Message-ID."""
    tag = hashlib.sha256(f"{sub.token_key}:{row.id}".encode()).hexdigest()[:12]
    return f"<digest.{row.period_key}.{row.id}.{tag}@{mail.mail_domain(settings)}>"


def _insert(session: Session):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(DigestOutbox)


def plan(session: Session, cadence: Cadence, key: str, *, now: datetime) -> int:
    """Record a pending digest for every confirmed subscription of ``cadence`` without one
    for ``key``; the number recorded."""
    subscribers = select(
        Subscription.id,
        literal(key, String()),
        literal("pending", String()),
        literal(0, Integer()),
        literal(now, UTCDateTime()),
    ).where(Subscription.period == cadence, Subscription.status == "confirmed")
    statement = (
        _insert(session)
        .from_select(
            ["subscription_id", "period_key", "status", "attempts", "created_at"], subscribers
        )
        .on_conflict_do_nothing(index_elements=["subscription_id", "period_key"])
        .returning(DigestOutbox.id)
    )
    return len(session.execute(statement).all())


@dataclass(frozen=True)
class _Work:
    outbox_id: int
    subscription_id: int
    email: str
    status: str
    topic: Topic
    unsubscribe_token: str
    message_id: str
    failure_count: int
    personal: PersonalKind | None = None  # a member's own digest (digest/personal.py)
    user_id: int | None = None
    banned: bool = False  # the member of a personal digest is banned: nothing goes to them


class DigestRun:
    """One run over one period: :meth:`run` plans, then sends what is pending."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        sender,
        selector: Selector,
        settings: Settings,
        *,
        cadence: Cadence,
        period: Period,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        should_stop: Callable[[], bool] = lambda: False,
        on_batch: Callable[[], bool] = lambda: True,
    ):
        self.sessions = sessions
        self.sender = sender
        self.selector = selector
        self.settings = settings
        self.cadence = cadence
        self.period = period
        self.key = period_key(period)
        self.clock = clock
        self.sleep = sleep
        self.should_stop = should_stop
        self.on_batch = on_batch
        sources = Sources(selector.backend, selector.semantic, selector.half_life)
        self.personal = PersonalDigests(
            sessions, sources, settings, cadence=cadence, period=period, clock=clock
        )
        self._items: dict[Topic, list[mail.DigestItem]] = {}
        self._idle_as_of: dict[Topic, AsOf | None] = {}
        self._bodies: dict[Topic, mail.DigestBody] = {}
        self.report = RunReport(cadence, self.key)

    # ------------------------------------------------------------ selection

    def items(self, session: Session, topic: Topic) -> list[mail.DigestItem]:
        if topic not in self._items:
            selection = self.selector.select(session, self.period, topic)
            self._items[topic] = mail.digest_items(self.settings, selection.papers)
            self._idle_as_of[topic] = selection.idle_as_of
        return self._items[topic]

    # ------------------------------------------------------------ dry run

    def dry_run(self) -> RunReport:
        """What a run would do now, without sending or writing anything."""
        report = self.report
        report.dry_run = True
        with self.sessions() as session:
            settled = select(DigestOutbox.subscription_id).where(
                DigestOutbox.period_key == self.key, DigestOutbox.status != "pending"
            )
            rows = session.scalars(
                select(Subscription).where(
                    Subscription.period == self.cadence, Subscription.status == "confirmed"
                )
            ).all()
            done = set(session.scalars(settled))
            for row in rows:
                if row.id in done:
                    report.already_done += 1
                elif self._would_send(session, row):
                    report.sent += 1
                else:
                    report.skipped += 1
        return report

    def _would_send(self, session: Session, row: Subscription) -> bool:
        kind = kind_of(row.topic_key)
        if kind is not None and row.user_id is not None:
            return self.personal.preview(session, row.id, self.key, row.user_id, kind) > 0
        return bool(self.items(session, Topic(row.topic_query, tuple(row.topic_categories))))

    # ------------------------------------------------------------ the run

    def run(self) -> RunReport:
        report = self.report
        with session_scope(self.sessions) as session:
            report.planned = plan(session, self.cadence, self.key, now=self.clock())
        batch = self.sender.batch() if hasattr(self.sender, "batch") else nullcontext(self.sender)
        with batch as connection:
            last_id = 0
            while report.stopped is None:
                work = self._next_batch(last_id)
                if not work:
                    break
                last_id = work[-1].outbox_id
                with self.sessions() as read:
                    for item in work:
                        if self.should_stop():
                            report.stopped = INTERRUPTED
                            break
                        self._one(read, connection, item)
                        if report.stopped:
                            break
                if report.stopped is None and not self.on_batch():
                    report.stopped = "lost the job lock to another process"
        with self.sessions() as session:
            report.remaining = session.scalar(
                select(func.count())
                .select_from(DigestOutbox)
                .where(DigestOutbox.period_key == self.key, DigestOutbox.status == "pending")
            )
        return report

    def _next_batch(self, after_id: int) -> list[_Work]:
        with self.sessions() as session:
            rows = session.execute(
                select(DigestOutbox, Subscription, User.banned_at)
                .join(Subscription, Subscription.id == DigestOutbox.subscription_id)
                .outerjoin(User, User.id == Subscription.user_id)
                .where(
                    DigestOutbox.period_key == self.key,
                    DigestOutbox.status == "pending",
                    DigestOutbox.id > after_id,
                )
                .order_by(DigestOutbox.id)
                .limit(BATCH)
            ).all()
            return [
                _Work(
                    outbox_id=row.id,
                    subscription_id=sub.id,
                    email=sub.email,
                    status=sub.status,
                    topic=Topic(sub.topic_query, tuple(sub.topic_categories or ())),
                    unsubscribe_token=unsubscribe_token_of(sub),
                    message_id=row.message_id or message_id(self.settings, row, sub),
                    failure_count=sub.failure_count,
                    personal=kind_of(sub.topic_key),
                    user_id=sub.user_id,
                    banned=banned_at is not None,
                )
                for row, sub, banned_at in rows
            ]

    def _one(self, read: Session, connection, work: _Work) -> None:
        if work.status != "confirmed":  # unsubscribed (or failing) since the plan
            self._mark(work, "skipped", error=f"subscription {work.status}")
            return
        if work.personal is not None and work.banned:  # a ban stops the member's own digests
            self._mark(work, "skipped", error=MEMBER_BANNED)
            return
        body = self._body(read, work)
        if body is None:
            self._mark(work, "skipped", error=NOTHING_NEW if work.personal else NO_MATCH)
            return
        message = mail.digest(
            self.settings,
            body,
            to=work.email,
            cadence=self.cadence,
            unsubscribe_token=work.unsubscribe_token,
            message_id=work.message_id,
            now=self.clock(),
        )
        outcome, error, tries = self._deliver(connection, message)
        if outcome == "sent":
            self._mark(work, "sent", tries=tries)
        elif outcome == "permanent":
            self._mark(work, "failed", error=error, tries=tries)
        elif outcome == "interrupted":
            self._mark(work, "pending", error=error, tries=tries)
            self.report.stopped = INTERRUPTED
        else:
            self._mark(work, "pending", error=error, tries=tries)
            what = "SMTP server unavailable" if outcome == "transient" else "SMTP refused"
            self.report.stopped = f"{what}: {error}"

    def _body(self, read: Session, work: _Work) -> mail.DigestBody | None:
        """The email's body: the member's own for a personal digest, else one per topic."""
        if work.personal is not None and work.user_id is not None:
            return self.personal.body(work.outbox_id, work.user_id, work.personal)
        if not self.items(read, work.topic):
            return None
        body = self._bodies.get(work.topic)
        if body is None:
            body = self._bodies[work.topic] = mail.render_body(
                self.settings,
                cadence=self.cadence,
                period=self.period,
                topic=work.topic,
                items=self._items[work.topic],
                idle_as_of=self._idle_as_of[work.topic],
            )
        return body

    def _deliver(self, connection, message: Message) -> tuple[Outcome, str | None, int]:
        attempts = self.settings.digest_send_attempts
        error = None
        for attempt in range(1, attempts + 1):
            reused = getattr(connection, "sent_on_connection", 0) > 0
            try:
                connection.send(message)
                return "sent", None, attempt
            except (smtplib.SMTPException, OSError) as exc:
                outcome, error = classify(exc)
                logger.warning("digest to %s: %s", message["To"], error)
                if outcome in ("permanent", "fatal"):
                    return outcome, error, attempt
                reset = getattr(connection, "reset", None)
                if reset is not None:
                    reset()
                if attempt < attempts:
                    # A reused connection the server closed (idle, or its per-connection
                    # limit) is normal: reconnect at once; otherwise back off.
                    disconnected = isinstance(exc, smtplib.SMTPServerDisconnected)
                    if not (reused and disconnected and attempt == 1):
                        delay = self.settings.digest_retry_seconds * 2 ** (attempt - 1)
                        # ``sleep`` is the stop event's wait in the CLI: SIGTERM ends it.
                        self.sleep(min(delay, MAX_BACKOFF))
                    if self.should_stop():
                        return "interrupted", error, attempt
        return "transient", error, attempts

    def _mark(self, work: _Work, status: str, *, error: str | None = None, tries: int = 0):
        now = self.clock()
        values: dict = {"status": status, "last_error": error, "message_id": work.message_id}
        if tries:
            values |= {"attempts": DigestOutbox.attempts + tries, "attempted_at": now}
        if status == "sent":
            values["sent_at"] = now
        mark = (
            update(DigestOutbox)
            .where(DigestOutbox.id == work.outbox_id, DigestOutbox.status == "pending")
            .values(**values)
        )
        # A personal digest not sent after all gives its papers back (digest/suggestions.py).
        release = work.personal is not None and status in ("skipped", "failed")
        if status == "failed":
            with session_scope(self.sessions) as session:
                if session.execute(mark).rowcount and release:
                    suggestions.release(session, work.outbox_id)
                self._count_failure(session, work.subscription_id, error or "", now)
        else:
            # The common case, once per digest: one statement in its own short transaction
            # on a plain connection (no ORM session to set up).
            with self.sessions.kw["bind"].begin() as conn:
                if conn.execute(mark).rowcount and release:
                    suggestions.release(conn, work.outbox_id)
                if status == "sent" and work.failure_count:
                    conn.execute(
                        update(Subscription)
                        .where(Subscription.id == work.subscription_id)
                        .values(failure_count=0)
                    )
        if status in ("sent", "skipped", "failed"):
            setattr(self.report, status, getattr(self.report, status) + 1)
        if error and status != "skipped":
            self.report.errors.append(f"{work.email}: {error}")

    def _count_failure(self, session: Session, subscription_id: int, error: str, now) -> None:
        sub = session.get(Subscription, subscription_id, with_for_update=True)
        if sub is None:
            return
        sub.failure_count += 1
        sub.last_failure, sub.last_failure_at = error[:1000], now
        limit = self.settings.digest_failures_before_failing
        if sub.failure_count >= limit and sub.status == "confirmed":
            sub.status = "failing"
