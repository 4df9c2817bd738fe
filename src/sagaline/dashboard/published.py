"""The shared snapshot as published: its bytes, a version that grows with each, and the
watchers' generation it was read in (one read before a pause is never shown as current)."""

from __future__ import annotations

import threading

from sagaline.dashboard.watchers import Watchers


class Published:
    def __init__(self, watchers: Watchers) -> None:
        self.watchers = watchers
        self.data: bytes = b"{}"
        self.version = 0  # 0: nothing read yet
        self.generation = 0
        self._changed = threading.Condition()

    @property
    def fresh(self) -> bool:
        """Read since the last viewer came back."""
        return self.version > 0 and self.generation == self.watchers.generation

    def put(self, generation: int, data: bytes) -> None:
        with self._changed:
            self.data, self.generation = data, generation
            self.version += 1
            self._changed.notify_all()

    def current(self, timeout_s: float) -> bytes:
        """The snapshot once fresh (waiting at most `timeout_s`: then the last one)."""
        with self._changed:
            self._changed.wait_for(lambda: self.fresh, timeout_s)
            return self.data
