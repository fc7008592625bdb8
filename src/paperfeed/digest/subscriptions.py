"""Subscribing, confirming and unsubscribing: the use cases behind the subscribe box, the
emailed links and the account page.

- **Double opt-in.** A new address is ``pending`` until the link in its confirmation email
  is followed; only ``confirmed`` subscriptions get digests. An account's own (verified)
  address is confirmed at once when its signed-in owner subscribes it: the same
  :func:`~paperfeed.accounts.identity.email_key` (never a case-folded string), and the digests
  go to the address the account confirmed.
- **No duplicates, no disclosure.** A subscription is unique per (address, cadence, topic):
  subscribing again finds the same row. The caller answers every request the same way; only
  the email differs (a confirmation link, or nothing when the row is already confirmed).
- **Unsubscribe** by a signed token (no session), or from the account page.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paperfeed.accounts.identity import email_key, normalise_email
from paperfeed.accounts.secrets import new_token
from paperfeed.accounts.users import ACCOUNT_DELETION_HOOKS, Account
from paperfeed.digest import tokens
from paperfeed.digest.periods import Cadence, check_cadence
from paperfeed.digest.personal import PersonalKind, kind_of
from paperfeed.errors import InvalidInput
from paperfeed.search.query import normalize_category, parse_query
from paperfeed.store.digest_models import DigestOutbox, Subscription
from paperfeed.store.models import User
from paperfeed.store.types import MAX_ID

MAX_TOPIC_CHARS = 100  # a search query (emails show topics cut: digest/message.py)
MAX_CATEGORIES = 10
_CATEGORY = re.compile(r"[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?")
_SEPARATORS = re.compile(r"[\s,;]+")

Status = Literal["pending", "confirmed", "unsubscribed", "failing"]


@dataclass(frozen=True)
class Topic:
    """What a topic digest is about: a search query and/or arXiv categories (any of them)."""

    query: str = ""
    categories: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.query and not self.categories

    @property
    def key(self) -> str:
        """The same for topics that only differ in case, spacing or category order."""
        if self.empty:
            return ""
        text = self.query.casefold() + "\n" + ",".join(sorted(self.categories))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def label(self) -> str:
        """``"diffusion models" in cs.CV, cs.LG``, for subjects and pages."""
        parts = [f"“{self.query}”"] if self.query else []
        if self.categories:
            parts.append(("in " if self.query else "") + ", ".join(self.categories))
        return " ".join(parts)


def parse_topic(query: str | None, categories: str | Iterable[str] | None = None) -> Topic:
    """A topic from form input. Line breaks and control characters are refused (they could
    reach an email header); so is a query with nothing searchable in it."""
    query = unicodedata.normalize("NFC", query or "")
    if any(unicodedata.category(c)[0] == "C" and c != " " for c in query.replace("\t", " ")):
        raise InvalidInput("The topic cannot contain line breaks or control characters.")
    query = " ".join(query.split())
    if len(query) > MAX_TOPIC_CHARS:
        raise InvalidInput(f"Keep the topic under {MAX_TOPIC_CHARS} characters.")
    if query and parse_query(query).is_empty:
        raise InvalidInput("The topic has no words to search for.")
    if isinstance(categories, str):
        categories = _SEPARATORS.split(categories)
    found: dict[str, None] = {}
    for raw in categories or ():
        raw = raw.strip()
        if not raw:
            continue
        if not _CATEGORY.fullmatch(raw.lower()) or len(raw) > 32:
            shown = raw[:32].encode("ascii", "replace").decode()
            raise InvalidInput(f"{shown!r} is not an arXiv category like cs.CL or math.AG.")
        found.setdefault(normalize_category(raw), None)
    if len(found) > MAX_CATEGORIES:
        raise InvalidInput(f"Choose at most {MAX_CATEGORIES} categories.")
    return Topic(query, tuple(sorted(found)))


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    email: str
    cadence: Cadence
    topic: Topic
    status: Status
    created_at: datetime
    confirmed_at: datetime | None
    failure_count: int
    last_failure: str | None
    last_failure_at: datetime | None
    personal: PersonalKind | None = None  # a member's For you / Following digest

    @classmethod
    def of(cls, row: Subscription) -> SubscriptionView:
        return cls(
            id=row.id,
            email=row.email,
            cadence=row.period,  # type: ignore[arg-type]
            topic=Topic(row.topic_query, tuple(row.topic_categories or ())),
            status=row.status,  # type: ignore[arg-type]
            created_at=row.created_at,
            confirmed_at=row.confirmed_at,
            failure_count=row.failure_count,
            last_failure=row.last_failure,
            last_failure_at=row.last_failure_at,
            personal=kind_of(row.topic_key),
        )


@dataclass(frozen=True)
class Subscribed:
    """``confirm``: mail ``token`` to the address (a confirmation link). ``none``: the
    subscription was already confirmed (or confirmed now, for a signed-in owner): mail
    nothing. The visitor is told the same either way."""

    action: Literal["confirm", "none"]
    subscription: SubscriptionView
    token: str | None = None


def subscribe(
    session: Session,
    *,
    email: str,
    cadence: str,
    topic: Topic = Topic(),
    now: datetime,
    confirm_ttl: timedelta,
    account: Account | None = None,
) -> Subscribed:
    address = normalise_email(email)
    cadence = check_cadence(cadence)
    key = email_key(address)
    # A signed-in member subscribing their own verified address needs no emailed link.
    owner = account if account and account.confirmed and email_key(account.email) == key else None
    row = _find(session, key, cadence, topic.key)
    if row is None:
        row = _insert(session, address, key, cadence, topic, now)
    if owner is not None:
        row.user_id = owner.id
        if row.status != "confirmed":
            row.email = owner.email  # the spelling the owner confirmed, not a stranger's
            _confirmed(row, now)
        session.flush()
        return Subscribed("none", SubscriptionView.of(row))
    if row.status == "confirmed":
        return Subscribed("none", SubscriptionView.of(row))
    # pending, unsubscribed or failing: a fresh link; earlier links stop working.
    row.status = "pending"
    row.confirm_nonce = new_token()[:16]
    row.confirm_expires_at = now + confirm_ttl
    session.flush()
    token = tokens.confirm_token(row.id, row.token_key, row.confirm_nonce, row.confirm_expires_at)
    return Subscribed("confirm", SubscriptionView.of(row), token)


def _find(session: Session, key: str, cadence: str, topic_key: str) -> Subscription | None:
    return session.scalars(
        select(Subscription)
        .where(
            Subscription.email_key == key,
            Subscription.period == cadence,
            Subscription.topic_key == topic_key,
        )
        .with_for_update()
    ).first()


def _insert(
    session: Session, address: str, key: str, cadence: str, topic: Topic, now: datetime
) -> Subscription:
    row = Subscription(
        email=address,
        email_key=key,
        period=cadence,
        topic_query=topic.query,
        topic_categories=list(topic.categories),
        topic_key=topic.key,
        status="pending",
        token_key=new_token(),
        created_at=now,
        failure_count=0,
    )
    try:
        with session.begin_nested():  # a concurrent request may insert the same row first
            session.add(row)
            session.flush()
    except IntegrityError:
        found = _find(session, key, cadence, topic.key)
        if found is None:
            raise
        return found
    return row


def _confirmed(row: Subscription, now: datetime) -> None:
    row.status = "confirmed"
    row.confirmed_at = now
    row.unsubscribed_at = None
    row.confirm_nonce = row.confirm_expires_at = None
    row.failure_count = 0


def _by_token(session: Session, token: str | None, *, lock: bool = False):
    parsed = tokens.parse(token)
    if parsed is None:
        return None, None
    query = select(Subscription).where(Subscription.id == parsed.subscription_id)
    if lock:
        query = query.with_for_update()
    return parsed, session.scalars(query).first()


def peek_confirm(session: Session, token: str | None, *, now: datetime) -> SubscriptionView | None:
    """The subscription a confirm link would confirm, if the link is valid (not used up)."""
    parsed, row = _by_token(session, token)
    if row is None or not tokens.confirm_valid(parsed, row.token_key, row.confirm_nonce, now):
        return None
    return SubscriptionView.of(row)


def confirm(session: Session, token: str | None, *, now: datetime) -> SubscriptionView | None:
    """Confirm by an emailed link: the subscription, or None if the link is forged, expired,
    used or superseded."""
    parsed, row = _by_token(session, token, lock=True)
    if row is None or not tokens.confirm_valid(parsed, row.token_key, row.confirm_nonce, now):
        return None
    _confirmed(row, now)
    session.flush()
    return SubscriptionView.of(row)


def peek_unsubscribe(session: Session, token: str | None) -> SubscriptionView | None:
    parsed, row = _by_token(session, token)
    if row is None or not tokens.unsubscribe_valid(parsed, row.token_key):
        return None
    return SubscriptionView.of(row)


def unsubscribe(session: Session, token: str | None, *, now: datetime) -> SubscriptionView | None:
    """Unsubscribe by a link's token; None if the token is not one of ours. Idempotent."""
    parsed, row = _by_token(session, token, lock=True)
    if row is None or not tokens.unsubscribe_valid(parsed, row.token_key):
        return None
    _unsubscribed(row, now)
    session.flush()
    return SubscriptionView.of(row)


def _unsubscribed(row: Subscription, now: datetime) -> None:
    if row.status != "unsubscribed":
        row.status = "unsubscribed"
        row.unsubscribed_at = now
    row.confirm_nonce = row.confirm_expires_at = None


def unsubscribe_token_of(row: Subscription) -> str:
    return tokens.unsubscribe_token(row.id, row.token_key)


# ---------------------------------------------------------------- the account page


def _owned(account: Account):
    return or_(
        Subscription.user_id == account.id, Subscription.email_key == email_key(account.email)
    )


def list_for_account(session: Session, account: Account) -> list[SubscriptionView]:
    """The member's subscriptions (made signed in, or to their address), newest first;
    unsubscribed ones are left out."""
    rows = session.scalars(
        select(Subscription)
        .where(_owned(account), Subscription.status != "unsubscribed")
        .order_by(Subscription.created_at.desc(), Subscription.id.desc())
    )
    return [SubscriptionView.of(r) for r in rows]


def unsubscribe_owned(session: Session, account: Account, subscription_id: int, *, now: datetime):
    """Unsubscribe one of the member's subscriptions; an id that is not theirs changes
    nothing (and says nothing)."""
    if not 0 < subscription_id <= MAX_ID:
        return
    row = session.scalars(
        select(Subscription).where(Subscription.id == subscription_id, _owned(account))
    ).first()
    if row is not None:
        _unsubscribed(row, now)
        session.flush()


def forget_user_subscriptions(session: Session, user_id: int) -> None:
    """ACCOUNT_DELETION_HOOKS entry: a deleted account's subscriptions go with its address."""
    user = session.get(User, user_id)
    if user is None:
        return
    for row in session.scalars(
        select(Subscription).where(
            or_(Subscription.user_id == user_id, Subscription.email_key == user.email_key)
        )
    ):
        session.delete(row)
    session.flush()


if forget_user_subscriptions not in ACCOUNT_DELETION_HOOKS:
    ACCOUNT_DELETION_HOOKS.append(forget_user_subscriptions)


# ---------------------------------------------------------------- admins and metrics


def failing_subscriptions(session: Session, limit: int = 500) -> list[SubscriptionView]:
    """Addresses the mail server refused repeatedly (no more digests go to them)."""
    rows = session.scalars(
        select(Subscription)
        .where(Subscription.status == "failing")
        .order_by(Subscription.last_failure_at.desc(), Subscription.id)
        .limit(limit)
    )
    return [SubscriptionView.of(r) for r in rows]


def reactivate(session: Session, subscription_id: int) -> bool:
    """An admin's "try again": a failing address gets digests again (the count restarts)."""
    if not 0 < subscription_id <= MAX_ID:
        return False
    row = session.get(Subscription, subscription_id)
    if row is None or row.status != "failing":
        return False
    row.status = "confirmed"
    row.failure_count = 0
    session.flush()
    return True


def subscription_counts(session: Session) -> dict[str, int]:
    """Subscriptions by status, e.g. ``{"confirmed": 120, "pending": 4}``."""
    rows = session.execute(select(Subscription.status, func.count()).group_by(Subscription.status))
    return {status: count for status, count in rows}


def outbox_counts(session: Session, period_key: str | None = None) -> dict[str, int]:
    """Outbox rows by status (pending, sent, skipped, failed), of one period or all: for
    dashboards and metrics."""
    query = select(DigestOutbox.status, func.count()).group_by(DigestOutbox.status)
    if period_key is not None:
        query = query.where(DigestOutbox.period_key == period_key)
    return {status: count for status, count in session.execute(query)}
