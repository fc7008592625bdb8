"""Embedding fixtures: a fast deterministic fake embedder (the real model: tests/conftest.py)."""

from __future__ import annotations

import pytest
from embed_fakes import FakeEmbedder


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()
