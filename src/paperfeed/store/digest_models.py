"""The email digests' tables (issue 5, migration 0009): subscriptions, the outbox of digests
to send, and the locks that keep two workers from running the same scheduled job; and
(issue 15, migration 0013) the papers personal digests have suggested.

On the same ``Base`` as :mod:`paperfeed.store.models`, whose tables never reference these:
code that never touches digests need not import this module (the ORM resolves every foreign
key of the models it loaded), but code that takes ``Base.metadata`` as the whole schema (the
migrations' env, the database copy) must.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from paperfeed.store.models import Base, BigId
from paperfeed.store.types import JSONList, UTCDateTime


class Subscription(Base):
    """One address's digest: daily or weekly, of trending papers or of a topic (a search
    query and/or arXiv categories). Unique per (address, period, topic), so subscribing
    again finds the same row. ``status``: pending (until the emailed link is followed),
    confirmed, unsubscribed, or failing (the server refused the address repeatedly; skipped).

    ``token_key`` is the row's own random key: its confirm and unsubscribe links are HMACs
    under it (paperfeed.digest.tokens), so links can be rebuilt for every digest without
    storing them. ``confirm_nonce`` is set when a confirmation link is mailed and cleared when
    one is used: a link works once, and only the latest one works.
    """

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))  # case-folded (accounts/identity.py)
    period: Mapped[str] = mapped_column(String(8))  # daily | weekly
    topic_query: Mapped[str] = mapped_column(String(200), default="")
    topic_categories: Mapped[list[str]] = mapped_column(JSONList, default=list)
    topic_key: Mapped[str] = mapped_column(String(64), default="")  # "" = trending digest
    status: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_key: Mapped[str] = mapped_column(String(64))
    confirm_nonce: Mapped[str | None] = mapped_column(String(32))
    confirm_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)  # permanent, in a row
    last_failure: Mapped[str | None] = mapped_column(Text)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("email_key", "period", "topic_key", name="uq_subscriptions_topic"),
        Index("ix_subscriptions_period_status", "period", "status"),
    )


class DigestOutbox(Base):
    """One digest of one subscription for one period (``2026-11-25``, ``2026-W48``),
    recorded before it is sent. ``status``: pending, sent, skipped (nothing matched the
    topic) or failed (the server refused it for good). ``message_id`` is fixed when the row is
    first tried, so a resend after a crash carries the same Message-ID."""

    __tablename__ = "digest_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("subscription_id", "period_key", name="uq_digest_outbox_period"),
        Index("ix_digest_outbox_period_status", "period_key", "status"),
    )


class JobLock(Base):
    """A scheduled job (``digest-daily``, ``ingest-arxiv``) for one period, held by one
    process until ``expires_at`` (renewed while it runs); ``finished_at`` once it is done.
    The primary key makes the claim atomic: two workers never run the same job for the same
    period."""

    __tablename__ = "job_locks"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestSuggestion(Base):
    """A paper a personal digest suggested to a member: never again in a later one. Written
    in the transaction that fixes the digest's contents (``outbox_id``), so a resend after a
    crash suggests the same papers (in the same ``position``, with the same ``reason``) and a
    new digest never repeats them."""

    __tablename__ = "digest_suggestions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("digest_outbox.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # its place in the email, from 0
    reason: Mapped[str] = mapped_column(String(200), default="")  # "close to <saved paper>"
    suggested_at: Mapped[datetime] = mapped_column(UTCDateTime)
