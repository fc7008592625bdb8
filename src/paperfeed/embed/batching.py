"""Micro-batching of query embeddings: concurrent callers share one model call.

Under load, many searches embed their query at the same moment. One call of ONNX Runtime on
a batch of short queries costs little more than a call on one (the per-call and per-operator
overhead dominates at a few tokens), so a single worker thread takes every query waiting,
up to ``max_batch`` texts, waiting at most ``max_wait`` seconds after the first for more,
and runs the model once. At low load a query waits ``max_wait`` at most; while the worker
is busy, queries arriving meanwhile form the next batch without any wait.

The queue is bounded (``max_queue`` calls): beyond it callers block, so a flood of searches
slows down rather than growing memory. An error of the model call reaches every caller of
that batch, and only them.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

MAX_BATCH = 32  # texts per model call (the ONNX embedder's own batch size)
MAX_WAIT = 0.002  # seconds the first query of a batch waits for company
MAX_QUEUE = 256  # calls waiting; more block their callers


@dataclass
class _Call:
    texts: list[str]
    future: Future = field(default_factory=Future)


class MicroBatcher:
    """``encode(texts)`` of many threads, served by one worker thread calling ``encode_many``
    on their texts together. Thread-safe; the worker starts on the first call."""

    def __init__(
        self,
        encode_many: Callable[[list[str]], np.ndarray],
        *,
        max_batch: int = MAX_BATCH,
        max_wait: float = MAX_WAIT,
        max_queue: int = MAX_QUEUE,
    ):
        self._encode_many = encode_many
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: queue.Queue[_Call | None] = queue.Queue(max_queue)
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # model calls made (tests, logs)

    def encode(self, texts: list[str]) -> np.ndarray:
        """The vectors of ``texts``, in order, as ``encode_many(texts)`` would give them."""
        if not texts or len(texts) >= self.max_batch:
            return self._encode_many(list(texts))  # already a batch of its own
        return self.submit(texts).result()

    def submit(self, texts: list[str]) -> Future:
        """:meth:`encode` without waiting: a future of the vectors. A caller that has other
        work meanwhile (a search's keyword leg) queues its texts at once, so the queries of
        every request in flight can share one model call."""
        call = _Call(list(texts))
        if not texts or len(texts) >= self.max_batch:
            try:
                call.future.set_result(self._encode_many(call.texts))
            except Exception as exc:
                call.future.set_exception(exc)
            return call.future
        self._start()
        self._queue.put(call)  # blocks while the queue is full
        return call.future

    def close(self) -> None:
        """Stop the worker after the calls already queued."""
        with self._start_lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(None)
            worker.join(timeout=10)

    def _start(self) -> None:
        if self._worker is None:
            with self._start_lock:
                if self._worker is None:
                    self._worker = threading.Thread(
                        target=self._run, name="query-embed-batcher", daemon=True
                    )
                    self._worker.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            calls, stop = self._gather(first)
            self._serve(calls)
            if stop:
                return

    def _gather(self, first: _Call) -> tuple[list[_Call], bool]:
        """``first`` and the calls that join it within ``max_wait``, up to ``max_batch``
        texts; and whether the stop sign came meanwhile."""
        calls, count = [first], len(first.texts)
        deadline = time.monotonic() + self.max_wait
        while count < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                if remaining > 0:
                    call = self._queue.get(timeout=remaining)
                else:  # past the wait: only what is queued already
                    call = self._queue.get_nowait()
            except queue.Empty:
                break
            if call is None:
                return calls, True
            if count + len(call.texts) > self.max_batch:
                self._serve(calls)  # full: this call starts the next batch
                calls, count = [], 0
            calls.append(call)
            count += len(call.texts)
        return calls, False

    def _serve(self, calls: list[_Call]) -> None:
        texts = [t for call in calls for t in call.texts]
        try:
            vectors = self._encode_many(texts)
        except BaseException as exc:  # the callers of this batch get it; the worker lives on
            for call in calls:
                call.future.set_exception(exc)
            return
        self.batches += 1
        start = 0
        for call in calls:
            call.future.set_result(vectors[start : start + len(call.texts)])
            start += len(call.texts)
