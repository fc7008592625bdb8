"""The tools of a member signed in with an API token: for_you, following, save, library.

The same functions as ``/api/for-you``, ``/api/following``, ``/api/papers/{id}/save`` and
``/api/library`` (recommend/, library/). Each is registered by :func:`member_tool`, the one
wrapper that refuses an anonymous caller (a tool error saying how to connect with a token),
counts the call, opens the session and turns the service's errors into tool errors; only
``save`` writes, in one transaction, rate limited with the JSON API's library writes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field
from sqlalchemy.orm import Session

from paperfeed.library.collection_edits import list_collections
from paperfeed.library.collections import owned_collection, save_paper
from paperfeed.library.items import collection_items, library_items
from paperfeed.library.prefs import get_prefs
from paperfeed.mcp.calls import Calls
from paperfeed.mcp.outputs import (
    LIST_ABSTRACT,
    CollectionOut,
    FollowingOut,
    FollowingPaper,
    ForYouOut,
    ForYouPaper,
    LibraryOut,
    LibraryPaper,
    Paper,
    SaveOut,
)
from paperfeed.mcp.reading_tools import READ_ONLY, Limit, Offset, PaperId, page_window
from paperfeed.recommend.following import MAX_DAYS, following_feed
from paperfeed.recommend.for_you import for_you

if TYPE_CHECKING:
    from paperfeed.runtime import Runtime

SAVE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True)

FOR_YOU = """The member's "For you" list: recent papers ranked for them, mixing personal
relevance (what they saved, upvoted, follow and marked "more like this") with the
community's trending signal, each with the reason it is there. Papers they saved or marked
"not interested" are left out. days (1, 7 or 30), mix (1.0 only personal, 0.0 only the
community) and hide_seen default to the member's own settings. Needs an API token."""

FOLLOWING = """The member's Following feed: new papers by the authors, members, categories
and topics they follow, newest first, each with the follows that brought it. days: the
window, 1 to 90 (default 7). Needs an API token."""

SAVE_DOC = """Save a paper into one of the member's collections (default: their "Saved").
Idempotent: saving again changes nothing (`changed` false). collection_id: an id from the
`library` tool. The only tool that writes; rate limited like the JSON API's writes. Needs an
API token."""

LIBRARY = """The member's library: their collections (id, name, size) and a page of the
papers in them, newest saved first, with tags (and notes, in one collection's list).
collection_id: list one collection (default: the whole library, each paper once). query:
words that must all match titles, authors, ids, tags or notes; tag: only papers with this
tag; sort: added, oldest, title, published or upvotes. Needs an API token."""


@dataclass(frozen=True)
class Member:
    """What a member tool's body gets: the call's session, the member, the time, the runtime."""

    session: Session
    user_id: int
    now: datetime
    runtime: Runtime

    @property
    def base_url(self) -> str:
        return self.runtime.settings.base_url


def member_tool(
    server: MCPServer, calls: Calls, name: str, description: str, *, write: bool = False
) -> Callable[[Callable], Callable]:
    """Register the decorated ``fn(member, **arguments)`` as tool ``name``: the client sees
    ``fn``'s arguments (after ``member``), its description and its output schema; each call
    runs ``fn`` through ``calls.member`` (``calls.write`` with ``write``)."""

    def register(fn: Callable) -> Callable:
        signature = inspect.signature(fn, eval_str=True)
        arguments = list(signature.parameters.values())[1:]  # after ``member``
        ctx = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Context)

        @functools.wraps(fn)
        def tool(ctx: Context, **kwargs):
            runtime = calls.runtime(ctx)

            def body(session, caller, now):
                return fn(Member(session, caller.account.id, now, runtime), **kwargs)

            return (calls.write if write else calls.member)(ctx, name, body)

        # What the SDK reads to build the tool's schemas and find the context argument.
        tool.__signature__ = signature.replace(parameters=[ctx, *arguments])
        tool.__annotations__ = {
            "ctx": Context,
            **{p.name: p.annotation for p in arguments},
            "return": signature.return_annotation,
        }
        del tool.__wrapped__  # the signature above, not fn's, is the tool's
        annotations = SAVE if write else READ_ONLY
        server.tool(name=name, description=description, annotations=annotations)(tool)
        return fn

    return register


def for_you_list(
    member: Member,
    days: Annotated[int | None, Field(description="1, 7 or 30")] = None,
    mix: Annotated[float | None, Field(description="0.0 to 1.0")] = None,
    hide_seen: bool | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> ForYouOut:
    size, skip = page_window(limit, offset)
    settings = member.runtime.settings
    prefs = get_prefs(member.session, member.user_id)
    page = for_you(
        member.session,
        member.runtime.vector_index,
        user_id=member.user_id,
        now=member.now,
        **prefs.asked(days=days, mix=mix, hide_seen=hide_seen),
        limit=size,
        offset=skip,
        half_life=timedelta(hours=settings.trending_half_life_hours),
    )
    items = [
        ForYouPaper(
            paper=Paper.of(i.paper, member.base_url, abstract_chars=LIST_ABSTRACT),
            score=i.score,
            reason=i.reason.text if i.reason else None,
        )
        for i in page.items
    ]
    return ForYouOut(
        days=page.days,
        mix=page.mix,
        cold_start=page.cold_start,
        total=page.total,
        offset=skip,
        papers=items,
    )


def following(
    member: Member,
    days: Annotated[int, Field(description=f"1 to {MAX_DAYS}")] = 7,
    limit: Limit = 20,
    offset: Offset = 0,
) -> FollowingOut:
    size, skip = page_window(limit, offset)
    page = following_feed(
        member.session,
        member.runtime.search,
        member.runtime.semantic,
        user_id=member.user_id,
        now=member.now,
        days=days,
        limit=size,
        offset=skip,
    )
    items = [
        FollowingPaper(
            paper=Paper.of(i.paper, member.base_url, abstract_chars=LIST_ABSTRACT),
            because=i.because,
        )
        for i in page.items
    ]
    return FollowingOut(
        days=page.days,
        first_day=page.first_day.isoformat() if page.first_day else None,
        last_day=page.last_day.isoformat() if page.last_day else None,
        follows=page.follows,
        total=page.total,
        offset=skip,
        papers=items,
    )


def save(
    member: Member,
    id: PaperId,
    collection_id: Annotated[int | None, Field(description='default: "Saved"')] = None,
) -> SaveOut:
    state = save_paper(
        member.session, member.user_id, id, now=member.now, collection_id=collection_id
    )
    return SaveOut(
        id=state.arxiv_id,
        saved=state.saved,
        collection_id=state.collection_id,
        changed=state.changed,
    )


def library(
    member: Member,
    collection_id: Annotated[int | None, Field(description="one collection's id")] = None,
    query: Annotated[str, Field(description="words that must all match")] = "",
    tag: str = "",
    sort: Literal["added", "oldest", "title", "published", "upvotes"] = "added",
    limit: Limit = 20,
    offset: Offset = 0,
) -> LibraryOut:
    size, skip = page_window(limit, offset)
    session, user_id, base = member.session, member.user_id, member.base_url
    window = {"q": query, "tag": tag, "sort": sort, "limit": size, "offset": skip}
    if collection_id is None:
        page = library_items(session, user_id, **window)
    else:
        page = collection_items(
            session, owned_collection(session, user_id, collection_id), **window
        )
    return LibraryOut(
        collections=[CollectionOut.of(c, base) for c in list_collections(session, user_id)],
        collection_id=collection_id,
        total=page.total,
        offset=skip,
        papers=[LibraryPaper.of(item, base) for item in page.items],
    )


def register(server: MCPServer, calls: Calls) -> None:
    """Add the member tools to ``server``."""
    member_tool(server, calls, "for_you", FOR_YOU)(for_you_list)
    member_tool(server, calls, "following", FOLLOWING)(following)
    member_tool(server, calls, "save", SAVE_DOC, write=True)(save)
    member_tool(server, calls, "library", LIBRARY)(library)
