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

Every new generation (seen by the first request that needs a list: after start-up, after an
embedding round) computes the lists of the paper page (:data:`ON_PAGE`) ahead, in a
background thread (:meth:`SimilarLists.fill`): newest
papers first, in batched searches of an index that can search many vectors at once
(usearch), up to :data:`FILL_MAX` papers and :data:`FILL_SHARE` of the byte budget. So a
paper's first view does not search either (older papers' lists are made on demand).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperfeed.arxiv_ids import parse_arxiv_id
from paperfeed.errors import InvalidInput, NotFound
from paperfeed.search.base import SearchFilters, VectorIndex, query_vector
from paperfeed.search.changes import head_seq
from paperfeed.search.vector_filters import visible_ids
from paperfeed.service.papers import get_papers
from paperfeed.service.views import PaperView
from paperfeed.store.models import Paper, PaperChange, PaperEmbedding

logger = logging.getLogger(__name__)

MAX_SIMILAR = 100
ON_PAGE = 6  # the paper page's list: the one computed ahead for every paper (:meth:`fill`)
FILL_SHARE = 0.75  # of the byte budget that :meth:`SimilarLists.fill` may take
FILL_MAX = 20_000  # newest papers whose lists are made ahead (~1 ms of CPU each, per process)
FILL_CHUNK = 64  # papers searched per batched index call (the index's lock held that long)
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
    bare, _version = parse_arxiv_id(arxiv_id)
    neighbours = (
        SimilarLists.of(index).neighbours(session, bare, limit) if index is not None else None
    )
    first = list(neighbours[:limit]) if neighbours else []
    views = get_papers(session, [bare, *first])  # the paper and its list in one read
    if bare not in views:
        raise NotFound(f"No paper with arXiv id {bare!r}")
    paper = views.pop(bare)
    if index is None:
        return SimilarPapers(paper, [], "Similar papers are turned off on this site.")
    if neighbours is None:
        return SimilarPapers(paper, [], "This paper has not been embedded yet.")
    if len(views) < len(first):  # some hidden since the list was made: the spares stand in
        views.update(get_papers(session, list(neighbours[limit:])))
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
        self._filling: threading.Thread | None = None

    @classmethod
    def of(cls, index: VectorIndex) -> SimilarLists:
        """The lists kept for ``index`` (made on first use; they go with the index)."""
        with cls._of_lock:
            lists = cls._of.get(index)
            if lists is None:
                lists = cls._of[index] = cls(index)
            return lists

    def neighbours(
        self, session: Session, arxiv_id: str, limit: int, head: int | None = None
    ) -> tuple[str, ...] | None:
        """At least ``limit`` + SPARE neighbours of ``arxiv_id`` (fewer if the index has
        fewer), visible when computed; None if the paper has no vector. ``head``: the change
        sequence's head as ``session`` sees it, if the caller read it already (the paper
        page reads it with the paper)."""
        start = self._current(session, head)
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

    def _current(self, session: Session, head: int | None = None) -> int:
        """Bring the generation up to ``session``'s view of the change sequence (its ``head``,
        read here unless given); the generation's start."""
        head = head_seq(session) if head is None else head
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
            self._fill_in_background()
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

    def _fill_in_background(self) -> None:
        sessions = getattr(self.index, "sessions", None)
        if sessions is None or not hasattr(self.index, "nearest_many"):
            return  # an index that searches one vector at a time: lists made on demand
        with self._lock:
            if self._filling is not None and self._filling.is_alive():
                return  # it starts over by itself when the generation moved meanwhile
            self._filling = threading.Thread(
                target=self.fill, args=(sessions,), name="paperfeed-similar", daemon=True
            )
            self._filling.start()

    def fill(self, sessions: sessionmaker[Session]) -> int:
        """Compute the paper page's list (:data:`ON_PAGE` + SPARE) of every embedded
        visible paper that has none kept, newest first, for up to :data:`FILL_MAX` papers
        and :data:`FILL_SHARE` of the byte budget; again from the start if a new generation
        began meanwhile. Only for an index with ``nearest_many`` (usearch); one fill at a
        time per index. Returns how many lists were made."""
        with self._lock:  # one fill at a time: this one, or the one already running
            me, running = threading.current_thread(), self._filling
            if running is not None and running is not me and running.is_alive():
                return 0
            self._filling = me
        made, wanted = 0, ON_PAGE + SPARE
        try:
            with sessions() as session:
                start, after = self._current(session), None
                while made < FILL_MAX and self._bytes < self.max_bytes * FILL_SHARE:
                    rows = session.execute(_fill_chunk(self.index.model, after)).all()
                    if not rows:
                        return made
                    after = rows[-1].id
                    with self._lock:
                        rows = [r for r in rows if r.arxiv_id not in self._lists]
                    lists = _batch_nearest(session, self.index, rows, wanted)
                    if lists is None:
                        return made  # the index is behind: the rest are made on demand
                    for arxiv_id, ids in lists.items():
                        self._keep(arxiv_id, ids, wanted, start)
                    made += len(lists)
                    session.rollback()  # a new snapshot for the next chunk (SQLite WAL)
                    if self._current(session) != start:
                        start, after = self._current(session), None
        except Exception:
            logger.exception("similar papers not computed ahead (made on demand instead)")
        return made


def _fill_chunk(model: str, after: int | None):
    """The next FILL_CHUNK embedded visible papers (id, arXiv id, vector) below ``after``."""
    query = (
        select(Paper.id, Paper.arxiv_id, PaperEmbedding.vector)
        .join(PaperEmbedding, PaperEmbedding.paper_id == Paper.id)
        .where(PaperEmbedding.model == model, Paper.hidden.is_(False))
    )
    if after is not None:
        query = query.where(Paper.id < after)
    return query.order_by(Paper.id.desc()).limit(FILL_CHUNK)


def _batch_nearest(session: Session, index, rows, wanted: int) -> dict[str, tuple[str, ...]] | None:
    """The ``wanted`` nearest visible papers of each row's vector, as :func:`nearest_ids`
    finds them (same search width), from one batched index call and one SQL check; None
    while the index is behind ``session``'s view of the store."""
    if not rows:
        return {}
    vectors = np.stack([query_vector(r.vector) for r in rows])
    keys = index.nearest_many(session, vectors, wanted + 1 + 10)  # as search(): +exclude +10
    if keys is None:
        return None
    visible = visible_ids(session, sorted({int(k) for row in keys for k in row}), [], None)
    lists = {}
    for row, found in zip(rows, keys, strict=True):
        ids = [visible[int(k)] for k in found if int(k) in visible and int(k) != row.id]
        hidden = len(found) - len(ids) - (row.id in {int(k) for k in found})
        if len(ids) >= wanted or not hidden:  # short with hidden ones: searched on demand,
            lists[row.arxiv_id] = tuple(ids[:wanted])  # wider; short without: all there is
    return lists


def _size(arxiv_id: str, ids: tuple[str, ...] | None) -> int:
    return ENTRY_BYTES + len(arxiv_id) + sum(len(a) + 8 for a in ids or ())
