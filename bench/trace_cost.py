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
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.otlp_receiver

from tests.otlp_receiver import OtlpReceiver

from sagaline.bench.config import BenchConfig
from sagaline.bench.runner import run
from sagaline.settings import stack_settings
from sagaline.stack import Stack


def restart(stack: Stack, env: dict[str, str]) -> None:
    launcher = stack.with_services(**env)
    for name in stack.service_names:
        stack.stop(name)
        launcher.start(name)
    settle(stack)


def settle(stack: Stack, timeout_s: float = 60.0) -> None:
    """Until a probe order is final within a second (the consumer groups have rebalanced)."""
    url = f"http://127.0.0.1:{stack.settings.order_http_port}"
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=url, timeout=10) as client:
        while time.monotonic() < deadline:
            started = time.monotonic()
            order = client.post("/orders", json={"userId": "trace-cost", "totalAmount": 1})
            order_id = order.json()["orderId"]
            while client.get(f"/orders/{order_id}").json()["status"] in ("PENDING", "PAID"):
                time.sleep(0.05)
            if time.monotonic() - started < 1.0:
                return
    raise SystemExit("the saga did not settle after the restart")


def figures(result: dict[str, Any]) -> dict[str, Any]:
    closed = result["closed_loop"]
    return {"closed_per_s": closed["achieved_per_s"], "closed_p50_ms": closed["p50_ms"],
            "closed_p99_ms": closed["p99_ms"],
            "steps": [{k: s[k] for k in ("offered_per_s", "achieved_per_s", "p50_ms", "p99_ms")}
                      | {"cpu_ms_per_saga": s["machine_cpu"]["cpu_ms_per_saga"],
                         "services_cpu_pct": sum(s["processes"][n]["cpu_pct"]
                                                 for n in ("order", "payment", "inventory"))}
                      for s in result["steps"]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", default="100,200")
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--closed-seconds", type=float, default=20.0)
    args = parser.parse_args()
    config = replace(BenchConfig(), steps=tuple(int(s) for s in args.steps.split(",")),
                     step_s=args.step_seconds, closed_loop_s=args.closed_seconds,
                     baseline=False, limits=False, drain_rows=0, client_capacity_s=0.0,
                     stop_when_saturated=False, out_dir=Path("bench/results/trace-cost"))
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
