"""The bounded cache behind the letters' caches (parsed request letters, split templates, compiled
Jinja sources): the oldest goes first, by entries and by bytes, and threads do not break it."""

from __future__ import annotations

import threading

from daemon.core.bounded import BoundedCache


def test_past_its_entries_the_oldest_goes_first_and_a_hit_does_not_renew():
    cache: BoundedCache[str, int] = BoundedCache(3)
    for i, key in enumerate("abc"):
        cache.put(key, i)
    assert cache.get("a") == 0  # read, but still the oldest
    cache.put("d", 3)
    assert cache.keys() == ["b", "c", "d"] and cache.get("a") is None and len(cache) == 3


def test_the_first_value_put_under_a_key_stays():
    cache: BoundedCache[str, str] = BoundedCache(2)
    cache.put("a", "first")
    cache.put("a", "second")
    assert cache.get("a") == "first" and len(cache) == 1


def test_past_its_bytes_the_oldest_go_and_one_over_the_budget_is_never_kept():
    cache: BoundedCache[str, bytes] = BoundedCache(256, max_bytes=2500)
    for key in "abcd":
        cache.put(key, b"x" * 1000, 1000)
    assert cache.keys() == ["c", "d"] and cache.size == 2000
    cache.put("big", b"x" * 3000, 3000)
    assert cache.get("big") is None and cache.keys() == ["c", "d"]
    cache.put("e", b"x" * 500, 500)
    assert cache.keys() == ["c", "d", "e"] and cache.size == 2500
    cache.clear()
    assert len(cache) == 0 and cache.size == 0


def test_threads_putting_at_once_keep_the_bounds():
    cache: BoundedCache[int, int] = BoundedCache(50, max_bytes=400)

    def fill(start: int) -> None:
        for i in range(start, start + 500):
            cache.put(i, i, 7)
            cache.get(i - 3)

    threads = [threading.Thread(target=fill, args=(n * 1000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) <= 50 and cache.size <= 400 and cache.size == 7 * len(cache)
