"""CPU and resident memory of every process of the stack (each with its children, e.g. a
Postgres server's backends), sampled with psutil on a background thread."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psutil


@dataclass
class Usage:
    cpu_s: float = 0.0  # CPU seconds (user + system) used in the current window
    peak_rss_mb: float = 0.0  # largest RSS of the whole tree in the current window
    run_peak_rss_mb: float = 0.0  # largest since the sampler started
    last_cpu: dict[int, float] = field(default_factory=dict)


def tree(pid: int) -> list[psutil.Process]:
    """`pid` and all its descendants; empty when it is gone."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


class ProcSampler:
    """Samples each named process tree every `interval_s` until `stop()`."""

    def __init__(self, targets: dict[str, int], interval_s: float = 0.5) -> None:
        self.targets = dict(targets)
        self.interval_s = interval_s
        self.usage = {name: Usage() for name in targets}
        self._started = time.time()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-sampler", daemon=True)

    def start(self) -> ProcSampler:
        self.sample()  # baseline CPU counters
        self.window()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        for name, pid in list(self.targets.items()):
            rss, cpu = 0, {}
            for p in tree(pid):
                try:
                    with p.oneshot():
                        rss += p.memory_info().rss
                        times = p.cpu_times()
                        cpu[p.pid] = (times.user + times.system, p.create_time())
                except psutil.Error:
                    continue
            with self._lock:
                self._account(self.usage.setdefault(name, Usage()), rss / 2**20, cpu)

    def _account(self, use: Usage, rss_mb: float, cpu: dict[int, tuple[float, float]]) -> None:
        use.peak_rss_mb = max(use.peak_rss_mb, rss_mb)
        use.run_peak_rss_mb = max(use.run_peak_rss_mb, rss_mb)
        for pid, (total, born) in cpu.items():
            start = use.last_cpu.get(pid, 0.0 if born > self._started else total)
            use.cpu_s += max(0.0, total - start)
            use.last_cpu[pid] = total

    def window(self) -> dict[str, dict[str, float]]:
        """CPU seconds and peak RSS per process since the last call; resets the window."""
        with self._lock:
            out = {n: {"cpu_s": round(u.cpu_s, 2), "peak_rss_mb": round(u.peak_rss_mb, 1)}
                   for n, u in self.usage.items()}
            for u in self.usage.values():
                u.cpu_s, u.peak_rss_mb = 0.0, 0.0
        return out

    def peaks(self) -> dict[str, float]:
        """Peak RSS (MB) of each process tree over the whole run."""
        with self._lock:
            return {n: round(u.run_peak_rss_mb, 1) for n, u in self.usage.items()}
