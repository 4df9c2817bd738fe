"""Side-by-side runs of the benchmark with the services restarted under different settings
(environment variables), in an order that spreads a shared machine's drift over all of them
(e.g. A B B A). Used by bench/side_by_side.py and bench/trace_cost.py."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from sagaline import saga_choice
from sagaline.bench.config import BenchConfig
from sagaline.bench.harness import run
from sagaline.core.saga import Saga
from sagaline.devstack import Stack
from sagaline.ops import targets


def comparison_config(steps: str, step_s: float, closed_s: float, out_dir: Path,
                      idle_s: float = 0.0) -> BenchConfig:
    """The benchmark's open-loop `steps` (comma-separated rates) and closed loop only: no
    baseline, machine limits, drains or client capacity, and every step run."""
    return replace(BenchConfig(), steps=tuple(int(s) for s in steps.split(",")),
                   step_s=step_s, closed_loop_s=closed_s, idle_s=idle_s, baseline=False,
                   limits=False, drain_rows=0, client_capacity_s=0.0,
                   stop_when_saturated=False, out_dir=out_dir)


def restart(stack: Stack, env: Mapping[str, str], saga: Saga | None = None) -> None:
    """Every service stopped and started again with `env` added to its environment."""
    launcher = stack.with_services(**env)
    for name in stack.service_names:
        stack.stop(name)
        launcher.start(name)
    settle(stack, saga=saga)


def settle(stack: Stack, timeout_s: float = 60.0, saga: Saga | None = None) -> None:
    """Until a probe saga is final within a second (the consumer groups have rebalanced)."""
    saga = saga or saga_choice.load()
    url = targets.owner_url(stack.settings, saga)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=10) as client:
        while time.monotonic() < deadline:
            started = time.monotonic()
            placed = client.post(url, json=saga.sample_request("bench-settle"))
            one = f"{url}/{placed.json()[saga.key_field]}"
            while client.get(one).json()["status"] not in saga.statuses.final:
                time.sleep(0.05)
            if time.monotonic() - started < 1.0:
                return
    raise SystemExit("the saga did not settle after the restart")


def figures(result: dict[str, Any], saga: Saga | None = None) -> dict[str, Any]:
    """The figures compared: the closed loop (with each process's CPU per saga), and per
    open-loop step latency and CPU (the services': those `saga` declares)."""
    names = (saga or saga_choice.load()).names
    closed = result["closed_loop"]
    rate = closed["achieved_per_s"] or float("nan")  # 0: a window too short to count
    # cpu_pct of one core is cpu_pct * 10 ms each second, shared by `rate` sagas.
    by_process = {name: round(p["cpu_pct"] * 10 / rate, 3)
                  for name, p in closed["processes"].items()}
    return {"idle_pct_of_one_core": result.get("idle_cpu_pct_of_one_core"),
            "closed_per_s": closed["achieved_per_s"], "closed_p50_ms": closed["p50_ms"],
            "closed_p99_ms": closed["p99_ms"],
            "closed_cpu_ms_per_saga": closed["machine_cpu"]["cpu_ms_per_saga"],
            "closed_cpu_ms_per_saga_by_process": by_process,
            "steps": [{k: s[k] for k in ("offered_per_s", "achieved_per_s", "p50_ms", "p99_ms")}
                      | {"cpu_ms_per_saga": s["machine_cpu"]["cpu_ms_per_saga"],
                         "services_cpu_pct": sum(s["processes"][n]["cpu_pct"] for n in names)}
                      for s in result["steps"]]}


def compare(stack: Stack, config: BenchConfig, variants: Mapping[str, Mapping[str, str]],
            order: list[str], report: Callable[[dict[str, Any]], None],
            saga: Saga | None = None) -> list[dict[str, Any]]:
    """One benchmark run per name in `order`, the services restarted with its variables;
    the services are left running with no extra variables at the end."""
    saga = saga or saga_choice.load()
    runs: list[dict[str, Any]] = []
    try:
        for name in order:
            restart(stack, variants[name], saga)
            result = run(stack.settings, config, say=lambda _: None, saga=saga)
            runs.append({"variant": name, **figures(result, saga)})
            report(runs[-1])
    finally:
        restart(stack, {}, saga)
    return runs
