"""The papers in a collection (or in the whole library): browse, sort and search them, a
note and tags per paper, move and copy between collections.

Notes and tags are plain text; the pages escape them like any other text, never render
them as markup. A note is its owner's: another member sees a public collection's papers and
tags, never its notes (:func:`collection_items` with ``notes=False``).

Browsing reads the collection's rows (a few columns each) and filters and sorts them in
Python, then loads the shown page's papers: a library is thousands of papers, not millions,
and matching words with ``str.casefold`` behaves the same on both databases (SQLite stores
JSON tags ASCII-escaped, where ``LIKE`` would miss "é").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput, NotFound
from paperfeed.library.collections import add_papers, owned_collection
from paperfeed.service.papers import get_papers, visible_paper_id
from paperfeed.service.views import PaperView
from paperfeed.store.library_models import Collection, CollectionItem
from paperfeed.store.models import Paper

NOTE_MAX = 10_000
TAG_MAX = 50
TAGS_MAX = 20
QUERY_MAX = 200
SORTS = ("added", "oldest", "title", "published", "upvotes")


@dataclass(frozen=True)
class ItemView:
    """A paper in a collection. ``note`` is None where it is not shown (someone else's public
    collection, the whole-library list); ``collection_id`` is None in the whole-library list,
    where ``collections`` says which collections (id, name) hold the paper."""

    paper: PaperView
    added_at: datetime
    tags: tuple[str, ...]
    note: str | None
    collection_id: int | None
    collections: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class ItemPage:
    """One page of items, how many match in all, and every tag of the collection (or
    library) with how many papers carry it, most used first."""

    items: list[ItemView]
    total: int
    tags: tuple[tuple[str, int], ...]


def clean_note(note: str | None) -> str:
    text = (note or "").replace("\r\n", "\n").strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"A note has at most {NOTE_MAX} characters.")
    return text


def clean_tags(tags: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Tags from a list or a comma-separated text: trimmed, blanks collapsed, duplicates
    (ignoring case) dropped, in the order given."""
    raw = tags.split(",") if isinstance(tags, str) else list(tags or [])
    seen: dict[str, str] = {}
    for tag in raw:
        if not isinstance(tag, str):
            raise InvalidInput("Tags must be text.")
        tag = " ".join(tag.split())
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise InvalidInput(f"A tag has at most {TAG_MAX} characters.")
        seen.setdefault(tag.casefold(), tag)
    if len(seen) > TAGS_MAX:
        raise InvalidInput(f"A paper has at most {TAGS_MAX} tags.")
    return list(seen.values())


def check_listing(q: str, sort: str) -> tuple[list[str], str]:
    if len(q or "") > QUERY_MAX:
        raise InvalidInput(f"A search has at most {QUERY_MAX} characters.")
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}")
    return (q or "").casefold().split(), sort


@dataclass(frozen=True)
class _Row:
    paper_id: int
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    published_at: datetime | None
    upvotes: int
    added_at: datetime
    note: str
    tags: tuple[str, ...]
    collections: tuple[tuple[int, str], ...]


def _rows(session: Session, *, user_id: int, collection_id: int | None) -> list[_Row]:
    """The rows to browse: one a paper, its items merged in the whole-library case."""
    stmt = (
        select(
            CollectionItem.paper_id,
            CollectionItem.added_at,
            CollectionItem.note,
            CollectionItem.tags,
            CollectionItem.collection_id,
            Collection.name,
            Paper.arxiv_id,
            Paper.title,
            Paper.authors,
            Paper.published_at,
            Paper.upvotes,
        )
        .join(Paper, Paper.id == CollectionItem.paper_id)
        .join(Collection, Collection.id == CollectionItem.collection_id)
        .where(CollectionItem.user_id == user_id, Paper.hidden.is_(False))
    )
    if collection_id is not None:
        stmt = stmt.where(CollectionItem.collection_id == collection_id)
    merged: dict[int, _Row] = {}
    for r in session.execute(stmt.order_by(Collection.is_default.desc(), Collection.name_key)):
        old = merged.get(r.paper_id)
        tags = tuple(r.tags or ())
        if old is not None:  # the same paper in another collection: one row, tags united
            tags = old.tags + tuple(t for t in tags if t not in old.tags)
        merged[r.paper_id] = _Row(
            r.paper_id,
            r.arxiv_id,
            r.title,
            tuple(r.authors or ()),
            r.published_at,
            int(r.upvotes or 0),
            max(r.added_at, old.added_at) if old else r.added_at,
            "\n".join(n for n in (old.note if old else "", r.note or "") if n),
            tags,
            (old.collections if old else ()) + ((r.collection_id, r.name),),
        )
    return list(merged.values())


def _matches(row: _Row, words: list[str], tag: str, notes: bool) -> bool:
    if tag and tag.casefold() not in {t.casefold() for t in row.tags}:
        return False
    text = " ".join(
        (row.arxiv_id, row.title, " ".join(row.authors), " ".join(row.tags))
        + ((row.note,) if notes else ())
    ).casefold()
    return all(word in text for word in words)


_KEYS = {
    "added": (lambda r: (r.added_at, r.paper_id), True),
    "oldest": (lambda r: (r.added_at, r.paper_id), False),
    "title": (lambda r: (r.title.casefold(), r.paper_id), False),
    "upvotes": (lambda r: (r.upvotes, r.paper_id), True),
}


def _published_key(row: _Row):
    return (row.published_at is not None, row.published_at.timestamp() if row.published_at else 0)


def _page(
    session: Session,
    rows: list[_Row],
    *,
    q: str,
    tag: str,
    sort: str,
    limit: int,
    offset: int,
    notes: bool,
    collection_id: int | None,
) -> ItemPage:
    words, sort = check_listing(q, sort)
    tag_counts = Counter(t for row in rows for t in row.tags)
    shown = [row for row in rows if _matches(row, words, tag, notes)]
    if sort == "published":
        shown.sort(key=lambda r: (_published_key(r), r.paper_id), reverse=True)
    else:
        key, reverse = _KEYS[sort]
        shown.sort(key=key, reverse=reverse)
    window = shown[offset : offset + limit]
    papers = get_papers(session, [row.arxiv_id for row in window])
    items = [
        ItemView(
            paper=papers[row.arxiv_id],
            added_at=row.added_at,
            tags=row.tags,
            note=row.note if notes and collection_id is not None else None,
            collection_id=collection_id,
            collections=row.collections if collection_id is None else (),
        )
        for row in window
        if row.arxiv_id in papers
    ]
    tags = tuple(sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0].casefold())))
    return ItemPage(items, len(shown), tags)


def collection_items(
    session: Session,
    collection: Collection,
    *,
    q: str = "",
    tag: str = "",
    sort: str = "added",
    limit: int = 50,
    offset: int = 0,
    notes: bool = True,
) -> ItemPage:
    """A page of the papers in ``collection`` (the caller checked who may see it; ``notes``
    False for anyone but its owner), matching every word of ``q`` and carrying ``tag``."""
    rows = _rows(session, user_id=collection.user_id, collection_id=collection.id)
    return _page(
        session, rows, q=q, tag=tag, sort=sort, limit=limit, offset=offset,
        notes=notes, collection_id=collection.id,
    )  # fmt: skip


def library_items(
    session: Session,
    user_id: int,
    *,
    q: str = "",
    tag: str = "",
    sort: str = "added",
    limit: int = 50,
    offset: int = 0,
) -> ItemPage:
    """A page of every paper in any of the member's collections (one row a paper, with the
    collections holding it); ``q`` matches notes too."""
    rows = _rows(session, user_id=user_id, collection_id=None)
    return _page(
        session, rows, q=q, tag=tag, sort=sort, limit=limit, offset=offset,
        notes=True, collection_id=None,
    )  # fmt: skip


def _item(session: Session, collection_id: int, paper_id: int) -> CollectionItem | None:
    return session.get(CollectionItem, (collection_id, paper_id))


def get_item(session: Session, user_id: int, collection_id: int, arxiv_id: str) -> ItemView:
    """One paper of the member's collection with its note; NotFound if it is not there."""
    owned_collection(session, user_id, collection_id)
    paper_id, bare = visible_paper_id(session, arxiv_id)
    item = _item(session, collection_id, paper_id)
    if item is None:
        raise NotFound(f"{bare} is not in this collection.")
    return ItemView(
        paper=get_papers(session, [bare])[bare],
        added_at=item.added_at,
        tags=tuple(item.tags or ()),
        note=item.note or "",
        collection_id=collection_id,
    )


def annotate(
    session: Session,
    user_id: int,
    collection_id: int,
    arxiv_id: str,
    *,
    now: datetime,
    note: str | None = None,
    tags: str | list[str] | None = None,
    add: bool = False,
) -> ItemView:
    """Set the note and/or tags of a paper in the member's collection (each only when given);
    ``add`` puts the paper in first when it is not there (else NotFound)."""
    row = owned_collection(session, user_id, collection_id)
    paper_id, bare = visible_paper_id(session, arxiv_id)
    if add:
        add_papers(session, user_id=user_id, collection_id=row.id, paper_ids=[paper_id], now=now)
    item = _item(session, row.id, paper_id)
    if item is None:
        raise NotFound(f"{bare} is not in this collection.")
    if note is not None:
        item.note = clean_note(note)
    if tags is not None:
        item.tags = clean_tags(tags)
    row.updated_at = now
    session.flush()
    return get_item(session, user_id, row.id, bare)


def move_item(
    session: Session,
    user_id: int,
    arxiv_id: str,
    *,
    from_id: int,
    to_id: int,
    now: datetime,
    copy: bool = False,
) -> ItemView:
    """Move (or ``copy``) a paper with its note and tags to another of the member's
    collections. Where the target already holds it, its own note and tags stay (an empty
    note is filled from the source)."""
    source = owned_collection(session, user_id, from_id)
    target = owned_collection(session, user_id, to_id)
    paper_id, bare = visible_paper_id(session, arxiv_id)
    item = _item(session, source.id, paper_id)
    if item is None:
        raise NotFound(f"{bare} is not in this collection.")
    if target.id != source.id:
        add_papers(session, user_id=user_id, collection_id=target.id, paper_ids=[paper_id], now=now)
        there = _item(session, target.id, paper_id)
        if not there.note:
            there.note = item.note
        if not there.tags:
            there.tags = list(item.tags or [])
        if not copy:
            session.delete(item)
            source.updated_at = now
        target.updated_at = now
        session.flush()
    return get_item(session, user_id, target.id, bare)
