"""One immutable snapshot of a window's papers (:class:`WindowPapers`): columns as arrays and
lists, row ``i`` of each the same paper, newest first; and what is derived from them for
every member alike (the follow indexes, each paper's words, whatever :meth:`cached` builds).

A change of a few papers makes a new snapshot from the old one (:meth:`replaced`): the rows
of unchanged papers keep what was derived for them (their words, their author keys), so a
vote or a new paper does not make the window's text be split into words again.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

import numpy as np

from paperfeed.recommend.follow_match import name_key, words_of
from paperfeed.recommend.scoring import category_codes
from paperfeed.recommend.window_load import PaperRow

T = TypeVar("T")
ROW_OVERHEAD = 400  # bytes a row's Python objects cost beyond its text (tuples, str headers)


class WindowPapers:
    """The visible feed papers listed on ``first_day``..``last_day``. Fields (row ``i`` the
    same paper in each): ``paper_ids`` (int64), ``arxiv_ids``, ``titles``, ``abstracts``,
    ``authors``, ``categories`` (primary first), ``primaries`` (the first category or None),
    ``posted`` (float64 epoch seconds of the feed posting), ``imported_upvotes`` (float64),
    ``vectors`` (float32, unit rows; zero where ``has_vector`` is False), ``row_of``
    (paper id -> row). Treat every field as read-only."""

    def __init__(self, model: str | None, first_day: date, last_day: date, rows, vectors, words):
        self.model = model
        self.first_day = first_day
        self.last_day = last_day
        self.rows: list[PaperRow] = rows
        self.paper_ids = np.array([r.paper_id for r in rows], dtype=np.int64)
        self.arxiv_ids = [r.arxiv_id for r in rows]
        self.titles = [r.title for r in rows]
        self.abstracts = [r.abstract for r in rows]
        self.authors = [r.authors for r in rows]
        self.categories = [r.categories for r in rows]
        self.primaries = [r.categories[0] if r.categories else None for r in rows]
        self.posted = np.array([r.posted_at.timestamp() for r in rows], dtype=np.float64)
        self.imported_upvotes = np.array([r.imported_upvotes for r in rows], dtype=np.float64)
        self.vectors: np.ndarray = vectors
        self.has_vector = np.any(vectors != 0, axis=1) if len(rows) else np.zeros(0, dtype=bool)
        self.row_of = {pid: i for i, pid in enumerate(self.paper_ids.tolist())}
        self._sorted = np.argsort(self.paper_ids)
        self._words: list[frozenset[str] | None] = words
        self._words_done = all(w is not None for w in words)
        self._lock = threading.Lock()
        self._cached: dict[str, object] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def text(self, row: int) -> str:
        """``"title. abstract"``: what word relevance reads."""
        return f"{self.titles[row]}. {self.abstracts[row]}"

    def rows_of(self, paper_ids: np.ndarray) -> np.ndarray:
        """The row of each paper id, -1 for a paper not in the window (vectorised)."""
        ids = np.asarray(paper_ids, dtype=np.int64)
        if not len(self.paper_ids) or not len(ids):
            return np.full(len(ids), -1, dtype=np.int64)
        ordered = self.paper_ids[self._sorted]
        at = np.minimum(np.searchsorted(ordered, ids), len(ordered) - 1)
        return np.where(ordered[at] == ids, self._sorted[at], -1)

    def words(self) -> list[frozenset[str]]:
        """Each row's case-folded words of title and abstract (what topic follows match)."""
        with self._lock:
            if not self._words_done:
                self._words = [
                    w if w is not None else frozenset(words_of(f"{r.title} {r.abstract}"))
                    for w, r in zip(self._words, self.rows, strict=True)
                ]
                self._words_done = True
            return self._words  # type: ignore[return-value]

    def word_rows(self) -> dict[str, np.ndarray]:
        """Rows by word (sorted int64 arrays): the inverted index topic follows match on."""
        return self.cached("word_rows", _word_index)

    def author_rows(self) -> dict[str, list[int]]:
        """Rows by author name key (as follows store it)."""
        return self.cached("authors", _author_index)

    def category_rows(self) -> dict[str, list[int]]:
        """Rows by case-folded category code."""
        return self.cached("categories", _category_index)

    def primary_codes(self) -> tuple[np.ndarray, list[str]]:
        """Each row's primary category as an index into the sorted list of them (-1: none)."""
        return self.cached("primary_codes", _primary_codes)

    def cached(self, name: str, build: Callable[[WindowPapers], T]) -> T:
        """``build(self)``, once per snapshot (rebuilt only when papers change, not votes).
        For what every member's list derives from the whole window (an index, a TF-IDF
        matrix of all rows): slice it by the candidate rows per request."""
        with self._lock:
            if name in self._cached:
                return self._cached[name]  # type: ignore[return-value]
        value = build(self)  # outside the lock: a build may call words() or cached()
        with self._lock:
            return self._cached.setdefault(name, value)  # type: ignore[return-value]

    @property
    def nbytes(self) -> int:
        text = sum(len(t) + len(a) for t, a in zip(self.titles, self.abstracts, strict=True))
        extra = sum(_size_of(v) for v in self._cached.values())
        return self.vectors.nbytes + 2 * text + ROW_OVERHEAD * len(self.rows) + extra

    def replaced(self, changed: Sequence[int], rows: list[PaperRow], vectors) -> WindowPapers:
        """This snapshot with the ``changed`` papers replaced by ``rows`` (their new reading;
        a changed paper missing from it left the window) and ``vectors``. Itself when none
        of them really changed (a vote): what was derived from it stays."""
        new = {r.paper_id: r for r in rows}
        gone = set(changed)
        if all(self._same(pid, new.get(pid), vectors.get(pid)) for pid in gone):
            return self
        keep = [i for i, pid in enumerate(self.paper_ids.tolist()) if pid not in gone]
        merged = [self.rows[i] for i in keep] + rows
        added = _matrix([r.paper_id for r in rows], vectors, self.vectors.shape[1])
        kept = self.vectors[keep]
        if kept.shape[1] != added.shape[1]:  # the window had no vector yet
            kept = np.zeros((len(keep), added.shape[1]), dtype=np.float32)
        matrix = np.concatenate([kept, added])
        words = [self._words[i] for i in keep] + [None] * len(rows)
        return _ordered(self.model, self.first_day, self.last_day, merged, matrix, words)

    def _same(self, paper_id: int, row: PaperRow | None, vector) -> bool:
        i = self.row_of.get(paper_id)
        if i is None or row is None:
            return i is None and row is None
        if self.rows[i] != row:
            return False
        if vector is None:
            return not self.has_vector[i]
        return bool(self.has_vector[i]) and np.array_equal(self.vectors[i], vector)


def papers_from_rows(
    model: str | None, first_day: date, last_day: date, rows: list[PaperRow], vectors: dict
) -> WindowPapers:
    """A snapshot of ``rows`` (any order) with their ``vectors`` (paper id -> unit vector)."""
    dim = len(next(iter(vectors.values()))) if vectors else 0
    matrix = _matrix([r.paper_id for r in rows], vectors, dim)
    return _ordered(model, first_day, last_day, rows, matrix, [None] * len(rows))


def _ordered(model, first_day, last_day, rows, matrix, words) -> WindowPapers:
    """Newest first (ties: the higher id first), the feed's order."""
    order = sorted(
        range(len(rows)), key=lambda i: (rows[i].posted_at, rows[i].paper_id), reverse=True
    )
    return WindowPapers(
        model,
        first_day,
        last_day,
        [rows[i] for i in order],
        matrix[order] if len(order) else matrix,
        [words[i] for i in order],
    )


def _matrix(paper_ids: list[int], vectors: dict, dim: int) -> np.ndarray:
    """One float32 row per paper: its vector, zeros without one."""
    if not dim and vectors:
        dim = len(next(iter(vectors.values())))
    matrix = np.zeros((len(paper_ids), dim), dtype=np.float32)
    for i, pid in enumerate(paper_ids):
        vec = vectors.get(pid)
        if vec is not None and len(vec) == dim:
            matrix[i] = vec
    return matrix


def _author_index(papers: WindowPapers) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, authors in enumerate(papers.authors):
        for author in authors:
            index[name_key(author)].append(i)
    return dict(index)


def _category_index(papers: WindowPapers) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, cats in enumerate(papers.categories):
        for cat in cats:
            index[cat.casefold()].append(i)
    return dict(index)


def _primary_codes(papers: WindowPapers) -> tuple[np.ndarray, list[str]]:
    return category_codes(papers.primaries)


def _word_index(papers: WindowPapers) -> dict[str, np.ndarray]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, words in enumerate(papers.words()):
        for word in words:
            index[word].append(i)
    return {w: np.array(rows, dtype=np.int64) for w, rows in index.items()}


def _size_of(value) -> int:
    """Bytes of something :meth:`WindowPapers.cached` keeps (arrays, sparse matrices, dicts
    of lists: an estimate)."""
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    parts = [getattr(value, a, None) for a in ("data", "indices", "indptr")]
    if all(hasattr(p, "nbytes") for p in parts):
        return sum(p.nbytes for p in parts)
    if isinstance(value, dict):
        each = (getattr(v, "nbytes", 8 * len(v)) for v in value.values() if hasattr(v, "__len__"))
        return 100 * len(value) + sum(each)
    return 64
