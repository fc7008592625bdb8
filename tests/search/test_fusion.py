"""Reciprocal rank fusion: a pure function, checked by hand-computed scores."""

from __future__ import annotations

import pytest

from paperfeed.search.fusion import reciprocal_rank_fusion


def test_scores_are_the_sum_of_weighted_reciprocal_ranks():
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["c"] == pytest.approx(1 / 62)


def test_a_document_in_both_lists_beats_one_in_a_single_list():
    order = [key for key, _ in reciprocal_rank_fusion([["a", "b"], ["b", "c"]])]
    assert order == ["b", "a", "c"]


def test_weights_shift_the_order():
    order = [k for k, _ in reciprocal_rank_fusion([["a"], ["c"]], weights=[1.0, 2.0])]
    assert order == ["c", "a"]


def test_ties_keep_first_appearance_order():
    order = [k for k, _ in reciprocal_rank_fusion([["x", "y"], ["z", "w"]])]
    assert order == ["x", "z", "y", "w"]


def test_a_repeated_key_counts_once_at_its_best_rank():
    fused = dict(reciprocal_rank_fusion([["a", "a", "b"]], k=0))
    assert fused == {"a": 1.0, "b": pytest.approx(1 / 3)}


def test_empty_and_invalid_input():
    assert reciprocal_rank_fusion([]) == []
    assert reciprocal_rank_fusion([[], []]) == []
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], weights=[1.0, 2.0])
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], k=-1)
