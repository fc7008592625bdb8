"""What the for-you ranking reads of a member's liked papers, kept in process: each paper's
categories, its text, its stored vector under the site's model, and the arXiv id and title a
card's reason names.

A member's library is mostly older than the window (a reader with 500 saved papers has a
handful in this week's), so these papers are not in the window's shared data
(:mod:`paperfeed.recommend.window_data`); reading them again on every list was a third of
its cost (620 vectors, categories and texts a request). They are paper data, the same for
every member who liked them, and follow the same change sequence as the windows
(``paper_changes``): on each request the head is read; the papers changed since are
dropped (past :data:`~paperfeed.recommend.window_data.MAX_INCREMENTAL`, everything is), with
the windows' handling of seqs not yet committed on PostgreSQL and their ten-minute net.
Bounded in bytes (:data:`MAX_BYTES`, least recently used papers dropped first), one store
per engine. Nothing of a member is kept here: which papers they like is read every time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from paperfeed.recommend.window_data import (
    GAP_LOOKBACK,
    MAX_AGE,
    MAX_INCREMENTAL,
    fresh_gaps,
    gaps_after,
)
from paperfeed.recommend.window_load import read_changes, read_vector_matrix, recent_seqs
from paperfeed.search.changes import head_seq
from paperfeed.store.chunks import in_chunks
from paperfeed.store.models import Paper
from paperfeed.store.per_engine import PerEngine

MAX_BYTES = 64 * 2**20  # ~25,000 papers with a 384-d vector and an abstract


@dataclass(frozen=True)
class PaperFact:
    """One paper as the ranker reads it: ``vector`` unit float32 under ``model`` (None: not
    embedded, or no model)."""

    categories: tuple[str, ...]
    text: str  # "title. abstract", what word relevance transforms
    vector: np.ndarray | None
    arxiv_id: str = ""  # with the title: what a card's reason names
    title: str = ""

    @property
    def nbytes(self) -> int:
        vector = self.vector.nbytes if self.vector is not None else 0
        return 200 + len(self.text) + len(self.title) + 16 * len(self.categories) + vector


class PaperFacts:
    """The kept facts of one engine, current to ``version`` of the change sequence."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self.lock = threading.Lock()
        self.catching_up = threading.Lock()
        self.entries: OrderedDict[tuple[str | None, int], PaperFact] = OrderedDict()
        self.bytes = 0
        self.version = -1  # nothing seen yet
        self.gaps: tuple[tuple[int, int, float], ...] = ()
        self.built = 0.0  # time.monotonic() of the last clear
        self.reads = 0  # papers read from the store (for tests and the benchmark)

    def get(
        self, session: Session, model: str | None, paper_ids: Sequence[int], head: int | None = None
    ) -> dict[int, PaperFact]:
        """``paper_id -> PaperFact`` for those of ``paper_ids`` that exist. ``head``: the
        change sequence's head as ``session`` saw it, if the caller has just read it."""
        head = head_seq(session) if head is None else head
        self._catch_up(session, head)
        wanted = list(dict.fromkeys(int(p) for p in paper_ids))
        found: dict[int, PaperFact] = {}
        with self.lock:
            for pid in wanted:
                fact = self.entries.get((model, pid))
                if fact is not None:
                    self.entries.move_to_end((model, pid))
                    found[pid] = fact
        missing = [p for p in wanted if p not in found]
        if missing:
            fresh = _read_facts(session, model, missing)
            self.reads += len(missing)
            found.update(fresh)
            self.keep(model, fresh, head)
        return found

    def _catch_up(self, session: Session, head: int) -> None:
        """Drop what changed since ``version`` (everything, past the incremental limit, the
        ten-minute net, or a sequence that went back: a restored backup)."""
        if self.version == head and not self.gaps and time.monotonic() - self.built < MAX_AGE:
            return
        with self.catching_up:
            now = time.monotonic()
            if self.version > head and now - self.built < MAX_AGE:
                return  # another request saw a newer commit and caught up past this one
            if self.version < 0 or now - self.built >= MAX_AGE or self.version > head:
                self._clear(session, head, now)
                return
            gaps = [(a, b) for a, b, _t in self.gaps]
            changes = read_changes(session, self.version, gaps, MAX_INCREMENTAL + 1)
            if len(changes) > MAX_INCREMENTAL:
                self._clear(session, head, now)
                return
            gaps_now = gaps_after(self, [s for s, _p in changes], head, now)
            changed = {pid for _seq, pid in changes}
            with self.lock:
                for key in [k for k in self.entries if k[1] in changed]:
                    self.bytes -= self.entries.pop(key).nbytes
                self.version, self.gaps = max(head, self.version), gaps_now

    def _clear(self, session: Session, head: int, now: float) -> None:
        gaps = fresh_gaps(recent_seqs(session, head, GAP_LOOKBACK), head, GAP_LOOKBACK, now)
        with self.lock:
            self.entries.clear()
            self.bytes = 0
            self.version, self.gaps, self.built = head, gaps, now

    def keep(self, model: str | None, facts: dict[int, PaperFact], head: int) -> None:
        """Keep facts read at ``head``, unless the store has caught up past it meanwhile (a
        change after ``head`` may already have been dropped: these could predate it)."""
        with self.lock:
            if head < self.version:
                return
            for pid, fact in facts.items():
                old = self.entries.pop((model, pid), None)
                self.bytes += fact.nbytes - (old.nbytes if old is not None else 0)
                self.entries[(model, pid)] = fact
            while self.bytes > self.max_bytes and self.entries:
                _key, dropped = self.entries.popitem(last=False)
                self.bytes -= dropped.nbytes


def _read_facts(session: Session, model: str | None, paper_ids: list[int]) -> dict[int, PaperFact]:
    rows: dict[int, tuple] = {}
    for part in in_chunks(paper_ids):
        for pid, arxiv_id, title, abstract, cats in session.execute(
            select(Paper.id, Paper.arxiv_id, Paper.title, Paper.abstract, Paper.categories).where(
                Paper.id.in_(part)
            )
        ):
            rows[pid] = (tuple(cats or ()), f"{title}. {abstract or ''}", arxiv_id, title)
    vectors: dict[int, np.ndarray] = {}
    if model is not None and rows:
        ids, matrix = read_vector_matrix(session, model, list(rows))
        vectors = dict(zip(ids.tolist(), matrix, strict=True))
    return {
        pid: PaperFact(cats, text, vectors.get(pid), arxiv_id, title)
        for pid, (cats, text, arxiv_id, title) in rows.items()
    }


_STORES: PerEngine[PaperFacts] = PerEngine(PaperFacts)


def facts_store(session: Session) -> PaperFacts:
    """The facts store of the session's engine (one per engine, made on first use)."""
    return _STORES.of(session)


def paper_facts(
    session: Session, model: str | None, paper_ids: Sequence[int], head: int | None = None
) -> dict[int, PaperFact]:
    """The facts of these papers (categories, text, vector under ``model``), from the kept
    store of the session's engine, current as of what ``session`` sees of the changes."""
    return facts_store(session).get(session, model, paper_ids, head)
