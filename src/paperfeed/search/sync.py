"""Open the keyword and vector indexes that fit the database, and keep the derived ones in step.

Called at web start-up, by ``paperfeed index sync|rebuild``, and after ingest runs. On
PostgreSQL both indexes are part of the database (a generated column, a pgvector HNSW index),
so there is nothing to sync; the vector index only has to be created once embeddings exist.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from paperfeed.search.base import KeywordIndex, VectorIndex
from paperfeed.search.fulltext_index import (
    PassageIndex,
    PostgresPassageIndex,
    TantivyPassageIndex,
)
from paperfeed.search.pg_term_stats import refresh_term_stats
from paperfeed.search.postgres_fts import PostgresKeywordIndex
from paperfeed.search.tantivy_index import IndexBusy, TantivyKeywordIndex
from paperfeed.search.usearch_file import model_slug
from paperfeed.search.usearch_index import UsearchVectorIndex
from paperfeed.settings import Settings
from paperfeed.store.db import make_sessionmaker, session_scope

logger = logging.getLogger(__name__)


def keyword_index_dir(settings: Settings) -> Path:
    return settings.resolved_index_dir() / "keyword"


def fulltext_index_dir(settings: Settings) -> Path:
    return settings.resolved_index_dir() / "fulltext"


def uses_derived_index(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def open_tantivy(settings: Settings, engine: Engine) -> TantivyKeywordIndex:
    return TantivyKeywordIndex(keyword_index_dir(settings), make_sessionmaker(engine))


def open_passage_index(settings: Settings, engine: Engine) -> PassageIndex:
    """The full-text passage index: tantivy on SQLite, the passages table on PostgreSQL."""
    if uses_derived_index(engine):
        return TantivyPassageIndex(fulltext_index_dir(settings), make_sessionmaker(engine))
    return PostgresPassageIndex()


def sync_fulltext_index(settings: Settings, engine: Engine, *, rebuild: bool = False) -> int:
    """Apply every pending full-text write to the passage index (SQLite); papers applied.

    ``rebuild`` empties the tantivy index and replays every paper's full text (resumable:
    see ``TantivyPassageIndex.sync``). On PostgreSQL the index is the passages table's
    generated column, always in step, so a sync has nothing to do; ``rebuild`` rebuilds its
    GIN index and returns the papers it covers."""
    if not uses_derived_index(engine):
        if not rebuild:
            return 0
        with session_scope(make_sessionmaker(engine)) as session:
            return PostgresPassageIndex().rebuild(session)
    index = TantivyPassageIndex(fulltext_index_dir(settings), make_sessionmaker(engine))
    try:
        return index.sync(rebuild=rebuild)
    finally:
        index.close()


def open_backend(settings: Settings, engine: Engine) -> KeywordIndex:
    """The keyword backend for this database: tantivy on SQLite, PostgreSQL FTS otherwise.

    Build it once per process and share it between threads; call ``close()`` at shutdown.
    """
    if uses_derived_index(engine):
        return open_tantivy(settings, engine)
    return PostgresKeywordIndex()


def sync_search_index(settings: Settings, engine: Engine, *, rebuild: bool = False) -> int:
    """Apply every pending paper change to the keyword index; return papers applied.

    ``rebuild`` drops the index contents and re-adds every visible paper. On PostgreSQL the
    index lives in the database; what is synced there is the term statistics BM25 ranking
    reads (papers counted; ``rebuild`` recounts every paper). Raises
    :class:`~paperfeed.search.tantivy_index.IndexBusy` if another process is writing the index.
    """
    if not uses_derived_index(engine):
        with session_scope(make_sessionmaker(engine)) as session:
            return refresh_term_stats(session, rebuild=rebuild)
    index = open_tantivy(settings, engine)
    try:
        applied = index.sync(rebuild=rebuild)
    finally:
        index.close()
    logger.info("keyword index: %d papers applied", applied)
    return applied


def sync_backend(backend: KeywordIndex) -> int:
    """Sync ``backend`` if it is derived from the store (the tantivy one); return papers applied.

    Use this in a process that already holds the backend (the web app), so its searcher sees
    the result at once; elsewhere :func:`sync_search_index` opens the index itself.
    """
    sync = getattr(backend, "sync", None)
    return sync() if sync is not None else 0


def sync_at_startup(backend: KeywordIndex) -> int:
    """:func:`sync_backend` that never stops a server from starting.

    If another process holds the index, or the database is not ready, log it and go on: the
    backend catches up later (the web process's background
    :class:`~paperfeed.search.catch_up.IndexCatchUp`) and the service re-checks every hit in
    the database.
    """
    try:
        return sync_backend(backend)
    except IndexBusy as exc:
        logger.info("keyword index not synced at start-up: %s", exc)
    except SQLAlchemyError as exc:
        logger.warning("keyword index not synced at start-up: %s", exc)
    return 0


# -- the vector index (search by meaning) ------------------------------------------------------


def vector_index_dir(settings: Settings, model: str) -> Path:
    """The folder of ``model``'s vector index file on SQLite, beside the keyword index."""
    return settings.resolved_index_dir() / "vector" / model_slug(model)


def open_usearch(settings: Settings, engine: Engine, model: str) -> UsearchVectorIndex:
    return UsearchVectorIndex(vector_index_dir(settings, model), make_sessionmaker(engine), model)


def open_vector_index(settings: Settings, engine: Engine, model: str) -> VectorIndex:
    """The vector index of ``model`` for this database: a usearch file on SQLite (loaded now),
    pgvector on PostgreSQL. Build it once per process, share it between threads, and
    ``close()`` it at shutdown."""
    if uses_derived_index(engine):
        return open_usearch(settings, engine, model)
    from paperfeed.search.pgvector_index import PgvectorIndex

    return PgvectorIndex(model)


def sync_vector_index(
    settings: Settings, engine: Engine, model: str, *, rebuild: bool = False
) -> int:
    """Bring ``model``'s vector index up to date and save it; return papers applied.

    SQLite: apply every pending change (``rebuild``: re-add every embedded visible paper) and
    save the file, unless another process holds it (then it is saved by that process or the
    next sync). PostgreSQL: create the HNSW index if missing; returns 0.
    """
    if not uses_derived_index(engine):
        from paperfeed.search.pgvector_index import ensure_vector_index

        ensure_vector_index(engine, model)
        return 0
    index = open_usearch(settings, engine, model)
    try:
        applied = index.sync(rebuild=rebuild)
    finally:
        index.close()
    logger.info("vector index %s: %d papers applied", model, applied)
    return applied


def sync_vector_at_startup(index: VectorIndex) -> int:
    """Sync and save ``index`` if it is derived from the store (the usearch one); never raises.

    On failure (database not ready, unwritable folder) log it and go on: the index catches up
    later (in the background in the web process) and every hit is checked in the database.
    """
    sync = getattr(index, "sync", None)
    if sync is None:
        return 0
    try:
        return sync()
    except (SQLAlchemyError, OSError, ValueError, RuntimeError) as exc:
        logger.warning("vector index not synced at start-up: %s", exc)
    return 0
