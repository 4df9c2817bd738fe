"""The live charts: per-second series kept by the dashboard, so that each refresh reads only
the latest seconds (rows of the few before may still be committing) instead of the window."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sagaline.dashboard.outcomes import Outcomes
from sagaline.dashboard.series import Series

QUANTILES = ("p50", "p95", "p99")
# Finished sagas of the latest seconds are read again each refresh: a saga's finished_at is
# set in its transaction, which may commit a little later.
RECOUNT_S = 3.0
# When someone starts watching (or comes back), the charts are filled back this far.
BACKFILL_S = 30.0


class Charts:
    def __init__(self, services: Sequence[str] = ()) -> None:
        """`services`: the declared ones, in order: a line each in the per-service charts
        (outbox backlog, its oldest row, consumer lag), drawn from the start."""
        self.series = {name: Series(tuple(services)) for name in ("backlog", "oldest", "lag")}
        self.series["latency"] = Series(QUANTILES)
        self.finished = Outcomes()  # the most frequent outcomes of the window
        self._generation = 0  # the watchers' generation the finished chart was read in

    def finished_since(self, generation: int, now: float) -> float:
        """From when the finished sagas are to be read (epoch seconds, a whole second)."""
        back = RECOUNT_S if generation == self._generation else BACKFILL_S
        return float(math.floor(now - back))

    def put_finished(self, generation: int, since: float, now: float,
                     seconds: dict[int, dict[str, Any]]) -> None:
        """Every second from `since` to `now` as read (`order_queries.finished`): a second
        with no saga finished has no outcome and no latency."""
        latency = self.series["latency"]
        for second in range(int(since), int(now) + 1):
            found = seconds.get(second, {})
            self.finished.put(second, {k: float(v)
                                       for k, v in found.get("outcomes", {}).items()})
            latency.put(second, found.get("latency") or dict.fromkeys(QUANTILES))
        self._generation = generation

    def put_backlog(self, services: dict[str, dict[str, Any]], now: float) -> None:
        """`core_queries.backlog` of each service read (one not read has no point)."""
        self.series["backlog"].put(int(now), {n: s["pending"] for n, s in services.items()})
        self.series["oldest"].put(int(now), {n: s["oldest_s"] or 0.0
                                             for n, s in services.items()})

    def columns(self) -> dict[str, Any]:
        return {"finished": self.finished.columns(),
                **{name: s.columns() for name, s in self.series.items()}}
