"""What the stack costs with nothing to do: CPU of each process tree (the services, Kafka,
the Postgres servers; the dashboard, a reader, apart) over a quiet stretch, from the
kernel's counters. Measured first in a run, before any load leaves work behind (a
checkpoint, autovacuum, a JIT still compiling)."""

from __future__ import annotations

import time
from typing import Any

from sagaline.bench import costs, machine
from sagaline.devstack import Stack

READERS = frozenset({"dashboard"})  # not part of the stack's own idle cost


def measure(stack: Stack, seconds: float, settle_s: float = 5.0) -> dict[str, Any]:
    """Percent of one core per process tree, and the stack's total without the readers."""
    time.sleep(settle_s)
    pids = machine.pids(stack)
    before = costs.snapshot(pids)
    started = time.monotonic()
    time.sleep(seconds)
    after = costs.snapshot(pids)
    elapsed = time.monotonic() - started
    per = {name: round(max(0.0, after[name].cpu_s - before[name].cpu_s) * 100 / elapsed, 2)
           for name in after}
    return {"seconds": round(elapsed, 1), "pct_of_one_core": per,
            "stack_pct_of_one_core": round(sum(v for k, v in per.items()
                                               if k not in READERS), 2)}
