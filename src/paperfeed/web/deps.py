"""Dependencies as Annotated aliases; resources live on ``app.state`` (built by create_app)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from paperfeed.search.base import KeywordIndex
from paperfeed.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


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
