"""CPU and context switches per saga of every process and of every thread, for variants of the
services side by side at one offered rate: per run the three services restart with the
variant's environment, then `sagaline.bench.profile` records (the kernel's counters, py-spy).
Runs alternate in the order given (A B B A) so that a shared machine's drift hits every
variant alike. Finer than bench/side_by_side.py (which compares whole benchmark runs): it
shows which threads a change makes cheaper, e.g. a relay's, at a rate far from saturation.

Run from the repository root against a running stack (`sagaline up --detach`), as root, e.g.
a change of the code in a git worktree against the checkout's own:
    .venv/bin/python bench/ab_profile.py --variant base: \\
        --variant new:PYTHONPATH=/tmp/worktree/src --order base,new,new,base --rate 100
Leaves the services running with no variant. Prints the tables; the figures go to
bench/results/ab-profile.json. An unmeasured load warms the broker first (--warm-up-seconds).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from side_by_side import add_variant_arguments, variants_in_order

from sagaline.bench import costs
from sagaline.bench.fanout import Fleet
from sagaline.bench.loadgen import LoadPlan, LoadResult
from sagaline.bench.profile import record
from sagaline.bench.variants import restart
from sagaline.devstack import Stack
from sagaline.settings import StackSettings, stack_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_variant_arguments(parser)
    parser.add_argument("--rate", type=float, default=100.0, help="sagas per second offered")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=16, help="rows of the thread table")
    parser.add_argument("--warm-up-seconds", type=float, default=60.0,
                        help="unmeasured load at --rate first (0: none)")
    args = parser.parse_args()
    variants, order = variants_in_order(parser, args)
    stack = Stack(stack_settings())
    runs = []
    try:
        warm_up(stack, args.rate, args.warm_up_seconds)
        for name in order:
            restart(stack, variants[name])
            with tempfile.TemporaryDirectory() as spy_files:  # py-spy's, not read here
                _, processes, threads = record(args.rate, args.seconds, Path(spy_files))
            print(f"=== {name}\n{costs.table(processes)}\n"
                  + "\n".join(threads.splitlines()[:args.threads + 1]) + "\n", flush=True)
            total = round(sum(p["cpu_ms"] for p in processes.values()), 2)
            runs.append({"variant": name, "cpu_ms_per_saga": total,
                         "processes": processes, "threads": threads})
    finally:
        restart(stack, {})
    print("cpu ms per saga:", ", ".join(f"{r['variant']} {r['cpu_ms_per_saga']}" for r in runs))
    Path("bench/results/ab-profile.json").write_text(json.dumps(runs, indent=2) + "\n")


def warm_up(stack: Stack, rate: float, seconds: float) -> None:
    """A freshly started broker's JIT compiler costs ~1 ms per saga for minutes: without this,
    the first run pays for it (the Kafka process took 3.1 and 2.3 ms of CPU per saga in the
    first two runs of one sitting at 200/s, 1.2-1.4 after). It runs at the measured rate:
    30 s at 300/s still left the compiler thread 1.95 ms per saga in a first run at 100/s;
    60 s at 100/s, nothing."""
    if seconds <= 0:
        return
    print(f"warm-up: {rate:.0f}/s for {seconds:.0f} s (not measured)", flush=True)
    offer(stack.settings, rate, seconds, "warm-")


def offer(settings: StackSettings, rate: float, seconds: float, users: str) -> LoadResult:
    """An open loop of `POST /orders` at `rate` for `seconds`, from users named `users`0 to
    `users`499; stops the script if any request failed."""
    url = f"http://127.0.0.1:{settings.order_http_port}/orders"
    plan = LoadPlan(url, tuple(f"{users}{n}" for n in range(500)), seconds, 0.0, rate=rate,
                    max_requests=int(rate * seconds))
    load = Fleet(plan, 1).collect(timeout_s=seconds + 60)
    if load.errors:
        raise SystemExit(f"load: {load.errors} requests failed, e.g. {load.error_sample}")
    return load


if __name__ == "__main__":
    main()
