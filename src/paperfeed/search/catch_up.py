"""Keep a process's derived indexes (tantivy, usearch) in step with the store, off the searches.

Reads never write (issue 14). Of the ways to get there, this is catch-up *after writes and in
the background*: ingests, embedding rounds and ``paperfeed index sync`` sync after they
write, as before, and in the web process one thread applies whatever else is pending, a
batch at a time: at once when a search finds its index behind (or ``wake`` is called after
a write in this process), and otherwise once changes have waited ``GRACE`` seconds, which
leaves another process's fresh changes to its own sync after its write (an ingest, a demo
load): two processes syncing at once would make one of them fail with ``IndexBusy``.
Chosen over a lock-free search-time catch-up because neither index can apply changes
without a writer: tantivy has one writer per folder, and a private copy of a usearch index
would cost its whole size (1 GB at 1M papers) per batch.

A search that finds its index behind wakes the thread and waits for it at most
``CATCH_UP_WAIT``, so a paper written a moment ago (a submission, a paper the tests just
inserted) is found as before; an index no thread serves yet (the CLI, scripts) gets one of
its own at that moment (:meth:`IndexCatchUp.of`), stopped when the index closes. A search
does not wait when the thread has been stuck on one batch for longer than that, or failed
its last (another process holds the tantivy writer): it serves the index as it is.
Whatever an index holds, every hit is re-checked in SQL, so a hidden or deleted paper is
never returned.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from paperfeed.search.base import IndexBusy
from paperfeed.search.changes import head_seq

logger = logging.getLogger(__name__)

CATCH_UP_INTERVAL = 2.0  # seconds between looks at the change sequence when idle
GRACE = 60.0  # seconds changes are left to their writer's own sync before the thread applies them
CATCH_UP_WAIT = 3.0  # the longest a search waits for the thread (seconds)
POLL = 0.05  # a waiting search re-checks this often (a sync outside the thread sends no signal)


class DerivedIndex(Protocol):
    """An index derived from the store by change seq (tantivy, usearch)."""

    catch_up: IndexCatchUp | None
    sessions: sessionmaker[Session]

    def is_behind(self, head: int) -> bool: ...

    def apply_pending_batch(self) -> int: ...


class IndexCatchUp:
    """One background thread applying pending changes to ``indexes``; ``start``/``stop``.

    Indexes that are not derived from the store (PostgreSQL's: the database is the index)
    are skipped, so the web process can pass whatever backends it opened.
    """

    _attaching = threading.Lock()

    @classmethod
    def of(cls, index: DerivedIndex) -> IndexCatchUp:
        """The catch-up serving ``index``: the one started with it (the web app's), or else
        one of its own, started now; ``release(index)`` at close stops it."""
        with cls._attaching:
            if index.catch_up is None:
                cls([index]).start()
            return index.catch_up

    @staticmethod
    def release(index: DerivedIndex) -> None:
        """``index`` is closing: no longer serve it; stop a thread left with nothing to do."""
        catch_up = index.catch_up
        if catch_up is None:
            return
        index.catch_up = None
        catch_up.indexes = [i for i in catch_up.indexes if i is not index]
        if not catch_up.indexes:
            catch_up.stop()

    def __init__(self, indexes: Iterable[object], *, interval: float = CATCH_UP_INTERVAL):
        self.indexes: list[DerivedIndex] = [i for i in indexes if hasattr(i, "apply_pending_batch")]
        self.interval = interval
        self.batches = 0  # batches that applied something (tests, logs)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._busy_since: float | None = None  # when the batch running now started
        self._failing: set[int] = set()  # ids of the indexes whose last batch failed
        self._behind_since: dict[int, float] = {}  # id of an index -> when first seen behind
        self._thread = threading.Thread(target=self._run, name="paperfeed-catch-up", daemon=True)

    def start(self) -> None:
        if not self.indexes:
            return
        for index in self.indexes:
            IndexCatchUp.release(index)  # one a search started before this took over
            index.catch_up = self
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        for index in self.indexes:
            index.catch_up = None
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wake(self) -> None:
        """Look for pending changes now (e.g. after a write in this process)."""
        self._wake.set()

    def wait_for(self, index: DerivedIndex, head: int) -> bool:
        """Wake the thread and wait, at most ``CATCH_UP_WAIT``, until ``index`` has the
        changes up to ``head``; at once False if the thread is stuck or failing. Whether
        the index is caught up."""
        if not index.is_behind(head):
            return True
        self.wake()  # even when failing: the thread tries again, this search does not wait
        if self._stalled(index):
            return False
        deadline = time.monotonic() + CATCH_UP_WAIT
        with self._progress:
            while index.is_behind(head):
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set() or self._stalled(index):
                    return False
                self._progress.wait(min(left, POLL))
        return True

    def _stalled(self, index: DerivedIndex) -> bool:
        busy_since = self._busy_since
        stuck = busy_since is not None and time.monotonic() - busy_since > CATCH_UP_WAIT
        return stuck or id(index) in self._failing

    def _run(self) -> None:
        eager = False
        while not self._stop.is_set():
            eager = eager or self._wake.is_set()
            self._wake.clear()  # before the round: a wake during it starts another at once
            eager = self.run_round(eager=eager)  # while batches apply, go on at once
            if not eager:
                self._wake.wait(self.interval)

    def run_round(self, *, eager: bool = True) -> bool:
        """One batch for each index (``eager``: without waiting ``GRACE`` for another
        process's sync); whether any applied something (then more may wait)."""
        progressed = False
        for index in list(self.indexes):
            if self._stop.is_set():
                break
            if not eager and not self._waited_long_enough(index):
                continue
            self._busy_since = time.monotonic()
            try:
                applied = index.apply_pending_batch()
                self._failing.discard(id(index))
                self._behind_since.pop(id(index), None)
            except IndexBusy as exc:
                applied = 0
                self._failing.add(id(index))
                logger.debug("keyword index busy, caught up later: %s", exc)
            except Exception:  # retried at the next wake; searches serve the index as it is
                applied = 0
                self._failing.add(id(index))
                logger.warning("index catch-up failed; retrying later", exc_info=True)
            finally:
                self._busy_since = None
            with self._progress:
                self._progress.notify_all()
            if applied:
                self.batches += 1
                progressed = True
        return progressed

    def _waited_long_enough(self, index: DerivedIndex) -> bool:
        """Whether ``index`` has been behind the store for ``GRACE`` seconds."""
        try:
            with index.sessions() as session:
                behind = index.is_behind(head_seq(session))
        except Exception:  # the database is not answering: the next look retries
            logger.debug("index catch-up: change sequence unreadable", exc_info=True)
            return False
        if not behind:
            self._behind_since.pop(id(index), None)
            return False
        since = self._behind_since.setdefault(id(index), time.monotonic())
        return time.monotonic() - since >= GRACE
