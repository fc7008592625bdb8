"""Emailed single-use links (password reset, sign-up confirmation): issued, then consumed
once, before they expire. Only the token's hash is stored."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from paperfeed.accounts.secrets import new_token, plausible, token_hash
from paperfeed.store.models import OneTimeToken, User


def issue(session: Session, user: User, purpose: str, *, now: datetime, ttl: timedelta) -> str:
    """A new link token for ``user``; earlier unused ones for the same purpose stop working."""
    session.execute(
        delete(OneTimeToken).where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose)
    )
    raw = new_token()
    session.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(raw),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return raw


def peek(session: Session, raw: str | None, purpose: str, *, now: datetime) -> User | None:
    """The user a valid (unused, unexpired) token belongs to, without using it up."""
    row = _valid(session, raw, purpose, now)
    return None if row is None else session.get(User, row.user_id)


def consume(session: Session, raw: str | None, purpose: str, *, now: datetime) -> User | None:
    """Use the token: its user, or None if it is unknown, used or expired. The row is locked
    on PostgreSQL so two concurrent uses cannot both succeed."""
    row = _valid(session, raw, purpose, now, lock=True)
    if row is None:
        return None
    row.used_at = now
    session.flush()
    return session.get(User, row.user_id)


def _valid(
    session: Session, raw: str | None, purpose: str, now: datetime, lock: bool = False
) -> OneTimeToken | None:
    if not plausible(raw):
        return None
    query = select(OneTimeToken).where(
        OneTimeToken.token_hash == token_hash(raw), OneTimeToken.purpose == purpose
    )
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row
