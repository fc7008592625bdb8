"""Dependencies as Annotated aliases; resources live on ``app.state`` (built by create_app).

A handler gets a session one way, by the kind it needs (tests/web/test_session_dependencies.py
holds every route to it):

- :data:`ReadSession`: reads, on the replica when the request may read there
  (:mod:`paperfeed.http.read_routing`);
- :data:`PrimaryRead`: reads that must be fresh (after a write, who is asking), on the primary;
- :data:`WriteSession`: one transaction on the primary with the write lock, committed when
  the endpoint returns and rolled back if it raises;
- :data:`PrimarySessions`: the primary's session factory, for handlers that run their own
  transactions with ``session_scope`` (several, or one whose failure they answer with a page)
  and for the services and background tasks that do.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.http.read_routing import read_sessions
from paperfeed.search.base import KeywordIndex, VectorIndex
from paperfeed.search.fulltext_index import PassageIndex
from paperfeed.search.semantic import SemanticSearch
from paperfeed.settings import Settings
from paperfeed.store.db import write_session


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


COMMIT_ON_RETURN = "paperfeed_commit_on_return"  # a Session.info key: a WriteSession's mark


def primary_sessions(request: Request) -> sessionmaker[Session]:
    """The primary's session factory: every write, and reads that must be fresh."""
    return request.app.state.sessions


async def get_primary_sessions(request: Request) -> sessionmaker[Session]:
    return primary_sessions(request)  # async: no threadpool hop to hand over a factory


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request's reads, closed on the event loop (a sync generator's
    teardown would need a threadpool slot; see :class:`ReleasingRoute` for why slots are
    scarce). On a replica when one is configured and this request may read there
    (:func:`~paperfeed.http.read_routing.read_sessions`); writes never go through it."""
    session = read_sessions(request)()
    try:
        yield session
    finally:
        session.close()


async def get_primary_read(request: Request) -> AsyncIterator[Session]:
    """A session for reads on the primary, closed like :func:`get_read_session`'s."""
    session = primary_sessions(request)()
    try:
        yield session
    finally:
        session.close()


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """A session on the primary that takes the write lock at its first statement (as
    ``session_scope`` does at BEGIN), so an endpoint that answers before touching it takes no
    lock. :class:`ReleasingRoute` commits it when the endpoint returns, or rolls it back."""
    session = write_session(primary_sessions(request))
    session.info[COMMIT_ON_RETURN] = True
    try:
        yield session
    finally:
        session.close()


class ReleasingRoute(APIRoute):
    """Routes whose sessions give their connection back as soon as the endpoint returns.

    FastAPI runs a sync endpoint in one threadpool call and validates its return value in
    another, and closes yield-dependencies only after the response. Were the connection held
    until then, a burst of requests could leave every thread waiting for a connection while
    every connection waits, with its finished request, for a thread: the server stalls until
    the pool times out (seen under 32 connections on /api/daily_papers). Endpoints return
    plain values, so nothing needs the session once they have returned. A
    :data:`WriteSession` is committed first (rolled back if the endpoint raised), in the same
    threadpool call. Every router gets this class from :func:`paperfeed.http.routing.router`.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any):
        is_async = inspect.iscoroutinefunction(endpoint)
        if not is_async:
            endpoint = _release_sessions_after(endpoint)
        super().__init__(path, endpoint, **kwargs)
        # Only a sync endpoint's own WriteSession parameter is committed (by the wrapper):
        # one anywhere else would be rolled back in silence.
        subs = self.dependant.dependencies
        if (is_async and any(sub.call is get_write_session for sub in subs)) or any(
            _takes_write_session(sub) for sub in subs
        ):
            raise TypeError(f"{path}: only a sync endpoint's own parameter can be a WriteSession")


def _release_sessions_after(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # keeps the signature FastAPI reads the dependencies from
    def run(*args: Any, **kwargs: Any) -> Any:
        sessions = [value for value in kwargs.values() if isinstance(value, Session)]
        try:
            result = endpoint(*args, **kwargs)
            for session in sessions:
                if session.info.get(COMMIT_ON_RETURN):
                    session.commit()
            return result
        finally:
            for session in sessions:
                session.close()  # rolls back what was not committed

    return run


def _takes_write_session(dependant: Dependant) -> bool:
    """Whether one of the dependencies of ``dependant`` (at any depth) is a WriteSession."""
    return any(
        sub.call is get_write_session or _takes_write_session(sub) for sub in dependant.dependencies
    )


async def get_search(request: Request) -> KeywordIndex:
    """The keyword search backend, shared by every request (thread-safe)."""
    return request.app.state.search


async def get_passages(request: Request) -> PassageIndex | None:
    """The full-text passage index, or None where the site does not fetch full text."""
    return request.app.state.passages


async def get_semantic(request: Request) -> SemanticSearch | None:
    """Search by meaning (query model + vector index), or None where the site turned it off."""
    return request.app.state.semantic


async def get_vectors(request: Request) -> VectorIndex | None:
    """The vector index alone (similar papers need no model), or None when turned off."""
    return request.app.state.vector_index


async def get_now() -> datetime:
    """The current time; tests override this dependency to pin it.

    This and the other resource dependencies are async: FastAPI runs a sync dependency in
    the threadpool, a thread hop per dependency per request (most of a page's event-loop
    work, measured in issue 16) to return a value that needs no thread."""
    return datetime.now(UTC)


def app_now(app: Any) -> datetime:
    """The app's clock outside a dependency: ``get_now``, or the test's override of it."""
    override = app.dependency_overrides.get(get_now)
    return override() if override is not None else datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(get_settings)]
ReadSession = Annotated[Session, Depends(get_read_session)]
PrimaryRead = Annotated[Session, Depends(get_primary_read)]
WriteSession = Annotated[Session, Depends(get_write_session)]
PrimarySessions = Annotated[sessionmaker[Session], Depends(get_primary_sessions)]
NowDep = Annotated[datetime, Depends(get_now)]
SearchDep = Annotated[KeywordIndex, Depends(get_search)]
SemanticDep = Annotated[SemanticSearch | None, Depends(get_semantic)]
PassagesDep = Annotated[PassageIndex | None, Depends(get_passages)]
VectorDep = Annotated[VectorIndex | None, Depends(get_vectors)]
