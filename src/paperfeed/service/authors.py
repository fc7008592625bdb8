"""Authors: a member claims to be one of a paper's authors; an admin approves or rejects.

Rules (docs/community.md, "Authors"):

- The claim names one of the paper's author names exactly as the paper lists it (compared
  case-folded with spaces collapsed); any other name is refused (400).
- One claim per (member, paper), whatever its outcome: a rejected member does not retry.
- An author name of a paper has at most one approved claim; approving a second claim for
  the same name is refused (409), and a partial unique index enforces it under concurrency.
- Approved claims put the member's page (``/users/<name>``) behind that author name on the
  paper page and list the paper there. Approval and rejection are logged as admin actions.
- Claims go with the account (ON DELETE CASCADE) and with the paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paperfeed.accounts.identity import lookup_key
from paperfeed.accounts.users import Account
from paperfeed.arxiv_ids import parse_arxiv_id
from paperfeed.errors import Conflict, Forbidden, InvalidInput, NotFound
from paperfeed.service.moderation import check_reason, log_action
from paperfeed.service.views import PaperView
from paperfeed.store.changes import record_changes
from paperfeed.store.models import AuthorClaim, DailyEntry, Paper, User

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
MAX_NAME = 512
PAGE = 200


@dataclass(frozen=True)
class ClaimView:
    id: int
    username: str
    arxiv_id: str
    title: str
    author_name: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class AuthorPage:
    username: str
    fullname: str | None
    papers: list[PaperView]  # approved claims, newest paper first
    names: list[str]  # the author names claimed


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _visible_paper(session: Session, arxiv_id: object) -> Paper:
    if not isinstance(arxiv_id, str):
        raise InvalidInput("Give an arXiv id.")
    bare, _version = parse_arxiv_id(arxiv_id)
    paper = session.scalar(select(Paper).where(Paper.arxiv_id == bare, Paper.hidden.is_(False)))
    if paper is None:
        raise NotFound(f"No paper with arXiv id {bare!r}")
    return paper


def claim_authorship(
    session: Session, account: Account, arxiv_id: object, author_name: object, *, now: datetime
) -> ClaimView:
    """A pending claim by ``account`` to be ``author_name`` of the paper."""
    if account.banned:
        raise Forbidden("This account is banned; it cannot claim papers.")
    paper = _visible_paper(session, arxiv_id)
    if not isinstance(author_name, str) or not author_name.strip():
        raise InvalidInput("Choose which of the paper's authors you are.")
    if len(author_name) > MAX_NAME:
        raise InvalidInput("That is not one of this paper's authors.")
    key = name_key(author_name)
    matches = [a for a in paper.authors or () if name_key(a) == key]
    if not matches:
        raise InvalidInput("That is not one of this paper's authors.")
    mine = session.scalar(
        select(AuthorClaim).where(
            AuthorClaim.user_id == account.id, AuthorClaim.paper_id == paper.id
        )
    )
    if mine is not None:
        raise Conflict(f"You already claimed this paper (as {mine.author_name}: {mine.status}).")
    taken = session.scalar(
        select(AuthorClaim.id).where(
            AuthorClaim.paper_id == paper.id,
            AuthorClaim.author_key == key,
            AuthorClaim.status == APPROVED,
        )
    )
    if taken is not None:
        raise Conflict(f"{matches[0]} is already claimed by another member.")
    claim = AuthorClaim(
        user_id=account.id,
        paper_id=paper.id,
        author_name=matches[0],
        author_key=key,
        status=PENDING,
        created_at=now,
    )
    session.add(claim)
    try:
        session.flush()
    except IntegrityError:  # the same member, twice at once: the transaction is rolled back
        raise Conflict("You already claimed this paper.") from None
    claim_id = claim.id
    return ClaimView(
        claim_id, account.username, paper.arxiv_id, paper.title, matches[0], PENDING, now
    )


def decide_claim(
    session: Session,
    admin: Account,
    claim_id: object,
    approve: bool,
    *,
    reason: object = None,
    now: datetime,
) -> ClaimView:
    """Approve or reject a pending claim (admins only); logged."""
    if not admin.is_admin or admin.banned:
        raise Forbidden("Only admins can decide claims.")
    why = check_reason(reason)
    text = str(claim_id).strip() if isinstance(claim_id, (str, int)) else ""
    if not text.isdigit() or len(text) > 18:
        raise NotFound("No such claim.")
    claim = session.scalar(select(AuthorClaim).where(AuthorClaim.id == int(text)).with_for_update())
    if claim is None:
        raise NotFound("No such claim.")
    if claim.status != PENDING:
        raise Conflict(f"This claim was already {claim.status}.")
    if approve:
        taken = session.scalar(
            select(AuthorClaim.id).where(
                AuthorClaim.paper_id == claim.paper_id,
                AuthorClaim.author_key == claim.author_key,
                AuthorClaim.status == APPROVED,
            )
        )
        if taken is not None:
            raise Conflict(f"{claim.author_name} is already claimed by another member.")
    claim.status = APPROVED if approve else REJECTED
    claim.decided_at = now
    claim.decided_by = admin.id
    try:
        session.flush()
    except IntegrityError:  # another admin approved the same name at the same moment
        raise Conflict(f"{claim.author_name} is already claimed by another member.") from None
    if approve:  # the paper page now links the name: cached pages must not keep the old one
        record_changes(session, [claim.paper_id], now)
    view = _views(session, select_ids=[claim.id])[0]
    action = "approve claim" if approve else "reject claim"
    target = f"#{claim.id} {view.username} as {claim.author_name} of {view.arxiv_id}"
    log_action(session, admin, action, "claim", target, reason=why, now=now)
    return view


def pending_claims(session: Session, *, limit: int = PAGE) -> list[ClaimView]:
    return _views(session, status=PENDING, limit=limit)


def claims_of(session: Session, user_id: int) -> list[ClaimView]:
    return _views(session, user_id=user_id, limit=PAGE)


def _views(
    session: Session,
    *,
    status: str | None = None,
    user_id: int | None = None,
    select_ids: list[int] | None = None,
    limit: int = PAGE,
) -> list[ClaimView]:
    query = (
        select(AuthorClaim, User.username, Paper.arxiv_id, Paper.title)
        .join(User, User.id == AuthorClaim.user_id)
        .join(Paper, Paper.id == AuthorClaim.paper_id)
        .order_by(AuthorClaim.created_at, AuthorClaim.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(AuthorClaim.status == status)
    if user_id is not None:
        query = query.where(AuthorClaim.user_id == user_id)
    if select_ids is not None:
        query = query.where(AuthorClaim.id.in_(select_ids))
    return [
        ClaimView(c.id, name, arxiv, title, c.author_name, c.status, c.created_at)
        for c, name, arxiv, title in session.execute(query)
    ]


# "status = 'approved'" written into the statement, not bound: a bound value that a partial
# index's condition names (uq_author_claims_approved_name) makes SQLite plan the statement
# again at every run (~0.27 ms here, against ~0.02 ms to run it; issue 16).
APPROVED_CLAIM = AuthorClaim.status == literal_column(f"'{APPROVED}'")

_CLAIMED_NAMES = (  # built once: building a statement costs more than running it (issue 16)
    select(AuthorClaim.author_name, User.username)
    .join(User, User.id == AuthorClaim.user_id)
    .join(Paper, Paper.id == AuthorClaim.paper_id)
    .where(
        Paper.arxiv_id == bindparam("arxiv_id"),
        APPROVED_CLAIM,
        User.banned_at.is_(None),
    )
)


def claimed_names(session: Session, arxiv_id: str) -> dict[str, str]:
    """Author name (as the paper lists it) -> username, for the paper's approved claims."""
    rows = session.connection().execute(_CLAIMED_NAMES, {"arxiv_id": arxiv_id})
    return {name: username for name, username in rows}


def author_page(session: Session, username: str) -> AuthorPage:
    """A member's public page: the papers of their approved claims."""
    key = lookup_key(username)
    user = session.scalar(select(User).where(User.username_key == key)) if key else None
    if user is None or user.banned_at is not None or user.email_verified_at is None:
        raise NotFound("No such user.")
    rows = session.execute(
        select(Paper, DailyEntry, AuthorClaim.author_name)
        .join(AuthorClaim, AuthorClaim.paper_id == Paper.id)
        .outerjoin(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(
            AuthorClaim.user_id == user.id,
            AuthorClaim.status == APPROVED,
            Paper.hidden.is_(False),
        )
        .order_by(Paper.published_at.desc(), Paper.id.desc())
        .limit(PAGE)
    ).all()
    names = sorted({name for _p, _e, name in rows}, key=str.casefold)
    papers = [PaperView.from_row(p, e) for p, e, _n in rows]
    return AuthorPage(user.username, user.fullname, papers, names)


def count_pending(session: Session) -> int:
    return session.scalar(select(func.count()).where(AuthorClaim.status == PENDING)) or 0
