"""What `sagaline bench side-by-side` measures of one state of the stack, and for how long
(docs/performance.md, "With a long history"). The offered rates are fixed: the figures'
names say them (`p99_ms_at_200`), so an empty and a loaded run always compare alike."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sagaline.bench.config import BenchConfig

RATES = (50, 200)  # open-loop steps, sagas/s


@dataclass(frozen=True)
class SideConfig:
    warm_up_s: float = 30.0  # closed loop first, not measured (the broker's JIT: config.py)
    step_s: float = 30.0  # each open-loop step
    closed_loop_s: float = 60.0
    closed_window: int = 400
    request_rate: float = 20.0  # the request burst: POST then GET of its saga, per second
    request_s: float = 15.0
    dashboard_rounds: int = 20  # each polled endpoint once a round, a refresh apart
    renders: int = 3  # first renders, each in a fresh browser context
    users: int = 2000
    quick: bool = False
    out_dir: Path = Path("docs/bench")

    def quick_mode(self) -> SideConfig:
        """Seconds, not minutes: proves the bench runs, measures little (tests, CI)."""
        return replace(self, warm_up_s=2.0, step_s=3.0, closed_loop_s=3.0, closed_window=50,
                       request_rate=20.0, request_s=2.0, dashboard_rounds=3, renders=1,
                       users=50, quick=True)

    def bench_config(self) -> BenchConfig:
        """The harness's settings for the steps and the closed loop of this run."""
        base = BenchConfig().quick_mode() if self.quick else BenchConfig()
        return replace(base, steps=RATES, step_s=self.step_s, warm_up_s=self.warm_up_s,
                       closed_loop_s=self.closed_loop_s, closed_window=self.closed_window,
                       users=self.users, out_dir=self.out_dir, stop_when_saturated=False)
