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
