"""What the saga dashboard costs: the closed loop with the dashboard stopped (A) against
running and watched (B) by a client that reads what the browser reads at the browser's rate,
alternated A B B A after a warm-up; the dashboard's own API latency while the open loop offers
1,000 sagas/s; and the idle stack per process with the dashboard stopped, unwatched and
watched. Take the machine lock around it (`flock /tmp/machine.lock ...`).

Run from the repository root against a running stack (`sagaline up --detach`):
    .venv/bin/python bench/dashboard_cost.py saturation --seconds 30
    .venv/bin/python bench/dashboard_cost.py open --rate 1000 --seconds 30
    .venv/bin/python bench/dashboard_cost.py idle --seconds 30 [--old-src DIR]
`--old-src DIR` runs the dashboard from another source tree (DIR/src/sagaline), to compare a
change side by side. It leaves the stack's dashboard running (current code) at the end.
Raw figures go to bench/results/dashboard-cost-<mode>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_viewer import Viewer

from sagaline.bench import costs, machine
from sagaline.bench.config import BenchConfig
from sagaline.bench.procstats import ProcSampler
from sagaline.bench.steps import Harness
from sagaline.devstack import Stack
from sagaline.settings import stack_settings

RESULTS = Path("bench/results")


def dashboard(stack: Stack, running: bool, old_src: str | None = None) -> None:
    """Stop the stack's dashboard, then start it again when `running` (from `old_src`)."""
    stack.stop("dashboard")
    if not running:
        return
    if old_src:
        os.environ["PYTHONPATH"] = str(Path(old_src) / "src")
    try:
        stack.start("dashboard")
    finally:
        os.environ.pop("PYTHONPATH", None)


def harness(stack: Stack, sampler: ProcSampler) -> Harness:
    config = replace(BenchConfig(), step_skip_s=3.0, out_dir=RESULTS / "dashboard-cost")
    machine.ensure_stock(stack.settings, 2_000_000)
    tag = f"dash-{uuid.uuid4().hex[:8]}-"
    return Harness(stack.settings, config, sampler, tuple(f"{tag}{n}" for n in range(2000)),
                   tag)


def loop_figures(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result[k] for k in ("achieved_per_s", "p50_ms", "p99_ms", "sagas_finished")} | {
        "cpu_ms_per_saga": result["machine_cpu"]["cpu_ms_per_saga"],
        "dashboard_cpu_pct": result["processes"].get("dashboard", {}).get("cpu_pct")}


def saturation(stack: Stack, args: argparse.Namespace) -> list[dict[str, Any]]:
    runs = []
    sampler = ProcSampler(machine.pids(stack)).start()
    try:
        h = harness(stack, sampler)
        print("warm-up ...", flush=True)
        h.closed_run(10, args.window)
        for watched in (False, True, True, False):
            dashboard(stack, watched, args.old_src)
            sampler.targets = machine.pids(stack)
            with Viewer(stack.settings, enabled=watched) as viewer:
                result = h.closed_run(args.seconds, args.window)
            runs.append({"dashboard": "watched" if watched else "stopped",
                         **loop_figures(result), "viewer": viewer.summary()})
            print(json.dumps(runs[-1]), flush=True)
    finally:
        sampler.stop()
    return runs


def open_loop(stack: Stack, args: argparse.Namespace) -> list[dict[str, Any]]:
    dashboard(stack, True, args.old_src)
    sampler = ProcSampler(machine.pids(stack)).start()
    try:
        h = harness(stack, sampler)
        with Viewer(stack.settings) as viewer:
            result = h.open_step(args.rate)
        run = {"offered_per_s": args.rate, **loop_figures(result), "viewer": viewer.summary()}
    finally:
        sampler.stop()
    print(json.dumps(run), flush=True)
    return [run]


def idle(stack: Stack, args: argparse.Namespace) -> list[dict[str, Any]]:
    runs = []
    for state in ("stopped", "unwatched", "watched", "watched", "unwatched", "stopped"):
        dashboard(stack, state != "stopped", args.old_src)
        with Viewer(stack.settings, enabled=state == "watched"):
            time.sleep(args.settle)
            runs.append({"dashboard": state, **idle_cpu(stack, args.seconds)})
        print(json.dumps(runs[-1]), flush=True)
    return runs


def idle_cpu(stack: Stack, seconds: float) -> dict[str, Any]:
    """% of one core of each process tree, and of the machine (of 100 % per core)."""
    pids = machine.pids(stack)
    before, busy_before, start = costs.snapshot(pids), machine.cpu_busy_s(), time.monotonic()
    time.sleep(seconds)
    after, busy = costs.snapshot(pids), machine.cpu_busy_s() - busy_before
    elapsed = time.monotonic() - start
    per = {n: round(max(0.0, after[n].cpu_s - before[n].cpu_s) / elapsed * 100, 2)
           for n in pids if n in after}
    return {"per_process_pct": per, "stack_pct": round(sum(per.values()), 2),
            "machine_pct": round(busy / elapsed * 100, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("saturation", "open", "idle"))
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--window", type=int, default=400, help="closed loop: in flight")
    parser.add_argument("--rate", type=float, default=1000.0, help="open loop: sagas/s")
    parser.add_argument("--settle", type=float, default=8.0, help="idle: before reading")
    parser.add_argument("--old-src", help="run the dashboard from this source tree")
    args = parser.parse_args()
    stack = Stack(stack_settings())
    machine.require_running(stack)
    try:
        runs = {"saturation": saturation, "open": open_loop, "idle": idle}[args.mode](stack, args)
    finally:
        dashboard(stack, True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"dashboard-cost-{args.mode}{'-old' if args.old_src else ''}.json"
    out.write_text(json.dumps(runs, indent=2) + "\n")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
