"""Concurrent query embeddings share model calls (paperfeed.embed.batching): each caller
still gets its own vectors, and a failing call reaches only the callers of its batch."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from embed_fakes import FakeEmbedder, fake_vector

from paperfeed.embed.batching import MicroBatcher


class SlowFake(FakeEmbedder):
    """The fake, taking ``delay`` seconds a call (as the model does), remembering each call's
    texts; any text "boom" fails its whole call."""

    def __init__(self, delay: float = 0.01):
        super().__init__()
        self.delay = delay
        self.batches: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        time.sleep(self.delay)
        self.batches.append(list(texts))
        if "boom" in texts:
            raise RuntimeError("the model failed")
        return super().encode(texts)


def concurrently(batcher: MicroBatcher, calls: list[list[str]]) -> list:
    """Every call at once from its own thread; each one's vectors or exception, in order."""
    start = threading.Barrier(len(calls))

    def one(texts):
        start.wait()
        try:
            return batcher.encode(texts)
        except RuntimeError as exc:
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def test_concurrent_callers_share_calls_and_get_their_own_vectors():
    model = SlowFake()
    batcher = MicroBatcher(model.encode, max_batch=8, max_wait=0.02)
    calls = [[f"query {n}"] if n % 3 else [f"query {n}", f"other {n}"] for n in range(24)]
    results = concurrently(batcher, calls)
    for texts, vectors in zip(calls, results, strict=True):
        assert vectors.shape == (len(texts), 16)
        assert np.array_equal(vectors, np.stack([fake_vector(t) for t in texts]))
    assert len(model.batches) < len(calls)  # shared model calls
    assert max(len(b) for b in model.batches) <= 8
    assert sorted(t for b in model.batches for t in b) == sorted(t for c in calls for t in c)
    batcher.close()


def test_an_error_reaches_the_callers_of_its_batch_only():
    model = SlowFake(delay=0.05)
    batcher = MicroBatcher(model.encode, max_batch=4, max_wait=0.02)
    calls = [["boom"], ["a"], ["b"], ["c"], ["d"], ["e"], ["f"], ["g"]]
    results = concurrently(batcher, calls)
    failed = {t for b in model.batches if "boom" in b for t in b}
    for texts, result in zip(calls, results, strict=True):
        if texts[0] in failed:
            assert isinstance(result, RuntimeError) and "the model failed" in str(result)
        else:
            assert np.array_equal(result, fake_vector(texts[0])[None])
    assert len(failed) < len(calls)  # other batches were served
    assert np.array_equal(batcher.encode(["later"]), fake_vector("later")[None])  # still up
    batcher.close()


def test_a_lone_query_waits_at_most_the_short_wait():
    model = SlowFake(delay=0)
    batcher = MicroBatcher(model.encode, max_wait=0.005)
    batcher.encode(["warm"])
    started = time.perf_counter()
    batcher.encode(["alone"])
    assert time.perf_counter() - started < 0.5  # generous: a shared 2-core machine
    assert model.batches[-1] == ["alone"]
    batcher.close()


def test_a_call_of_a_full_batch_goes_straight_to_the_model():
    model = SlowFake(delay=0)
    batcher = MicroBatcher(model.encode, max_batch=4)
    texts = [f"t{n}" for n in range(6)]
    before = set(threading.enumerate())  # other tests' embedders may have their workers
    assert np.array_equal(batcher.encode(texts), np.stack([fake_vector(t) for t in texts]))
    assert model.batches == [texts]
    started = set(threading.enumerate()) - before
    assert not any(t.name == "query-embed-batcher" for t in started)


class BatchedFake:
    """A query embedder as QueryEmbedder is: encode and submit through a MicroBatcher."""

    name = "fake/model"

    def __init__(self, model: SlowFake):
        self.batcher = MicroBatcher(model.encode, max_wait=0.02)

    def encode(self, texts):
        return self.batcher.encode(texts)

    def submit(self, texts):
        return self.batcher.submit(texts)


class NoIndex:
    model = "fake/model"

    def search(self, session, vector, filters, limit, exclude=frozenset()):
        return []

    def close(self):
        pass


def test_hybrid_semantic_legs_share_model_calls_and_run_in_their_requests_threads(tmp_path):
    """Each query is queued for the model by its request's thread when its leg starts, so the
    queries of every search in flight share calls; the index search then runs in that same
    thread (no pool of leg workers for searches to queue behind)."""
    from sqlalchemy.orm import Session

    from paperfeed.search.base import SearchFilters
    from paperfeed.search.semantic import SemanticSearch
    from paperfeed.store.db import make_engine

    searched_in: list[int] = []

    class ThreadIndex(NoIndex):
        def search(self, session, vector, filters, limit, exclude=frozenset()):
            searched_in.append(threading.get_ident())
            return []

    model = SlowFake(delay=0.1)
    semantic = SemanticSearch(BatchedFake(model), ThreadIndex())
    engine = make_engine(f"sqlite:///{tmp_path}/t.db")
    n = 8
    start = threading.Barrier(n)

    def one(k):
        with Session(engine) as session:
            start.wait()
            hits = semantic.start_nearest(session, f"query {k}", SearchFilters(), 10).result()
            return hits, threading.get_ident()

    with ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(one, range(n)))
    assert [hits for hits, _ in answers] == [[]] * n
    assert sorted(searched_in) == sorted(ident for _, ident in answers)  # in their own threads
    assert max(len(b) for b in model.batches) > 2
    assert sorted(t for b in model.batches for t in b) == sorted(f"query {k}" for k in range(n))
    assert np.array_equal(semantic.query_vector("query 3"), fake_vector("query 3"))  # cached
    semantic.close()
    engine.dispose()


def test_submit_gives_a_future_and_failures_reach_it():
    model = SlowFake()
    batcher = MicroBatcher(model.encode, max_wait=0.001)
    assert np.array_equal(batcher.submit(["a"]).result(), np.stack([fake_vector("a")]))
    failed = batcher.submit(["boom"])
    assert isinstance(failed.exception(), RuntimeError)
    whole = batcher.submit([f"t{k}" for k in range(batcher.max_batch)])  # a batch of its own
    assert whole.done() and whole.result().shape == (batcher.max_batch, 16)
    batcher.close()
