"""Rankers of the recommendation benchmark other than the product: the baselines the issue
names and the ideas tried on the way (docs/benchmarks.md, "Recommendation quality").

Each method maps ``(window, reader)`` to one score per candidate (``window.candidates``
order; higher is better). None sees author names: only titles, abstracts, categories,
listing dates and the embeddings of the window's papers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.recommend_data import Reader, Window
from paperfeed.recommend.scoring import Params, content_relevance
from paperfeed.recommend.scoring import category_prior as scoring_prior

Method = Callable[[Window, Reader], np.ndarray]


@dataclass
class Matrices:
    """The window's embeddings as matrices, built once per window."""

    candidates: np.ndarray
    index: dict[str, int]  # arXiv id -> row of ``all``
    all: np.ndarray
    ids: list[str]


_CACHE: dict[int, Matrices] = {}


def matrices(window: Window) -> Matrices:
    key = id(window)
    if key not in _CACHE:
        ids = sorted(window.papers)
        all_ = np.stack([window.vectors[a] for a in ids]).astype(np.float32)
        index = {a: i for i, a in enumerate(ids)}
        cand = all_[[index[a] for a in window.candidates]]
        _CACHE[key] = Matrices(cand, index, all_, ids)
    return _CACHE[key]


def library_matrix(window: Window, reader: Reader) -> np.ndarray:
    m = matrices(window)
    return m.all[[m.index[a] for a in reader.library]]


def unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def random_scores(window: Window, reader: Reader) -> np.ndarray:
    rng = random.Random(f"{window.cutoff}-{reader.name}")
    return np.array([rng.random() for _ in window.candidates])


def embedding_centroid(window: Window, reader: Reader) -> np.ndarray:
    return matrices(window).candidates @ unit(library_matrix(window, reader).mean(axis=0))


def nearest_library_paper(window: Window, reader: Reader) -> np.ndarray:
    return (matrices(window).candidates @ library_matrix(window, reader).T).max(axis=1)


class TfidfCentroid:
    """Cosine of each candidate's TF-IDF vector (fit on the window's papers) to the mean of
    the library's, as arxiv-sanity ranks by words."""

    def __init__(self, window: Window):
        from sklearn.feature_extraction.text import TfidfVectorizer

        ids = sorted(window.papers)
        texts = [f"{window.papers[a].title}. {window.papers[a].abstract}" for a in ids]
        vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2)
        self.matrix = vectorizer.fit_transform(texts)
        self.index = {a: i for i, a in enumerate(ids)}
        self.cand = self.matrix[[self.index[a] for a in window.candidates]]

    def __call__(self, window: Window, reader: Reader) -> np.ndarray:
        lib = self.matrix[[self.index[a] for a in reader.library]]
        centroid = np.asarray(lib.mean(axis=0)).ravel()
        norm = np.linalg.norm(centroid)
        if norm == 0:
            return np.zeros(len(window.candidates))
        return np.asarray(self.cand @ (centroid / norm)).ravel()


def ages_days(window: Window, reader: Reader) -> np.ndarray:
    return np.array([(window.cutoff - window.papers[a].feed_day).days for a in reader.library])


def formula(**knobs) -> Method:
    """The product's content formula (paperfeed.recommend.scoring, the same functions) with
    other knobs: ``Params`` fields, e.g. ``knn``, ``centroid_weight``, ``item_half_life_days``,
    ``contrast`` (minus the cosine to the window's mean paper: what every candidate shares says
    nothing about this reader) and ``category_weight`` (a category prior)."""
    params = Params(**knobs)

    def score(window: Window, reader: Reader) -> np.ndarray:
        cand = matrices(window).candidates
        lib = library_matrix(window, reader)
        hl = params.item_half_life_days
        w = np.ones(len(reader.library)) if hl is None else np.exp2(-ages_days(window, reader) / hl)
        out, _nearest = content_relevance(cand, lib, w, np.zeros((0, lib.shape[1])), params)
        if params.category_weight:
            primaries = [(window.papers[a].categories or (None,))[0] for a in window.candidates]
            liked = [window.papers[a].categories for a in reader.library]
            out = out + params.category_weight * scoring_prior(primaries, liked, w)
        return out

    return score


def category_prior(window: Window, reader: Reader) -> np.ndarray:
    """Share of the library's papers that carry each candidate's primary category."""
    lib_cats = [set(window.papers[a].categories) for a in reader.library]
    prior = []
    for a in window.candidates:
        cats = window.papers[a].categories
        primary = cats[0] if cats else None
        prior.append(sum(primary in c for c in lib_cats) / len(lib_cats) if primary else 0.0)
    return np.array(prior)


def multi_interest(clusters: int = 3, seed: int = 0) -> Method:
    """Max cosine to the centroids of k-means clusters of the library (multi-interest)."""

    def score(window: Window, reader: Reader) -> np.ndarray:
        from sklearn.cluster import KMeans

        lib = library_matrix(window, reader)
        k = max(1, min(clusters, len(lib) // 3))
        if k == 1:
            centres = unit(lib.mean(axis=0))[None, :]
        else:
            km = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(lib)
            centres = km.cluster_centers_
            centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
        return (matrices(window).candidates @ centres.T).max(axis=1)

    return score


def classifier(negatives: str = "window", c: float = 1.0) -> Method:
    """A per-reader logistic regression on embeddings: the library as positives against
    negatives (``window``: the candidates themselves, as arxiv-sanity's SVM takes every
    other paper; ``others``: other readers' libraries, papers from before the cutoff)."""

    def score(window: Window, reader: Reader) -> np.ndarray:
        from sklearn.linear_model import LogisticRegression

        m = matrices(window)
        pos = library_matrix(window, reader)
        if negatives == "window":
            neg = m.candidates
        else:
            mine = set(reader.library) | set(window.candidates)
            pool = [i for a, i in m.index.items() if a not in mine]
            rng = np.random.default_rng(abs(hash(reader.name)) % 2**32)
            neg = m.all[rng.choice(pool, size=min(len(pool), 1000), replace=False)]
        x = np.vstack([pos, neg])
        y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=200).fit(x, y)
        return model.decision_function(m.candidates)

    return score


def _scaled(v: np.ndarray) -> np.ndarray:
    low, high = float(v.min()), float(v.max())
    return (v - low) / (high - low) if high > low else np.zeros_like(v)


def hybrid(content: Method, words: Method, weight: float) -> Method:
    """Min-max scaled content relevance plus ``weight`` times scaled TF-IDF relevance."""

    def score(window: Window, reader: Reader) -> np.ndarray:
        return _scaled(content(window, reader)) + weight * _scaled(words(window, reader))

    return score
