"""Search fixtures: the backend for the test's database, and moderation-style hide/delete."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from paperfeed.search import open_backend
from paperfeed.service.search import SearchFilters, search
from paperfeed.store.db import session_scope
from paperfeed.store.models import DailyEntry, Paper, PaperChange


@pytest.fixture
def index(settings, engine):
    """The keyword backend the app would use: tantivy on SQLite, PostgreSQL FTS otherwise."""
    backend = open_backend(settings, engine)
    yield backend
    backend.close()


@pytest.fixture
def find(session_factory, index):
    """``find(query, **filters_and_paging)`` -> SearchResults, through the service."""

    def run(query: str, *, limit: int = 20, offset: int = 0, **filters):
        with session_factory() as session:
            return search(
                session, index, query, SearchFilters(**filters), limit=limit, offset=offset
            )

    return run


@pytest.fixture
def ids(find):
    """``ids(query, ...)`` -> arXiv ids in rank order."""
    return lambda query, **kw: [p.arxiv_id for p in find(query, **kw).papers]


def _change(session, paper_id: int) -> None:
    session.add(PaperChange(paper_id=paper_id, changed_at=datetime.now(UTC)))


@pytest.fixture
def hide(session_factory):
    """Hide a paper the way moderation does: set ``hidden`` and append a change."""

    def run(arxiv_id: str) -> None:
        with session_scope(session_factory) as s:
            pid = s.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))
            s.execute(update(Paper).where(Paper.id == pid).values(hidden=True))
            _change(s, pid)

    return run


@pytest.fixture
def remove(session_factory):
    """Delete a paper outright and append a change."""

    def run(arxiv_id: str) -> None:
        with session_scope(session_factory) as s:
            pid = s.scalar(select(Paper.id).where(Paper.arxiv_id == arxiv_id))
            s.execute(delete(DailyEntry).where(DailyEntry.paper_id == pid))
            s.execute(delete(Paper).where(Paper.id == pid))
            _change(s, pid)

    return run
