"""Search inside papers: a paper that says it only in its body is found with ``fulltext``
(service, API, page, CLI), with the passage and section that matched; never without it; and
a site without full text answers as an ordinary search with a notice. Both databases; the
full text comes through the real job from a fake arxiv.org/html on loopback."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from fake_server import Reply
from fastapi.testclient import TestClient

from paperfeed.cli import cli
from paperfeed.ingest.fulltext_job import run_fulltext
from paperfeed.ingest.http import Fetcher
from paperfeed.search.sync import open_passage_index, sync_fulltext_index
from paperfeed.service.fulltext_search import run_search
from paperfeed.service.search_request import Paging, parse_search_request

BODY_ONLY = "2611.00001"  # its body says "perplexity"; its title and abstract do not
TITLE = "2611.00002"  # "perplexity" in its title, no full text
PAGING = Paging(default_limit=20)


@pytest.fixture
def fulltext_settings(settings, paper_factory, fake_server, data_file, session_factory, engine):
    paper_factory(
        arxiv_id=BODY_ONLY,
        title="Sparse attention for long documents",
        abstract="Attention whose cost grows slowly.",
        feed_day=date(2026, 11, 20),
    )
    paper_factory(arxiv_id=TITLE, title="Perplexity is not enough", feed_day=date(2026, 11, 19))
    fake_server.script(
        f"/html/{BODY_ONLY}v1", Reply(200, data_file("arxiv_html/2406.00001v2.html"))
    )
    fake_server.script(f"/html/{TITLE}v1", Reply(404, b"none"))
    on = settings.model_copy(
        update={
            "fulltext": True,
            "semantic_search": False,
            "search_mode": "keyword",
            "arxiv_html_url": f"{fake_server.url}/html",
        }
    )
    with Fetcher(delay=0) as fetcher:
        assert run_fulltext(on, session_factory, fetcher).fetched == 1
    sync_fulltext_index(on, engine)
    return on


def _search(settings, engine, session_factory, backend, **params):
    request = parse_search_request(paging=PAGING, **params)
    index = open_passage_index(settings, engine)
    with session_factory() as session:
        return run_search(session, backend, request, default_mode="keyword", passages=index)


@pytest.mark.slow  # the app and the CLI are started: ~5 s on a quiet machine
def test_fulltext_finds_a_paper_by_its_body_on_every_surface(
    fulltext_settings, engine, session_factory
):
    from paperfeed.search.sync import open_backend

    backend = open_backend(fulltext_settings, engine)
    try:
        plain = _search(fulltext_settings, engine, session_factory, backend, query="perplexity")
        assert [p.arxiv_id for p in plain.papers] == [TITLE] and not plain.passages
        found = _search(
            fulltext_settings, engine, session_factory, backend, query="perplexity", fulltext="1"
        )
        assert {p.arxiv_id for p in found.papers} == {TITLE, BODY_ONLY}
        match = found.passages[BODY_ONLY]
        assert match.section == "3 Experiments" and "perplexity" in match.text.lower()
        assert TITLE not in found.passages
        phrase = _search(
            fulltext_settings,
            engine,
            session_factory,
            backend,
            query='"grows linearly"',
            fulltext="1",
            category="cs.LG",
        )
        assert [p.arxiv_id for p in phrase.papers] == [BODY_ONLY]
        filtered = _search(
            fulltext_settings,
            engine,
            session_factory,
            backend,
            query="linearly",
            fulltext="1",
            category="math.AG",
        )
        assert filtered.papers == []
    finally:
        backend.close()

    from paperfeed.app import create_app

    with TestClient(create_app(fulltext_settings)) as client:
        api = client.get("/api/papers/search", params={"q": "linearly", "fulltext": "1"})
        assert api.status_code == 200, api.text
        [item] = api.json()
        assert item["paper"]["id"] == BODY_ONLY
        assert item["fulltextMatch"]["section"] == "3 Experiments"
        assert (
            "fulltextMatch"
            not in client.get("/api/papers/search", params={"q": "perplexity"}).json()[0]
        )
        bad = client.get("/api/papers/search", params={"q": "x", "fulltext": "maybe"})
        assert bad.status_code == 400 and "fulltext must be 1 or 0" in bad.json()["error"]
        page = client.get("/search", params={"q": "linearly", "fulltext": "1"})
        assert page.status_code == 200
        assert "In 3 Experiments" in page.text and 'name="fulltext" value="1" checked' in page.text

    out = CliRunner().invoke(
        cli, ["search", "linearly", "--fulltext"], obj=fulltext_settings, catch_exceptions=False
    )
    assert out.exit_code == 0, out.output
    assert BODY_ONLY in out.output and "in 3 Experiments: " in out.output


def test_a_site_without_full_text_says_so_and_searches_as_usual(
    settings, engine, session_factory, paper_factory
):
    from paperfeed.search.sync import open_backend

    paper_factory(arxiv_id=TITLE, title="Perplexity is not enough")
    off = settings.model_copy(update={"semantic_search": False})
    backend = open_backend(off, engine)
    try:
        request = parse_search_request("perplexity", fulltext="1", paging=PAGING)
        with session_factory() as session:
            results = run_search(session, backend, request, default_mode="keyword", passages=None)
    finally:
        backend.close()
    assert [p.arxiv_id for p in results.papers] == [TITLE]
    assert results.notice == "Full-text search is not available on this site."


def _body_match(settings, engine, session_factory) -> list[str]:
    """The papers a full-text search for words only BODY_ONLY's body has finds."""
    from paperfeed.search.sync import open_backend

    backend = open_backend(settings, engine)
    try:
        found = _search(settings, engine, session_factory, backend, query="linearly", fulltext="1")
    finally:
        backend.close()
    return [p.arxiv_id for p in found.papers]


def _passage_docs(settings) -> int:
    import tantivy

    from paperfeed.search.sync import fulltext_index_dir

    index = tantivy.Index.open(str(fulltext_index_dir(settings)))
    index.reload()
    return index.searcher().num_docs


def test_index_rebuild_rebuilds_the_passage_index(
    fulltext_settings, engine, session_factory, backend
):
    from sqlalchemy import text

    from paperfeed.search.sync import fulltext_index_dir

    run = CliRunner()
    if backend == "sqlite":  # an index that lost its documents, its state file intact
        for part in fulltext_index_dir(fulltext_settings).iterdir():
            if part.name != "applied_seq.json":
                part.unlink()
        synced = run.invoke(cli, ["index", "sync"], obj=fulltext_settings)
        assert "full-text passage index" in synced.output and "synced 0 papers" in synced.output
        assert _body_match(fulltext_settings, engine, session_factory) == []
    else:
        node = "SELECT pg_relation_filenode('ix_fulltext_passages_tsv')"
        with engine.connect() as conn:
            before = conn.scalar(text(node))
    out = run.invoke(cli, ["index", "rebuild"], obj=fulltext_settings, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    if backend == "sqlite":
        assert f"{fulltext_index_dir(fulltext_settings)}: rebuilt with 2 papers" in out.output
    else:
        assert "full-text passage index: in the database; reindexed, 1 papers" in out.output
        with engine.connect() as conn:
            assert conn.scalar(text(node)) != before  # a new index file: rebuilt
    assert _body_match(fulltext_settings, engine, session_factory) == [BODY_ONLY]


def test_a_passage_rebuild_stopped_half_way_is_completed_by_the_next_sync(
    fulltext_settings, engine, session_factory, backend
):
    """A rebuild first writes seq 0, then empties the index with its first batch: stopped
    right after the first step, the index still holds every old document (here: one of a
    paper whose full text is gone since); the next plain sync empties and replays it."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's passage index is a column of the table, always in step")
    import tantivy

    from paperfeed.search.fulltext_index import TantivyPassageIndex
    from paperfeed.search.sync import fulltext_index_dir, sync_fulltext_index

    path = fulltext_index_dir(fulltext_settings)
    passages = _passage_docs(fulltext_settings)
    index = TantivyPassageIndex(path, session_factory)
    writer = index.index.writer(30_000_000, 1)
    stale = {"paper_id": 99_999, "arxiv_id": "2611.09999", "section": "Old", "text": "linearly"}
    writer.add_document(tantivy.Document(**stale))
    writer.commit()
    writer.wait_merging_threads()
    (path / "applied_seq.json").write_text('{"seq": 0}')  # as a rebuild's first step leaves it
    assert _passage_docs(fulltext_settings) == passages + 1
    assert sync_fulltext_index(fulltext_settings, engine) == 2  # both papers' rows replayed
    assert _passage_docs(fulltext_settings) == passages
    assert _body_match(fulltext_settings, engine, session_factory) == [BODY_ONLY]
