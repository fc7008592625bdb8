"""The composition root: what a paperfeed process needs, built once and released once.

The web app (:func:`paperfeed.app.create_app`), every CLI command, ``paperfeed worker`` and
the digest runner start from :meth:`Runtime.open` and build none of these pieces themselves:

- ``engine`` and ``sessions``: the primary database;
- ``replica_engine`` and ``replica_sessions``: the read replica, None without one (which
  requests read from it is decided per request, by :mod:`paperfeed.http.read_routing`);
- ``search``: the keyword backend (tantivy on SQLite, full-text search on PostgreSQL);
- ``vector_index`` and ``semantic``: search by meaning, with the one query embedder every
  process uses (:func:`paperfeed.embed.query.query_embedder_of`: ONNX Runtime for the bundled
  model); None where the site turns search by meaning off;
- ``mailer``: the mail sender (SMTP, or the log without a server);
- ``probe_engine``: one connection on the database pages are read from, for the response
  cache's data version.

Only the primary engine is built by :meth:`Runtime.open` (an engine connects on first use);
every other piece is built the first time it is asked for, so a command pays only for what
it touches: ``paperfeed users`` opens no index and loads no model, ``paperfeed search
--mode keyword`` opens no vector index. The web app asks for all of them at start-up.
:meth:`Runtime.close` releases what was built.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.settings import Settings
from paperfeed.store.db import make_engine, make_replica_engine, make_sessionmaker

if TYPE_CHECKING:
    from paperfeed.mail import MailSender
    from paperfeed.search.base import KeywordIndex, VectorIndex
    from paperfeed.search.fulltext_index import PassageIndex
    from paperfeed.search.semantic import SemanticSearch

T = TypeVar("T")
POOL_TIMEOUT = 60  # seconds a request waits for a pooled connection, with a fixed pool


class Runtime:
    """The pieces of one process; thread-safe (each piece is built once, under a lock)."""

    def __init__(self, settings: Settings, engine: Engine, pool: dict[str, Any]):
        self.settings = settings
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_sessionmaker(engine)
        self._pool = pool  # the primary's pool options, also the replica's
        self._built: dict[str, Any] = {}
        self._lock = threading.RLock()  # RLock: a piece may be built from others

    @classmethod
    def open(cls, settings: Settings, *, pool_size: int | None = None) -> Runtime:
        """The runtime of ``settings``. ``pool_size``: a fixed pool of that many connections
        for the primary and the replica each (no overflow; a request waits up to
        ``POOL_TIMEOUT`` for one), as the web app sizes it to its request threads; None
        leaves SQLAlchemy's defaults (the CLI and the worker)."""
        pool: dict[str, Any] = {}
        if pool_size is not None:
            pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": POOL_TIMEOUT}
        return cls(settings, make_engine(settings.database_url, **pool), pool)

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _once(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    @property
    def replica_engine(self) -> Engine | None:
        """The read replica's engine (``READ ONLY`` on PostgreSQL), None without a replica."""
        url = self.settings.database_replica_url
        if not url:
            return None
        return self._once("replica_engine", lambda: make_replica_engine(url, **self._pool))

    @property
    def replica_sessions(self) -> sessionmaker[Session] | None:
        engine = self.replica_engine
        if engine is None:
            return None
        return self._once("replica_sessions", lambda: make_sessionmaker(engine))

    @property
    def search(self) -> KeywordIndex:
        """The keyword backend; shared between threads."""
        from paperfeed.search import open_backend

        return self._once("search", lambda: open_backend(self.settings, self.engine))

    @property
    def passages(self) -> PassageIndex | None:
        """The full-text passage index (docs/fulltext.md), None with full text turned off."""
        if not self.settings.fulltext:
            return None
        from paperfeed.search.sync import open_passage_index

        return self._once("passages", lambda: open_passage_index(self.settings, self.engine))

    @property
    def vector_index(self) -> VectorIndex | None:
        """The vector index of the configured model (a usearch file on SQLite, loaded now;
        pgvector on PostgreSQL), None with search by meaning turned off."""
        if not self.settings.semantic_search:
            return None
        from paperfeed.search.sync import open_vector_index

        model = self.settings.embedding_model
        return self._once(
            "vector_index", lambda: open_vector_index(self.settings, self.engine, model)
        )

    @property
    def semantic(self) -> SemanticSearch | None:
        """Search by meaning: the query embedder (its model loads on the first query) paired
        with :attr:`vector_index`; None with search by meaning turned off."""
        index = self.vector_index
        if index is None:
            return None
        from paperfeed.embed.query import query_embedder_of
        from paperfeed.search.semantic import SemanticSearch

        return self._once(
            "semantic", lambda: SemanticSearch(query_embedder_of(self.settings), index)
        )

    @property
    def mailer(self) -> MailSender:
        from paperfeed.mail import make_sender

        return self._once("mailer", lambda: make_sender(self.settings))

    @property
    def probe_engine(self) -> Engine:
        """One connection on the database pages are read from (the replica's, if any)."""
        url = self.settings.database_replica_url or self.settings.database_url
        return self._once("probe_engine", lambda: make_engine(url, pool_size=1, max_overflow=0))

    def built(self) -> frozenset[str]:
        """The names of the pieces built so far (``engine`` and ``sessions`` always are)."""
        with self._lock:
            return frozenset({"engine", "sessions", *self._built})

    def close(self) -> None:
        """Release every piece built: the indexes, the query model's workers, every engine's
        pooled connections. Safe to call twice; the pieces stay (an engine reconnects if used
        again, as a web app whose lifespan is entered twice in tests does)."""
        with self._lock:
            built = dict(self._built)
        for name in ("search", "semantic", "vector_index", "passages"):  # semantic closes its index
            if name in built:
                built[name].close()
        for name in ("probe_engine", "replica_engine"):
            if name in built:
                built[name].dispose()
        self.engine.dispose()
