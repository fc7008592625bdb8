"""The private, revocable URL of a member's for-you Atom feed.

A feed reader cannot sign in, so the URL itself is the credential: it carries a random token
(256 bits, :func:`paperfeed.accounts.secrets.new_token`) and only its SHA-256 is stored, in
``reader_prefs.feed_token_hash`` (unique), so a copy of the database gives no one a working
feed. A member has at most one token: making a new one overwrites the hash, which revokes the
old URL in the same commit, and revoking clears it. Every feed request looks the hash up, so
a revoked URL stops at once (the feed is never in the anonymous response cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.accounts.secrets import new_token, plausible, token_hash
from paperfeed.library.prefs import ensure_prefs
from paperfeed.links import site_url
from paperfeed.store.library_models import ReaderPrefs
from paperfeed.store.models import User

TOKEN_PREFIX = "pff_"  # noqa: S105 (says what a leaked string is: a paperfeed feed token)
# Outside /feeds: the anonymous response cache keeps /feeds pages until papers change.
FEED_PATH = "/for-you/feed/{token}.atom"


def feed_url(base_url: str, token: str) -> str:
    """The feed's absolute URL, from the configured ``base_url``."""
    return site_url(base_url, FEED_PATH.format(token=token))


@dataclass(frozen=True)
class FeedTokenState:
    """Whether the member has a feed URL now, and since when (the token itself is shown
    once, when it is made)."""

    active: bool
    created_at: datetime | None


def _locked_prefs(session: Session, user_id: int, *, now: datetime) -> ReaderPrefs:
    """The member's ``reader_prefs`` row (made with the defaults if missing), locked for
    update on PostgreSQL so two new tokens at once end with one of them, not a mix."""
    ensure_prefs(session, user_id, now=now)
    return session.scalars(
        select(ReaderPrefs).where(ReaderPrefs.user_id == user_id).with_for_update()
    ).one()


def new_feed_token(session: Session, user_id: int, *, now: datetime) -> str:
    """Make the member's feed token, revoking the one before; returns it raw (show it once).
    No commit."""
    raw = new_token(TOKEN_PREFIX)
    row = _locked_prefs(session, user_id, now=now)
    row.feed_token_hash = token_hash(raw)
    row.feed_token_created_at = now
    row.updated_at = now
    session.flush()
    return raw


def revoke_feed_token(session: Session, user_id: int, *, now: datetime) -> bool:
    """Turn the member's feed URL off; returns whether there was one. No commit."""
    row = session.get(ReaderPrefs, user_id)
    if row is None or row.feed_token_hash is None:
        return False
    row.feed_token_hash = None
    row.feed_token_created_at = None
    row.updated_at = now
    session.flush()
    return True


def feed_token_state(session: Session, user_id: int) -> FeedTokenState:
    row = session.get(ReaderPrefs, user_id)
    if row is None or row.feed_token_hash is None:
        return FeedTokenState(False, None)
    return FeedTokenState(True, row.feed_token_created_at)


def feed_owner(session: Session, raw: str | None) -> int | None:
    """The member whose current feed token ``raw`` is, else None (unknown, revoked, junk,
    or the member is banned: their API tokens are refused, and so is this)."""
    if not plausible(raw) or not raw.startswith(TOKEN_PREFIX):
        return None
    return session.scalar(
        select(ReaderPrefs.user_id)
        .join(User, User.id == ReaderPrefs.user_id)
        .where(ReaderPrefs.feed_token_hash == token_hash(raw), User.banned_at.is_(None))
    )
