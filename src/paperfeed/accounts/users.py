"""Account use cases: sign up and confirm, authenticate, change or reset a password, delete
an account, make admins. Messages are written so that no answer tells whether an email
address has an account (see docs/accounts.md, "enumeration")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paperfeed.accounts import one_time
from paperfeed.accounts.identity import (
    check_username,
    email_key,
    login_key,
    normalise_email,
    username_key,
)
from paperfeed.accounts.passwords import (
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from paperfeed.errors import Conflict, InvalidInput, PaperfeedError
from paperfeed.store.models import ApiToken, OneTimeToken, User, UserSession

ROLES = ("member", "admin")
MAX_FULLNAME = 128


@dataclass(frozen=True)
class Account:
    """What pages and the API may show of a user (never the password hash)."""

    id: int
    username: str
    email: str
    fullname: str | None
    role: str
    confirmed: bool
    created_at: datetime
    banned: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(
            id=user.id,
            username=user.username,
            email=user.email,
            fullname=user.fullname,
            role=user.role,
            confirmed=user.email_verified_at is not None,
            created_at=user.created_at,
            banned=user.banned_at is not None,
        )


class LoginRefused(PaperfeedError):
    """Right password, but the account may not log in (only the owner learns why)."""

    status = 403


class EmailNotConfirmed(LoginRefused):
    """The sign-up link was never followed."""


class AccountBanned(LoginRefused):
    """An admin banned the account (service/moderation.py)."""


BANNED_MESSAGE = "This account has been banned by the moderators; it cannot log in or write."


# ---------------------------------------------------------------- sign up


@dataclass(frozen=True)
class SignUp:
    """``created``: a new unconfirmed account, ``token`` goes in its confirmation email.
    ``email_taken``: the address has an account; its owner is told by email. The page shown
    is the same for both."""

    outcome: Literal["created", "email_taken"]
    user: Account
    token: str | None = None


def sign_up(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    now: datetime,
    confirm_ttl: timedelta,
) -> SignUp:
    username = check_username(username)
    email = normalise_email(email)
    check_new_password(password, username=username)
    _purge_unconfirmed(session, now - confirm_ttl)
    if _by_username(session, username) is not None:
        # Usernames are public (they sign comments and submissions), so saying this leaks
        # nothing. Checked before the address, whatever the address, so this answer never
        # depends on whether the address has an account.
        raise Conflict("That username is taken; choose another.")
    existing = _by_email(session, email)
    if existing is not None:
        verify_password(None, password)  # the same hashing work as a new account
        return SignUp("email_taken", Account.of(existing))
    user = _new_user(username, email, password, role="member", now=now)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent sign-up took the name or the address
        raise Conflict("That username or email was just taken; try again.") from None
    token = one_time.issue(session, user, "verify", now=now, ttl=confirm_ttl)
    return SignUp("created", Account.of(user), token)


def confirm_email(session: Session, token: str | None, *, now: datetime) -> Account | None:
    user = one_time.consume(session, token, "verify", now=now)
    if user is None:
        return None
    user.email_verified_at = user.email_verified_at or now
    return Account.of(user)


def _new_user(username: str, email: str, password: str, *, role: str, now: datetime) -> User:
    return User(
        username=username,
        username_key=username_key(username),
        email=email,
        email_key=email_key(email),
        password_hash=hash_password(password),
        role=role,
        created_at=now,
        password_changed_at=now,
    )


def _purge_unconfirmed(session: Session, before: datetime) -> None:
    """Unconfirmed accounts past their link's lifetime free their name and address."""
    stale = select(User.id).where(User.email_verified_at.is_(None), User.created_at < before)
    ids = list(session.scalars(stale))
    if ids:
        delete_users(session, ids)


# ---------------------------------------------------------------- log in, passwords


def authenticate(session: Session, login: str, password: str) -> Account | None:
    """The account for a username or email and its password, or None. Unknown names cost the
    same argon2 verification as wrong passwords. A stale hash is upgraded in place."""
    user = find_user(session, login) if len(login) <= 254 else None
    if not verify_password(user.password_hash if user else None, password[:1024]):
        return None
    if user is None:  # never: verify_password is false without a hash
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.email_verified_at is None:
        raise EmailNotConfirmed(
            "Confirm your email address first: follow the link we sent when you signed up."
        )
    if user.banned_at is not None:
        raise AccountBanned(BANNED_MESSAGE)
    return Account.of(user)


def limit_key(session: Session, login: str) -> str:
    """The key of the per-account password-guessing limit for a typed log-in name: the
    account's id when the name or address has one, so ``bob`` and ``bob@example.org`` are one
    bucket, else the normalised text (the same limit applies: a refusal never says whether
    an account exists). Callers answering 429 must do so before checking any password."""
    user = find_user(session, login) if len(login) <= 254 else None
    return f"user:{user.id}" if user is not None else f"name:{login_key(login)[:254]}"


def account_limit_key(user_id: int) -> str:
    """:func:`limit_key` of a signed-in account: its password checks share log-in's bucket."""
    return f"user:{user_id}"


def confirm_password(session: Session, user_id: int, password: str, *, wrong: str) -> User:
    """The user, if ``password`` is their current one; else InvalidInput(``wrong``). Every
    check of a signed-in user's password goes through here, after the caller has counted it
    against the limit of :func:`account_limit_key` (web/ratelimits.count_password_check)."""
    user = _get(session, user_id)
    if not verify_password(user.password_hash, password[:1024]):
        raise InvalidInput(wrong)
    return user


@dataclass(frozen=True)
class PasswordSet:
    """A new password is stored; ``revoked_tokens`` names the API tokens that it ended (the
    owner is told by email)."""

    account: Account
    revoked_tokens: tuple[str, ...]


def change_password(
    session: Session, user_id: int, *, current: str, new: str, now: datetime
) -> PasswordSet:
    """Check the current password, store the new one, end every session and API token of
    the user (the caller starts a fresh session for the browser that asked)."""
    user = confirm_password(session, user_id, current, wrong="The current password is not right.")
    return _set_password(session, user, new, now)


def reset_password(
    session: Session, token: str | None, new: str, *, now: datetime
) -> PasswordSet | None:
    """Set a new password through an emailed reset link; None if the link is not valid.
    Nothing is written unless the new password is acceptable."""
    user = one_time.peek(session, token, "reset", now=now)
    if user is None:
        return None
    check_new_password(new, username=user.username)
    user = one_time.consume(session, token, "reset", now=now)
    if user is None:
        return None
    user.email_verified_at = user.email_verified_at or now  # the link proved the address
    return _set_password(session, user, new, now)


def request_reset(
    session: Session, email: str, *, now: datetime, ttl: timedelta
) -> tuple[Account, str] | None:
    """A reset token for the account of ``email``, or None; callers answer the same either
    way ("if an account exists, we sent a link")."""
    try:
        email = normalise_email(email)
    except InvalidInput:
        return None
    user = _by_email(session, email)
    if user is None:
        return None
    return Account.of(user), one_time.issue(session, user, "reset", now=now, ttl=ttl)


def _set_password(session: Session, user: User, new: str, now: datetime) -> PasswordSet:
    """Store the new password and end everything the old one let anybody start: sessions,
    API tokens (a thief's minted token must not outlive the owner's recovery), reset links."""
    check_new_password(new, username=user.username)
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    names = session.scalars(
        select(ApiToken.name).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()
    for model in (UserSession, ApiToken):
        session.execute(delete(model).where(model.user_id == user.id))
    session.execute(
        delete(OneTimeToken).where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == "reset")
    )
    return PasswordSet(Account.of(user), tuple(names))


# ---------------------------------------------------------------- delete

# Called with (session, user_id) before an account is deleted, in the same transaction.
# Later features register here what becomes of the user's votes, comments and submissions.
ACCOUNT_DELETION_HOOKS: list[Callable[[Session, int], None]] = []


def delete_account(session: Session, user_id: int, *, password: str) -> None:
    confirm_password(
        session, user_id, password, wrong="The password is not right; the account was not deleted."
    )
    delete_users(session, [user_id])


def delete_users(session: Session, ids: list[int]) -> None:
    """Remove users and everything personal they own: sessions, tokens, emailed links."""
    for user_id in ids:
        for hook in ACCOUNT_DELETION_HOOKS:
            hook(session, user_id)
    for model in (UserSession, ApiToken, OneTimeToken):
        session.execute(delete(model).where(model.user_id.in_(ids)))
    session.execute(delete(User).where(User.id.in_(ids)))


# ---------------------------------------------------------------- admin


def create_admin(
    session: Session, *, username: str, email: str, password: str, now: datetime
) -> Account:
    """A confirmed admin account (the CLI's ``users create-admin``), or promote an existing
    account with that username and email after checking its password."""
    username = check_username(username)
    email = normalise_email(email)
    user = _by_username(session, username)
    if user is not None:
        if user.email_key != email_key(email) or not verify_password(user.password_hash, password):
            raise Conflict(f"The username {username!r} is taken by another account.")
        user.role = "admin"
        user.email_verified_at = user.email_verified_at or now
        return Account.of(user)
    if _by_email(session, email) is not None:
        raise Conflict(f"The email {email!r} belongs to another account.")
    check_new_password(password, username=username)
    user = _new_user(username, email, password, role="admin", now=now)
    user.email_verified_at = now  # made on the server by its operator: nothing to confirm
    session.add(user)
    session.flush()
    return Account.of(user)


def list_users(session: Session, *, limit: int = 1000) -> list[Account]:
    rows = session.scalars(select(User).order_by(User.created_at, User.id).limit(limit))
    return [Account.of(u) for u in rows]


# ---------------------------------------------------------------- lookups


def find_user(session: Session, login: str) -> User | None:
    key = login_key(login)
    if not key or any(ord(c) < 32 for c in key):  # PostgreSQL text cannot even hold NUL
        return None
    return session.scalars(
        select(User).where(or_(User.username_key == key, User.email_key == key))
    ).first()


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput("That account no longer exists.")
    return user


def _by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email_key == email_key(email))).first()


def _by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username_key == username_key(username))).first()
