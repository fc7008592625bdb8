"""Named collections: make, rename, describe, publish or unpublish, delete, and list a
member's collections with their sizes. Names are unique per member case-folded (``name_key``);
"Saved", the default collection's name, is taken as soon as a member makes any collection.
A collection that is not the member's is NotFound, like one that does not exist; so is a
private one opened by its share URL by anyone but its owner (:func:`shared_collection`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from paperfeed.errors import Conflict, InvalidInput, NotFound
from paperfeed.library.collections import (
    CollectionView,
    new_share_key,
    owned_collection,
    saved_collection,
)
from paperfeed.store.library_models import Collection, CollectionItem
from paperfeed.store.models import User

NAME_MAX = 100
DESCRIPTION_MAX = 2_000


def clean_name(name: str) -> tuple[str, str]:
    """A collection name, trimmed and checked, and its case-folded key."""
    name = " ".join((name or "").split())  # no runs of blanks
    if any(ord(c) < 32 or ord(c) == 127 for c in name):  # PostgreSQL refuses NUL in text
        raise InvalidInput("A collection name cannot hold control characters.")
    if not name:
        raise InvalidInput("A collection needs a name.")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"A collection name has at most {NAME_MAX} characters.")
    return name, name.casefold()[:NAME_MAX]


def clean_description(description: str | None) -> str:
    text = (description or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise InvalidInput(f"A description has at most {DESCRIPTION_MAX} characters.")
    return text


def create_collection(
    session: Session,
    user_id: int,
    *,
    name: str,
    description: str = "",
    public: bool = False,
    now: datetime,
) -> Collection:
    """A new named collection; Conflict if the member has one by that name (in any case)."""
    name, key = clean_name(name)
    saved_collection(session, user_id, now=now)  # so "Saved" is never taken by another one
    if _named(session, user_id, key) is not None:
        raise Conflict(f"You already have a collection named {name!r}.")
    row = Collection(
        user_id=user_id,
        name=name,
        name_key=key,
        description=clean_description(description),
        is_default=False,
        public=bool(public),
        share_key=new_share_key(),
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same name, made concurrently
        raise Conflict(f"You already have a collection named {name!r}.") from None
    return row


def _named(session: Session, user_id: int, key: str) -> Collection | None:
    return session.scalar(
        select(Collection).where(Collection.user_id == user_id, Collection.name_key == key)
    )


def update_collection(
    session: Session,
    user_id: int,
    collection_id: int,
    *,
    now: datetime,
    name: str | None = None,
    description: str | None = None,
    public: bool | None = None,
) -> Collection:
    """Rename, describe, or make public or private (each only when given)."""
    row = owned_collection(session, user_id, collection_id)
    if name is not None:
        name, key = clean_name(name)
        other = _named(session, user_id, key)
        if other is not None and other.id != row.id:
            raise Conflict(f"You already have a collection named {name!r}.")
        row.name, row.name_key = name, key
    if description is not None:
        row.description = clean_description(description)
    if public is not None:
        row.public = bool(public)
    row.updated_at = now
    session.flush()
    return row


def delete_collection(session: Session, user_id: int, collection_id: int) -> None:
    """Delete a named collection and its items (the papers stay in the others)."""
    row = owned_collection(session, user_id, collection_id)
    if row.is_default:
        raise InvalidInput(f"{row.name!r} is your default collection: empty it instead.")
    session.execute(delete(CollectionItem).where(CollectionItem.collection_id == row.id))
    session.delete(row)
    session.flush()


def list_collections(session: Session, user_id: int) -> list[CollectionView]:
    """The member's collections with their sizes: the default first, then by name."""
    counts = dict(
        session.execute(
            select(CollectionItem.collection_id, func.count())
            .where(CollectionItem.user_id == user_id)
            .group_by(CollectionItem.collection_id)
        ).all()
    )
    rows = session.scalars(
        select(Collection)
        .where(Collection.user_id == user_id)
        .order_by(Collection.is_default.desc(), Collection.name_key)
    )
    return [CollectionView.of(row, counts.get(row.id, 0)) for row in rows]


def collection_view(session: Session, row: Collection) -> CollectionView:
    items = session.scalar(
        select(func.count())
        .select_from(CollectionItem)
        .where(CollectionItem.collection_id == row.id)
    )
    return CollectionView.of(row, int(items or 0))


def shared_collection(
    session: Session, share_key: str, viewer_id: int | None
) -> tuple[Collection, str]:
    """The collection at ``/collections/{share_key}`` and its owner's username, for anyone
    when it is public and for its owner always; NotFound otherwise, so a private
    collection's URL looks exactly like one that never existed."""
    row = None
    if 0 < len(share_key) <= 32 and share_key.replace("-", "").replace("_", "").isalnum():
        row = session.execute(
            select(Collection, User.username)
            .join(User, User.id == Collection.user_id)
            .where(Collection.share_key == share_key)
        ).first()
    if row is None or not (row[0].public or row[0].user_id == viewer_id):
        raise NotFound("No such collection.")
    return row[0], row[1]
