"""The for-you formula, pure (arrays in, arrays out; no I/O; its one big product on every
core). docs/for-you.md explains it::

    score = mix * personal + (1 - mix) * community

- ``community`` is the paper's trending score (:mod:`paperfeed.rank.trending`) as
  ``log(1 + t) / log(1 + t_max)`` over the candidates: in [0, 1], the window's top paper 1.
- ``personal`` is the raw relevance below, min-max normalised over the candidates to [0, 1]
  (all 0 when nothing tells the candidates apart)::

      relevance = centroid_weight * cos(paper, weighted mean of the liked papers)
                + (1 - centroid_weight) * mean of the paper's knn highest weighted cosines
                                          to single liked papers
                - contrast * cos(paper, mean paper of the window)
                + category_weight * weighted share of liked papers in the paper's primary category
                - negative_weight * max(0, max cosine to a "not interested" paper)
                + words_weight * spread * minmax(word relevance)   (recommend/word_space.py)
                + the bonus of each follow that matches the paper

  Each liked paper weighs its signal's weight (saved, more: 1; upvoted: 0.6), times
  ``2 ** (-age / item_half_life)`` when a half-life is set (by default none: measured worse).
  Word relevance is the Rocchio score in the window's TF-IDF space (unigrams and bigrams):
  ``cos(x, unit(weighted sum of the liked papers)) - word_contrast * cos(x, window mean)``;
  ``spread`` is the range of the embedding terms over the candidates (1 without embeddings),
  so the words weigh as much as the embeddings whatever their scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from paperfeed.recommend.row_chunks import over_blocks


@dataclass(frozen=True)
class Params:
    """The formula's knobs, tuned by bench/recommend.py on an early window (docs/benchmarks.md)."""

    # None: liked papers do not fade (a half-life of 60, 180 or 365 days all ranked worse on
    # the benchmark's readers, whose libraries span a year).
    item_half_life_days: float | None = None
    centroid_weight: float = 0.5
    knn: int = 3
    negative_weight: float = 0.5
    # What every candidate of the window shares says nothing about this member: subtract
    # this much of the cosine to the window's mean paper.
    contrast: float = 0.3
    # Add this much of the (weighted) share of liked papers in the paper's primary category.
    category_weight: float = 0.05
    # Words (recommend/word_space.py): this much of the scaled Rocchio score in the window's
    # TF-IDF space, relative to the embedding terms' range (0: off), with the window's mean
    # paper subtracted at ``word_contrast``.
    words_weight: float = 1.0
    word_contrast: float = 0.3
    follow_bonus: dict[str, float] = field(
        default_factory=lambda: {"author": 0.3, "topic": 0.2, "category": 0.1}
    )


DEFAULT_PARAMS = Params()


def decay(
    times: Sequence[datetime], base: Sequence[float], as_of: datetime, half_life_days: float | None
) -> np.ndarray:
    """``base * 2 ** (-age / half_life)`` per signal (``base`` itself with no half-life); a
    signal dated after ``as_of`` weighs as one given at ``as_of``."""
    if half_life_days is None:
        return np.asarray(base, dtype=np.float64)
    ages = np.array([max(0.0, (as_of - t).total_seconds()) / 86400.0 for t in times])
    return np.asarray(base, dtype=np.float64) * np.exp2(-ages / half_life_days)


def content_relevance(
    candidates: np.ndarray,
    liked: np.ndarray,
    weights: np.ndarray,
    disliked: np.ndarray,
    params: Params = DEFAULT_PARAMS,
    same: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(relevance, nearest)`` per candidate row: the content part of the formula, and
    the index of the liked paper that contributes most (-1 when there is none).

    Rows are unit vectors. ``same`` (row indexes, column indexes) pairs a candidate that
    *is* that liked paper (an upvoted paper still in the window): not its own evidence.
    """
    n = len(candidates)
    relevance = np.zeros(n)
    nearest = np.full(n, -1)
    # The centroid and contrast terms are one direction: a single matrix-vector product in
    # the vectors' precision (a float64 direction made numpy cast the whole candidates
    # matrix first, ~3.5 ms a list at 2,800 rows).
    direction = np.zeros(candidates.shape[1] if n else 0)
    if len(liked) and n:
        scale = (weights / weights.max()).astype(liked.dtype)
        knn, nearest = _nearest_liked(candidates, liked * scale[:, None], scale, same, params)
        centroid = weights @ liked
        norm = np.linalg.norm(centroid)
        if norm > 0:
            direction += params.centroid_weight * (centroid / norm)
        relevance += (1.0 - params.centroid_weight) * knn
    if params.contrast and n:
        mean = candidates.mean(axis=0, dtype=np.float64)
        norm = np.linalg.norm(mean)
        if norm > 0:
            direction -= params.contrast * (mean / norm)
    if n and direction.any():
        relevance += candidates @ direction.astype(candidates.dtype)
    if len(disliked) and n and params.negative_weight:
        relevance -= params.negative_weight * np.maximum(0.0, (candidates @ disliked.T).max(axis=1))
    return relevance, nearest


def _nearest_liked(candidates, weighted_liked, scale, same, params: Params):
    """Per candidate: the mean of its ``knn`` highest weighted cosines to single liked papers
    and the liked paper of the highest. candidates x liked is the formula's one big product
    (2,800 x 620 at 1M papers): computed in the vectors' precision (float32), each liked
    paper's weight folded into its row first (scaling the product's columns after cost ~1 ms
    more), over blocks of candidates on every core (:mod:`paperfeed.recommend.row_chunks`)."""
    k = max(1, min(params.knn, len(weighted_liked)))
    liked_t = np.ascontiguousarray(weighted_liked.T)

    def block(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        weighted = candidates[start:stop] @ liked_t
        if same is not None:
            rows, cols = same
            inside = (rows >= start) & (rows < stop)
            weighted[rows[inside] - start, cols[inside]] = -scale[cols[inside]]
        nearest = weighted.argmax(axis=1)
        return top_k_mean(weighted, k, nearest), nearest

    parts = over_blocks(block, len(candidates))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def top_k_mean(matrix: np.ndarray, k: int, argmax: np.ndarray) -> np.ndarray:
    """The mean of each row's ``k`` largest values (``argmax``: each row's largest's column).
    For a small ``k``, ``k`` passes of max with the last one masked: ~60% of the CPU time of
    ``np.partition`` over 620 columns x 2,800 rows (3.5 against 5.7 ms). Overwrites
    ``matrix``."""
    if k > 8:
        matrix.partition(matrix.shape[1] - k, axis=1)
        return matrix[:, -k:].mean(axis=1, dtype=np.float64)
    rows = np.arange(len(matrix))
    total = np.zeros(len(matrix))
    top = argmax
    for step in range(k):
        if step:
            top = matrix.argmax(axis=1)
        total += matrix[rows, top]
        matrix[rows, top] = -np.inf
    return total / k


def category_prior(
    primaries: Sequence[str | None], liked_categories: Sequence[Sequence[str]], weights: np.ndarray
) -> np.ndarray:
    """Per paper, the weighted share of liked papers that carry its primary category."""
    codes, names = category_codes(primaries)
    return coded_category_prior(codes, names, liked_categories, weights)


def category_codes(primaries: Sequence[str | None]) -> tuple[np.ndarray, list[str]]:
    """Each paper's primary category as an index into the sorted list of them (-1: none)."""
    names = sorted({p for p in primaries if p})
    code = {name: i for i, name in enumerate(names)}
    return np.array([code[p] if p else -1 for p in primaries], dtype=np.int64), names


def coded_category_prior(
    codes: np.ndarray,
    names: Sequence[str],
    liked_categories: Sequence[Sequence[str]],
    weights: np.ndarray,
) -> np.ndarray:
    """:func:`category_prior` with each paper's primary category as an index into ``names``
    (-1: none): a table lookup per paper, not a dict lookup in Python (~2 ms a list)."""
    total = float(weights.sum())
    if not len(codes) or total <= 0:
        return np.zeros(len(codes))
    share: dict[str, float] = {}
    for cats, w in zip(liked_categories, weights, strict=True):
        for c in set(cats):
            share[c] = share.get(c, 0.0) + float(w)
    table = np.array([share.get(name, 0.0) / total for name in names] + [0.0])
    return table[codes]  # -1 picks the trailing 0


def add_words(relevance: np.ndarray, words: np.ndarray, weight: float) -> np.ndarray:
    """``relevance + weight * spread * minmax(words)``, ``spread`` the range of
    ``relevance`` (1 when it is flat, e.g. without embeddings): the order is that of
    ``minmax(relevance) + weight * minmax(words)``, and terms added later (category prior,
    follow bonuses) keep the scale of the embedding cosines."""
    if not len(relevance):
        return relevance
    spread = float(relevance.max() - relevance.min())
    spread = spread if spread > 1e-12 else 1.0
    return relevance + weight * spread * minmax(np.asarray(words, dtype=np.float64))


def minmax(values: np.ndarray) -> np.ndarray:
    """``values`` scaled to [0, 1]; all 0 when they are all equal (nothing to tell apart)."""
    if not len(values):
        return values
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.zeros_like(values, dtype=np.float64)
    return (values - low) / (high - low)


def community_scale(trending: np.ndarray) -> np.ndarray:
    """Trending scores as ``log(1 + t) / log(1 + t_max)``: one viral paper does not flatten
    the rest to 0. All 0 when no candidate has any vote."""
    if not len(trending):
        return trending
    top = float(np.max(trending))
    if top <= 0:
        return np.zeros_like(trending, dtype=np.float64)
    return np.log1p(np.maximum(trending, 0.0)) / np.log1p(top)


def mix_scores(personal: np.ndarray, community: np.ndarray, mix: float) -> np.ndarray:
    """The documented formula; both inputs already in [0, 1]."""
    return mix * personal + (1.0 - mix) * community
