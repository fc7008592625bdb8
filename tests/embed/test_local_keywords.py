"""Local keywords for papers Hugging Face gave none: KeyBERT-style candidates ranked against the
paper's embedding with MMR (embed/keyphrases.py), in a resumable step after embedding
(embed/keywords.py). Only the paper's own words, never for a paper HF gave keywords."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.embed.job import embed_missing
from paperfeed.embed.keyphrases import candidates, pick
from paperfeed.embed.keywords import compute_missing_keywords
from paperfeed.service.indexing import embed_papers
from paperfeed.service.papers import get_paper

TITLE = "Sparse mixture of experts for efficient LLM inference"
ABSTRACT = (
    "We propose a sparse mixture of experts layer that routes each token to two experts. "
    "The router is trained with a load balancing loss. On language modelling benchmarks the "
    "sparse mixture of experts matches dense LLMs at a third of the inference cost."
)


def test_candidates_are_runs_of_the_papers_words_between_stop_words():
    found = candidates(TITLE, f"{TITLE}. {ABSTRACT}")
    assert "sparse mixture" in found and "LLM inference" in found  # acronyms as written
    lowered = f"{TITLE} {ABSTRACT}".lower()
    assert all(c.lower() in lowered for c in found)
    assert not {"we", "propose", "the", "of"} & {w for c in found for w in c.lower().split()}
    assert all(1 <= len(c.split()) <= 3 for c in found)


def test_mmr_prefers_relevant_phrases_and_skips_near_duplicates():
    doc = np.array([1.0, 0.0, 0.0])
    vectors = np.array(
        [[0.99, 0.14, 0.0], [0.98, 0.2, 0.0], [0.6, 0.0, 0.8], [0.0, 1.0, 0.0]], dtype=np.float32
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    phrases = ["mixture of experts", "experts", "routing", "unrelated"]
    picked = pick(doc, phrases, vectors, top_n=2)
    assert picked[0] == "mixture of experts"
    assert "experts" not in picked  # inside a picked phrase, and too similar to it


@pytest.mark.slow
def test_keywords_job_is_resumable_and_leaves_hf_keywords_alone(
    settings, session_factory, paper_factory, real_embedder
):
    ours = paper_factory(arxiv_id="2611.00001", title=TITLE, abstract=ABSTRACT)
    other = paper_factory(
        arxiv_id="2611.00002",
        title="Diffusion models for protein structure generation",
        abstract="A denoising diffusion model generates protein backbones with SE(3) symmetry.",
    )
    from_hf = paper_factory(arxiv_id="2611.00003", ai_keywords=("given by HF",))

    on = settings.model_copy(update={"local_keywords": True})
    first = embed_papers(on, session_factory, limit=1)  # the step after embedding, capped
    assert (first.keywords.computed, first.keywords.remaining) == (1, 0)  # one embedded yet
    embed_missing(session_factory, real_embedder)
    second = compute_missing_keywords(session_factory, real_embedder)
    assert (second.computed, second.remaining) == (1, 0)
    assert compute_missing_keywords(session_factory, real_embedder).computed == 0

    with session_factory() as s:
        mine, theirs, hf = (get_paper(s, i) for i in (ours, other, from_hf))
    assert mine.keywords_source == "local" and 3 <= len(mine.keywords) <= 6
    text = f"{TITLE} {ABSTRACT}".lower()
    assert all(k.lower() in text for k in mine.keywords)
    assert any("expert" in k for k in mine.keywords)
    assert any("diffusion" in k or "protein" in k for k in theirs.keywords)
    assert (hf.keywords, hf.local_keywords, hf.keywords_source) == (
        ("given by HF",),
        (),
        "huggingface",
    )

    # A new text is embedded again, and so gets new keywords
    paper_factory(arxiv_id=ours, title="Retrieval augmented generation for code", version=2)
    embed_missing(session_factory, real_embedder)
    assert compute_missing_keywords(session_factory, real_embedder).computed == 1
    with session_factory() as s:
        assert any("retrieval" in k.lower() for k in get_paper(s, ours).keywords)
