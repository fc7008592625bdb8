"""At most a few searches run at once per worker; the others wait on the event loop.

A long-tail hybrid search costs ~30 ms of CPU at 75k papers, most of it Python under the GIL
(the 50-card page above all). Sixteen request threads running searches together do not go
faster than two: they take turns at the GIL, and every SQLite step, index lookup or model
call that releases it costs the thread a wait to get it back, up to a switch interval
(docs/benchmarks.md, "At 75k papers on both backends"). So searches take a slot
(:func:`search_slot`, a dependency of every route that runs one) before their endpoint
enters the threadpool: a search waiting for one holds neither a thread nor a pooled
connection, and the feed and paper pages never queue behind searches. ``asyncio.Semaphore``
serves its waiters first come, first served.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

from fastapi import Depends, Request


def default_slots() -> int:
    """The cores this process may run on (its CPU affinity, as a container's cpuset sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def make_search_slots(count: int | None) -> asyncio.Semaphore:
    # A semaphore binds to an event loop only once a search has to wait: one app can serve
    # from several loops (tests) as long as they are not busy at once.
    return asyncio.Semaphore(count or default_slots())


async def search_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of the worker's search slots while the request is served."""
    async with request.app.state.search_slots:
        yield


# For a route's ``dependencies=[...]``: taken before the endpoint's thread, given back as the
# endpoint returns ("function" scope), not once a slow client has read the whole page.
IN_SEARCH_SLOT = Depends(search_slot, scope="function")
