import threading

import pytest

from paperfeed.ingest.prefetch import prefetched


def test_items_come_in_order_from_another_thread():
    seen_threads = set()

    def source():
        for i in range(5000):
            seen_threads.add(threading.current_thread().name)
            yield i

    assert list(prefetched(source(), ahead=10)) == list(range(5000))
    assert seen_threads == {"ingest-prefetch"}


def test_an_error_in_the_source_reaches_the_consumer_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("bad page")

    got = []
    with pytest.raises(ValueError, match="bad page"):
        for item in prefetched(source()):
            got.append(item)
    assert got == [1, 2]


def test_a_consumer_that_stops_early_stops_the_producer():
    produced = []

    def source():
        for i in range(10**9):
            produced.append(i)
            yield i

    gen = prefetched(source(), ahead=5)
    assert next(gen) == 0
    gen.close()
    count = len(produced)
    assert count < 100
    assert len(produced) == count  # the thread has stopped: nothing more is produced
