"""What traces cost: the benchmark's open-loop steps and closed loop with the three services
exporting every span (sampler always on) to a local OTLP/HTTP receiver, against tracing off,
alternating off/on so drift on a shared machine hits both alike.

Run from the repository root against a running stack (`sagaline up --detach`):
    .venv/bin/python bench/trace_cost.py --rounds 2 --steps 100,200 --step-seconds 10
It restarts the services for each run and leaves them running without tracing at the end.
Prints a Markdown table; the raw figures go to bench/results/trace-cost.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.otlp_receiver

from tests.otlp_receiver import OtlpReceiver

from sagaline.bench.harness import run
from sagaline.bench.variants import comparison_config, figures, restart
from sagaline.devstack import Stack
from sagaline.settings import stack_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", default="100,200")
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--closed-seconds", type=float, default=20.0)
    args = parser.parse_args()
    config = comparison_config(args.steps, args.step_seconds, args.closed_seconds,
                               Path("bench/results/trace-cost"))
    stack = Stack(stack_settings())
    runs: list[dict[str, Any]] = []
    with OtlpReceiver(keep=False) as receiver:
        try:
            for mode in ["off", "on"] * args.rounds:
                on = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
                restart(stack, on if mode == "on" else {})
                before = receiver.received
                print(f"run {len(runs) + 1}: tracing {mode} ...", flush=True)
                result = run(stack.settings, config, say=lambda _: None)
                runs.append({"tracing": mode, "spans": receiver.received - before,
                             **figures(result)})
                print(json.dumps(runs[-1]), flush=True)
        finally:
            restart(stack, {})
    Path("bench/results/trace-cost.json").write_text(json.dumps(runs, indent=2) + "\n")


if __name__ == "__main__":
    main()
