"""The composition root (paperfeed.runtime): pieces are built on first use only, once, and
``close()`` releases the connections of every engine it built."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import event, text

from paperfeed.cli import cli
from paperfeed.runtime import Runtime


def test_pieces_are_built_on_first_use_and_once(settings):
    with Runtime.open(settings.model_copy(update={"semantic_search": True})) as runtime:
        with runtime.sessions() as session:
            session.execute(text("SELECT 1"))
        assert runtime.built() == {"engine", "sessions"}  # no index, no model
        assert not settings.resolved_index_dir().exists()
        assert runtime.search is runtime.search
        assert runtime.built() == {"engine", "sessions", "search"}
        assert runtime.semantic is runtime.semantic
        assert runtime.semantic.index is runtime.vector_index
        assert not runtime.semantic.embedder.loaded  # the query model loads on the first query


def test_a_command_that_needs_only_the_database_opens_no_index(settings):
    """``paperfeed users list`` asks its runtime for sessions only."""
    r = CliRunner().invoke(cli, ["users", "list"], obj=settings)
    assert r.exit_code == 0, r.output
    assert not settings.resolved_index_dir().exists()


def test_close_releases_every_engine_it_built(settings):
    # A replica URL naming the primary is enough to build the replica engine here.
    settings = settings.model_copy(update={"database_replica_url": settings.database_url})
    runtime = Runtime.open(settings)
    engines = {
        "primary": runtime.engine,
        "replica": runtime.replica_engine,
        "probe": runtime.probe_engine,
    }
    closed: list[str] = []
    for name, engine in engines.items():
        event.listen(engine, "close", lambda *_, name=name: closed.append(name))
        with engine.connect() as conn:  # back in the pool afterwards, still open
            conn.execute(text("SELECT 1"))
        assert engine.pool.checkedin() == 1
    runtime.close()
    assert sorted(closed) == sorted(engines)
    runtime.close()  # twice is harmless
