"""A cache bounded by the bytes it holds, read without a lock: for lookups made hundreds of
times a page from every request thread (the LaTeX conversions, the cards' bodies).

These caches were ``cachetools.LRUCache`` behind a ``threading.Lock``: an LRU reorders on
every read, so reads need the lock too. With 32 request threads on one worker that lock
convoyed: a thread preempted while holding it (the GIL's 5 ms switch interval) made every
other thread that wanted it wait for a switch of its own. At 75k papers, where most lookups
of a long-tail search miss, 88% of a loaded worker's samples were threads waiting for the
text cache's lock, and hybrid search answered 8 requests/s (py-spy on ``paperfeed serve``
under bench/load.py; docs/benchmarks.md).

Here a read is one ``dict.get`` (atomic under the GIL) and marks the entry used. A write
never waits: it takes the lock if it is free, else it is dropped (the value is computed again
on a later miss). With the lock it evicts by CLOCK (second chance): the oldest entry goes,
unless it was read since it last came round, in which case it is moved to the back with its
mark cleared, so what is read again stays, as under LRU, without reordering on reads. The bound counts each entry's
key and value as its ``size_of`` says, plus :data:`ENTRY_OVERHEAD`; an entry larger than
the whole bound is never kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

ENTRY_OVERHEAD = 150  # the dict slot and the [value, size, used] list of an entry


class ByteBoundedCache:
    """``get`` without a lock, ``put`` under one it never waits for; at most ``max_bytes``
    kept."""

    def __init__(self, max_bytes: int, size_of: Callable[[Hashable, Any], int]):
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._entries: dict[Hashable, list] = {}  # key -> [value, size, used since it came round]
        self._lock = threading.Lock()
        self.currsize = 0  # bytes kept, as counted

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return default
        entry[2] = True
        return entry[0]

    def put(self, key: Hashable, value: Any) -> None:
        size = self._size_of(key, value) + ENTRY_OVERHEAD
        if size > self.max_bytes:
            return
        # Never waits: a write that finds another one under way is dropped (the value is
        # computed again on its next miss). Waiting is what convoyed.
        if not self._lock.acquire(blocking=False):
            return
        try:
            old = self._entries.pop(key, None)
            if old is not None:
                self.currsize -= old[1]
            self._entries[key] = [value, size, False]
            self.currsize += size
            while self.currsize > self.max_bytes:
                oldest = next(iter(self._entries))
                entry = self._entries.pop(oldest)
                if entry[2]:  # read since it last came round: a second chance, at the back
                    entry[2] = False
                    self._entries[oldest] = entry
                else:
                    self.currsize -= entry[1]
        finally:
            self._lock.release()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.currsize = 0
