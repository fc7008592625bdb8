"""Fusing ranked lists into one: reciprocal rank fusion and a z-score convex combination.

Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): each ranking contributes
``weight / (k + rank)`` (rank from 1) to every document in it. Scores are ignored, so BM25
scores and cosine similarities need no calibration against each other. k = 60 is the paper's
value.

Z-score fusion (a convex combination of normalised scores, as compared by Bruch, Gai and
Ingber, TOIS 2023): each list's scores become z-scores within that list, shifted so the
list's lowest is 0, then summed with the lists' weights. Unlike RRF it keeps how far apart
the scores are: a paper far ahead on one leg stays ahead, where RRF would only see rank 1.
A paper missing from a list gets that list's floor (adds nothing).

Both are pure functions; ties keep the order of first appearance (earlier list first), so
results are deterministic, and a key repeated within one list counts once, at its best.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[K]],
    weights: Sequence[float] | None = None,
    k: float = RRF_K,
) -> list[tuple[K, float]]:
    """Fuse best-first ``rankings`` into one best-first list of ``(key, score)``."""
    weights = _checked_weights(rankings, weights)
    if k < 0:
        raise ValueError("k must not be negative")
    scores: dict[K, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: set[K] = set()
        for rank, key in enumerate(ranking, start=1):
            if key in seen:
                continue
            seen.add(key)
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return _best_first(scores)


def zscore_fusion(
    scored: Sequence[Sequence[tuple[K, float]]],
    weights: Sequence[float] | None = None,
) -> list[tuple[K, float]]:
    """Fuse best-first lists of ``(key, score)`` into one best-first list of ``(key, score)``.

    A list whose scores are all equal (or has one entry) gives each of its keys 0: it says
    nothing about their order, and the other lists decide.
    """
    weights = _checked_weights(scored, weights)
    fused: dict[K, float] = {}
    for entries, weight in zip(scored, weights, strict=True):
        best: dict[K, float] = {}
        for key, score in entries:
            if key not in best or score > best[key]:
                best[key] = score
        if not best:
            continue
        values = list(best.values())
        spread = _pstdev(values)
        floor = min(values)
        for key, score in best.items():
            z = (score - floor) / spread if spread > 0 else 0.0  # = z-score minus the lowest
            fused[key] = fused.get(key, 0.0) + weight * z
    return _best_first(fused)


def _pstdev(values: list[float]) -> float:
    """The population standard deviation, in floats: ``statistics.pstdev`` computes it in
    exact fractions, ~10x slower, which showed in every hybrid search's profile."""
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))


def _checked_weights(lists: Sequence, weights: Sequence[float] | None) -> Sequence[float]:
    if weights is None:
        return [1.0] * len(lists)
    if len(weights) != len(lists):
        raise ValueError(f"{len(lists)} lists but {len(weights)} weights")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    return weights


def _best_first(scores: dict[K, float]) -> list[tuple[K, float]]:
    order = {key: i for i, key in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
