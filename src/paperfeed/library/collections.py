"""A member's collections and which papers are in them: the core of the library.

Every member has one default collection, "Saved" (``is_default``), made on the first save by
:func:`saved_collection`; any number of named ones besides. Functions take a session and
never commit: the caller's transaction (a request's ``WriteSession``, an import's one
transaction) decides. A collection that is not the member's is :class:`NotFound`, exactly
like one that does not exist, so ids say nothing about other members' libraries.

**Idempotence.** Adding a paper that is already in a collection is a conditional insert
(``INSERT ... ON CONFLICT DO NOTHING RETURNING``) that changes nothing, so a double click, a
retried API call or a second import of the same file adds nothing twice; the number
returned counts only the rows really inserted. Concurrent first saves of one member race on
the partial unique index "one default per member"; the loser reads the winner's row.

**Deleted accounts.** Collections and their items reference ``users.id`` with ``ON DELETE
CASCADE`` (SQLite enforces it through the ``foreign_keys`` pragma), so deleting an account
deletes its library with it (tests/library/test_library_account_deletion.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paperfeed.errors import Conflict, NotFound
from paperfeed.service.papers import visible_paper_id
from paperfeed.store.chunks import in_chunks
from paperfeed.store.library_models import Collection, CollectionItem
from paperfeed.store.models import Paper
from paperfeed.store.types import MAX_ID

DEFAULT_NAME = "Saved"


@dataclass(frozen=True)
class CollectionView:
    """A collection as the surfaces show it; ``items`` is how many papers it holds."""

    id: int
    name: str
    description: str
    is_default: bool
    public: bool
    share_key: str
    items: int
    created_at: datetime
    updated_at: datetime

    @property
    def share_path(self) -> str:
        """The collection's page (for anyone when public, for its owner only otherwise)."""
        return f"/collections/{self.share_key}"

    @classmethod
    def of(cls, row: Collection, items: int = 0) -> CollectionView:
        return cls(
            id=row.id,
            name=row.name,
            description=row.description or "",
            is_default=bool(row.is_default),
            public=bool(row.public),
            share_key=row.share_key,
            items=items,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True)
class SaveState:
    """After a save or unsave: whether the paper is in any of the member's collections now,
    the collection this call was about, and whether this call changed anything."""

    arxiv_id: str
    saved: bool
    collection_id: int | None
    changed: bool = False
    paper_id: int | None = None  # the paper's internal id


def new_share_key() -> str:
    """A random, unguessable key for ``/collections/{key}`` (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


def owned_collection(session: Session, user_id: int, collection_id: int) -> Collection:
    """The member's collection ``collection_id``; NotFound if it is not theirs (or absent)."""
    row = None
    if 0 < collection_id <= MAX_ID:
        row = session.scalar(
            select(Collection).where(Collection.id == collection_id, Collection.user_id == user_id)
        )
    if row is None:
        raise NotFound(f"No collection {collection_id} in your library.")
    return row


def saved_collection(session: Session, user_id: int, *, now: datetime) -> Collection:
    """The member's default collection "Saved", made on first use."""
    row = _default_of(session, user_id)
    if row is not None:
        return row
    row = Collection(
        user_id=user_id,
        name=DEFAULT_NAME,
        name_key=DEFAULT_NAME.casefold(),
        description="",
        is_default=True,
        public=False,
        share_key=new_share_key(),
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # a concurrent first save made it (or a collection took the name)
        row = _default_of(session, user_id)
        if row is None:
            raise Conflict(f"A collection named {DEFAULT_NAME!r} is in the way.") from None
    return row


def _default_of(session: Session, user_id: int) -> Collection | None:
    return session.scalar(
        select(Collection).where(Collection.user_id == user_id, Collection.is_default.is_(True))
    )


def add_papers(
    session: Session,
    *,
    user_id: int,
    collection_id: int,
    paper_ids: Iterable[int],
    now: datetime,
) -> int:
    """Put papers (internal ids) into the member's collection; returns how many were not in
    it yet. Idempotent; NotFound if the collection is not the member's."""
    row = owned_collection(session, user_id, collection_id)
    return _insert_items(session, row, paper_ids, now)


def _insert_items(session: Session, row: Collection, paper_ids: Iterable[int], now) -> int:
    ids = list(dict.fromkeys(int(i) for i in paper_ids))
    insert_ = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    added = 0
    for part in in_chunks(ids):  # rows per INSERT, like ids per IN
        values = [
            {"collection_id": row.id, "paper_id": pid, "user_id": row.user_id, "added_at": now}
            for pid in part
        ]
        stmt = (
            insert_(CollectionItem)
            .values(values)
            .on_conflict_do_nothing(index_elements=["collection_id", "paper_id"])
            .returning(CollectionItem.paper_id)
        )
        added += len(session.execute(stmt).all())
    if added:
        row.updated_at = now
        session.flush()
    return added


def remove_papers(
    session: Session, *, user_id: int, collection_id: int, paper_ids: Iterable[int], now: datetime
) -> int:
    """Take papers out of the member's collection; returns how many were in it."""
    row = owned_collection(session, user_id, collection_id)
    ids = list(dict.fromkeys(int(i) for i in paper_ids))
    removed = 0
    for part in in_chunks(ids):
        removed += len(
            session.execute(
                delete(CollectionItem)
                .where(
                    CollectionItem.collection_id == row.id,
                    CollectionItem.paper_id.in_(part),
                )
                .returning(CollectionItem.paper_id)
            ).all()
        )
    if removed:
        row.updated_at = now
        session.flush()
    return removed


def save_paper(
    session: Session,
    user_id: int,
    arxiv_id: str,
    *,
    now: datetime,
    collection_id: int | None = None,
) -> SaveState:
    """Save a visible paper into ``collection_id`` (default: "Saved"); idempotent."""
    paper_id, bare = visible_paper_id(session, arxiv_id)
    if collection_id is None:
        row = saved_collection(session, user_id, now=now)
    else:
        row = owned_collection(session, user_id, collection_id)
    added = _insert_items(session, row, [paper_id], now)
    return SaveState(bare, True, row.id, changed=added > 0, paper_id=paper_id)


def unsave_paper(
    session: Session,
    user_id: int,
    arxiv_id: str,
    *,
    now: datetime,
    collection_id: int | None = None,
) -> SaveState:
    """Take a paper out of ``collection_id``, or, without one, out of every collection of the
    member (what the Save button on a card undoes: it shows "saved" for any of them)."""
    paper_id, bare = visible_paper_id(session, arxiv_id)
    if collection_id is not None:
        removed = remove_papers(
            session, user_id=user_id, collection_id=collection_id, paper_ids=[paper_id], now=now
        )
    else:
        removed = len(
            session.execute(
                delete(CollectionItem)
                .where(CollectionItem.user_id == user_id, CollectionItem.paper_id == paper_id)
                .returning(CollectionItem.collection_id)
            ).all()
        )
    # Out of every collection: nothing to look up; out of one: maybe still in another.
    still = collection_id is not None and bool(saved_among(session, user_id, [paper_id]))
    return SaveState(bare, still, collection_id, changed=removed > 0, paper_id=paper_id)


def saved_among(session: Session, user_id: int | None, paper_ids: Iterable[int]) -> set[int]:
    """Which of ``paper_ids`` (internal ids) are in any of the member's collections."""
    ids = list(dict.fromkeys(paper_ids))
    if user_id is None or not ids:
        return set()
    found: set[int] = set()
    for part in in_chunks(ids):
        found.update(
            session.scalars(
                select(CollectionItem.paper_id)
                .where(
                    CollectionItem.user_id == user_id,
                    CollectionItem.paper_id.in_(part),
                )
                .distinct()
            )
        )
    return found


def saved_arxiv_ids_among(
    session: Session, user_id: int | None, arxiv_ids: Iterable[str]
) -> frozenset[str]:
    """Which of ``arxiv_ids`` (bare ids: the cards of a page) the member has saved."""
    ids = list(dict.fromkeys(arxiv_ids))
    if user_id is None or not ids:
        return frozenset()
    found: set[str] = set()
    for part in in_chunks(ids):
        found.update(
            session.scalars(
                select(Paper.arxiv_id)
                .join(CollectionItem, CollectionItem.paper_id == Paper.id)
                .where(
                    CollectionItem.user_id == user_id,
                    Paper.arxiv_id.in_(part),
                )
                .distinct()
            )
        )
    return frozenset(found)


def collections_holding(session: Session, user_id: int, paper_id: int) -> list[int]:
    """The ids of the member's collections that hold the paper (the paper page's panel)."""
    return list(
        session.scalars(
            select(CollectionItem.collection_id)
            .where(CollectionItem.user_id == user_id, CollectionItem.paper_id == paper_id)
            .order_by(CollectionItem.collection_id)
        )
    )


def library_papers_query(user_id: int) -> Select:
    """``(paper_id, added_at)``: every paper in any of the member's collections with when it
    was last added, one row a paper, unordered (a part of the for-you profile's one read)."""
    return (
        select(CollectionItem.paper_id, func.max(CollectionItem.added_at).label("added_at"))
        .where(CollectionItem.user_id == user_id)
        .group_by(CollectionItem.paper_id)
    )


def library_papers(session: Session, user_id: int) -> list[tuple[int, datetime]]:
    """:func:`library_papers_query`, newest first."""
    rows = session.execute(library_papers_query(user_id)).all()
    return sorted(((int(pid), at) for pid, at in rows), key=lambda r: (r[1], r[0]), reverse=True)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
