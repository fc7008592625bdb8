"""Word relevance for the for-you formula: a TF-IDF space fitted on the whole window (its
papers' titles and abstracts, unigrams and bigrams, sublinear term frequency), and per
member a closed-form linear classifier in it (Rocchio): the weighted centroid of the liked
papers as positives minus ``contrast`` times the window's mean paper as the negatives.

Embeddings place a paper in its field; words catch what makes a member's own line of work:
the method, dataset and task names they keep using (docs/benchmarks.md, "Recommendation
quality": TF-IDF beats every embedding ranker there). The space is fitted once per window
(:func:`word_space_of` keeps the last few in process); a request only transforms the liked
papers it has not seen yet and takes one sparse product. Pure but for that cache.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# A window smaller than this keeps words seen once (a test's or a new instance's handful of
# papers); above it a word must be in two papers, which drops typos and one-off tokens.
SMALL_WINDOW = 50
_SPACES: OrderedDict[str, WordSpace] = OrderedDict()
_SPACES_KEPT = 4  # windows (1, 7, 30 days, and one being replaced)
_LIKED_KEPT = 50_000  # liked papers' rows memoised per space (a few KB each), then reset
_LOCK = threading.Lock()


@dataclass(eq=False)
class WordSpace:
    """The TF-IDF space of one window: ``matrix`` row ``i`` is paper ``paper_ids[i]``."""

    vectorizer: object  # a fitted sklearn TfidfVectorizer
    paper_ids: list[int]
    matrix: object  # scipy CSR, unit rows
    mean: np.ndarray  # the window's mean paper, unit (dense, vocabulary size)
    row_of: dict[int, int] = field(default_factory=dict)
    _liked: dict[int, object] = field(default_factory=dict)  # paper id -> its row, memoised
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rows_of(self, paper_ids: Sequence[int], texts: dict[int, str]):
        """CSR rows of ``paper_ids`` in this space: the window's own rows where the paper is
        in the window, else ``texts[paper_id]`` transformed (once per paper, memoised as its
        column indices and values). Built from the rows' arrays at once: stacking hundreds of
        one-row matrices cost ~10 ms a list."""
        from scipy.sparse import csr_matrix

        with self._lock:
            if len(self._liked) > _LIKED_KEPT:
                self._liked.clear()
            missing = [p for p in paper_ids if p not in self.row_of and p not in self._liked]
            if missing:
                fresh = self.vectorizer.transform([texts.get(p, "") for p in missing]).tocsr()
                for k, p in enumerate(missing):
                    at, end = fresh.indptr[k], fresh.indptr[k + 1]
                    self._liked[p] = (fresh.indices[at:end].copy(), fresh.data[at:end].copy())
            indptr, indices, data = self.matrix.indptr, self.matrix.indices, self.matrix.data
            parts = []
            for p in paper_ids:
                row = self.row_of.get(p)
                if row is None:
                    parts.append(self._liked[p])
                else:
                    at, end = indptr[row], indptr[row + 1]
                    parts.append((indices[at:end], data[at:end]))
        if not parts:
            return self.matrix[:0]
        lengths = np.fromiter((len(c) for c, _ in parts), dtype=np.int64, count=len(parts))
        starts = np.concatenate([[0], np.cumsum(lengths)])
        columns = np.concatenate([c for c, _ in parts])
        values = np.concatenate([v for _, v in parts]).astype(self.matrix.dtype, copy=False)
        return csr_matrix((values, columns, starts), shape=(len(parts), self.matrix.shape[1]))


def build_word_space(paper_ids: Sequence[int], texts: Sequence[str]) -> WordSpace | None:
    """The window's TF-IDF space (None when its texts have no word to go on)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        ngram_range=(1, 2),
        min_df=2 if len(texts) >= SMALL_WINDOW else 1,
        dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform(list(texts)).tocsr()
    except ValueError:  # empty vocabulary: no text, or only stop words
        return None
    mean = np.asarray(matrix.mean(axis=0), dtype=np.float64).ravel()
    norm = np.linalg.norm(mean)
    mean = mean / norm if norm > 0 else mean
    ids = list(paper_ids)
    return WordSpace(vectorizer, ids, matrix, mean, {p: i for i, p in enumerate(ids)})


def word_space_of(paper_ids: Sequence[int], texts: Sequence[str]) -> WordSpace | None:
    """:func:`build_word_space`, kept for the next request of the same window (keyed by the
    papers and their texts, so an edited abstract makes a new space)."""
    digest = hashlib.sha256()
    for pid, text in zip(paper_ids, texts, strict=True):
        digest.update(f"{pid}\x00{text}\x01".encode())
    key = digest.hexdigest()
    with _LOCK:
        if key in _SPACES:
            _SPACES.move_to_end(key)
            return _SPACES[key]
        space = build_word_space(paper_ids, texts)
        if space is not None:
            _SPACES[key] = space
            while len(_SPACES) > _SPACES_KEPT:
                _SPACES.popitem(last=False)
        return space


def rocchio_relevance(
    candidates, liked, weights: np.ndarray, mean: np.ndarray, contrast: float
) -> np.ndarray:
    """Per candidate row (CSR, unit rows): ``cos(x, unit(sum w_i l_i)) - contrast * cos(x,
    window mean)``. All 0 without liked rows or words in common."""
    n = candidates.shape[0]
    if not n or not liked.shape[0]:
        return np.zeros(n)
    centroid = np.asarray(
        liked.T @ np.asarray(weights, dtype=liked.dtype), dtype=np.float64
    ).ravel()
    norm = np.linalg.norm(centroid)
    if norm <= 0:
        return np.zeros(n)
    # In the matrix's precision: a float64 direction made scipy cast the whole window's
    # matrix to float64 first.
    direction = (centroid / norm - contrast * mean).astype(candidates.dtype)
    return np.asarray(candidates @ direction, dtype=np.float64).ravel()
