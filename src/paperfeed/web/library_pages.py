"""The library's pages: ``/library`` (a member's collections and every paper in them) and
``/collections/{share_key}`` (one collection: for anyone when public, for its owner only
otherwise; a 404 page for everyone else, exactly like a key that never existed).

Both browse with the same parameters as the JSON API (``q``, ``tag``, ``sort``, ``p``) and
advertise it as their JSON twin. Notes are shown to the owner only; notes, tags and names
are text, escaped like every other text. The forms that change the library are in
web/library_forms.py. Signed-in pages are never cached by shared caches.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser, OptionalUser
from paperfeed.http.deps import ReadSession, SettingsDep
from paperfeed.library import items
from paperfeed.library.collection_edits import collection_view, list_collections, shared_collection
from paperfeed.library.items import ItemPage
from paperfeed.links import site_url
from paperfeed.web.save_control import my_saved
from paperfeed.web.templating import render

router = routing.router(tags=["library"], include_in_schema=False)

Q = Annotated[str, Query(max_length=items.QUERY_MAX)]
Tag = Annotated[str, Query(max_length=items.TAG_MAX)]
Sort = Annotated[str, Query(pattern="^(" + "|".join(items.SORTS) + ")$")]
PageNo = Annotated[int, Query(ge=1, le=10_000)]
SORT_LABELS = {
    "added": "Recently added",
    "oldest": "First added",
    "title": "Title",
    "published": "Newest published",
    "upvotes": "Most upvoted",
}
PRIVATE = "private, no-cache"


def _browse(path: str, q: str, tag: str, sort: str, page: ItemPage, p: int, size: int):
    """What the search, sort, tag and pager parts of both pages need."""

    def url(n: int = 1, **change: str) -> str:
        params = {"q": q, "tag": tag, "sort": sort, **change}
        params = {k: v for k, v in params.items() if v and not (k == "sort" and v == "added")}
        if n > 1:
            params["p"] = str(n)
        return path + ("?" + urlencode(params) if params else "")

    return {
        "q": q,
        "tag": tag,
        "sort": sort,
        "sorts": SORT_LABELS,
        "listing": page,
        "page": p,
        "pages": max(1, -(-page.total // size)),
        "page_url": url,
        "tag_url": lambda t: url(tag=t),
        "browse_path": path,
    }


def _api(path: str, q: str, tag: str, sort: str, p: int, size: int) -> str:
    params = {"q": q, "tag": tag, "sort": sort if sort != "added" else ""}
    params = {k: v for k, v in params.items() if v}
    if p > 1:
        params.update(limit=str(size), offset=str((p - 1) * size))
    return path + ("?" + urlencode(params) if params else "")


@router.get("/library", response_class=HTMLResponse)
def library_page(
    request: Request, session: ReadSession, settings: SettingsDep, user: CurrentUser,
    q: Q = "", tag: Tag = "", sort: Sort = "added", p: PageNo = 1,
):  # fmt: skip
    """The member's collections and every paper in any of them."""
    size = settings.page_size
    page = items.library_items(
        session, user.id, q=q, tag=tag, sort=sort, limit=size, offset=(p - 1) * size
    )
    papers = [item.paper for item in page.items]
    context: dict[str, Any] = {
        "collections": list_collections(session, user.id),
        "saved": my_saved(request, session, papers),
        **_browse("/library", q, tag, sort, page, p, size),
    }
    api = _api("/api/library", q, tag, sort, p, size)
    response = render(request, "library.html", context, alternate=api)
    response.headers["Cache-Control"] = PRIVATE
    return response


@router.get("/collections/{share_key}", response_class=HTMLResponse)
def collection_page(
    request: Request, session: ReadSession, settings: SettingsDep, viewer: OptionalUser,
    share_key: str, q: Q = "", tag: Tag = "", sort: Sort = "added", p: PageNo = 1,
):  # fmt: skip
    """One collection by its share key; its owner gets the controls to change it."""
    row, owner = shared_collection(session, share_key, viewer.id if viewer else None)
    mine = viewer is not None and viewer.id == row.user_id
    size = settings.page_size
    page = items.collection_items(
        session, row, q=q, tag=tag, sort=sort, limit=size, offset=(p - 1) * size, notes=mine
    )
    path = f"/collections/{row.share_key}"
    context: dict[str, Any] = {
        "collection": collection_view(session, row),
        "owner": owner,
        "mine": mine,
        "share_url": site_url(settings.base_url, path),
        "others": [c for c in list_collections(session, row.user_id) if c.id != row.id]
        if mine
        else [],
        "saved": my_saved(request, session, [item.paper for item in page.items]),
        **_browse(path, q, tag, sort, page, p, size),
    }
    api = _api(
        f"/api/collections/{row.id}/items" if mine else f"/api/collections/shared/{row.share_key}",
        q, tag, sort, p, size,
    )  # fmt: skip
    response = render(request, "collection.html", context, alternate=api)
    # Private collections and an owner's view are nobody else's; public ones may change
    # (made private) at any moment, so they are not kept by shared caches either.
    response.headers["Cache-Control"] = PRIVATE
    return response
