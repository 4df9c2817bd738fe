"""One state of the running stack, as `sagaline bench side-by-side --label L` measures it
for the comparison of an empty and a loaded history (docs/performance.md, "With a long
history"): closed-loop throughput, saga latency at 50 and 200 sagas/s, the start and read
requests' latency, the dashboard's API latency and first render, and the hot queries' plans.
Written to `<out>/history-<label>.json`; `side_report` compares two of them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sagaline.bench import explain, first_render, history, machine, request_probe
from sagaline.bench.procstats import ProcSampler
from sagaline.bench.side_config import RATES, SideConfig
from sagaline.bench.steps import Harness
from sagaline.core.saga import Saga
from sagaline.devstack import Stack
from sagaline.settings import DashboardSettings, StackSettings

Say = Callable[[str], None]
LABELS = ("empty", "loaded")


def path_of(out_dir: Path, label: str) -> Path:
    return out_dir / f"history-{label}.json"


def run(settings: StackSettings, saga: Saga, config: SideConfig, label: str,
        say: Say = print) -> dict[str, Any]:
    """Measure the running stack of `saga` now; write and return the results."""
    stack = Stack(settings)
    machine.require_running(stack)
    result: dict[str, Any] = {
        "label": label, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": config.quick, "machine": machine.describe(),
        **_sizes(settings, saga)}
    if label == "empty" and result["sagas_loaded"]:
        say(f"warning: the databases hold {result['sagas_loaded']:,} loaded sagas: "
            "this is not an empty history")
    machine.ensure_stock(settings, saga, 2_000_000)
    result |= _load(stack, saga, config, say)
    say(f"start and read requests, {config.request_rate:.0f}/s for {config.request_s:.0f} s ...")
    users = tuple(f"side-{uuid.uuid4().hex[:8]}-{n}" for n in range(config.users))
    requests = request_probe.start_and_read(settings, saga, config.request_rate,
                                            config.request_s, users)
    ids = requests.pop("saga_ids")
    result["requests"] = requests
    with _dashboard(stack) as base:
        say(f"dashboard API, {config.dashboard_rounds} rounds ...")
        every_s = DashboardSettings().dashboard_refresh_s * 1.5  # its cache expired
        result["dashboard_api"] = request_probe.dashboard_api(base, ids, config.dashboard_rounds,
                                                              every_s)
        say("dashboard first render ...")
        result["first_render"] = first_render.measure(base, config.renders)
        if result["first_render"]["ms"] is None:
            say(f"  no first render: {result['first_render']['why_none']}")
    say("query plans ...")
    result["plans"] = explain.hot_queries(settings, saga, ids[-1]) if ids else []
    result["figures"] = figures(result)
    write(result, config.out_dir, label)
    return result


def _load(stack: Stack, saga: Saga, config: SideConfig, say: Say) -> dict[str, Any]:
    """Warm-up, the open-loop steps and the closed loop, through the bench's harness."""
    bench = config.bench_config()
    tag = f"side-{uuid.uuid4().hex[:8]}-"
    users = tuple(f"{tag}{n}" for n in range(bench.users))
    sampler = ProcSampler(machine.pids(stack)).start()
    try:
        harness = Harness(stack.settings, saga, bench, sampler, users, tag)
        say(f"warm-up: closed loop for {bench.warm_up_s:.0f} s (not measured) ...")
        harness.closed_run(bench.warm_up_s, bench.closed_window)
        steps = []
        for rate in RATES:
            say(f"open loop at {rate}/s for {bench.step_s:.0f} s ...")
            steps.append(harness.open_step(rate))
        say(f"closed loop for {bench.closed_loop_s:.0f} s ...")
        closed = harness.closed_run(bench.closed_loop_s, bench.closed_window)
    finally:
        sampler.stop()
    return {"steps": steps, "closed_loop": closed}


@contextmanager
def _dashboard(stack: Stack) -> Iterator[str]:
    """The stack's dashboard's base URL, once it answers; started for the run (and stopped
    after) when its process does not run yet. One that runs but answers slowly is someone
    else's: waited for, never stopped."""
    dashboard = stack.dashboard
    started = not dashboard.running()
    stack.start_dashboard()  # reuses a running one, and waits until it answers
    try:
        yield dashboard.address
    finally:
        if started:
            stack.stop(dashboard.name)


def figures(result: dict[str, Any]) -> dict[str, float | None]:
    """The figures the report compares (docs/bench/latest.json's `history.empty`)."""
    at = {step["offered_per_s"]: step for step in result["steps"]}
    return {
        "closed_loop_sagas_per_s": result["closed_loop"]["achieved_per_s"],
        **{f"{q}_ms_at_{rate}": at[rate][f"{q}_ms"] for rate in RATES for q in ("p50", "p99")},
        "post_p99_ms": result["requests"]["post"]["p99_ms"],
        "get_p99_ms": result["requests"]["get"]["p99_ms"],
        "dashboard_api_p99_ms": result["dashboard_api"]["all"]["p99_ms"],
        "dashboard_first_render_ms": result["first_render"]["ms"]}


def write(result: dict[str, Any], out_dir: Path, label: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = path_of(out_dir, label)
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def _sizes(settings: StackSettings, saga: Saga) -> dict[str, Any]:
    """Each database's size, and how many sagas the history loader wrote into the owner's
    (all loads together; those the bench's runs made are not counted)."""
    sizes = {name: history.sizes(settings.dsn(name, saga)) for name in saga.names}
    return {"sagas_loaded": sizes[saga.owner]["sagas"],
            "database_mb": {name: round(found["database"] / 2**20, 1)
                            for name, found in sizes.items()}}
