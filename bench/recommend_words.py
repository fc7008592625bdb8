"""Word rankers of the recommendation benchmark (docs/benchmarks.md, "Recommendation
quality"): TF-IDF variants and per-reader linear classifiers in TF-IDF space, as arxiv-sanity
ranks (a linear SVM per reader, the library as positives, every other paper as negatives).

Each method maps ``(window, reader)`` to one score per candidate (``window.candidates``
order). They need no embeddings, so ``--no-embeddings`` runs them too.
"""

from __future__ import annotations

import numpy as np

from bench.recommend_data import Reader, Window
from paperfeed.recommend.word_space import rocchio_relevance


class Space:
    """A TF-IDF space fitted on the window's papers (libraries and candidates), the way the
    TF-IDF centroid baseline is; ``bigrams`` as the product's."""

    def __init__(self, window: Window, *, bigrams: bool = True, min_df: int = 2):
        from sklearn.feature_extraction.text import TfidfVectorizer

        ids = sorted(window.papers)
        texts = [f"{window.papers[a].title}. {window.papers[a].abstract}" for a in ids]
        vectorizer = TfidfVectorizer(
            sublinear_tf=True,
            stop_words="english",
            min_df=min_df,
            ngram_range=(1, 2) if bigrams else (1, 1),
            dtype=np.float32,
        )
        self.matrix = vectorizer.fit_transform(texts).tocsr()
        self.index = {a: i for i, a in enumerate(ids)}
        self.cand = self.matrix[[self.index[a] for a in window.candidates]]
        mean = np.asarray(self.cand.mean(axis=0), dtype=np.float64).ravel()
        self.mean = mean / (np.linalg.norm(mean) or 1.0)

    def library(self, reader: Reader):
        return self.matrix[[self.index[a] for a in reader.library]]


def rocchio(space: Space, contrast: float):
    """Centroid of the library minus ``contrast`` times the window's mean (the product's
    word term, :func:`paperfeed.recommend.word_space.rocchio_relevance`); contrast 0 is the
    TF-IDF centroid."""

    def score(window: Window, reader: Reader) -> np.ndarray:
        weights = np.ones(len(reader.library))
        return rocchio_relevance(space.cand, space.library(reader), weights, space.mean, contrast)

    return score


def knn(space: Space, k: int = 3, centroid_weight: float = 0.5, contrast: float = 0.3):
    """The product's embedding formula in TF-IDF space: centroid plus the mean of the ``k``
    nearest library papers, minus the window's mean."""

    def score(window: Window, reader: Reader) -> np.ndarray:
        lib = space.library(reader)
        near = (space.cand @ lib.T).toarray()
        kk = min(k, near.shape[1])
        top = np.sort(near, axis=1)[:, -kk:].mean(axis=1)
        base = rocchio(space, contrast)(window, reader)
        return centroid_weight * base + (1 - centroid_weight) * top

    return score


def svm(space: Space, c: float = 0.01):
    """arxiv-sanity's per-reader linear SVM: the library against the window's candidates."""

    def score(window: Window, reader: Reader) -> np.ndarray:
        from scipy.sparse import vstack
        from sklearn.svm import LinearSVC

        pos = space.library(reader)
        x = vstack([pos, space.cand])
        y = np.r_[np.ones(pos.shape[0]), np.zeros(space.cand.shape[0])]
        model = LinearSVC(C=c, class_weight="balanced", max_iter=2000).fit(x, y)
        return model.decision_function(space.cand)

    return score


def scaled(v: np.ndarray) -> np.ndarray:
    low, high = float(v.min()), float(v.max())
    return (v - low) / (high - low) if high > low else np.zeros_like(v)


def plus(first, second, weight: float):
    """``minmax(first) + weight * minmax(second)``: two legs fused by score."""

    def score(window: Window, reader: Reader) -> np.ndarray:
        return scaled(np.asarray(first(window, reader), dtype=np.float64)) + weight * scaled(
            np.asarray(second(window, reader), dtype=np.float64)
        )

    return score


def word_experiments(window: Window) -> dict:
    """The word attempts, by name (bench/recommend.py runs them with ``--experiments``)."""
    from bench import recommend_methods as m

    uni, bi = Space(window, bigrams=False), Space(window)
    category = m.category_prior
    return {
        "tfidf unigrams, linear SVM C=0.01 vs the window": svm(uni, 0.01),
        "tfidf unigrams, linear SVM C=1": svm(uni, 1.0),
        "tfidf + bigrams, centroid": rocchio(bi, 0.0),
        "tfidf + bigrams, linear SVM C=0.01": svm(bi, 0.01),
        "tfidf + bigrams, linear SVM C=0.1": svm(bi, 0.1),
        "tfidf + bigrams, Rocchio contrast 0.3": rocchio(bi, 0.3),
        "tfidf + bigrams, Rocchio contrast 0.6": rocchio(bi, 0.6),
        "tfidf + bigrams, centroid 0.5 + knn 3, contrast 0.3": knn(bi),
        "tfidf + bigrams, Rocchio 0.3 + category 0.1": plus(rocchio(bi, 0.3), category, 0.1),
        "tfidf + bigrams, SVM C=0.1 + category 0.2": plus(svm(bi, 0.1), category, 0.2),
    }
