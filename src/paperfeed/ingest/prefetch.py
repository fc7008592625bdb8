"""Run a record iterator in a background thread, a bounded distance ahead of its consumer.

Parsing (JSON, XML, validation) is Python work; writing a batch is mostly waiting on the
database, which releases the GIL. Overlapping the two keeps both cores busy during a bulk
ingest on PostgreSQL. Exceptions raised by the source reach the consumer at the point where
they happened, and a consumer that stops early stops the thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Raised:
    def __init__(self, exc: BaseException):
        self.exc = exc


def prefetched(source: Iterable[T], ahead: int = 2000) -> Iterator[T]:
    """Yield the items of ``source`` in order, produced up to ``ahead`` items in advance."""
    items: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in source:
                while not stop.is_set():
                    try:
                        items.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            items.put(_Raised(exc))

    thread = threading.Thread(target=produce, name="ingest-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join()
