"""The for-you formula's one big product on every core: a function of a block of candidate
rows, run over contiguous blocks in parallel threads and joined in row order.

The candidates x liked product (2,800 x 620 x 384 at 1,000,000 papers) is ~15 ms of one
core's peak float32 FMA rate, and the server keeps numpy's BLAS to one thread per call (so
concurrent requests do not oversubscribe the cores). BLAS and numpy's reductions release the
GIL, so two threads on two blocks take about half the time on an idle machine. A block goes
to a helper thread only if one is free at once; otherwise the caller runs it itself, so on a
busy server (every core already running a request) nothing queues behind the helpers and the
work is what it was on one thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# Below this many rows a block is not worth a thread hop (~50 us).
MIN_ROWS = 512

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_free: threading.Semaphore | None = None  # helper threads not running a block


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def helpers() -> tuple[ThreadPoolExecutor, threading.Semaphore]:
    """The helper threads (one fewer than the cores) and the count of those free."""
    global _pool, _free
    with _lock:
        if _pool is None or _free is None:
            helpers = max(1, cores() - 1)
            _pool = ThreadPoolExecutor(helpers, thread_name_prefix="row-chunks")
            _free = threading.Semaphore(helpers)
        return _pool, _free


def blocks(n: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ``(start, stop)`` ranges covering ``range(n)``, sizes within 1."""
    parts = max(1, min(parts, n))
    edges = [n * i // parts for i in range(parts + 1)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def over_blocks(fn: Callable[[int, int], T], n: int) -> list[T]:
    """``fn(start, stop)`` over contiguous blocks of ``range(n)``, one per core (one block
    when ``n`` is small), the results in row order. The caller runs the first block, and any
    block no helper thread was free for."""
    parts = min(cores(), max(1, n // MIN_ROWS))
    ranges = blocks(n, parts)
    if len(ranges) == 1:
        return [fn(0, n)]
    pool, free = helpers()
    handed: dict[int, Future[T]] = {}
    for i in range(1, len(ranges)):
        if not free.acquire(blocking=False):
            break
        handed[i] = pool.submit(_released, free, fn, *ranges[i])
    results = [fn(*ranges[0])]
    for i in range(1, len(ranges)):
        results.append(handed[i].result() if i in handed else fn(*ranges[i]))
    return results


def _released(free: threading.Semaphore, fn: Callable[[int, int], T], a: int, b: int) -> T:
    try:
        return fn(a, b)
    finally:
        free.release()
