"""The tantivy index is derived from the store: sync, crash recovery, rebuilds (SQLite only)."""

from __future__ import annotations

import shutil

import pytest

from paperfeed.search import open_backend, sync_search_index
from paperfeed.search.sync import keyword_index_dir, open_tantivy
from paperfeed.search.tantivy_index import IndexBusy, TantivyKeywordIndex

# The derived tantivy index exists only on SQLite.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


def _docs(settings, engine) -> int:
    index = open_tantivy(settings, engine)
    try:
        return index.num_docs()
    finally:
        index.close()


def _checkpoint(settings):
    return keyword_index_dir(settings) / "checkpoint.json"


@sqlite_only
def test_sync_indexes_new_papers_once(settings, engine, paper_factory):
    for i in range(3):
        paper_factory(title=f"Paper {i}")
    assert sync_search_index(settings, engine) == 3  # first run: rebuild from the store
    assert sync_search_index(settings, engine) == 0
    paper_factory(title="One more")
    assert sync_search_index(settings, engine) == 1
    assert _docs(settings, engine) == 4


@sqlite_only
def test_sync_removes_hidden_and_deleted(settings, engine, paper_factory, hide, remove):
    a, b, c = (paper_factory(title=f"Paper {i}") for i in range(3))
    sync_search_index(settings, engine)
    hide(a)
    remove(b)
    assert sync_search_index(settings, engine) == 2
    assert _docs(settings, engine) == 1


@sqlite_only
def test_sync_replays_without_duplicates_after_crash_before_checkpoint(
    settings, engine, paper_factory, ids
):
    pid = paper_factory(title="Crash course in recovery")
    sync_search_index(settings, engine)
    stale = _checkpoint(settings).read_bytes()
    paper_factory(title="Second crash course")
    paper_factory(arxiv_id=pid, title="Crash course in recovery, revised", version=2)
    sync_search_index(settings, engine)
    # Simulate a crash after the tantivy commit but before the checkpoint write.
    _checkpoint(settings).write_bytes(stale)
    assert sync_search_index(settings, engine) == 2  # replayed
    assert _docs(settings, engine) == 2  # no duplicates
    assert ids("crash").count(pid) == 1


@pytest.mark.parametrize("damage", ["delete", "garbage", "wrong-version", "ahead-of-db"])
@sqlite_only
def test_sync_rebuilds_when_checkpoint_is_unusable(settings, engine, paper_factory, damage):
    for i in range(3):
        paper_factory(title=f"Paper {i}")
    sync_search_index(settings, engine)
    path = _checkpoint(settings)
    if damage == "delete":
        path.unlink()
    elif damage == "garbage":
        path.write_text("{not json")
    elif damage == "wrong-version":
        path.write_text('{"version": -1, "seq": 3}')
    else:
        path.write_text('{"version": 1, "seq": 999999}')
    assert sync_search_index(settings, engine) == 3
    assert _docs(settings, engine) == 3


@pytest.mark.parametrize("damage", ["delete-dir", "corrupt-meta"])
@sqlite_only
def test_sync_rebuilds_a_missing_or_corrupt_index_dir(settings, engine, paper_factory, ids, damage):
    pid = paper_factory(title="Resilient indexes")
    sync_search_index(settings, engine)
    path = keyword_index_dir(settings)
    if damage == "delete-dir":
        shutil.rmtree(path)
    else:
        (path / "meta.json").write_text("garbage")
    assert sync_search_index(settings, engine) == 1
    assert ids("resilient") == [pid]


@sqlite_only
def test_rebuild_drops_and_readds_everything(settings, engine, paper_factory, hide):
    a = paper_factory(title="Paper a")
    paper_factory(title="Paper b")
    sync_search_index(settings, engine)
    hide(a)
    assert sync_search_index(settings, engine, rebuild=True) == 2  # every paper looked at
    assert _docs(settings, engine) == 1


@sqlite_only
def test_sync_refuses_while_another_writer_holds_the_index(settings, engine, paper_factory):
    paper_factory(title="Busy")
    holder = open_tantivy(settings, engine)
    holder.reset()  # takes the tantivy writer lock
    try:
        with pytest.raises(IndexBusy):
            sync_search_index(settings, engine)
    finally:
        holder.close()
    assert sync_search_index(settings, engine) == 1


@sqlite_only
def test_search_serves_while_another_process_writes(
    settings, engine, paper_factory, session_factory
):
    from paperfeed.service.search import search

    pid = paper_factory(title="Concurrent readers")
    backend = open_backend(settings, engine)
    holder = open_tantivy(settings, engine)
    try:
        backend.sync()
        paper_factory(title="Concurrent writers")
        holder.reset()  # lock held: the search-time catch-up must not wait or fail
        with session_factory() as session:
            found = [p.arxiv_id for p in search(session, backend, "concurrent").papers]
        assert found == [pid]
    finally:
        holder.close()
        backend.close()


def test_postgresql_sync_only_counts_new_papers_into_the_term_statistics(
    backend, settings, engine, paper_factory
):
    if backend != "postgresql":
        pytest.skip("PostgreSQL behaviour")
    paper_factory(title="Anything")
    assert sync_search_index(settings, engine) == 1
    assert sync_search_index(settings, engine) == 0  # nothing new
    assert sync_search_index(settings, engine, rebuild=True) == 1
    assert not keyword_index_dir(settings).exists()


def test_open_backend_picks_by_database(backend, settings, engine):
    index = open_backend(settings, engine)
    try:
        assert isinstance(index, TantivyKeywordIndex) == (backend == "sqlite")
    finally:
        index.close()
