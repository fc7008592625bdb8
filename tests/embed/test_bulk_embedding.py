"""The fast bulk embedder: the default model in ONNX Runtime with int8 weights (``--fast``)."""

from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from paperfeed.cli import cli
from paperfeed.embed.model import DEFAULT_MODEL, ModelUnavailable, paper_text
from paperfeed.embed.onnx import OnnxEmbedder, bulk_embedder

pytestmark = pytest.mark.semantic

# The bar for storing its vectors under the default model's name (bench/embed_cost.py).
MIN_COSINE = 0.99

ABSTRACTS = [
    (
        "Attention Is All You Need",
        "The dominant sequence transduction models are based on complex recurrent or "
        "convolutional neural networks in an encoder-decoder configuration. We propose a new "
        "simple network architecture, the Transformer, based solely on attention mechanisms, "
        "dispensing with recurrence and convolutions entirely.",
    ),
    (
        "Deep Residual Learning for Image Recognition",
        "Deeper neural networks are more difficult to train. We present a residual learning "
        "framework to ease the training of networks that are substantially deeper than those "
        "used previously, and win first place on the ILSVRC 2015 classification task.",
    ),
    (
        "Highly accurate protein structure prediction with AlphaFold",
        "Proteins are essential to life, and understanding their structure can facilitate a "
        "mechanistic understanding of their function. We provide the first computational "
        "method that can regularly predict protein structures with atomic accuracy.",
    ),
]


@pytest.fixture(scope="session")
def onnx_dir(tmp_path_factory):
    """A directory holding the int8 ONNX copy of the default model (built once, ~10 s)."""
    path = tmp_path_factory.mktemp("onnx")
    bulk_embedder(DEFAULT_MODEL, path)
    return path


def test_fast_embedder_runs_the_int8_model_in_onnx_runtime(onnx_dir):
    import onnx
    import onnxruntime

    embedder = bulk_embedder(DEFAULT_MODEL, onnx_dir)
    assert isinstance(embedder, OnnxEmbedder) and embedder.name == DEFAULT_MODEL
    assert [p.name for p in onnx_dir.iterdir()] == [embedder.onnx_path.name]  # reused
    vectors = embedder.encode([paper_text(*ABSTRACTS[0])])
    assert isinstance(embedder._session, onnxruntime.InferenceSession)
    ops = {node.op_type for node in onnx.load(str(embedder.onnx_path)).graph.node}
    assert "DynamicQuantizeMatMul" in ops or "MatMulInteger" in ops, ops
    assert vectors.shape == (1, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)


def test_fast_vectors_are_interchangeable_with_the_default_models(onnx_dir, real_embedder):
    texts = [paper_text(title, abstract) for title, abstract in ABSTRACTS]
    texts.append(paper_text(ABSTRACTS[0][0], ABSTRACTS[0][1] * 12))  # past 256 tokens
    fast = bulk_embedder(DEFAULT_MODEL, onnx_dir).encode(texts)
    exact = real_embedder.encode(texts)
    cosines = (fast * exact).sum(axis=1)
    assert cosines.min() >= MIN_COSINE, cosines
    # ... and they rank like the default's: each abstract is nearest to its own.
    assert list((fast @ exact.T).argmax(axis=1)) == list(range(len(texts)))


@pytest.fixture
def run(settings, onnx_dir, real_embedder):
    """``paperfeed`` with the test's settings and the prebuilt ONNX file in its index dir."""
    shutil.copytree(onnx_dir, settings.resolved_index_dir() / "onnx")
    runner = CliRunner()

    def invoke(*args: str, **overrides):
        return runner.invoke(cli, list(args), obj=settings.model_copy(update=overrides))

    return invoke


@pytest.mark.parametrize(
    ("args", "overrides"),
    [(["--fast"], {}), ([], {"embed_bulk_runtime": "onnx-int8"})],
    ids=["flag", "setting"],
)
def test_index_embed_fast_then_semantic_search_finds_the_papers(
    run, paper_factory, args, overrides
):
    protein = paper_factory(title=ABSTRACTS[2][0], abstract=ABSTRACTS[2][1])
    resnet = paper_factory(title=ABSTRACTS[1][0], abstract=ABSTRACTS[1][1])
    result = run("index", "embed", *args, **overrides)
    assert result.exit_code == 0, result.output
    assert f"embeddings ({DEFAULT_MODEL}, ONNX Runtime int8): embedded 2," in result.output

    # Queries are embedded by the default (torch) embedder, documents came from ONNX.
    result = run("search", "predicting how proteins fold", "--mode", "semantic", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "semantic" and data["notice"] is None
    assert [p["arxiv_id"] for p in data["papers"]] == [protein, resnet]
    # Stored under the default model's name: a plain `index embed` has nothing left to do.
    assert "embedded 0," in run("index", "embed", "--no-fast").output


def test_index_embed_fast_without_onnxruntime_says_what_to_install(run, paper_factory, monkeypatch):
    paper_factory()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if not installed
    result = run("index", "embed", "--fast")
    assert result.exit_code == 1
    assert "pip install onnxruntime onnx" in result.output


def test_fast_embedding_exists_for_the_bundled_model_only(tmp_path):
    with pytest.raises(ModelUnavailable, match="bundled"):
        bulk_embedder("sentence-transformers/all-mpnet-base-v2", tmp_path)
    assert not any(tmp_path.iterdir())
