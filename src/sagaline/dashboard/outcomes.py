"""The chart of sagas finished per second by outcome (final status, with its reason), kept
bounded whatever the reasons: a reason can be any text (an error, an id), and each distinct
one as a line of its own, kept and sent to every page twice a second, grows without end.

The most frequent outcomes of the window are lines; the rest are summed as OTHER; an outcome
with nothing in the window is no line. Each second keeps its most frequent outcomes only."""

from __future__ import annotations

import threading
from typing import Any

OTHER = "OTHER"
LINES = 5  # outcomes drawn as lines (the page has a colour each), besides OTHER
KEPT_PER_SECOND = 50  # a second's outcomes past these are summed as OTHER when stored
NAME_CHARS = 80  # a longer outcome is cut (a legend line, not a log)


class Outcomes:
    def __init__(self, keep_s: int = 120) -> None:
        self.keep_s = keep_s
        self._seconds: dict[int, dict[str, float]] = {}
        self._lock = threading.Lock()

    def put(self, second: int, counts: dict[str, float]) -> None:
        """`second`'s counts, as read: they replace what an earlier read of it saw."""
        kept = _folded(_cut(counts), KEPT_PER_SECOND)
        with self._lock:
            self._seconds[second] = kept
            newest = max(self._seconds)
            for old in [s for s in self._seconds if s <= newest - self.keep_s]:
                del self._seconds[old]

    def columns(self) -> dict[str, Any]:
        """uPlot's shape, as Series.columns: the window's LINES most frequent outcomes (by
        name), then OTHER if anything else; a second without an outcome counts 0."""
        with self._lock:
            seconds, top = sorted(self._seconds), self._top()
            points = [_folded(self._seconds[s], LINES, top) for s in seconds]
        names = sorted({n for p in points for n in p} - {OTHER})
        names += [OTHER] * any(OTHER in p for p in points)
        values = [[p.get(n, 0.0) for p in points] for n in names]
        return {"t": seconds, "names": names, "values": values}

    def _top(self) -> set[str]:
        totals: dict[str, float] = {}
        for counts in self._seconds.values():
            for name, count in counts.items():
                totals[name] = totals.get(name, 0.0) + count
        totals.pop(OTHER, None)
        ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        return {name for name, _ in ranked[:LINES]}


def _cut(counts: dict[str, float]) -> dict[str, float]:
    cut: dict[str, float] = {}
    for name, count in counts.items():
        short = name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"
        cut[short] = cut.get(short, 0.0) + count
    return cut


def _folded(counts: dict[str, float], most: int,
            kept: set[str] | None = None) -> dict[str, float]:
    """`counts` with only `kept` (else its `most` largest) by name, the rest as OTHER."""
    if kept is None:
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        kept = {name for name, _ in ranked[:most] if name != OTHER}
    folded = {name: count for name, count in counts.items() if name in kept}
    rest = sum(count for name, count in counts.items() if name not in kept)
    return {**folded, OTHER: rest} if rest else folded
