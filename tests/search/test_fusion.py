"""Reciprocal rank fusion and z-score fusion: pure functions, checked by hand-computed scores."""

from __future__ import annotations

import pytest

from paperfeed.search.fusion import reciprocal_rank_fusion, zscore_fusion


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


# -- z-score fusion ---------------------------------------------------------------------------


def test_zscores_are_shifted_to_the_list_floor_and_weighted():
    # List one: scores 3, 1 -> mean 2, sd 1 -> z 1, -1 -> minus floor: 2, 0.
    # List two: scores 0.9, 0.5, 0.1 -> sd 0.3266 -> (s - 0.1) / sd: 2.449, 1.225, 0.
    fused = dict(zscore_fusion([[("a", 3.0), ("b", 1.0)], [("b", 0.9), ("c", 0.5), ("d", 0.1)]]))
    sd = (((0.9 - 0.5) ** 2 + (0.1 - 0.5) ** 2) / 3) ** 0.5
    assert fused["a"] == pytest.approx(2.0)
    assert fused["b"] == pytest.approx(0.0 + 0.8 / sd)
    assert fused["c"] == pytest.approx(0.4 / sd)
    assert fused["d"] == pytest.approx(0.0)
    weighted = dict(zscore_fusion([[("a", 3.0), ("b", 1.0)], [("b", 1.0), ("c", 0.0)]], [3.0, 1.0]))
    assert weighted == {"a": pytest.approx(6.0), "b": pytest.approx(2.0), "c": 0.0}


def test_zscore_keeps_score_gaps_that_rank_fusion_loses():
    # Keyword: "a" far ahead of everything; semantic: "b" barely ahead of "a".
    keyword = [("a", 30.0), ("b", 5.0), ("c", 4.9), ("d", 4.8)]
    semantic = [("b", 0.61), ("a", 0.60), ("c", 0.30), ("d", 0.29)]
    assert zscore_fusion([keyword, semantic])[0][0] == "a"
    by_rank = [[k for k, _ in keyword], [k for k, _ in semantic]]
    assert reciprocal_rank_fusion(by_rank)[0][0] in {"a", "b"}  # a tie: rank sees no gap
    assert dict(reciprocal_rank_fusion(by_rank))["a"] == dict(reciprocal_rank_fusion(by_rank))["b"]


def test_zscore_a_list_of_equal_scores_leaves_the_order_to_the_others():
    fused = zscore_fusion([[("a", 2.0), ("b", 2.0)], [("b", 0.9), ("a", 0.1)]])
    assert [k for k, _ in fused] == ["b", "a"]
    assert zscore_fusion([[("only", 7.0)]]) == [("only", 0.0)]


def test_zscore_a_repeated_key_counts_once_at_its_best_score():
    fused = dict(zscore_fusion([[("a", 1.0), ("a", 3.0), ("b", 1.0)]]))
    assert fused == {"a": pytest.approx(2.0), "b": 0.0}


def test_zscore_empty_and_invalid_input():
    assert zscore_fusion([]) == []
    assert zscore_fusion([[], []]) == []
    with pytest.raises(ValueError):
        zscore_fusion([[("a", 1.0)]], weights=[1.0, 2.0])
    with pytest.raises(ValueError):
        zscore_fusion([[("a", 1.0)]], weights=[-1.0])
