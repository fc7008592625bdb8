"""Papers similar to a paper: the nearest stored embeddings to its own.

Uses the paper's stored vector, so it never needs the model: it works as soon as papers are
embedded, even where the model cannot be loaded at run time.

A paper's list is computed once and kept in process (:class:`SimilarLists`, one per vector
index), not on every view: a vector index search and its SQL checks cost several times the
rest of a paper page. What a list depends on is the set of visible embedded papers, so the
lists stay valid across votes and comments (most writes) and are dropped together, a new
*generation*, when a change could alter any of them: a paper embedded or re-embedded (its
``source_seq`` is past the generation's start), or a hidden paper shown again. A paper hidden
or deleted needs no new generation: every list is turned into views through the database on
each request, which drops it at once, and each list keeps spare neighbours for that. Each
request reads the change sequence's head (one indexed query) and, when it moved, the
papers changed since (few): so a new embedding is seen by the next view.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput
from paperfeed.search.base import SearchFilters, VectorIndex
from paperfeed.search.changes import head_seq
from paperfeed.service.papers import get_paper, get_papers
from paperfeed.service.views import PaperView
from paperfeed.store.models import Paper, PaperChange, PaperEmbedding

MAX_SIMILAR = 100
SPARE = 6  # neighbours kept beyond the asked-for count, for papers hidden meanwhile
MAX_BYTES = 32 * 2**20  # of kept lists per index, estimated as below
ENTRY_BYTES = 200  # an entry's key, its dict slot and tuple, beyond the ids' characters


@dataclass(frozen=True)
class SimilarPapers:
    paper: PaperView
    papers: list[PaperView]  # most similar first, never the paper itself
    notice: str | None = None  # why the list is empty when it is not for lack of neighbours


def similar_papers(
    session: Session, index: VectorIndex | None, arxiv_id: str, limit: int = 10
) -> SimilarPapers:
    """Up to ``limit`` visible papers nearest in meaning to ``arxiv_id``.

    Raises NotFound for an unknown or hidden paper, InvalidInput for a bad ``limit``.
    """
    if not 1 <= limit <= MAX_SIMILAR:
        raise InvalidInput(f"limit must be between 1 and {MAX_SIMILAR}, got {limit}")
    paper = get_paper(session, arxiv_id)
    if index is None:
        return SimilarPapers(paper, [], "Similar papers are turned off on this site.")
    neighbours = SimilarLists.of(index).neighbours(session, paper.arxiv_id, limit)
    if neighbours is None:
        return SimilarPapers(paper, [], "This paper has not been embedded yet.")
    views = get_papers(session, list(neighbours))
    shown = [views[a] for a in neighbours if a in views][:limit]
    return SimilarPapers(paper, shown)


def nearest_ids(
    session: Session, index: VectorIndex, arxiv_id: str, count: int
) -> tuple[str, ...] | None:
    """The ``count`` visible papers nearest to ``arxiv_id``'s stored vector, best first,
    searched now; None if it has no vector under the index's model."""
    vector = session.scalar(
        select(PaperEmbedding.vector)
        .join(Paper, Paper.id == PaperEmbedding.paper_id)
        .where(Paper.arxiv_id == arxiv_id, PaperEmbedding.model == index.model)
    )
    if vector is None:
        return None
    hits = index.search(session, vector, SearchFilters(), count, exclude=frozenset({arxiv_id}))
    return tuple(h.arxiv_id for h in hits)


@dataclass
class _Generation:
    start: int  # the change seq this generation's lists were computed at or after
    seen: int  # the newest change checked against it
    hidden: frozenset[int] | set[int]  # papers hidden as of ``seen``


class SimilarLists:
    """Neighbour lists of one vector index, per paper, kept until a change could alter them
    (see the module docstring). Thread-safe; bounded by ``max_bytes`` (least recently used
    out)."""

    _of: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    _of_lock = threading.Lock()

    def __init__(self, index: VectorIndex, max_bytes: int = MAX_BYTES):
        self.index = index
        self.max_bytes = max_bytes
        self.generations = 0  # how many times every list was dropped (tests, logs)
        self._lists: OrderedDict[str, tuple[tuple[str, ...] | None, int]] = OrderedDict()
        self._bytes = 0
        self._generation: _Generation | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, index: VectorIndex) -> SimilarLists:
        """The lists kept for ``index`` (made on first use; they go with the index)."""
        with cls._of_lock:
            lists = cls._of.get(index)
            if lists is None:
                lists = cls._of[index] = cls(index)
            return lists

    def neighbours(self, session: Session, arxiv_id: str, limit: int) -> tuple[str, ...] | None:
        """At least ``limit`` + SPARE neighbours of ``arxiv_id`` (fewer if the index has
        fewer), visible when computed; None if the paper has no vector."""
        start = self._current(session)
        with self._lock:
            kept = self._lists.get(arxiv_id)
            if kept is not None:
                self._lists.move_to_end(arxiv_id)
        wanted = limit + SPARE
        if kept is not None:
            ids, asked = kept
            if ids is None or len(ids) >= wanted or asked >= wanted:
                return ids
        ids = nearest_ids(session, self.index, arxiv_id, wanted)
        self._keep(arxiv_id, ids, wanted, start)
        return ids

    def _keep(self, arxiv_id: str, ids: tuple[str, ...] | None, asked: int, start: int) -> None:
        with self._lock:
            if self._generation is None or self._generation.start != start:
                return  # a new generation began while this list was computed
            old = self._lists.pop(arxiv_id, None)
            if old is not None:
                self._bytes -= _size(arxiv_id, old[0])
            self._lists[arxiv_id] = (ids, asked)
            self._bytes += _size(arxiv_id, ids)
            while self._bytes > self.max_bytes and self._lists:
                key, (gone, _asked) = self._lists.popitem(last=False)
                self._bytes -= _size(key, gone)

    def _current(self, session: Session) -> int:
        """Bring the generation up to ``session``'s view of the change sequence; its start."""
        head = head_seq(session)
        with self._lock:
            generation = self._generation
        if generation is not None and head <= generation.seen:
            return generation.start
        if generation is None or self._needs_new(session, generation, head):
            hidden = set(session.scalars(select(Paper.id).where(Paper.hidden.is_(True))))
            with self._lock:
                self._lists.clear()
                self._bytes = 0
                self._generation = _Generation(head, head, hidden)
                self.generations += 1
            return head
        with self._lock:
            generation.seen = max(generation.seen, head)
        return generation.start

    def _needs_new(self, session: Session, generation: _Generation, head: int) -> bool:
        """Whether a change in (seen, head] may alter a list: a new vector under the index's
        model, or a hidden paper shown again. Papers hidden since are noted.

        A vector is new if its ``source_seq`` is past the generation's start, or if it was
        written with the change (the embed job stamps both with one ``now``; its source_seq
        stays older when the paper changed while the model ran). A vote at that same instant
        only costs a needless new generation."""
        embedding = PaperEmbedding
        rows = session.execute(
            select(
                Paper.id,
                Paper.hidden,
                embedding.source_seq,
                embedding.created_at == PaperChange.changed_at,
            )
            .join(PaperChange, PaperChange.paper_id == Paper.id)
            .outerjoin(
                embedding, (embedding.paper_id == Paper.id) & (embedding.model == self.index.model)
            )
            .where(PaperChange.seq > generation.seen, PaperChange.seq <= head)
        ).all()
        for paper_id, hidden, source_seq, written_with_change in rows:
            if source_seq is not None and (source_seq > generation.start or written_with_change):
                return True  # embedded (again) after the lists were computed
            if not hidden and paper_id in generation.hidden:
                return True  # shown again: it may belong in lists
            if hidden:
                with self._lock:
                    generation.hidden.add(paper_id)
        return False


def _size(arxiv_id: str, ids: tuple[str, ...] | None) -> int:
    return ENTRY_BYTES + len(arxiv_id) + sum(len(a) + 8 for a in ids or ())
