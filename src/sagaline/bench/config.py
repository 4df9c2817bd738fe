"""What a benchmark run does: the offered rates, how long each step lasts, the extras."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

FULL_STEPS = (50, 100, 200, 400, 800, 1600)


@dataclass(frozen=True)
class BenchConfig:
    steps: tuple[int, ...] = FULL_STEPS  # offered sagas per second, open loop
    idle_s: float = 30.0  # the idle stack's CPU, measured first; 0 skips it
    step_s: float = 30.0  # how long each step sends
    step_skip_s: float = 5.0  # first seconds of a step left out of its throughput window
    # A closed loop before the steps, not measured: the Kafka JVM's JIT compiles the broker's
    # hot paths under load (~1 ms of CPU per saga at 200/s for minutes after a start), and a
    # running broker has long done so. 0 measures a cold stack.
    warm_up_s: float = 30.0
    drain_timeout_s: float = 90.0  # wait this long after a step for its sagas to finish
    closed_loop_s: float = 60.0  # the target is "sustained for 60 s"
    closed_window: int = 400  # sagas in flight in the closed loop
    processes: int = 1  # load-generator processes (see docs/performance.md for why one)
    max_inflight: int = 512  # HTTP requests in flight per load process
    users: int = 2000  # sagas spread over this many new users per run
    baseline: bool = True
    baseline_s: float = 30.0
    baseline_window: int = 300  # > 33/s x ~3 s latency, or Little's law caps it
    limits: bool = True  # pgbench and the Kafka round trip
    pgbench_s: float = 10.0
    pgbench_clients: int = 8
    kafka_rtt_messages: int = 300
    drain_rows: int = 100_000  # relay backlog drain; 0 skips it
    client_capacity_s: float = 3.0  # per client variant; 0 skips the measurement
    stop_when_saturated: bool = True  # skip higher steps once one falls behind
    quick: bool = False
    out_dir: Path = Path("docs/bench")

    def quick_mode(self) -> BenchConfig:
        """A few seconds per part, for CI: proves the harness works, measures little."""
        return replace(
            self, steps=(20, 50), idle_s=2.0, step_s=3.0, step_skip_s=0.5, warm_up_s=2.0,
            drain_timeout_s=30.0, closed_loop_s=3.0, closed_window=50, baseline_s=4.0,
            baseline_window=20, pgbench_s=2.0, pgbench_clients=4, kafka_rtt_messages=20,
            drain_rows=2_000, client_capacity_s=0.0, users=50, quick=True)
