"""Search by meaning on the site: modes on /search and the API, similar papers, /healthz.

Papers are embedded with the real model after the app started, so these also show the
server's vector index catching up with vectors written by another process.
"""

from __future__ import annotations

import pytest

from paperfeed.embed.job import embed_missing

pytestmark = pytest.mark.semantic

PROTEIN = "2611.00001"
LAUNDRY = "2611.00002"
DIFFUSION = "2611.00003"
DIFFUSION_2 = "2611.00004"


@pytest.fixture
def papers(paper_factory):
    paper_factory(
        arxiv_id=PROTEIN,
        title="Predicting the tertiary structure of polypeptide chains from amino-acid sequences",
        abstract="We infer the spatial conformation of chains of residues.",
    )
    paper_factory(
        arxiv_id=LAUNDRY,
        title="Folding laundry with dual-arm robots",
        abstract="A manipulation policy that folds towels and shirts.",
    )
    paper_factory(
        arxiv_id=DIFFUSION,
        title="Latent diffusion for high-resolution image synthesis",
        abstract="Denoising in a learned latent space generates photographs from text.",
    )
    paper_factory(
        arxiv_id=DIFFUSION_2,
        title="Score-based generative models of natural images",
        abstract="A denoising process turns noise into pictures, guided by captions.",
    )


@pytest.fixture
def embedded(papers, session_factory, real_embedder):
    embed_missing(session_factory, real_embedder)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["paper"]["id"] for item in response.json()]


def test_api_modes_and_their_headers(client, embedded):
    r = client.get("/api/papers/search", params={"q": "protein folding", "mode": "semantic"})
    assert ids(r)[0] == PROTEIN
    assert r.headers["x-search-mode"] == "semantic"
    assert "x-search-notice" not in r.headers

    r = client.get("/api/papers/search", params={"q": "protein folding", "mode": "keyword"})
    assert ids(r) == [LAUNDRY]

    r = client.get("/api/papers/search", params={"q": "protein folding"})  # hybrid default
    assert r.headers["x-search-mode"] == "hybrid"
    assert set(ids(r)[:2]) == {PROTEIN, LAUNDRY}


def test_api_says_when_it_fell_back_to_keyword(client, papers):
    r = client.get("/api/papers/search", params={"q": "protein folding", "mode": "semantic"})
    assert ids(r) == [LAUNDRY]
    assert r.headers["x-search-mode"] == "keyword"
    assert "not ready" in r.headers["x-search-notice"]


def test_an_unknown_mode_is_a_400_with_a_json_error(client, papers):
    r = client.get("/api/papers/search", params={"q": "x", "mode": "vibes"})
    assert r.status_code == 400
    assert r.json()["ok"] is False and "mode" in r.json()["error"]


def test_search_page_has_the_mode_choice_and_shows_a_fallback_notice(client, papers):
    r = client.get("/search", params={"q": "protein folding", "mode": "semantic"})
    assert r.status_code == 200
    assert 'name="mode" value="semantic" checked' in r.text
    assert 'class="notice" role="status"' in r.text and "Showing keyword results" in r.text


def test_search_page_semantic_results(client, embedded):
    r = client.get("/search", params={"q": "protein folding", "mode": "semantic"})
    assert r.status_code == 200
    assert 'class="notice"' not in r.text
    assert r.text.index(f'href="/papers/{PROTEIN}"') < r.text.index(f'href="/papers/{LAUNDRY}"')


def test_similar_papers_api(client, embedded):
    r = client.get(f"/api/papers/{DIFFUSION}/similar", params={"limit": 2})
    got = ids(r)
    assert got[0] == DIFFUSION_2 and DIFFUSION not in got and len(got) == 2


def test_similar_papers_of_an_unknown_paper_is_404_and_of_a_bad_id_400(client, embedded):
    r = client.get("/api/papers/2611.99999/similar")
    assert r.status_code == 404 and r.json()["ok"] is False
    r = client.get("/api/papers/not-an-id/similar")
    assert r.status_code == 400 and "arXiv id" in r.json()["error"]


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_similar_papers_limit_is_checked(client, embedded, limit):
    r = client.get(f"/api/papers/{DIFFUSION}/similar", params={"limit": limit})
    assert r.status_code == 400 and r.json()["ok"] is False


def test_similar_papers_of_a_paper_not_embedded_yet(client, papers):
    r = client.get(f"/api/papers/{DIFFUSION}/similar")
    assert ids(r) == []
    assert "not been embedded" in r.headers["x-search-notice"]


def test_paper_page_lists_similar_papers(client, embedded):
    r = client.get(f"/papers/{DIFFUSION}")
    assert r.status_code == 200
    section = r.text[r.text.index('<section class="similar"') :]
    assert section.index(f'href="/papers/{DIFFUSION_2}"') < section.index(
        f'href="/papers/{LAUNDRY}"'
    )
    assert f'href="/papers/{DIFFUSION}"' not in section


def test_healthz_counts_embedded_papers(client, papers, session_factory, real_embedder):
    body = client.get("/healthz").json()
    assert body["ok"] is True and body["database"] == "ok" and body["migrations"] == "current"
    assert body["semantic_search"]["embedded"] == 0
    assert body["semantic_search"]["pending"] == 4
    embed_missing(session_factory, real_embedder, limit=3)
    body = client.get("/healthz").json()
    assert body["semantic_search"]["embedded"] == 3
    assert body["semantic_search"]["pending"] == 1


def test_the_server_embeds_queries_in_onnx_runtime(client, papers, session_factory, real_embedder):
    embed_missing(session_factory, real_embedder)
    r = client.get("/api/papers/search", params={"q": "protein folding", "mode": "semantic"})
    assert ids(r)[0] == PROTEIN  # the ONNX query vector finds what torch's finds
    assert client.get("/healthz").json()["semantic_search"]["query_runtime"] == "onnx"


def test_with_search_by_meaning_off_nothing_loads_and_searches_say_so(settings, papers):
    from fastapi.testclient import TestClient

    from paperfeed.app import create_app

    app = create_app(settings.model_copy(update={"semantic_search": False}))
    with TestClient(app) as client:
        r = client.get("/api/papers/search", params={"q": "protein folding"})
        assert ids(r) == [LAUNDRY]
        assert "turned off" in r.headers["x-search-notice"]
        r = client.get(f"/api/papers/{DIFFUSION}/similar")
        assert ids(r) == [] and "turned off" in r.headers["x-search-notice"]
        assert client.get("/healthz").json()["semantic_search"]["enabled"] is False
    assert app.state.semantic is None


def test_the_server_embeds_in_the_background_and_searches_the_new_vectors(
    settings, papers, real_embedder
):
    import time

    from fastapi.testclient import TestClient

    from paperfeed.app import create_app

    app = create_app(
        settings.model_copy(update={"embed_in_background": True, "embed_interval_seconds": 0.2})
    )
    with TestClient(app) as client:
        deadline = time.monotonic() + 120
        while client.get("/healthz").json()["semantic_search"]["pending"]:
            assert time.monotonic() < deadline, "background embedding did not finish"
            time.sleep(0.2)
        assert client.get("/healthz").json()["semantic_search"]["background_embedding"]
        r = client.get("/api/papers/search", params={"q": "protein folding", "mode": "semantic"})
        assert ids(r)[0] == PROTEIN
    assert not app.state.background_embedder._thread.is_alive()  # stopped at shutdown
