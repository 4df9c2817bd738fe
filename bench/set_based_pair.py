"""Set-based handlers side by side: the services of another checkout ("before", put first on
PYTHONPATH) against this one ("after"), alternated A B B A, each run an open-loop step and
the closed loop; CPU per saga of each process at saturation from the closed loop's counters.

    git archive main src | tar -x -C /tmp/before
    flock /tmp/machine.lock .venv/bin/python bench/set_based_pair.py /tmp/before/src

It restarts the services for each run and leaves them running this checkout's code. Prints one
JSON line per run; all of them go to bench/results/set-based-pair.json. Figures:
docs/performance.md ("This round").
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from sagaline.bench.config import BenchConfig
from sagaline.bench.runner import run
from sagaline.bench.variants import restart
from sagaline.settings import stack_settings
from sagaline.stack import Stack

PROCESSES = ("order", "payment", "inventory", "postgres-order", "postgres-payment",
             "postgres-inventory", "kafka", "loadgen-0")


def figures(result: dict[str, Any]) -> dict[str, Any]:
    closed = result["closed_loop"]
    rate = closed["achieved_per_s"] or float("nan")  # 0: a window too short to count
    # cpu_pct of one core is cpu_pct * 10 ms each second, shared by `rate` sagas.
    per_saga = {name: round(closed["processes"][name]["cpu_pct"] * 10 / rate, 3)
                for name in PROCESSES if name in closed["processes"]}
    steps = [{k: s[k] for k in ("offered_per_s", "achieved_per_s", "p50_ms", "p99_ms")}
             | {"cpu_ms_per_saga": s["machine_cpu"]["cpu_ms_per_saga"]}
             for s in result["steps"]]
    return {"closed_per_s": rate, "closed_p50_ms": closed["p50_ms"],
            "closed_p99_ms": closed["p99_ms"],
            "closed_cpu_ms_per_saga": closed["machine_cpu"]["cpu_ms_per_saga"],
            "closed_cpu_ms_per_saga_by_process": per_saga, "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before", help="the src directory of the code to compare with")
    parser.add_argument("--order", default="ABBA")
    parser.add_argument("--steps", default="400")
    parser.add_argument("--step-seconds", type=float, default=15.0)
    parser.add_argument("--closed-seconds", type=float, default=20.0)
    args = parser.parse_args()
    config = replace(BenchConfig(), steps=tuple(int(s) for s in args.steps.split(",")),
                     step_s=args.step_seconds, closed_loop_s=args.closed_seconds,
                     baseline=False, limits=False, drain_rows=0, client_capacity_s=0.0,
                     stop_when_saturated=False, out_dir=Path("bench/results/set-based"))
    stack = Stack(stack_settings())
    runs: list[dict[str, Any]] = []
    try:
        for mode in args.order:
            restart(stack, {"PYTHONPATH": args.before} if mode == "A" else {})
            result = run(stack.settings, config, say=lambda _: None)
            runs.append({"code": "before" if mode == "A" else "after", **figures(result)})
            print(json.dumps(runs[-1]), flush=True)
    finally:
        restart(stack, {})
    Path("bench/results/set-based-pair.json").write_text(json.dumps(runs, indent=2) + "\n")


if __name__ == "__main__":
    main()
