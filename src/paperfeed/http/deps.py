"""Dependencies as Annotated aliases; resources live on ``app.state`` (built by create_app)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from paperfeed.http.read_routing import read_sessions
from paperfeed.search.base import KeywordIndex, VectorIndex
from paperfeed.search.semantic import SemanticSearch
from paperfeed.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request's reads, closed on the event loop (a sync generator's
    teardown would need a threadpool slot; see :class:`ReleasingRoute` for why slots are
    scarce). On a replica when one is configured and this request may read there
    (:func:`~paperfeed.http.read_routing.read_sessions`); writes never go through it."""
    session = read_sessions(request)()
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
    plain values, so nothing needs the session once they have returned.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any):
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _release_sessions_after(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _release_sessions_after(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # keeps the signature FastAPI reads the dependencies from
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()

    return run


def get_search(request: Request) -> KeywordIndex:
    """The keyword search backend, shared by every request (thread-safe)."""
    return request.app.state.search


def get_semantic(request: Request) -> SemanticSearch | None:
    """Search by meaning (query model + vector index), or None where the site turned it off."""
    return request.app.state.semantic


def get_vectors(request: Request) -> VectorIndex | None:
    """The vector index alone (similar papers need no model), or None when turned off."""
    return request.app.state.vector_index


def get_now() -> datetime:
    """The current time; tests override this dependency to pin it."""
    return datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
NowDep = Annotated[datetime, Depends(get_now)]
SearchDep = Annotated[KeywordIndex, Depends(get_search)]
SemanticDep = Annotated[SemanticSearch | None, Depends(get_semantic)]
VectorDep = Annotated[VectorIndex | None, Depends(get_vectors)]
