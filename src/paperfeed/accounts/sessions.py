"""Server-side sessions: the browser holds a random token, the database its hash.

State lives only in the database, so any web worker can serve any request. A session ends
at logout, at a password change or reset (all of the user's), after ``idle`` without use,
or ``lifetime`` after log-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from paperfeed.accounts.secrets import new_token, plausible, token_hash
from paperfeed.accounts.users import Account
from paperfeed.store.models import User, UserSession

# last_seen_at is written at most this often: a page view is not a write on every request.
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta


def start_session(session: Session, user_id: int, *, now: datetime, lifetimes: Lifetimes) -> str:
    """A new session for ``user_id``; returns the token for the cookie (a fresh random value
    every time, so no identifier from before log-in survives it)."""
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    raw = new_token()
    session.add(
        UserSession(
            user_id=user_id,
            token_hash=token_hash(raw),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetimes.absolute,
        )
    )
    session.flush()
    return raw


def resume_session(
    session: Session, raw: str | None, *, now: datetime, lifetimes: Lifetimes
) -> tuple[Account | None, bool]:
    """``(account, needs_write)`` for a cookie token: the account is None when the token is
    unknown, tampered with, idle or expired. Only reads; when ``needs_write`` call
    :func:`record_use` in a write transaction (to expire or touch the session), so page views
    stay read-only on SQLite's single writer."""
    if not plausible(raw):
        return None, False
    found = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash(raw))
    ).first()
    if found is None:
        return None, False
    record, user = found
    if _expired(record, now, lifetimes):
        return None, True
    if user.banned_at is not None:  # ban ends sessions; this covers one started meanwhile
        return None, False
    return Account.of(user), now - record.last_seen_at >= TOUCH_EVERY


def record_use(session: Session, raw: str, *, now: datetime, lifetimes: Lifetimes) -> None:
    """Delete the session if it has expired, else note that it was used now."""
    record = session.scalars(
        select(UserSession).where(UserSession.token_hash == token_hash(raw))
    ).first()
    if record is None:
        return
    if _expired(record, now, lifetimes):
        session.delete(record)
    else:
        record.last_seen_at = max(record.last_seen_at, now)


def _expired(record: UserSession, now: datetime, lifetimes: Lifetimes) -> bool:
    return record.expires_at <= now or record.last_seen_at + lifetimes.idle <= now


def end_session(session: Session, raw: str | None) -> None:
    if plausible(raw):
        session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(raw)))
