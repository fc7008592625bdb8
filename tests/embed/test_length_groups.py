"""A batch of queries is split into model calls where padding would cost more than a call
(embed/onnx.py ``length_groups``): the split is the cheapest one, and covers every text once."""

from __future__ import annotations

import itertools
import random

import pytest

from paperfeed.embed.onnx import CALL_TOKENS, length_groups


def cost(lengths, groups, call_tokens=CALL_TOKENS):
    return sum(call_tokens + (b - a) * lengths[a] for a, b in groups)


def every_split(n):
    for cuts in itertools.product([False, True], repeat=max(n - 1, 0)):
        starts = [0] + [i + 1 for i, cut in enumerate(cuts) if cut]
        yield list(itertools.pairwise([*starts, n]))


@pytest.mark.parametrize("seed", range(40))
def test_the_split_is_the_cheapest_of_all(seed):
    rng = random.Random(seed)
    lengths = sorted((rng.randint(3, 40) for _ in range(rng.randint(1, 10))), reverse=True)
    groups = length_groups(lengths)
    assert [a for a, _ in groups] == [0, *(b for _, b in groups[:-1])]  # in order, no gap
    assert groups[-1][1] == len(lengths)
    assert cost(lengths, groups) == min(cost(lengths, g) for g in every_split(len(lengths)))


def test_similar_lengths_share_one_call_and_far_ones_do_not():
    assert length_groups([12, 11, 11, 10, 10, 9]) == [(0, 6)]
    assert length_groups([256, 8, 7, 7]) == [(0, 1), (1, 4)]
    assert length_groups([]) == []
