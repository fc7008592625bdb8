"""What a member follows: authors (by name, or a member by their approved author claims),
arXiv categories and topics (a saved search, by meaning or by words).

Rules (docs/follows.md):

- Following is idempotent: following the same thing twice gives the one follow back. "The
  same thing" is its ``key``: an author name case-folded with spaces collapsed (the form
  author claims compare), ``@`` + a member's username key, a category in arXiv's spelling
  (``cs.cl`` -> ``cs.CL``), a topic's mode and its case-folded words.
- A member follows at most :data:`MAX_FOLLOWS` things; a follow is theirs alone: another
  member's follow id is NotFound (404), never "forbidden", so ids leak nothing.
- Labels and queries are the member's plain text: surfaces show them escaped.

Which papers a follow brings is :mod:`paperfeed.recommend.following`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paperfeed.accounts.identity import lookup_key
from paperfeed.errors import InvalidInput, NotFound
from paperfeed.search.query import normalize_category
from paperfeed.service.authors import APPROVED, name_key
from paperfeed.service.search_request import MODES
from paperfeed.store.library_models import Follow
from paperfeed.store.models import AuthorClaim, User

AUTHOR, CATEGORY, TOPIC = "author", "category", "topic"
KINDS = (AUTHOR, CATEGORY, TOPIC)
MAX_FOLLOWS = 200
MAX_NAME = 255  # Follow.key and Follow.label
MAX_QUERY = 200  # Follow.query
MAX_CATEGORY = 32  # Paper.primary_category
MEMBER_PREFIX = "@"  # keys of member follows; never the start of a name key (refused below)
# What normalize_category gives for a category: archive, then an optional subject class.
_CATEGORY_SHAPE = re.compile(r"[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?")


@dataclass(frozen=True)
class FollowView:
    id: int
    kind: str  # author | category | topic
    key: str
    label: str  # what cards say brought a paper
    query: str | None  # topics: the words searched
    mode: str | None  # topics: hybrid | keyword | semantic
    username: str | None  # author follows of a member: their username
    created_at: datetime
    author_user_id: int | None = None  # the claimed member (internal id, never shown)

    @property
    def is_member(self) -> bool:
        return self.kind == AUTHOR and self.key.startswith(MEMBER_PREFIX)

    @property
    def url(self) -> str:
        """Where a reader meets the thing followed (a local path)."""
        if self.is_member and self.username:
            return "/users/" + quote(self.username)
        if self.kind == AUTHOR:
            return "/search?" + urlencode({"q": self.label, "author": self.label})
        if self.kind == CATEGORY:
            return "/search?" + urlencode({"category": self.key})
        return "/search?" + urlencode({"q": self.query or "", "mode": self.mode or ""})


@dataclass(frozen=True)
class Thing:
    """What a follow is of, checked and normalised: its key and label, before any row."""

    kind: str
    key: str
    label: str
    query: str | None = None
    mode: str | None = None
    author_user_id: int | None = None
    username: str | None = None


# ---------------------------------------------------------------- what can be followed


def author_thing(session: Session, name: object) -> Thing:
    """An author by name as papers list it; the approved claim of a member under that name,
    if exactly one member has one, is kept for a link to their page."""
    if not isinstance(name, str):
        raise InvalidInput("Give an author's name.")
    label = " ".join(name.split())
    if not label:
        raise InvalidInput("Give an author's name.")
    if len(label) > MAX_NAME or label.startswith(MEMBER_PREFIX):
        raise InvalidInput(f"An author's name is at most {MAX_NAME} characters, not starting @.")
    key = name_key(label)
    members = session.execute(
        select(User.id, User.username)
        .join(AuthorClaim, AuthorClaim.user_id == User.id)
        .where(
            AuthorClaim.author_key == key,
            AuthorClaim.status == APPROVED,
            User.banned_at.is_(None),
        )
        .distinct()
        .limit(2)
    ).all()
    member = members[0] if len(members) == 1 else None
    return Thing(
        AUTHOR,
        key,
        label,
        author_user_id=member.id if member else None,
        username=member.username if member else None,
    )


def member_thing(session: Session, username: object) -> Thing:
    """A member as an author: the papers of their approved claims, under any name."""
    key = lookup_key(username)
    user = session.scalar(select(User).where(User.username_key == key)) if key else None
    if user is None or user.banned_at is not None or user.email_verified_at is None:
        raise NotFound("No such user.")
    label = user.fullname or f"@{user.username}"
    return Thing(
        AUTHOR,
        MEMBER_PREFIX + user.username_key,
        label[:MAX_NAME],
        author_user_id=user.id,
        username=user.username,
    )


def category_thing(category: object) -> Thing:
    if not isinstance(category, str) or len(category) > MAX_CATEGORY:
        raise InvalidInput("Give an arXiv category such as cs.CL.")
    code = normalize_category(category)
    if not _CATEGORY_SHAPE.fullmatch(code):
        raise InvalidInput(f"{category.strip()[:40]!r} is not an arXiv category such as cs.CL.")
    return Thing(CATEGORY, code, code)


def topic_thing(query: object, mode: object = None) -> Thing:
    """A saved search: its words and its mode (hybrid when none is given)."""
    if not isinstance(query, str):
        raise InvalidInput("Give the words of the search to follow.")
    words = " ".join(query.split())
    if not words:
        raise InvalidInput("Give the words of the search to follow.")
    if len(words) > MAX_QUERY:
        raise InvalidInput(f"A followed search is at most {MAX_QUERY} characters.")
    chosen = mode.strip() if isinstance(mode, str) and mode.strip() else "hybrid"
    if chosen not in MODES:
        raise InvalidInput(f"unknown mode {chosen[:40]!r}; use one of {', '.join(MODES)}")
    return Thing(TOPIC, f"{chosen}:{words.casefold()}", words, query=words, mode=chosen)


def thing_of(session: Session, kind: object, value: object, mode: object = None) -> Thing:
    """The thing of a follow form or API body: ``kind`` author, member, category or topic."""
    if kind == AUTHOR:
        return author_thing(session, value)
    if kind == "member":
        return member_thing(session, value)
    if kind == CATEGORY:
        return category_thing(value)
    if kind == TOPIC:
        return topic_thing(value, mode)
    raise InvalidInput("kind must be one of author, member, category, topic")


# ---------------------------------------------------------------- writes


def follow(session: Session, user_id: int, thing: Thing, *, now: datetime) -> FollowView:
    """Follow ``thing`` (idempotent: an existing follow of it is returned as it is)."""
    existing = _find(session, user_id, thing.kind, thing.key)
    if existing is not None:
        return _view(session, existing)
    count = session.scalar(select(func.count()).where(Follow.user_id == user_id)) or 0
    if count >= MAX_FOLLOWS:
        raise InvalidInput(f"You follow {MAX_FOLLOWS} things already; unfollow some first.")
    row = Follow(
        user_id=user_id,
        kind=thing.kind,
        key=thing.key,
        label=thing.label,
        query=thing.query,
        mode=thing.mode,
        author_user_id=thing.author_user_id,
        created_at=now,
    )
    try:
        with session.begin_nested():  # the same follow sent twice at once: one row
            session.add(row)
    except IntegrityError:
        row = _find(session, user_id, thing.kind, thing.key)
        if row is None:
            raise
    return _view(session, row)


def follow_author(
    session: Session,
    user_id: int,
    name: object = None,
    *,
    username: object = None,
    now: datetime,
) -> FollowView:
    """Follow an author by ``name``, or the member ``username`` by their claimed papers."""
    if username is not None:
        return follow(session, user_id, member_thing(session, username), now=now)
    return follow(session, user_id, author_thing(session, name), now=now)


def follow_category(session: Session, user_id: int, category: object, *, now: datetime):
    return follow(session, user_id, category_thing(category), now=now)


def follow_topic(
    session: Session, user_id: int, query: object, *, mode: object = None, now: datetime
) -> FollowView:
    return follow(session, user_id, topic_thing(query, mode), now=now)


def unfollow(session: Session, user_id: int, follow_id: object) -> None:
    """Stop following; NotFound unless ``follow_id`` is one of the member's follows."""
    row = owned_follow(session, user_id, follow_id)
    session.delete(row)
    session.flush()


def unfollow_thing(session: Session, user_id: int, thing: Thing) -> bool:
    """Stop following ``thing`` if the member does (idempotent); whether a follow went."""
    row = _find(session, user_id, thing.kind, thing.key)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# ---------------------------------------------------------------- reads


def owned_follow(session: Session, user_id: int, follow_id: object) -> Follow:
    text = str(follow_id).strip() if isinstance(follow_id, (str, int)) else ""
    if not text.isdigit() or len(text) > 18:
        raise NotFound("No such follow.")
    row = session.scalar(select(Follow).where(Follow.id == int(text), Follow.user_id == user_id))
    if row is None:
        raise NotFound("No such follow.")
    return row


def get_follow(session: Session, user_id: int, follow_id: object) -> FollowView:
    return _view(session, owned_follow(session, user_id, follow_id))


def list_follows(session: Session, user_id: int) -> list[FollowView]:
    """The member's follows, oldest first (the order cards name them in)."""
    rows = session.execute(
        select(Follow, User.username)
        .outerjoin(User, User.id == Follow.author_user_id)
        .where(Follow.user_id == user_id)
        .order_by(Follow.created_at, Follow.id)
    ).all()
    return [_as_view(row, username) for row, username in rows]


def followed_keys(session: Session, user_id: int | None, kind: str) -> dict[str, int]:
    """key -> follow id of the member's follows of ``kind`` (for follow buttons' state)."""
    if user_id is None:
        return {}
    rows = session.execute(
        select(Follow.key, Follow.id).where(Follow.user_id == user_id, Follow.kind == kind)
    )
    return {key: follow_id for key, follow_id in rows}


def _find(session: Session, user_id: int, kind: str, key: str) -> Follow | None:
    return session.scalar(
        select(Follow).where(Follow.user_id == user_id, Follow.kind == kind, Follow.key == key)
    )


def _view(session: Session, row: Follow) -> FollowView:
    username = None
    if row.author_user_id is not None:
        username = session.scalar(select(User.username).where(User.id == row.author_user_id))
    return _as_view(row, username)


def _as_view(row: Follow, username: str | None) -> FollowView:
    return FollowView(
        id=row.id,
        kind=row.kind,
        key=row.key,
        label=row.label,
        query=row.query,
        mode=row.mode,
        username=username,
        created_at=row.created_at,
        author_user_id=row.author_user_id,
    )
