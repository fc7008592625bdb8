"""Queries are embedded by the bundled model in ONNX Runtime (fp32): the same vectors as
torch's, or torch itself when that cannot be."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from paperfeed.embed.model import DEFAULT_MODEL, ModelUnavailable, get_embedder
from paperfeed.embed.query import QueryEmbedder, query_embedder, query_embedder_of
from paperfeed.settings import Settings

pytestmark = pytest.mark.semantic

QUERIES = [
    "protein folding",
    "Attention is all you need",
    "graph neural networks for molecules",
    "日本語の文書分類",  # a non-Latin script goes through the same tokenizer
    "a" * 3_000,  # longer than the model reads: truncated alike
]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    """A cache holding the fp32 ONNX copy of the default model (built once, ~10 s)."""
    path = tmp_path_factory.mktemp("model-cache")
    QueryEmbedder(DEFAULT_MODEL, path).encode(["build it"])
    return path


def test_onnx_query_vectors_are_torchs(model_cache, real_embedder):
    embedder = QueryEmbedder(DEFAULT_MODEL, model_cache)
    onnx = embedder.encode(QUERIES)
    assert embedder.runtime == "onnx" and embedder.loaded
    torch = real_embedder.encode(QUERIES)
    assert onnx.shape == torch.shape == (len(QUERIES), 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert (np.sum(onnx * torch, axis=1) >= 0.9999).all()


def test_the_onnx_copy_is_built_once_and_reused(model_cache):
    files = sorted(model_cache.glob("fp32-*.onnx"))
    assert len(files) == 1
    built = files[0].stat().st_mtime_ns
    QueryEmbedder(DEFAULT_MODEL, model_cache).encode(["again"])
    assert sorted(model_cache.glob("fp32-*.onnx")) == files
    assert files[0].stat().st_mtime_ns == built


def test_auto_falls_back_to_torch_when_the_onnx_copy_cannot_be_built(tmp_path, real_embedder):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    embedder = query_embedder(DEFAULT_MODEL, "auto", blocked)
    vectors = embedder.encode(["protein folding"])
    assert embedder.runtime == "torch"
    assert np.allclose(vectors, real_embedder.encode(["protein folding"]))


def test_onnx_runtime_insists(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    with pytest.raises(ModelUnavailable, match="ONNX"):
        query_embedder(DEFAULT_MODEL, "onnx", blocked).encode(["protein folding"])
    with pytest.raises(ModelUnavailable, match="bundled model only"):
        query_embedder("/models/my-own", "onnx", tmp_path)


def test_torch_for_other_models_and_when_asked(tmp_path, monkeypatch):
    assert query_embedder("/models/my-own", "auto", tmp_path) is get_embedder("/models/my-own")
    assert query_embedder(DEFAULT_MODEL, "torch", tmp_path) is get_embedder(DEFAULT_MODEL)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if not installed
    monkeypatch.setattr("paperfeed.embed.query.onnx_available", lambda: False)
    assert query_embedder(DEFAULT_MODEL, "auto", tmp_path) is get_embedder(DEFAULT_MODEL)


def test_settings_choose_the_query_embedder(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/x.db", model_cache_dir=tmp_path / "c", _env_file=None
    )
    embedder = query_embedder_of(settings)
    assert isinstance(embedder, QueryEmbedder) and embedder.cache_dir == tmp_path / "c"
    torch = settings.model_copy(update={"embed_query_runtime": "torch"})
    assert query_embedder_of(torch) is get_embedder(DEFAULT_MODEL)


def test_concurrent_queries_are_batched_into_the_vectors_of_single_calls(model_cache):
    embedder = QueryEmbedder(DEFAULT_MODEL, model_cache)
    queries = [*QUERIES, "diffusion models for video", "retrieval augmented generation"]
    single = [embedder.encode([q]) for q in queries]  # one after another: one query a call
    before = embedder.batcher.batches
    embedder.batcher.max_wait = 0.05  # the test's threads all arrive within it
    start = threading.Barrier(len(queries))

    def one(q):
        start.wait()
        return embedder.encode([q])

    with ThreadPoolExecutor(len(queries)) as pool:
        batched = list(pool.map(one, queries))
    assert embedder.batcher.batches - before < len(queries)
    for alone, together in zip(single, batched, strict=True):
        assert together.shape == (1, 384)
        assert np.allclose(alone, together, atol=2e-6)
    embedder.close()
