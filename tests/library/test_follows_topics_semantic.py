"""A topic followed by meaning, with the real model: only papers close enough to the query
come (recommend/followed_topics.py MIN_SIMILARITY), on both databases."""

from __future__ import annotations

import pytest
from test_follows_topics import brought

from members import NOW, make_account
from paperfeed.embed.job import embed_missing
from paperfeed.library import follows
from paperfeed.store.db import session_scope

pytestmark = pytest.mark.semantic


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"semantic_search": True})


def test_a_topic_by_meaning_brings_only_close_papers(
    runtime, paper_factory, session_factory, real_embedder
):
    paper_factory(
        title="Predicting the tertiary structure of polypeptide chains from amino-acid sequences",
        abstract="We infer the spatial conformation of chains of residues.",
    )
    paper_factory(
        title="Folding laundry with dual-arm robots",
        abstract="A manipulation policy that folds towels and shirts.",
    )
    paper_factory(
        title="Latent diffusion for high-resolution image synthesis",
        abstract="Denoising in a learned latent space generates photographs from text.",
    )
    paper_factory(
        title="Tax law in medieval Venice",
        abstract="Archival records of customs duties on spice shipments.",
    )
    embed_missing(session_factory, real_embedder)
    ada = make_account(runtime.sessions)
    with session_scope(runtime.sessions) as s:
        follows.follow_topic(s, ada.id, "protein folding", mode="semantic", now=NOW)
        follows.follow_topic(s, ada.id, "text-to-image generation", mode="hybrid", now=NOW)
    got = brought(runtime, ada.id)
    assert got.get(
        "Predicting the tertiary structure of polypeptide chains from amino-acid sequences"
    ) == ["protein folding"]
    assert got.get("Latent diffusion for high-resolution image synthesis") == [
        "text-to-image generation"
    ]
    assert "Tax law in medieval Venice" not in got
    assert "Folding laundry with dual-arm robots" not in got  # "folding", but not close enough
