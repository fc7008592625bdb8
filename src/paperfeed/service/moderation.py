"""Moderation: admins hide and unhide papers and comments, ban and unban members, feature a
paper on its day; every action is written to ``admin_actions`` in the same transaction as
the change it records, so the log never misses one and never holds one that did not happen.

- **Hidden papers** (``papers.hidden``) disappear from feeds, search, similar papers, votes,
  comments and submissions: every reader query already filters on it. A hide appends to
  ``paper_changes`` so the keyword and vector indexes drop the paper at their next sync and
  no cached page keeps showing it.
- **Hidden comments** go through :func:`paperfeed.service.comments.set_hidden`.
- **Banned members** cannot log in; their sessions end at the ban and their API tokens are
  refused while it lasts (``accounts/users.py``, ``http/auth.py``). Admins cannot be banned
  (demote first, with the CLI), and nobody bans themself.
- **Featured papers** (``daily_entries.featured``) come first, marked, on their day's page.

Functions take the acting ``admin`` and refuse anyone else, so no caller can skip the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from paperfeed.accounts.identity import lookup_key
from paperfeed.accounts.users import Account
from paperfeed.arxiv_ids import parse_arxiv_id
from paperfeed.errors import Conflict, Forbidden, InvalidInput, NotFound
from paperfeed.service import comments
from paperfeed.store.changes import record_changes
from paperfeed.store.models import (
    AdminAction,
    Comment,
    DailyEntry,
    Paper,
    User,
    UserSession,
)

MAX_REASON = 500
LOG_PAGE = 200


@dataclass(frozen=True)
class ActionView:
    id: int
    admin: str
    action: str
    target_type: str
    target: str
    reason: str | None
    created_at: datetime


def check_reason(reason: object) -> str | None:
    """An optional reason: plain text of at most :data:`MAX_REASON` characters."""
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise InvalidInput("The reason must be text.")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason has {len(reason):,} characters; the limit is {MAX_REASON}.")
    if "\ufffd" in reason or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in reason):
        raise InvalidInput("The reason contains characters that are not plain text.")
    return reason or None


def _require_admin(admin: Account) -> None:
    if not admin.is_admin or admin.banned:
        raise Forbidden("Only admins can do that.")


def log_action(
    session: Session,
    admin: Account,
    action: str,
    target_type: str,
    target: str,
    *,
    reason: str | None,
    now: datetime,
) -> None:
    session.add(
        AdminAction(
            admin_id=admin.id,
            admin_name=admin.username,
            action=action,
            target_type=target_type,
            target=target[:128],
            reason=reason,
            created_at=now,
        )
    )


# ---------------------------------------------------------------- papers


def _paper(session: Session, arxiv_id: object) -> Paper:
    if not isinstance(arxiv_id, str):
        raise InvalidInput("Give an arXiv id.")
    bare, _version = parse_arxiv_id(arxiv_id.strip())
    paper = session.scalar(select(Paper).where(Paper.arxiv_id == bare).with_for_update())
    if paper is None:
        raise NotFound(f"No paper with arXiv id {bare!r}")
    return paper


def set_paper_hidden(
    session: Session,
    admin: Account,
    arxiv_id: object,
    hidden: bool,
    *,
    reason: object = None,
    now: datetime,
) -> str:
    """Hide or unhide a paper everywhere; returns its arXiv id. Idempotent, always logged."""
    _require_admin(admin)
    why = check_reason(reason)
    paper = _paper(session, arxiv_id)
    if paper.hidden != hidden:
        paper.hidden = hidden
        paper.modified_at = now
        record_changes(session, [paper.id], now)
    log_action(
        session, admin, "hide paper" if hidden else "unhide paper", "paper", paper.arxiv_id,
        reason=why, now=now,
    )  # fmt: skip
    return paper.arxiv_id


def hidden_papers(session: Session, *, limit: int = LOG_PAGE) -> list[tuple[str, str]]:
    """(arXiv id, title) of hidden papers, newest change first, for the admin page."""
    rows = session.execute(
        select(Paper.arxiv_id, Paper.title)
        .where(Paper.hidden.is_(True))
        .order_by(Paper.modified_at.desc(), Paper.id.desc())
        .limit(limit)
    )
    return [(a, t) for a, t in rows]


def set_featured(
    session: Session,
    admin: Account,
    arxiv_id: object,
    featured: bool,
    *,
    reason: object = None,
    now: datetime,
) -> str:
    """Feature (or stop featuring) a paper on its feed day; returns its arXiv id."""
    _require_admin(admin)
    why = check_reason(reason)
    paper = _paper(session, arxiv_id)
    entry = session.scalar(select(DailyEntry).where(DailyEntry.paper_id == paper.id))
    if entry is None:
        raise InvalidInput(
            f"{paper.arxiv_id} is not on the daily feed; only feed papers are featured."
        )
    if entry.featured != featured:
        entry.featured = featured
        record_changes(session, [paper.id], now)
    action = "feature paper" if featured else "unfeature paper"
    target = f"{paper.arxiv_id} on {entry.day.isoformat()}"
    log_action(session, admin, action, "paper", target, reason=why, now=now)
    return paper.arxiv_id


# ---------------------------------------------------------------- comments


def set_comment_hidden(
    session: Session,
    admin: Account,
    comment_id: object,
    hidden: bool,
    *,
    reason: object = None,
    now: datetime,
) -> str:
    """Hide or unhide a comment; returns the arXiv id of its paper."""
    _require_admin(admin)
    why = check_reason(reason)
    number = _number(comment_id, "comment")
    comments.set_hidden(session, number, admin, hidden, now=now)
    view = comments.get_comment(session, number, admin)
    paper_id = session.scalar(select(Comment.paper_id).where(Comment.id == number))
    record_changes(session, [paper_id], now)  # cached anonymous pages must not keep showing it
    action = "hide comment" if hidden else "unhide comment"
    log_action(session, admin, action, "comment", str(number), reason=why, now=now)
    return view.paper_id


def _number(value: object, what: str) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if not text.isdigit() or len(text) > 18 or int(text) == 0:
        raise NotFound(f"No such {what}.")
    return int(text)


# ---------------------------------------------------------------- users


def _user(session: Session, username: object) -> User:
    key = lookup_key(username)
    user = (
        session.scalar(select(User).where(User.username_key == key).with_for_update())
        if key
        else None
    )
    if user is None:
        raise NotFound("No such user.")
    return user


def ban_user(
    session: Session, admin: Account, username: object, *, reason: object = None, now: datetime
) -> str:
    """Ban a member: log-in refused, every session ended, API tokens refused. Returns the
    username."""
    _require_admin(admin)
    why = check_reason(reason)
    user = _user(session, username)
    if user.id == admin.id:
        raise Conflict("You cannot ban yourself.")
    if user.role == "admin":
        raise Conflict("Admins cannot be banned; demote the account first.")
    if user.banned_at is None:
        user.banned_at = now
    user.banned_reason = why
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    log_action(session, admin, "ban user", "user", user.username, reason=why, now=now)
    return user.username


def unban_user(
    session: Session, admin: Account, username: object, *, reason: object = None, now: datetime
) -> str:
    _require_admin(admin)
    why = check_reason(reason)
    user = _user(session, username)
    user.banned_at = None
    user.banned_reason = None
    log_action(session, admin, "unban user", "user", user.username, reason=why, now=now)
    return user.username


def banned_users(session: Session) -> dict[int, str | None]:
    """user id -> ban reason, for the admin's user list."""
    rows = session.execute(select(User.id, User.banned_reason).where(User.banned_at.is_not(None)))
    return {i: r for i, r in rows}


# ---------------------------------------------------------------- the log


def recent_actions(session: Session, *, limit: int = LOG_PAGE) -> list[ActionView]:
    rows = session.scalars(
        select(AdminAction)
        .order_by(AdminAction.created_at.desc(), AdminAction.id.desc())
        .limit(limit)
    )
    return [
        ActionView(r.id, r.admin_name, r.action, r.target_type, r.target, r.reason, r.created_at)
        for r in rows
    ]
