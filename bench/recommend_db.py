"""The product's side of the recommendation benchmark: a real SQLite database of one window
(papers without authors, their embeddings, one member per reader with their library in a
collection) and the for-you list of every reader through the service function the page uses.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

from bench.recommend_data import Window
from paperfeed.embed.model import DEFAULT_MODEL, paper_text
from paperfeed.embed.store import EmbeddingRow, text_hash, write_embeddings
from paperfeed.ingest.upsert import upsert_records
from paperfeed.library.prefs import get_prefs
from paperfeed.recommend.for_you import for_you
from paperfeed.runtime import Runtime
from paperfeed.search.sync import sync_vector_index
from paperfeed.settings import Settings
from paperfeed.store import migrate
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope
from paperfeed.store.library_models import Collection, CollectionItem
from paperfeed.store.models import Paper, User

LOADED = datetime(2026, 7, 2, tzinfo=UTC)  # when the bench "ingested" (after all listings)


def _settings(url: str, workdir: Path, semantic: bool = True) -> Settings:
    return Settings(
        database_url=url,
        index_dir=workdir / "index",
        embedding_model=DEFAULT_MODEL,
        semantic_search=semantic,
        embed_after_ingest=False,
        _env_file=None,
    )


def _day(d) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def build_database(window: Window, workdir: Path) -> tuple[str, dict[str, int]]:
    """The window's database; returns its URL and each reader's member id. Without
    ``window.vectors`` (``--no-embeddings``) no embedding is stored: search by meaning off."""
    url = f"sqlite:///{workdir / 'recommend.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    # Author names hidden: the ranker must find a reader's papers by their content alone.
    records = [dataclasses.replace(r, authors=()) for r in window.papers.values()]
    with session_scope(sessions) as s:
        upsert_records(s, records, source="bench", now=LOADED, bulk=True)
    with session_scope(sessions) as s:
        ids = dict(s.execute(select(Paper.arxiv_id, Paper.id)).all())
    members = _members(sessions, window, ids)
    if window.vectors is not None:
        _embeddings(sessions, window, ids)
        sync_vector_index(_settings(url, workdir), engine, DEFAULT_MODEL, rebuild=True)
    engine.dispose()
    return url, members


def _embeddings(sessions, window: Window, ids: dict[str, int]) -> None:
    with session_scope(sessions) as s:
        order = sorted(window.papers)
        rows = [
            EmbeddingRow(
                ids[a], text_hash(paper_text(window.papers[a].title, window.papers[a].abstract)), 0
            )
            for a in order
        ]
        vectors = np.stack([window.vectors[a] for a in order])
        write_embeddings(s, DEFAULT_MODEL, rows, vectors, now=LOADED)


def _members(sessions, window: Window, ids: dict[str, int]) -> dict[str, int]:
    members: dict[str, int] = {}
    with session_scope(sessions) as s:
        for n, reader in enumerate(window.readers):
            user_id = s.execute(
                insert(User)
                .values(
                    username=f"reader{n}",
                    username_key=f"reader{n}",
                    email=f"reader{n}@example.org",
                    email_key=f"reader{n}@example.org",
                    password_hash="!",  # no password: never signs in
                    role="member",
                    email_verified_at=LOADED,
                    created_at=LOADED,
                    password_changed_at=LOADED,
                )
                .returning(User.id)
            ).scalar_one()
            collection_id = s.execute(
                insert(Collection)
                .values(
                    user_id=user_id,
                    name="Saved",
                    name_key="saved",
                    description="",
                    is_default=True,
                    public=False,
                    share_key=f"bench{n:06d}",
                    created_at=LOADED,
                    updated_at=LOADED,
                )
                .returning(Collection.id)
            ).scalar_one()
            s.execute(
                insert(CollectionItem),
                [
                    {
                        "collection_id": collection_id,
                        "paper_id": ids[a],
                        "user_id": user_id,
                        "note": "",
                        "tags": [],
                        "added_at": _day(window.papers[a].feed_day),  # saved when listed
                    }
                    for a in reader.library
                ],
            )
            members[reader.name] = user_id
    return members


def product_rankings(
    window: Window, url: str, workdir: Path, members: dict[str, int]
) -> dict[str, list[str]]:
    """Each reader's top 100 from ``for_you`` (two pages of 50), with their settings."""
    from bench.recommend import window_now

    now = window_now(window)
    ranked: dict[str, list[str]] = {}
    with Runtime.open(_settings(url, workdir, window.vectors is not None)) as runtime:
        index = runtime.vector_index if window.vectors is not None else None
        for reader in window.readers:
            user_id = members[reader.name]
            with runtime.sessions() as session:
                prefs = get_prefs(session, user_id)
                ids: list[str] = []
                for offset in (0, 50):
                    page = for_you(
                        session,
                        index,
                        user_id=user_id,
                        now=now,
                        days=window.days,
                        mix=prefs.mix,
                        hide_seen=prefs.hide_seen,
                        limit=50,
                        offset=offset,
                    )
                    ids.extend(item.paper.arxiv_id for item in page.items)
            ranked[reader.name] = ids
    return ranked
