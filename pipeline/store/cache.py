"""A small per-process cache with an expiry, for data that changes a few times a year."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Values kept ``ttl`` seconds after loading; a miss loads under no lock (loads are cheap)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.values: dict[Hashable, tuple[float, V]] = {}
        self.lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        now = time.monotonic()
        with self.lock:
            found = self.values.get(key)
        if found is not None and now - found[0] < self.ttl:
            return found[1]
        value = load()
        with self.lock:
            self.values[key] = (now, value)
        return value

    def forget(self, key: Hashable) -> None:
        """Drop a value this process changed: its next ``get`` loads it again."""
        with self.lock:
            self.values.pop(key, None)
