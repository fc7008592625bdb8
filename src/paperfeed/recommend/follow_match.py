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
        word is a word of ``text`` (its title and abstract, case-folded, as
        :class:`~paperfeed.recommend.candidates.WindowPaper` holds it)."""
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
