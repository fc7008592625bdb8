"""Personal API tokens: ``pf_`` + 43 random characters, shown once, stored as a hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from paperfeed.accounts.secrets import new_token, plausible, token_hash
from paperfeed.accounts.users import Account
from paperfeed.errors import InvalidInput, NotFound
from paperfeed.store.models import ApiToken, User
from paperfeed.store.types import MAX_ID

PREFIX = "pf_"
MAX_NAME = 64
MAX_TOKENS_PER_USER = 50
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at precision; saves a write per request


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenInfo:
        return cls(row.id, row.name, row.hint, row.created_at, row.last_used_at)


@dataclass(frozen=True)
class TokenUse:
    """Who a Bearer token authenticates, and which token it was."""

    account: Account
    token: TokenInfo


def create_token(
    session: Session, user_id: int, name: str, *, now: datetime
) -> tuple[TokenInfo, str]:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Give the token a name, e.g. 'laptop script'.")
    if len(name) > MAX_NAME or "\ufffd" in name or any(ord(c) < 32 for c in name):
        raise InvalidInput(f"Token names have at most {MAX_NAME} plain characters.")
    held = session.scalar(select(func.count()).where(ApiToken.user_id == user_id)) or 0
    if held >= MAX_TOKENS_PER_USER:
        raise InvalidInput(f"You have {held} tokens already; revoke some first.")
    raw = new_token(PREFIX)
    row = ApiToken(
        user_id=user_id,
        name=name,
        token_hash=token_hash(raw),
        hint=raw[: len(PREFIX) + 4],
        created_at=now,
    )
    session.add(row)
    session.flush()
    return TokenInfo.of(row), raw


def list_tokens(session: Session, user_id: int) -> list[TokenInfo]:
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    )
    return [TokenInfo.of(r) for r in rows]


def revoke_token(session: Session, user_id: int, token_id: int) -> None:
    """Delete one of the user's own tokens (another user's id is simply not found)."""
    if not 0 < token_id <= MAX_ID:
        raise NotFound("No such token.")
    done = session.execute(
        delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
    )
    if not done.rowcount:
        raise NotFound("No such token.")


def authenticate_token(session: Session, raw: str | None) -> TokenUse | None:
    """Who the Bearer token ``raw`` belongs to; only reads (see :func:`touch_token`)."""
    if not plausible(raw) or not raw.startswith(PREFIX):
        return None
    found = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(raw))
    ).first()
    if found is None:
        return None
    row, user = found
    return TokenUse(Account.of(user), TokenInfo.of(row))


def needs_touch(token: TokenInfo, now: datetime) -> bool:
    return token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY


def touch_token(session: Session, token_id: int, *, now: datetime) -> None:
    """Record that the token was used (read-only lookups call this only when due)."""
    row = session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = now
