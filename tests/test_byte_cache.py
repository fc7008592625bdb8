"""The cache the text conversions and card bodies share (paperfeed/byte_cache.py): bounded in
bytes, read without a lock, what is read again kept (CLOCK), consistent under threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from paperfeed.byte_cache import ENTRY_OVERHEAD, ByteBoundedCache


def sized(key, value) -> int:
    return len(value)


def test_the_bound_holds_and_the_oldest_unread_goes_first():
    cache = ByteBoundedCache(10 * (100 + ENTRY_OVERHEAD), sized)
    for i in range(10):
        cache.put(i, "x" * 100)
    assert len(cache) == 10 and cache.currsize == cache.max_bytes
    cache.put(10, "y" * 100)
    assert cache.get(0) is None and cache.get(10) == "y" * 100
    assert cache.currsize <= cache.max_bytes and len(cache) == 10


def test_an_entry_read_since_it_came_round_gets_a_second_chance():
    cache = ByteBoundedCache(4 * (100 + ENTRY_OVERHEAD), sized)
    for i in range(4):
        cache.put(i, "x" * 100)
    assert cache.get(0) == "x" * 100  # read: kept past the next eviction
    cache.put(4, "x" * 100)
    assert cache.get(0) is not None and cache.get(1) is None
    cache.put(5, "x" * 100)  # 0 was read again: 2 goes, the oldest unread
    assert cache.get(0) is not None and cache.get(2) is None


def test_an_entry_larger_than_the_bound_is_never_kept_and_replacing_counts_once():
    cache = ByteBoundedCache(1_000, sized)
    cache.put("big", "x" * 2_000)
    assert cache.get("big") is None and cache.currsize == 0
    cache.put("a", "x" * 100)
    cache.put("a", "y" * 200)
    assert cache.get("a") == "y" * 200 and cache.currsize == 200 + ENTRY_OVERHEAD
    cache.clear()
    assert len(cache) == 0 and cache.currsize == 0 and cache.get("a") is None


def test_threads_reading_and_writing_leave_it_consistent():
    cache = ByteBoundedCache(50 * (64 + ENTRY_OVERHEAD), sized)

    def work(seed: int) -> None:
        for i in range(3_000):
            key = (seed * 7 + i) % 200
            value = cache.get(key)
            assert value is None or value == str(key).rjust(64, "k")
            if value is None:
                cache.put(key, str(key).rjust(64, "k"))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))  # a failed assertion in a thread is raised here
    kept = list(cache._entries.values())
    assert cache.currsize == sum(entry[1] for entry in kept) <= cache.max_bytes
