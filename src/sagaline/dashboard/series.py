"""Rolling per-second series for the live charts: a bounded window of whole seconds, each
with named values; a second can be written again (a later read saw more of it)."""

from __future__ import annotations

import threading
from typing import Any


class Series:
    def __init__(self, names: tuple[str, ...] = (), keep_s: int = 120) -> None:
        self.names: list[str] = list(names)
        self.keep_s = keep_s
        self._points: dict[int, dict[str, float | None]] = {}
        self._lock = threading.Lock()

    def put(self, second: int, values: dict[str, float | None]) -> None:
        """Set `values` at `second` (new names become new lines); forget what is too old."""
        with self._lock:
            self.names += [n for n in values if n not in self.names]
            self._points.setdefault(second, {}).update(values)
            newest = max(self._points)
            for old in [s for s in self._points if s <= newest - self.keep_s]:
                del self._points[old]

    def columns(self, fill: float | None = None) -> dict[str, Any]:
        """uPlot's shape: {"t": seconds, "names": [...], "values": [[...] per name]}; a
        missing value is `fill`."""
        with self._lock:
            seconds = sorted(self._points)
            values = [[self._points[s].get(n, fill) for s in seconds] for n in self.names]
            return {"t": seconds, "names": list(self.names), "values": values}
