"""The for-you product over blocks of candidates on every core (recommend/row_chunks.py):
the same relevance as one block, blocks in row order, no queueing behind busy helpers."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from paperfeed.recommend import row_chunks
from paperfeed.recommend.scoring import DEFAULT_PARAMS, content_relevance


def _unit(rng, n, d=32):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_blocks_cover_every_row_once_in_order():
    assert row_chunks.blocks(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert row_chunks.blocks(2, 5) == [(0, 1), (1, 2)]
    assert row_chunks.blocks(7, 1) == [(0, 7)]


def test_relevance_over_blocks_equals_one_block(monkeypatch):
    rng = np.random.default_rng(5)
    candidates, liked, disliked = _unit(rng, 2_000), _unit(rng, 60), _unit(rng, 4)
    weights = rng.uniform(0.5, 1.0, 60)
    # Candidates 3 and 1,500 are liked papers 7 and 59: not their own evidence, whichever
    # block they fall in.
    candidates[3], candidates[1_500] = liked[7], liked[59]
    same = (np.array([3, 1_500]), np.array([7, 59]))
    seen: list[tuple[int, int]] = []
    real = row_chunks.over_blocks

    def spy(fn, n):
        out = real(fn, n)
        seen.append((n, len(out)))
        return out

    monkeypatch.setattr(row_chunks, "cores", lambda: 2)
    monkeypatch.setattr("paperfeed.recommend.scoring.over_blocks", spy)
    blocked = content_relevance(candidates, liked, weights, disliked, DEFAULT_PARAMS, same)
    monkeypatch.setattr(row_chunks, "MIN_ROWS", 10**9)
    whole = content_relevance(candidates, liked, weights, disliked, DEFAULT_PARAMS, same)
    assert seen == [(2_000, 2), (2_000, 1)]
    np.testing.assert_allclose(blocked[0], whole[0], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(blocked[1], whole[1])
    assert blocked[1][3] != 7 and blocked[1][1_500] != 59


@pytest.mark.parametrize("helpers_busy", [False, True])
def test_a_block_no_helper_is_free_for_runs_in_the_caller(monkeypatch, helpers_busy):
    monkeypatch.setattr(row_chunks, "cores", lambda: 2)
    _pool, free = row_chunks.helpers()
    taken = 0
    while helpers_busy and free.acquire(blocking=False):
        taken += 1  # every helper is on another request's block
    threads: list[str] = []

    def fn(a, b):
        threads.append(threading.current_thread().name)
        return (a, b)

    try:
        assert row_chunks.over_blocks(fn, 4 * row_chunks.MIN_ROWS) == [
            (0, 2 * row_chunks.MIN_ROWS),
            (2 * row_chunks.MIN_ROWS, 4 * row_chunks.MIN_ROWS),
        ]
    finally:
        for _ in range(taken):
            free.release()
    helper = [t for t in threads if t.startswith("row-chunks")]
    assert len(helper) == (0 if helpers_busy else 1)
    assert free.acquire(blocking=False)  # the helper gave its slot back
    free.release()


def test_small_windows_take_no_thread_hop():
    assert row_chunks.over_blocks(lambda a, b: threading.current_thread().name, 100) == [
        threading.current_thread().name
    ]
