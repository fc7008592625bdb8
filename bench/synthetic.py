"""Synthetic embeddings that keep the geometry of real ones, to benchmark at sizes beyond the corpus.

Each synthetic vector is a real vector (its "parent", drawn at random) plus Gaussian noise whose
covariance is the real data's (so the noise follows the principal components: large along the
directions real papers vary in, small along the others), re-normalised to unit length.

The noise scale ``sigma`` is what makes the set realistic or not: too small and every synthetic
vector is a near-duplicate of its parent (an ANN index finds those trivially), too large and the
vectors spread into the empty space of the sphere (harder than real data). It is calibrated so
that the *nearest-neighbour similarity distribution* matches the real one at a size we can
measure: a set with the same parents-to-children ratio as the requested output (``p`` real
parents plus ``p * n / m`` children, ``m`` vectors in all) must have the same median similarity
between each vector and its nearest other vector as the ``m`` real vectors. ``nn_report`` gives
the quantiles for both so the match can be checked (the benchmark prints them).
"""

from __future__ import annotations

import numpy as np

SAMPLE = 1_500  # vectors whose nearest neighbour is looked up when comparing distributions


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def nn_similarities(x: np.ndarray, seed: int = 0, sample: int = SAMPLE, k: int = 1) -> np.ndarray:
    """Cosine similarity of a random sample of ``x``'s rows to their ``k``-th nearest other row."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(x), size=min(sample, len(x)), replace=False)
    out = np.empty(len(rows), dtype=np.float32)
    for start in range(0, len(rows), 256):
        block = rows[start : start + 256]
        sims = x[block] @ x.T
        sims[np.arange(len(block)), block] = -np.inf  # not itself
        out[start : start + len(block)] = -np.partition(-sims, k - 1, axis=1)[:, k - 1]
    return out


class _Noise:
    """Gaussian noise with the covariance of ``real`` (via its principal components)."""

    def __init__(self, real: np.ndarray):
        centred = real - real.mean(axis=0)
        _u, s, vt = np.linalg.svd(centred / np.sqrt(len(real)), full_matrices=False)
        self.basis = (s[:, None] * vt).astype(np.float32)  # rows: components scaled by std

    def __call__(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.standard_normal((n, len(self.basis)), dtype=np.float32) @ self.basis


def _children(
    parents: np.ndarray, noise: _Noise, sigma: float, n: int, rng: np.random.Generator
) -> np.ndarray:
    out = np.empty((n, parents.shape[1]), dtype=np.float32)
    for start in range(0, n, 50_000):
        m = min(50_000, n - start)
        picked = parents[rng.integers(0, len(parents), size=m)]
        out[start : start + m] = unit(picked + sigma * noise(rng, m))
    return out


def calibrate_sigma(real: np.ndarray, ratio: float, seed: int = 0) -> float:
    """The noise scale at which ``p`` real parents plus ``ratio * p`` children, ``len(real)``
    vectors in all, have the real set's median nearest-neighbour similarity."""
    real = unit(real)
    m = len(real)
    p = max(2, round(m / (1 + ratio)))
    target = float(np.median(nn_similarities(real, seed)))
    noise = _Noise(real)
    lo, hi = 0.0, 4.0
    for step in range(18):  # nearest-neighbour similarity falls as sigma grows: bisect
        sigma = (lo + hi) / 2
        got = float(np.median(nn_similarities(_mix(real, noise, sigma, p, m, seed + step), seed)))
        if got > target:
            lo = sigma
        else:
            hi = sigma
    return (lo + hi) / 2


def _mix(real: np.ndarray, noise: _Noise, sigma: float, p: int, m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parents = real[rng.choice(len(real), size=p, replace=False)]
    return np.concatenate([parents, _children(parents, noise, sigma, m - p, rng)])


def synthetic_vectors(
    real: np.ndarray, n: int, seed: int, *, sigma: float | None = None
) -> np.ndarray:
    """``n`` unit vectors shaped like ``real`` (float32, ``(n, dim)``), to be used beside it.

    ``sigma`` defaults to :func:`calibrate_sigma` for the ratio ``n / len(real)``.
    """
    real = unit(real)
    if sigma is None:
        sigma = calibrate_sigma(real, n / len(real), seed)
    return _children(real, _Noise(real), sigma, n, np.random.default_rng(seed + 1))


def quantiles(x: np.ndarray) -> dict[str, float]:
    q = np.quantile(x, [0.1, 0.5, 0.9])
    return {"p10": float(q[0]), "p50": float(q[1]), "p90": float(q[2])}


def nn_report(real: np.ndarray, seed: int = 0) -> dict:
    """Check the generator out of sample: grow the first half of ``real`` to full size with
    synthetic vectors (sigma calibrated on that half only) and compare the nearest-neighbour
    similarity quantiles (1st and 10th neighbour) with the real full set's."""
    real = unit(real)
    half = real[: len(real) // 2]
    sigma = calibrate_sigma(half, (len(real) - len(half)) / len(half), seed)
    grown = np.concatenate(
        [half, synthetic_vectors(half, len(real) - len(half), seed, sigma=sigma)]
    )
    return {
        "sigma_on_half": sigma,
        "real_nn1": quantiles(nn_similarities(real, seed)),
        "grown_nn1": quantiles(nn_similarities(grown, seed)),
        "real_nn10": quantiles(nn_similarities(real, seed, k=10)),
        "grown_nn10": quantiles(nn_similarities(grown, seed, k=10)),
    }
