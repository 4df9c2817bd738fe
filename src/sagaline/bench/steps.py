"""One load window at a time: an open-loop step at a fixed offered rate, or a closed-loop run
that keeps a bounded number of sagas in flight; each waits for its sagas to finish."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sagaline.bench import dbstats, machine, measure
from sagaline.bench.config import BenchConfig
from sagaline.bench.fanout import Fleet
from sagaline.bench.loadgen import LoadPlan, plan_for
from sagaline.bench.procstats import ProcSampler
from sagaline.core.saga import Saga
from sagaline.settings import StackSettings


@dataclass
class Harness:
    settings: StackSettings
    saga: Saga
    config: BenchConfig
    sampler: ProcSampler
    users: tuple[str, ...]
    run_tag: str  # every user id of this run starts with it

    def open_step(self, rate: float) -> dict[str, Any]:
        c = self.config
        plan = plan_for(self.saga, self.settings, self.users, c.step_s, rate=rate,
                        max_inflight=c.max_inflight, max_requests=int(rate * c.step_s) + 1)
        return {"offered_per_s": rate, **self._window(plan, c.step_s, None)}

    def closed_run(self, seconds: float, window: int) -> dict[str, Any]:
        plan = plan_for(self.saga, self.settings, self.users, seconds, window=window,
                        max_inflight=self.config.max_inflight, max_requests=2_000_000)
        return {"offered_per_s": None, "window": window, **self._window(plan, seconds, window)}

    def _window(self, plan: LoadPlan, seconds: float, window: int | None) -> dict[str, Any]:
        c = self.config
        commits_before = dbstats.write_transactions(self.settings, self.saga)
        fleet = Fleet(plan, c.processes)
        self.sampler.targets.update({f"loadgen-{n}": p for n, p in enumerate(fleet.pids)})
        # Open the CPU window when the load starts, not while its processes start up.
        time.sleep(max(0.0, fleet.start_at - time.time()))
        self.sampler.window()
        busy_before = machine.cpu_busy_s()
        feeder = _Feeder(self.settings, self.saga, fleet, self.run_tag) if window else None
        load = fleet.collect(timeout_s=fleet.start_at - time.time() + seconds + 60)
        if feeder:
            feeder.stop()
        start, end = fleet.start_at, fleet.start_at + seconds
        unfinished = dbstats.wait_drained(self.settings, self.saga, start - 1, self.run_tag,
                                          c.drain_timeout_s)
        busy_s, busy_cpu_s = time.time() - start, machine.cpu_busy_s() - busy_before
        result = measure.window_metrics(self.settings, self.saga, load, start, end,
                                        c.step_skip_s)
        result["unfinished_after_drain_wait"] = unfinished
        result["commits_per_saga"] = measure.commits_per_saga(
            commits_before, dbstats.write_transactions(self.settings, self.saga),
            result["sagas_finished"])
        result["processes"] = measure.cpu_percent(self.sampler.window(), busy_s)
        result["machine_cpu"] = measure.machine_cpu(busy_cpu_s, busy_s, result["sagas_finished"])
        for n in range(len(fleet.pids)):
            self.sampler.targets.pop(f"loadgen-{n}", None)
        return result


class _Feeder:
    """Closed loop: tells the load processes how many of their accepted sagas are not final
    yet (every 50 ms, on one connection: an index scan over the sagas in flight only)."""

    def __init__(self, settings: StackSettings, saga: Saga, fleet: Fleet, users: str) -> None:
        self._settings, self._saga, self._fleet, self._users = settings, saga, fleet, users
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-feeder", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        since = self._fleet.start_at - 1
        with dbstats.unfinished_counter(self._settings, self._saga, since,
                                        self._users) as count:
            while not self._stop.wait(0.05):
                self._fleet.unfinished.value = float(count())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
