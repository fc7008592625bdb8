"""JSON API of the library: a member's collections and the papers in them, with notes and
tags (docs/library.md#api).

Every endpoint answers only for the caller's own library: ``Authorization: Bearer <token>``
(no CSRF token needed) or the session cookie with ``X-CSRF-Token`` for writes; without
either, 401. Another member's collection is 404, exactly like one that does not exist,
whether it is private or public: public ones are read at ``/api/collections/shared/{key}``,
where notes are never shown. Writes are rate limited (bucket ``library``,
``PAPERFEED_RATE_LIMIT_WRITES``). Errors use the one envelope
``{"ok": false, "error": ..., "status": ...}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Path, Query, Response
from sqlalchemy.orm import Session

from paperfeed.api.library_schemas import (
    CollectionIn,
    CollectionOut,
    CollectionPatch,
    ItemIn,
    ItemOut,
    ItemPageOut,
    MoveIn,
    SharedCollectionOut,
)
from paperfeed.api.paging import link_next_page
from paperfeed.api.schemas import ErrorOut
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser, OptionalUser
from paperfeed.http.deps import NowDep, ReadSession, SettingsDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library import collection_edits as edits
from paperfeed.library import items
from paperfeed.library.collections import owned_collection, unsave_paper

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 429)
}
LIMITED = [Depends(rate_limited("library"))]

router = routing.router(prefix="/api", tags=["library"], responses=ERRORS)

Q = Annotated[str, Query(max_length=items.QUERY_MAX, description="words, all must match")]
Tag = Annotated[str, Query(max_length=items.TAG_MAX, description="only papers with this tag")]
Sort = Annotated[str, Query(pattern="^(" + "|".join(items.SORTS) + ")$")]
Limit = Annotated[int, Query(ge=1, le=200)]
MAX_OFFSET = 100_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
CollectionId = Annotated[int, Path(description="the id of one of your collections")]


def _out(session: Session, row, settings) -> CollectionOut:
    return CollectionOut.of(edits.collection_view(session, row), settings.base_url)


def _page_out(
    response: Response, settings, path: str, page: items.ItemPage, *, q: str, tag: str,
    sort: str, limit: int, offset: int,
) -> ItemPageOut:  # fmt: skip
    """The page, with ``Link: <...>; rel="next"`` naming the next one (docs/api.md#paging)."""
    link_next_page(
        response, settings.base_url, path, {"q": q, "tag": tag, "sort": sort},
        offset=offset, limit=limit, total=page.total, max_offset=MAX_OFFSET, position="offset",
    )  # fmt: skip
    return ItemPageOut.of(page)


@router.get("/library", response_model=ItemPageOut, summary="Your whole library")
def library(
    session: ReadSession, user: CurrentUser, settings: SettingsDep, response: Response,
    q: Q = "", tag: Tag = "", sort: Sort = "added", limit: Limit = 50, offset: Offset = 0,
) -> ItemPageOut:  # fmt: skip
    """Every paper in any of your collections, once each, with the collections holding it.
    ``q`` matches titles, authors, arXiv ids, tags and notes; ``sort`` is added (newest
    first), oldest, title, published (newest first) or upvotes. ``Link`` names the next
    page."""
    page = items.library_items(
        session, user.id, q=q, tag=tag, sort=sort, limit=limit, offset=offset
    )
    return _page_out(
        response, settings, "/api/library", page, q=q, tag=tag, sort=sort, limit=limit,
        offset=offset,
    )  # fmt: skip


@router.get("/collections", response_model=list[CollectionOut], summary="Your collections")
def list_collections(
    session: ReadSession, user: CurrentUser, settings: SettingsDep
) -> list[CollectionOut]:
    """Your collections with their sizes: the default "Saved" first, then by name."""
    return [
        CollectionOut.of(v, settings.base_url) for v in edits.list_collections(session, user.id)
    ]


@router.post(
    "/collections", response_model=CollectionOut, status_code=201, dependencies=LIMITED,
    summary="Make a collection",
)  # fmt: skip
def create_collection(
    session: WriteSession, user: CurrentUser, now: NowDep, settings: SettingsDep,
    payload: Annotated[CollectionIn, Body()],
) -> CollectionOut:  # fmt: skip
    """A new named collection (private unless ``public``). 409 if you have one by that name
    (names are compared ignoring case)."""
    row = edits.create_collection(
        session, user.id, name=payload.name, description=payload.description,
        public=payload.public, now=now,
    )  # fmt: skip
    return _out(session, row, settings)


@router.get(
    "/collections/{collection_id:int}", response_model=CollectionOut, summary="One collection"
)
def get_collection(
    session: ReadSession, user: CurrentUser, settings: SettingsDep, collection_id: CollectionId
) -> CollectionOut:
    """One of your collections; 404 for anyone else's."""
    return _out(session, owned_collection(session, user.id, collection_id), settings)


@router.patch(
    "/collections/{collection_id:int}", response_model=CollectionOut, dependencies=LIMITED,
    summary="Rename, describe, publish or unpublish a collection",
)  # fmt: skip
def update_collection(
    session: WriteSession, user: CurrentUser, now: NowDep, settings: SettingsDep,
    collection_id: CollectionId, payload: Annotated[CollectionPatch, Body()],
) -> CollectionOut:  # fmt: skip
    """Change only the fields sent. Making a collection private makes its shareUrl a 404
    for everyone but you at once."""
    row = edits.update_collection(
        session, user.id, collection_id, name=payload.name, description=payload.description,
        public=payload.public, now=now,
    )  # fmt: skip
    return _out(session, row, settings)


@router.delete(
    "/collections/{collection_id:int}", status_code=204, dependencies=LIMITED,
    summary="Delete a collection",
)  # fmt: skip
def delete_collection(session: WriteSession, user: CurrentUser, collection_id: CollectionId):
    """Delete a named collection and its notes; the papers stay in your other collections.
    The default collection cannot be deleted (400): remove its papers instead."""
    edits.delete_collection(session, user.id, collection_id)
    return Response(status_code=204)


@router.get(
    "/collections/{collection_id:int}/items", response_model=ItemPageOut,
    summary="The papers in a collection",
)  # fmt: skip
def collection_items(
    session: ReadSession, user: CurrentUser, settings: SettingsDep, response: Response,
    collection_id: CollectionId, q: Q = "", tag: Tag = "", sort: Sort = "added",
    limit: Limit = 50, offset: Offset = 0,
) -> ItemPageOut:  # fmt: skip
    """A page of the papers in one of your collections, with notes and tags; ``q``, ``tag``
    and ``sort`` as for ``/api/library``; ``Link`` names the next page."""
    row = owned_collection(session, user.id, collection_id)
    page = items.collection_items(session, row, q=q, tag=tag, sort=sort, limit=limit, offset=offset)
    return _page_out(
        response, settings, f"/api/collections/{row.id}/items", page, q=q, tag=tag,
        sort=sort, limit=limit, offset=offset,
    )  # fmt: skip


@router.get(
    "/collections/shared/{share_key}", response_model=SharedCollectionOut,
    summary="A public collection",
)  # fmt: skip
def shared_collection(
    session: ReadSession, viewer: OptionalUser, settings: SettingsDep, response: Response,
    share_key: str, q: Q = "", tag: Tag = "", sort: Sort = "added", limit: Limit = 50,
    offset: Offset = 0,
) -> SharedCollectionOut:  # fmt: skip
    """The collection behind a share URL, for anyone when it is public; a private one is
    404 for everyone but its owner. Notes are not shown here, not even to the owner (who
    reads them at ``/api/collections/{id}/items``). ``Link`` names the next page."""
    row, owner = edits.shared_collection(session, share_key, viewer.id if viewer else None)
    page = items.collection_items(
        session, row, q=q, tag=tag, sort=sort, limit=limit, offset=offset, notes=False
    )
    page_out = _page_out(
        response, settings, f"/api/collections/shared/{row.share_key}", page, q=q, tag=tag,
        sort=sort, limit=limit, offset=offset,
    )  # fmt: skip
    return SharedCollectionOut(collection=_out(session, row, settings), owner=owner, page=page_out)


ITEM = "/collections/{collection_id:int}/items/{arxiv_id:arxiv_id}"


@router.get(ITEM, response_model=ItemOut, summary="A paper in a collection, with its note")
def get_item(
    session: ReadSession, user: CurrentUser, collection_id: CollectionId, arxiv_id: str
) -> ItemOut:
    """One paper of your collection with your note and tags; 404 if it is not there (or
    the collection is not yours)."""
    return ItemOut.of(items.get_item(session, user.id, collection_id, arxiv_id))


@router.put(
    ITEM, response_model=ItemOut, dependencies=LIMITED,
    summary="Put a paper in a collection (with a note and tags)",
)  # fmt: skip
def put_item(
    session: WriteSession, user: CurrentUser, now: NowDep, collection_id: CollectionId,
    arxiv_id: str, payload: Annotated[ItemIn | None, Body()] = None,
) -> ItemOut:  # fmt: skip
    """Add the paper if it is not there yet (idempotent), then set the note and tags sent."""
    payload = payload or ItemIn()
    return ItemOut.of(
        items.annotate(
            session,
            user.id,
            collection_id,
            arxiv_id,
            note=payload.note,
            tags=payload.tags,
            add=True,
            now=now,
        )  # fmt: skip
    )


@router.patch(
    ITEM, response_model=ItemOut, dependencies=LIMITED, summary="Change a paper's note or tags"
)
def patch_item(
    session: WriteSession, user: CurrentUser, now: NowDep, collection_id: CollectionId,
    arxiv_id: str, payload: Annotated[ItemIn, Body()],
) -> ItemOut:  # fmt: skip
    """Set the note and/or tags of a paper already in the collection (404 otherwise)."""
    return ItemOut.of(
        items.annotate(
            session,
            user.id,
            collection_id,
            arxiv_id,
            note=payload.note,
            tags=payload.tags,
            now=now,
        )  # fmt: skip
    )


@router.delete(
    ITEM, status_code=204, dependencies=LIMITED, summary="Take a paper out of a collection"
)
def delete_item(
    session: WriteSession, user: CurrentUser, now: NowDep, collection_id: CollectionId,
    arxiv_id: str,
):  # fmt: skip
    """Remove the paper (and its note) from this collection; nothing happens if it was not
    there. 404 if the collection is not yours."""
    unsave_paper(session, user.id, arxiv_id, now=now, collection_id=collection_id)
    return Response(status_code=204)


@router.post(
    ITEM + "/move", response_model=ItemOut, dependencies=LIMITED,
    summary="Move or copy a paper to another collection",
)  # fmt: skip
def move_item(
    session: WriteSession, user: CurrentUser, now: NowDep, collection_id: CollectionId,
    arxiv_id: str, payload: Annotated[MoveIn, Body()],
) -> ItemOut:  # fmt: skip
    """Move the paper with its note and tags to collection ``to`` (``copy``: keep it here
    too). Answers the paper as it is in the target collection."""
    return ItemOut.of(
        items.move_item(
            session,
            user.id,
            arxiv_id,
            from_id=collection_id,
            to_id=payload.to,
            copy=payload.copy_,
            now=now,
        )  # fmt: skip
    )
