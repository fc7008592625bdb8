"""The for-you formula's pure parts: the scalings, the mix, the content relevance (centroid,
nearest liked papers, negatives, contrast, itself not its own evidence) and the category
prior."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from paperfeed.recommend.scoring import (
    Params,
    category_prior,
    community_scale,
    content_relevance,
    decay,
    minmax,
    mix_scores,
)

E = np.eye(4, dtype=np.float32)


def test_scalings_are_in_zero_one_and_flat_inputs_give_zero():
    assert minmax(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([5.0, 5.0])).tolist() == [0.0, 0.0]
    scaled = community_scale(np.array([0.0, 1.0, 99.0]))
    assert scaled[0] == 0.0 and scaled[2] == 1.0 and 0.1 < scaled[1] < 0.2  # log, not linear
    assert community_scale(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]
    assert mix_scores(np.array([1.0]), np.array([0.0]), 0.7)[0] == pytest.approx(0.7)


def test_decay_halves_every_half_life_and_never_grows():
    now = datetime(2026, 11, 20, tzinfo=UTC)
    times = [now, now - timedelta(days=180), now + timedelta(days=3)]
    assert decay(times, [1, 1, 0.6], now, 180).tolist() == pytest.approx([1.0, 0.5, 0.6])
    assert decay(times, [1, 1, 0.6], now, None).tolist() == pytest.approx([1.0, 1.0, 0.6])


def test_content_relevance_prefers_the_nearest_and_the_centre():
    liked = np.stack([E[0], E[1]])
    cands = np.stack([E[0], E[2], (E[0] + E[1]) / np.sqrt(2)])
    plain = Params(contrast=0.0)
    rel, nearest = content_relevance(cands, liked, np.array([1.0, 1.0]), np.zeros((0, 4)), plain)
    assert rel[2] > rel[0] > rel[1]  # the middle of both interests, then one of them
    assert nearest[0] == 0
    only_knn = Params(centroid_weight=0.0, knn=1, contrast=0.0)
    rel, _ = content_relevance(cands, liked, np.array([1.0, 0.2]), np.zeros((0, 4)), only_knn)
    assert rel[0] == pytest.approx(1.0) and rel[1] == pytest.approx(0.0)


def test_negatives_contrast_and_self_matches_lower_a_paper():
    liked, w = np.stack([E[0]]), np.array([1.0])
    cands = np.stack([(E[0] + E[1]) / np.sqrt(2), (E[0] + E[2]) / np.sqrt(2)])
    plain = Params(contrast=0.0)
    base, _ = content_relevance(cands, liked, w, np.zeros((0, 4)), plain)
    assert base[0] == pytest.approx(base[1])
    rel, _ = content_relevance(cands, liked, w, np.stack([E[1]]), plain)
    assert rel[0] < rel[1]
    contrasted, _ = content_relevance(cands, liked, w, np.zeros((0, 4)), Params(contrast=0.5))
    assert contrasted[0] < base[0]
    itself = (np.array([0]), np.array([0]))  # candidate 0 is liked paper 0
    rel, _ = content_relevance(
        np.stack([E[0], E[0]]), liked, w, np.zeros((0, 4)), plain, same=itself
    )
    assert rel[0] < rel[1]


def test_category_prior_is_the_weighted_share_of_liked_papers():
    prior = category_prior(
        ["cs.CL", "cs.CV", None], [("cs.CL", "cs.LG"), ("cs.CV",), ("cs.CL",)], np.array([1, 2, 1])
    )
    assert prior.tolist() == pytest.approx([0.5, 0.5, 0.0])
