"""The library's plain HTML forms: make, change and delete collections; a paper's note and
tags; take a paper out, move or copy it. Every one needs a signed-in member (anonymous
readers are sent to log in), the page's CSRF token (checked app-wide) and is rate limited
(bucket ``library``); problems are answered with the error page and its 4xx status, and
nothing is written unless the whole change succeeds. Success redirects (303) to the page
the change is seen on. Another member's collection is a 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form
from fastapi.responses import RedirectResponse

from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser
from paperfeed.http.deps import NowDep, WriteSession
from paperfeed.http.ratelimits import rate_limited
from paperfeed.library import collection_edits as edits
from paperfeed.library import items
from paperfeed.library.collections import owned_collection, unsave_paper

router = routing.router(tags=["library"], include_in_schema=False)

LIMITED = [Depends(rate_limited("library"))]
Name = Annotated[str, Form(max_length=edits.NAME_MAX * 2)]
Description = Annotated[str, Form(max_length=edits.DESCRIPTION_MAX * 2)]
Checkbox = Annotated[str, Form(max_length=8)]
ITEM = "/library/collections/{collection_id:int}/items/{arxiv_id:arxiv_id}"


def _back(path: str, anchor: str = "") -> RedirectResponse:
    response = RedirectResponse(path + (f"#{anchor}" if anchor else ""), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_of(session, user_id: int, collection_id: int) -> str:
    return f"/collections/{owned_collection(session, user_id, collection_id).share_key}"


@router.post("/library/collections", dependencies=LIMITED)
def create_form(
    session: WriteSession, user: CurrentUser, now: NowDep, name: Name,
    description: Description = "", public: Checkbox = "",
):  # fmt: skip
    """A new collection; to its page."""
    row = edits.create_collection(
        session, user.id, name=name, description=description, public=bool(public), now=now
    )
    return _back(f"/collections/{row.share_key}")


@router.post("/library/collections/{collection_id:int}/edit", dependencies=LIMITED)
def edit_form(
    session: WriteSession, user: CurrentUser, now: NowDep, collection_id: int, name: Name,
    description: Description = "", public: Checkbox = "",
):  # fmt: skip
    """Rename, describe, make public or private (the form sends every field)."""
    row = edits.update_collection(
        session, user.id, collection_id, name=name, description=description,
        public=bool(public), now=now,
    )  # fmt: skip
    return _back(f"/collections/{row.share_key}")


@router.post("/library/collections/{collection_id:int}/delete", dependencies=LIMITED)
def delete_form(
    session: WriteSession, user: CurrentUser, collection_id: int, confirm: Checkbox = ""
):
    """Delete a named collection; the form's box must be ticked."""
    if not confirm:
        raise InvalidInput("Tick the box to confirm that the collection should be deleted.")
    edits.delete_collection(session, user.id, collection_id)
    return _back("/library")


@router.post(ITEM, dependencies=LIMITED)
def annotate_form(
    session: WriteSession, user: CurrentUser, now: NowDep, collection_id: int, arxiv_id: str,
    note: Annotated[str, Form(max_length=items.NOTE_MAX * 2)] = "",
    tags: Annotated[str, Form(max_length=(items.TAG_MAX + 2) * items.TAGS_MAX * 2)] = "",
):  # fmt: skip
    """Set a paper's note and tags (comma-separated) in the collection."""
    view = items.annotate(session, user.id, collection_id, arxiv_id, note=note, tags=tags, now=now)
    return _back(_page_of(session, user.id, collection_id), f"paper-{view.paper.arxiv_id}")


@router.post(ITEM + "/remove", dependencies=LIMITED)
def remove_form(
    session: WriteSession, user: CurrentUser, now: NowDep, collection_id: int, arxiv_id: str
):
    """Take the paper out of this collection (its note goes with it)."""
    unsave_paper(session, user.id, arxiv_id, now=now, collection_id=collection_id)
    return _back(_page_of(session, user.id, collection_id))


@router.post(ITEM + "/move", dependencies=LIMITED)
def move_form(
    session: WriteSession, user: CurrentUser, now: NowDep, collection_id: int, arxiv_id: str,
    to: Annotated[str, Form(max_length=20)], keep: Checkbox = "",
):  # fmt: skip
    """Move (or copy) the paper with its note and tags to another collection; back here."""
    if not to.isdigit() or len(to) > 19:
        raise InvalidInput("Choose a collection to move the paper to.")
    items.move_item(
        session, user.id, arxiv_id, from_id=collection_id, to_id=int(to), copy=bool(keep), now=now
    )
    return _back(_page_of(session, user.id, collection_id))
