"""Open the keyword backend that fits the database, and keep the derived one in step.

Called at web start-up, by ``paperfeed index sync|rebuild``, and after ingest runs. On
PostgreSQL the keyword index is part of the database (a generated column), so there is
nothing to sync.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from paperfeed.search.base import KeywordIndex
from paperfeed.search.postgres_fts import PostgresKeywordIndex
from paperfeed.search.tantivy_index import IndexBusy, TantivyKeywordIndex
from paperfeed.settings import Settings
from paperfeed.store.db import make_sessionmaker

logger = logging.getLogger(__name__)


def keyword_index_dir(settings: Settings) -> Path:
    return settings.resolved_index_dir() / "keyword"


def uses_derived_index(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def open_tantivy(settings: Settings, engine: Engine) -> TantivyKeywordIndex:
    return TantivyKeywordIndex(keyword_index_dir(settings), make_sessionmaker(engine))


def open_backend(settings: Settings, engine: Engine) -> KeywordIndex:
    """The keyword backend for this database: tantivy on SQLite, PostgreSQL FTS otherwise.

    Build it once per process and share it between threads; call ``close()`` at shutdown.
    """
    if uses_derived_index(engine):
        return open_tantivy(settings, engine)
    return PostgresKeywordIndex()


def sync_search_index(settings: Settings, engine: Engine, *, rebuild: bool = False) -> int:
    """Apply every pending paper change to the keyword index; return papers applied.

    ``rebuild`` drops the index contents and re-adds every visible paper. A no-op returning 0
    on PostgreSQL. Raises :class:`~paperfeed.search.tantivy_index.IndexBusy` if another
    process is writing the index.
    """
    if not uses_derived_index(engine):
        return 0
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
    backend catches up at search time and the service re-checks every hit in the database.
    """
    try:
        return sync_backend(backend)
    except IndexBusy as exc:
        logger.info("keyword index not synced at start-up: %s", exc)
    except SQLAlchemyError as exc:
        logger.warning("keyword index not synced at start-up: %s", exc)
    return 0
