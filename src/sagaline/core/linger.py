"""Adaptive batching: wait a moment for company only when company is likely.

A relay or consumer that handles each event the moment it arrives pays a wake-up of every
thread and process on the way (a database round trip, a broker request) per event. Under
load, a short wait lets the next events join the batch and share those costs; when the
system is quiet the wait would only add latency. So: after a batch that was not alone, the
next one waits up to `linger_s` for more; after a lone one (or none) it goes at once.
"""

from __future__ import annotations


class Linger:
    """Not thread-safe: one per relay or consumer loop, used by its own thread."""

    def __init__(self, linger_s: float) -> None:
        if linger_s < 0:
            raise ValueError(f"linger must not be negative, got {linger_s}")
        self.linger_s = linger_s
        self._last_size = 0

    def seen(self, batch_size: int) -> None:
        """Record the size of the batch just handled."""
        self._last_size = batch_size

    def wait_s(self) -> float:
        """How long the next batch may wait for company: 0 unless the last had some."""
        return self.linger_s if self._last_size > 1 else 0.0
