"""Results on disk and on screen: the run's JSON (and `latest.json`), two PNG plots, a table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sagaline.bench import limits

STEP_KEYS = ("offered_per_s", "accepted_per_s", "achieved_per_s", "p50_ms", "p95_ms",
             "p99_ms", "max_ms", "sagas_unfinished", "generator_lag_p99_ms")
PROBE_KEYS = ("pgbench_commits_per_s", "kafka_round_trip_p50_ms", "client_req_per_s")
HEAD = ("offered/s", "accepted/s", "achieved/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
        "unfinished", "gen lag p99", "cpu %", "cpu ms/saga", "pgbench/s", "kafka rtt ms",
        "client req/s", "pg bound/s", "of bound")
KEPT_KEYS = ("history",)  # sections of latest.json that a bench run does not measure itself


def write(result: dict[str, Any], out_dir: Path) -> Path:
    """Write `<stamp>.json`, `latest.json` and the plots; returns the run's JSON path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = result["started_at"].replace(":", "").replace("-", "")[:15]
    path = out_dir / f"run-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
    latest = out_dir / "latest.json"
    kept = _kept_sections(latest, result)
    latest.write_text(json.dumps({**result, **kept}, indent=2, sort_keys=False) + "\n")
    try:
        for name in plot(result, out_dir, stamp):
            shutil.copyfile(out_dir / name, out_dir / name.replace(f"run-{stamp}", "latest"))
    except ImportError:  # matplotlib is in the `bench` extra
        pass
    return path


def _kept_sections(latest: Path, result: dict[str, Any]) -> dict[str, Any]:
    """What `latest.json` holds that this run did not measure: the long history's figures come
    from another command (`sagaline bench history` and a run against it), and a run without
    one must not erase them."""
    try:
        previous = json.loads(latest.read_text())
    except (OSError, ValueError):  # none yet, or not ours to read
        return {}
    if not isinstance(previous, dict):
        return {}
    return {key: previous[key] for key in KEPT_KEYS if key in previous and key not in result}


def plot(result: dict[str, Any], out_dir: Path, stamp: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [s for s in result["steps"] if s.get("p50_ms") is not None]
    offered = [s["offered_per_s"] for s in steps]
    names = [f"run-{stamp}-latency.png", f"run-{stamp}-throughput.png"]
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms"):
        ax.plot(offered, [s[key] for s in steps], marker="o", label=key.removesuffix("_ms"))
    ax.set(xscale="log", yscale="log", xlabel="offered sagas/s",
           ylabel="saga latency, created → final (ms)", title="Saga latency vs offered load")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / names[0], dpi=90)
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot(offered, offered, linestyle="--", color="grey", label="offered")
    ax.plot(offered, [s["achieved_per_s"] for s in steps], marker="o", label="achieved")
    if result.get("max_sustained_sagas_per_s"):
        ax.axhline(result["max_sustained_sagas_per_s"], color="green", alpha=0.6,
                   label="closed-loop max")
    if result.get("baseline_max_sagas_per_s"):
        ax.axhline(result["baseline_max_sagas_per_s"], color="red", alpha=0.6,
                   label="seed-like baseline")
    ax.set(xscale="log", xlabel="offered sagas/s", ylabel="completed sagas/s",
           title="Throughput achieved vs offered")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / names[1], dpi=90)
    plt.close("all")
    return names


def table(result: dict[str, Any]) -> str:
    """Every throughput beside the machine's probes of the same run and its fraction of the
    Postgres bound, so that a run on another machine can be compared (docs/performance.md)."""
    probes = result.get("probes") or limits.probes(result)
    rows = [[_cell(s.get(k)) for k in STEP_KEYS] + _cpu_cells(s) + _probe_cells(s, probes)
            for s in result["steps"]]
    for label in ("closed_loop", "baseline"):
        run = result.get(label)
        if run:
            rows.append([label] + [_cell(run.get(k)) for k in STEP_KEYS[1:]] + _cpu_cells(run)
                        + _probe_cells(run, probes))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEAD)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(HEAD, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(_probes_line(probes))
    if "idle" in result:
        lines.append(f"idle stack: {result['idle']['stack_pct_of_one_core']} % of one core "
                     f"(per process: {result['idle']['pct_of_one_core']})")
    return "\n".join(lines)


def _probe_cells(run: dict[str, Any], probes: dict[str, Any]) -> list[str]:
    bound = probes["postgres_bound_sagas_per_s"]
    fraction = limits.fraction_of_bound(run.get("achieved_per_s"), bound)
    return [_cell(probes[key]) for key in PROBE_KEYS] + [_cell(bound), _cell(fraction)]


def _probes_line(probes: dict[str, Any]) -> str:
    line = (f"probes: pgbench {_cell(probes['pgbench_commits_per_s'])} one-row commits/s, "
            f"Kafka round trip p50 {_cell(probes['kafka_round_trip_p50_ms'])} ms, client "
            f"{_cell(probes['client_req_per_s'])} req/s; Postgres bound = pgbench / "
            f"{_cell(probes['commits_per_saga'])} commits per saga = "
            f"{_cell(probes['postgres_bound_sagas_per_s'])} sagas/s")
    missing = [limits.PROBE_SOURCES[key] for key in probes["missing"]]
    return line + (f"\nmissing (shown as -): {'; '.join(missing)}" if missing else "")


def _cpu_cells(run: dict[str, Any]) -> list[str]:
    cpu = run.get("machine_cpu") or {}
    return [_cell(cpu.get("busy_pct")), _cell(cpu.get("cpu_ms_per_saga"))]


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)
