"""Dependencies as Annotated aliases; resources live on ``app.state`` (built by create_app)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from paperfeed.search.base import KeywordIndex
from paperfeed.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request, opened and closed on the event loop.

    Async on purpose: a sync generator's teardown (which returns the connection to the pool)
    would need a threadpool slot, and under load every slot can be taken by routes waiting
    for a connection that only such a teardown would free. Closing costs one ROLLBACK.
    """
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


def get_search(request: Request) -> KeywordIndex:
    """The keyword search backend, shared by every request (thread-safe)."""
    return request.app.state.search


def get_now() -> datetime:
    """The current time; tests override this dependency to pin it."""
    return datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
NowDep = Annotated[datetime, Depends(get_now)]
SearchDep = Annotated[KeywordIndex, Depends(get_search)]
