"""A small thread-safe cache bounded by entries and, optionally, by bytes: the oldest goes first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """Values kept in the order they were first put; past `max_items` entries or `max_bytes`
    (the sizes given to `put`), the oldest are dropped. A value larger than `max_bytes` is not
    kept at all. A hit does not renew an entry: what is put is what ages."""

    def __init__(self, max_items: int, max_bytes: int | None = None):
        self.max_items, self.max_bytes = max_items, max_bytes
        self._items: OrderedDict[K, tuple[int, V]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
        return None if found is None else found[1]

    def put(self, key: K, value: V, size: int = 0) -> None:
        """Keep `value` under `key` (the first value put under a key stays), then drop the oldest
        while over a bound."""
        if self.max_bytes is not None and size > self.max_bytes:
            return
        with self._lock:
            if key not in self._items:
                self._items[key] = (size, value)
                self._bytes += size
            while len(self._items) > self.max_items or (
                    self.max_bytes is not None and self._bytes > self.max_bytes):
                self._bytes -= self._items.popitem(last=False)[1][0]

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[K]:
        """The keys kept, oldest first."""
        with self._lock:
            return list(self._items)

    @property
    def size(self) -> int:
        """The sum of the sizes of the entries kept."""
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
