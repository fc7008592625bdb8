"""Which of a member's follows bring a paper, asked of every candidate of a window.

A for-you list tests each of its thousands of candidates against the member's follows (up
to 50 and more), so the follows are indexed once per list: authors and categories by key (a
dict lookup per author and category of the paper, not a pass over every follow), topics by
their words. A topic matches a paper whose title and abstract contain every one of its words
as a word; a plain substring test of each word comes first, since a word that is not even a
substring of the text cannot be one of its words, and only a paper passing it is split into
words (measured at 1M papers: splitting every candidate's abstract was most of the list's
time, bench/recommend_speed.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

# A run of alphanumeric characters: exactly what ``str.isalnum`` accepts (\w less "_").
_WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    """The case-folded words of ``text``: its runs of alphanumeric characters."""
    return _WORD.findall(text.casefold())


def name_key(name: str) -> str:
    """An author's name as follows store it: spaces collapsed, case-folded."""
    return " ".join(name.split()).casefold()


class Rule(Protocol):
    kind: str  # author | category | topic
    key: str  # an author's name key, or a category code (case-folded)
    words: tuple[str, ...]  # a topic's words


class FollowMatcher:
    """The follows of one member, ready to be matched against many papers."""

    def __init__(self, rules: Sequence[Rule]):
        self.rules = list(rules)
        self._authors: dict[str, list[int]] = defaultdict(list)
        self._categories: dict[str, list[int]] = defaultdict(list)
        self._topics: list[tuple[int, tuple[str, ...]]] = []
        for i, rule in enumerate(self.rules):
            if rule.kind == "author":
                self._authors[rule.key].append(i)
            elif rule.kind == "category":
                self._categories[rule.key].append(i)
            elif rule.kind == "topic" and rule.words:
                self._topics.append((i, rule.words))

    @property
    def wants_text(self) -> bool:
        """Whether any follow is a topic (then papers' titles and abstracts are needed)."""
        return bool(self._topics)

    def match(
        self, authors: Sequence[str], categories: Sequence[str], text: str | None
    ) -> list[Rule]:
        """The follows that bring this paper, in the member's order of the follows:
        an author among its authors, a category among its categories, a topic whose every
        word is a word of ``text`` (its title and abstract, case-folded)."""
        hits: set[int] = set()
        if self._authors:
            for author in authors:
                found = self._authors.get(name_key(author))
                if found:
                    hits.update(found)
        if self._categories:
            for category in categories:
                found = self._categories.get(category.casefold())
                if found:
                    hits.update(found)
        if self._topics and text:
            words: set[str] | None = None
            for i, wanted in self._topics:
                for word in wanted:  # a loop, not all(...): this runs ~20,000 times a list
                    if word not in text:
                        break
                else:
                    if words is None:
                        words = set(_WORD.findall(text))
                    if words.issuperset(wanted):
                        hits.add(i)
        return [self.rules[i] for i in sorted(hits)]


class IndexedWindow(Protocol):
    """What :func:`match_window` needs of a window's papers
    (:class:`~paperfeed.recommend.window_papers.WindowPapers`): indexes built once per
    window, for every member."""

    def author_rows(self) -> dict[str, list[int]]: ...

    def category_rows(self) -> dict[str, list[int]]: ...

    def words(self) -> list[frozenset[str]]: ...

    def word_rows(self) -> dict[str, np.ndarray]: ...


def match_window(
    papers: IndexedWindow, rows: np.ndarray, rules: Sequence[Rule], bonus: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """For each candidate (``rows`` of the window): the sum of the ``bonus`` of the follows
    that bring it and the index in ``rules`` of the first of them (-1: none). What
    :meth:`FollowMatcher.match` tells paper by paper, from the window's indexes: an author or
    a category is one lookup, a topic one subset test per candidate of its words."""
    n = len(rows)
    total = np.zeros(n)
    first = np.full(n, -1, dtype=np.int64)
    if not n or not rules:
        return total, first
    where = np.full(int(rows.max()) + 1, -1, dtype=np.int64)
    where[rows] = np.arange(n)  # window row -> candidate index
    for i, rule in enumerate(rules):
        hit = _rows_of_rule(papers, rows, where, rule)
        if not len(hit):
            continue
        total[hit] += bonus.get(rule.kind, 0.0)
        unset = hit[first[hit] < 0]
        first[unset] = i
    return total, first


def _rows_of_rule(papers: IndexedWindow, rows: np.ndarray, where: np.ndarray, rule: Rule):
    """The candidate indexes ``rule`` brings."""
    if rule.kind in ("author", "category"):
        index = papers.author_rows() if rule.kind == "author" else papers.category_rows()
        found = np.array(index.get(rule.key, ()), dtype=np.int64)
        found = found[found < len(where)]
        found = where[found]
        return np.unique(found[found >= 0])
    if rule.kind == "topic" and rule.words:
        # A paper has every word of the topic: the intersection of the words' rows, rarest
        # first (one subset test per candidate cost ~2 ms a topic at 2,800 candidates).
        index = papers.word_rows()
        lists = sorted((index.get(w, _NONE) for w in set(rule.words)), key=len)
        found = lists[0]
        for other in lists[1:]:
            if not len(found):
                break
            found = np.intersect1d(found, other, assume_unique=True)
        found = found[found < len(where)]
        found = where[found]
        return np.sort(found[found >= 0])
    return np.zeros(0, dtype=np.int64)


_NONE = np.zeros(0, dtype=np.int64)
