"""A small time-to-live cache: every browser asking the same thing within one refresh interval
shares one database read."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class TtlCache:
    def __init__(self, ttl_s: float, max_entries: int = 256) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, object]] = {}  # key -> (expiry, value)
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T],
            keep_s: Callable[[T], float] | None = None) -> T:
        """The value computed for `key` and not expired, else `compute()`, kept for ttl_s or
        for `keep_s(value)` (a value that can no longer change can be kept longer)."""
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and now < hit[0]:
                return hit[1]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries = {k: v for k, v in self._entries.items() if now < v[0]}
            self._entries[key] = (now + (keep_s(value) if keep_s else self.ttl_s), value)
        return value
