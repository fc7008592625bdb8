"""Personal digests: a member's "For you" or "Following" list as a daily or weekly email.

A personal digest is a :class:`~paperfeed.store.digest_models.Subscription` of the member
(``user_id``) whose ``topic_key`` names its kind (``personal:for-you``,
``personal:following``): the same rows, outbox, job lock, one-click unsubscribe and failure
counting as every other digest, and the (address, cadence, topic key) uniqueness keeps one
row per kind and cadence. A member has at most one cadence per kind: choosing weekly after
daily unsubscribes the daily row. Only a signed-in member with a confirmed address can turn one
on (its contents are private: they go to the account's own address, never to one typed in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paperfeed.accounts.identity import email_key
from paperfeed.accounts.secrets import new_token
from paperfeed.accounts.users import Account
from paperfeed.digest.periods import CADENCES, Cadence, check_cadence
from paperfeed.errors import InvalidInput
from paperfeed.store.digest_models import Subscription

PersonalKind = Literal["for-you", "following"]
KINDS: tuple[PersonalKind, ...] = ("for-you", "following")
LABELS: dict[str, str] = {"for-you": "For you", "following": "Following"}
PAGES: dict[str, str] = {"for-you": "/for-you", "following": "/following"}  # "see all" links
KEY_PREFIX = "personal:"
OFF = "off"


def topic_key_of(kind: PersonalKind) -> str:
    return KEY_PREFIX + kind


def kind_of(topic_key: str | None) -> PersonalKind | None:
    """The personal kind a subscription's topic key names, or None (trending, a topic)."""
    if topic_key and topic_key.startswith(KEY_PREFIX):
        kind = topic_key[len(KEY_PREFIX) :]
        if kind in KINDS:
            return kind  # type: ignore[return-value]
    return None


def check_kind(value: str) -> PersonalKind:
    if value not in KINDS:
        raise InvalidInput("Choose the For you or the Following digest.")
    return value  # type: ignore[return-value]


@dataclass(frozen=True)
class PersonalDigest:
    """A member's digest of one kind: ``cadence`` None when it is off."""

    kind: PersonalKind
    cadence: Cadence | None
    subscription_id: int | None = None
    status: str | None = None

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def _rows(session: Session, user_id: int, kind: PersonalKind, *, lock: bool = False):
    query = (
        select(Subscription)
        .where(Subscription.user_id == user_id, Subscription.topic_key == topic_key_of(kind))
        .order_by(Subscription.id)
    )
    return session.scalars(query.with_for_update() if lock else query).all()


def personal_digests(session: Session, user_id: int) -> dict[PersonalKind, PersonalDigest]:
    """Each kind's state for the account page and the API (failing ones count as on: the
    page says the mail server refuses the address)."""
    found: dict[PersonalKind, PersonalDigest] = {}
    for kind in KINDS:
        live = [r for r in _rows(session, user_id, kind) if r.status in ("confirmed", "failing")]
        row = live[-1] if live else None
        found[kind] = PersonalDigest(
            kind,
            row.period if row else None,  # type: ignore[arg-type]
            row.id if row else None,
            row.status if row else None,
        )
    return found


def set_personal_digest(
    session: Session, account: Account, kind: str, cadence: str, *, now: datetime
) -> PersonalDigest:
    """Turn the member's ``kind`` digest on at ``cadence`` (daily, weekly) or ``off``.
    Idempotent; the other cadence's row is unsubscribed, so one kind is never mailed twice."""
    kind = check_kind(kind)
    wanted = None if cadence == OFF else check_cadence(cadence)
    if wanted is not None and not account.confirmed:
        raise InvalidInput("Confirm your email address first: digests go to it.")
    rows = {r.period: r for r in _rows(session, account.id, kind, lock=True)}
    for period, row in rows.items():
        if period != wanted and row.status != "unsubscribed":
            row.status, row.unsubscribed_at = "unsubscribed", now
    if wanted is not None:
        row = rows.get(wanted) or _by_address(session, account, kind, wanted)
        if row is None:
            row = _insert(session, account, kind, wanted, now)
        row.user_id, row.email = account.id, account.email
        # A failing row stays failing: only an admin's reactivation (after the mail server
        # refused the address repeatedly) sends to it again.
        if row.status not in ("confirmed", "failing"):
            row.status, row.confirmed_at, row.unsubscribed_at = "confirmed", now, None
            row.failure_count = 0
    session.flush()
    return personal_digests(session, account.id)[kind]


def _by_address(session: Session, account: Account, kind: PersonalKind, cadence: Cadence):
    """The row of the address, kind and cadence (unique per address: reused, never doubled)."""
    return session.scalars(
        select(Subscription).where(
            Subscription.email_key == email_key(account.email),
            Subscription.period == cadence,
            Subscription.topic_key == topic_key_of(kind),
        )
    ).first()


def _insert(session: Session, account: Account, kind: PersonalKind, cadence: Cadence, now):
    row = _new_row(account, kind, cadence, now)
    try:
        with session.begin_nested():  # the member's other tab may insert the same row first
            session.add(row)
            session.flush()
    except IntegrityError:
        found = _by_address(session, account, kind, cadence)
        if found is None:
            raise
        return found
    return row


def _new_row(account: Account, kind: PersonalKind, cadence: Cadence, now: datetime):
    return Subscription(
        email=account.email,
        email_key=email_key(account.email),
        period=cadence,
        topic_query="",
        topic_categories=[],
        topic_key=topic_key_of(kind),
        status="confirmed",
        user_id=account.id,
        token_key=new_token(),
        created_at=now,
        confirmed_at=now,
        failure_count=0,
    )


CHOICES: tuple[str, ...] = (OFF, *CADENCES)
