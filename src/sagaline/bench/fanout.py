"""Running load plans in separate processes (spawned, so the parent's threads don't matter),
started together; closed-loop children read the count of unfinished sagas the parent shares."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import queue
import time
from dataclasses import replace
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from sagaline.bench.loadgen import LoadPlan, LoadResult, drive

_CTX = mp.get_context("spawn")


def _child(plan: LoadPlan, unfinished: Synchronized[float], share: float,
           out: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        pass
    result = asyncio.run(drive(plan, lambda: unfinished.value * share))
    out.put(result)


class Fleet:
    """`processes` load processes sharing one plan (rate and window split evenly)."""

    def __init__(self, plan: LoadPlan, processes: int, lead_s: float = 2.0) -> None:
        self.unfinished: Synchronized[float] = _CTX.Value("d", 0.0)
        self._out: Any = _CTX.Queue()
        self.start_at = time.time() + lead_s
        share = 1.0 / processes
        bodies = plan.bodies
        self._children = []
        for n in range(processes):
            part = replace(
                plan, start_at=self.start_at, bodies=bodies[n::processes] or bodies,
                rate=plan.rate * share if plan.rate else None,
                window=max(1, round(plan.window * share)),
                max_requests=max(1, plan.max_requests // processes))
            args = (part, self.unfinished, share, self._out)
            self._children.append(_CTX.Process(target=_child, args=args, daemon=True))
        for child in self._children:
            child.start()

    @property
    def pids(self) -> list[int]:
        return [c.pid for c in self._children if c.pid is not None]

    def collect(self, timeout_s: float) -> LoadResult:
        """Wait for every process's result (at most `timeout_s`) and merge them."""
        merged = LoadResult()
        deadline = time.monotonic() + timeout_s
        for _ in self._children:
            try:
                part: LoadResult = self._out.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                merged.error("a load process returned no result in time")
                continue
            merged.sent += part.sent
            merged.lag_ms += part.lag_ms
            merged.errors += part.errors
            merged.error_sample = (merged.error_sample + part.error_sample)[:5]
        for child in self._children:
            child.join(5)
            if child.is_alive():
                child.kill()
        return merged
