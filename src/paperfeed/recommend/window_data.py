"""A window's shared data, kept in process: what every member's for-you list of the same days
reads, the same for all of them and changed only when papers (or the votes on them) change.

The papers listed on a range of feed days, their authors, categories and text, their stored
vectors as one float32 matrix and every vote on them, are read once and kept per (engine,
model, day range), like the search indexes: a derived structure of the store, not a cache of
anyone's list (the member's profile, the product with it, their follows and the trending
sums are still computed on every request). They follow the change sequence the response
cache and the search indexes follow (``paper_changes``: every write that changes a paper, a
vote, a hide, a new embedding, appends there): each request reads its head (one indexed
``max(seq)``); when it moved, only the papers changed since are read again (a vote re-reads
its paper's votes; a paper whose row and vector are unchanged keeps the snapshot, and what
was derived from it), and past :data:`MAX_INCREMENTAL` papers the window is read whole.

On PostgreSQL a change with a lower seq can commit after one with a higher seq, so the seqs
not yet seen committed below the head (gaps) are asked for again on every request until they
appear or :data:`GAP_TTL` passes (a rolled-back transaction leaves a gap for ever). As a last
net, a window is read whole again after :data:`MAX_AGE` seconds whatever the sequence says
(a restored backup moves the sequence back). The page's cards are read from the store on
every request, so a paper hidden a moment ago is never shown even by a stale window.

Memory is bounded in bytes (:data:`MAX_BYTES`, least recently used windows dropped first).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from paperfeed.rank.trending import horizon
from paperfeed.recommend.window_load import (
    read_changes,
    read_papers,
    read_vectors,
    read_votes,
    recent_seqs,
)
from paperfeed.recommend.window_papers import WindowPapers, papers_from_rows
from paperfeed.search.changes import head_seq
from paperfeed.store.per_engine import PerEngine

MAX_BYTES = 256 * 2**20  # all windows of one engine together
MAX_INCREMENTAL = 500  # changed papers re-read one by one; more: the window is read whole
MAX_AGE = 600.0  # seconds: read whole again at least this often
GAP_TTL = 300.0  # seconds a seq not seen committed is asked for again
GAP_LOOKBACK = 5_000  # a rebuild checks this many seqs below the head for gaps
MAX_GAPS = 16  # gap ranges kept (more are merged)


class Votes:
    """Every vote on a snapshot's papers: its row in the snapshot and when it was cast."""

    def __init__(self, papers: WindowPapers, paper_ids: np.ndarray, cast_at: np.ndarray):
        rows = papers.rows_of(paper_ids)
        known = rows >= 0
        self.paper_ids = paper_ids[known]
        self.cast_at = cast_at[known]
        self.rows = rows[known]

    @property
    def nbytes(self) -> int:
        return self.paper_ids.nbytes + self.cast_at.nbytes + self.rows.nbytes


class WindowState:
    """One kept window: the snapshot of its papers, their votes, the seq it is current to."""

    def __init__(self, papers: WindowPapers, votes: Votes, version: int, gaps, built: float):
        self.papers = papers
        self.votes = votes
        self.version = version
        self.gaps: tuple[tuple[int, int, float], ...] = gaps  # (first, last, first seen)
        self.built = built  # time.monotonic() of the last whole read

    @property
    def nbytes(self) -> int:
        return self.papers.nbytes + self.votes.nbytes


class Window:
    """What a request gets: the kept data and the rows of its exact window."""

    def __init__(self, state: WindowState, since: datetime, until: datetime, head: int):
        self.papers = state.papers
        self.version = state.version
        self.head = head  # the change sequence's head as the request's session saw it
        self._votes = state.votes
        posted = self.papers.posted
        # Rows of papers posted in (since, until], newest first (the snapshot's order).
        self.rows = np.flatnonzero((posted > since.timestamp()) & (posted <= until.timestamp()))

    def trending(self, as_of: datetime, half_life: timedelta) -> np.ndarray:
        """Every snapshot row's trending score at ``as_of``: the trending page's formula
        (:func:`paperfeed.rank.trending.trending_score`): imported upvotes count as cast
        when the paper was posted, votes within the horizon by ``2 ** (-age / half_life)``,
        nothing after ``as_of``."""
        now, span = as_of.timestamp(), half_life.total_seconds()
        posted = self.papers.posted
        imported = self.papers.imported_upvotes
        scores = np.where(posted <= now, imported * np.exp2(-(now - posted) / span), 0.0)
        times = self._votes.cast_at
        keep = (times >= now - horizon(half_life).total_seconds()) & (times <= now)
        if keep.any():
            weights = np.exp2(-(now - times[keep]) / span)
            scores += np.bincount(self._votes.rows[keep], weights=weights, minlength=len(posted))
        return scores


class WindowStore:
    """The windows of one engine, bounded in bytes; brought up to date by each request."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self.lock = threading.Lock()
        self.states: OrderedDict[tuple, WindowState] = OrderedDict()
        self.updating: dict[tuple, threading.Lock] = {}
        self.rebuilds = 0  # whole reads (for tests and the benchmark's cold figure)

    def get(self, session: Session, model: str | None, since: datetime, until: datetime) -> Window:
        key = (model, since.date(), until.date())
        head = head_seq(session)
        state = self._current(key, head)
        if state is None:
            with self._update_lock(key):
                state = self._current(key, head)  # another request may have done it meanwhile
                if state is None:
                    state = self._bring_up(session, key, head)
                    self._put(key, state)
        return Window(state, since, until, head)

    def _current(self, key: tuple, head: int) -> WindowState | None:
        """The kept state if it needs nothing: at or past this session's head, no gaps, not
        too old. (Past the head: another request saw a newer commit; the cards are still
        read in this session.)"""
        with self.lock:
            state = self.states.get(key)
            if state is None:
                return None
            self.states.move_to_end(key)
        if time.monotonic() - state.built >= MAX_AGE or state.version < head:
            return None
        return state if state.version > head or not state.gaps else None

    def _update_lock(self, key: tuple) -> threading.Lock:
        with self.lock:
            return self.updating.setdefault(key, threading.Lock())

    def _bring_up(self, session: Session, key: tuple, head: int) -> WindowState:
        with self.lock:
            state = self.states.get(key)
        now = time.monotonic()
        if state is not None and now - state.built < MAX_AGE and state.version <= head:
            changes = read_changes(
                session, state.version, [(a, b) for a, b, _t in state.gaps], MAX_INCREMENTAL + 1
            )
            changed = list(dict.fromkeys(pid for _seq, pid in changes))
            if len(changes) <= MAX_INCREMENTAL:
                gaps = gaps_after(state, [s for s, _p in changes], head, now)
                return apply_changes(session, state, changed, head, gaps)
        self.rebuilds += 1
        return build_state(session, key, head, now)

    def _put(self, key: tuple, state: WindowState) -> None:
        with self.lock:
            self.states[key] = state
            self.states.move_to_end(key)
            total = sum(s.nbytes for s in self.states.values())
            while total > self.max_bytes and len(self.states) > 1:
                _old, dropped = self.states.popitem(last=False)
                total -= dropped.nbytes


def build_state(session: Session, key: tuple, head: int, now: float) -> WindowState:
    """The window read whole, current to ``head``."""
    model, first_day, last_day = key
    rows = read_papers(session, first_day, last_day)
    ids = [r.paper_id for r in rows]
    vectors = read_vectors(session, model, ids) if model is not None else {}
    papers = papers_from_rows(model, first_day, last_day, rows, vectors)
    votes = Votes(papers, *read_votes(session, days=(first_day, last_day)))
    seen = recent_seqs(session, head, GAP_LOOKBACK)
    return WindowState(papers, votes, head, fresh_gaps(seen, head, GAP_LOOKBACK, now), now)


def apply_changes(
    session: Session, state: WindowState, changed: list[int], head: int, gaps
) -> WindowState:
    """``state`` with the ``changed`` papers read again."""
    old = state.papers
    if not changed:
        return WindowState(old, state.votes, max(head, state.version), gaps, state.built)
    rows = read_papers(session, old.first_day, old.last_day, changed)
    vectors = read_vectors(session, old.model, changed) if old.model is not None else {}
    papers = old.replaced(changed, rows, vectors)
    vote_ids, vote_times = read_votes(session, paper_ids=changed)
    keep = ~np.isin(state.votes.paper_ids, np.array(changed, dtype=np.int64))
    votes = Votes(
        papers,
        np.concatenate([state.votes.paper_ids[keep], vote_ids]),
        np.concatenate([state.votes.cast_at[keep], vote_times]),
    )
    return WindowState(papers, votes, max(head, state.version), gaps, state.built)


def fresh_gaps(seen: np.ndarray, head: int, lookback: int, now: float) -> tuple:
    """Gap ranges among the seqs ``(head - lookback, head]`` that ``seen`` lacks."""
    first = max(1, head - lookback + 1)
    present = np.zeros(max(0, head - first + 1), dtype=bool)
    inside = seen[(seen >= first) & (seen <= head)]
    present[inside - first] = True
    return _ranges(np.flatnonzero(~present) + first, now)


def gaps_after(state, seen: list[int], head: int, now: float) -> tuple:
    """The gaps after a catch-up: the old ones still unseen and not expired, and the seqs of
    ``(state.version, head]`` not among ``seen``. ``state``: anything that follows the change
    sequence with a ``version`` and ``gaps`` (a :class:`WindowState`, the liked papers'
    :class:`~paperfeed.recommend.paper_facts.PaperFacts`)."""
    got = set(seen)
    kept = []
    for first, last, since in state.gaps:
        if now - since < GAP_TTL:
            missing = [s for s in range(first, last + 1) if s not in got]
            kept.extend((s, since) for s in missing)
    new = [s for s in range(state.version + 1, head + 1) if s not in got]
    if len(new) > GAP_LOOKBACK:
        new = new[-GAP_LOOKBACK:]
    ranges = list(_ranges(np.array(new, dtype=np.int64), now))
    for s, since in kept:
        ranges.append((s, s, since))
    return _merged(ranges)


def _ranges(seqs: np.ndarray, now: float) -> tuple:
    if not len(seqs):
        return ()
    breaks = np.flatnonzero(np.diff(seqs) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(seqs) - 1]])
    return _merged([(int(seqs[a]), int(seqs[b]), now) for a, b in zip(starts, ends, strict=True)])


def _merged(ranges: list) -> tuple:
    """At most :data:`MAX_GAPS` ranges: adjacent ones joined, then the closest pairs merged
    (asking for a seq already applied again is harmless: applying a paper is idempotent)."""
    ranges = sorted(ranges)
    out: list[tuple[int, int, float]] = []
    for first, last, since in ranges:
        if out and first <= out[-1][1] + 1:
            a, b, t = out[-1]
            out[-1] = (a, max(b, last), min(t, since))
        else:
            out.append((first, last, since))
    while len(out) > MAX_GAPS:
        i = min(range(len(out) - 1), key=lambda j: out[j + 1][0] - out[j][1])
        a, _b, t = out[i]
        _a, b2, t2 = out[i + 1]
        out[i : i + 2] = [(a, b2, min(t, t2))]
    return tuple(out)


_STORES: PerEngine[WindowStore] = PerEngine(WindowStore)


def store_of(session: Session) -> WindowStore:
    """The window store of the session's engine (one per engine, made on first use)."""
    return _STORES.of(session)


def window_data(session: Session, model: str | None, *, since: datetime, until: datetime) -> Window:
    """The shared data of the feed papers posted in ``(since, until]``, current as of what
    ``session`` sees of the change sequence."""
    return store_of(session).get(session, model, since, until)


def window_days(since: datetime, until: datetime) -> tuple[date, date]:
    return since.date(), until.date()
