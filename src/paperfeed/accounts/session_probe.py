"""Who a session cookie belongs to, in one indexed read on a held DBAPI connection: for member
pages (web/member_pages.py), which ask on every request and have a few hundred microseconds
for all of it.

The same answers as :func:`paperfeed.accounts.sessions.resume_session`, plus the token's
hash (a session's identity: a row id can be reused after a log-out) and the member's ``member_state`` (bumped by the database on every write of the member's
own rows, migration 0016) and ``seen_state`` (on their seen papers), which key the caches of a member's parts. The statement is the
Core select of ``sessions.py`` compiled once for the engine's dialect and run on the driver's
cursor (SQLAlchemy's per-execution work costs ~10x the read itself); the columns' own result
processors turn the driver's values into the model's (aware UTC datetimes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, select

from paperfeed.accounts.secrets import plausible, token_hash
from paperfeed.accounts.sessions import TOUCH_EVERY, Lifetimes
from paperfeed.accounts.users import Account
from paperfeed.store.held_connection import HeldConnection
from paperfeed.store.models import User, UserSession

_SELECT = (
    select(
        UserSession.last_seen_at,
        UserSession.expires_at,
        User.id,
        User.username,
        User.email,
        User.fullname,
        User.role,
        User.email_verified_at,
        User.created_at,
        User.banned_at,
        User.member_state,
        User.seen_state,
    )
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("hash"))
)


@dataclass(frozen=True)
class Resumed:
    """A live session: its token's hash, the member, and their state counters."""

    token_hash: str
    account: Account
    member_state: int
    seen_state: int


class SessionProbe(HeldConnection):
    """Reads sessions on a held autocommit connection of ``engine`` (the primary;
    store/held_connection.py), used only from the event loop."""

    def __init__(self, engine: Engine):
        super().__init__(engine)
        dialect = engine.dialect
        compiled = _SELECT.compile(dialect=dialect)
        self.sql = compiled.string
        self.positional = compiled.positiontup is not None
        self.processors = [
            c.type.dialect_impl(dialect).result_processor(dialect, None)
            for c in _SELECT.selected_columns
        ]

    def row(self, token_hash_: str) -> list | None:
        params = (token_hash_,) if self.positional else {"hash": token_hash_}
        found = self.fetchone(self.sql, params)
        if found is None:
            return None
        return [v if p is None else p(v) for p, v in zip(self.processors, found, strict=True)]

    def resume(
        self, raw: str | None, *, now: datetime, lifetimes: Lifetimes
    ) -> tuple[Resumed | None, bool]:
        """``(resumed, needs_write)`` as :func:`~paperfeed.accounts.sessions.resume_session`
        answers ``(account, needs_write)``."""
        if not plausible(raw):
            return None, False
        hashed = token_hash(raw)
        found = self.row(hashed)
        if found is None:
            return None, False
        (last_seen, expires, uid, username, email, fullname, role, verified, created,
         banned, state, seen) = found  # fmt: skip
        if expires <= now or last_seen + lifetimes.idle <= now:
            return None, True
        if banned is not None:
            return None, False
        account = Account(
            id=uid,
            username=username,
            email=email,
            fullname=fullname,
            role=role,
            confirmed=verified is not None,
            created_at=created,
        )
        return Resumed(hashed, account, state, seen), now - last_seen >= TOUCH_EVERY
