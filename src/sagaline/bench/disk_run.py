"""`sagaline bench disk`: steady open-loop load at a fixed rate against the running stack
(the bench's load generator), sampling what each database and Kafka hold on disk every few
seconds (`disk_sample`); then `<out>/disk-run.json`, `<out>/disk-run.png`, a table, bytes
per saga, whether the outbox and inbox stayed bounded and dead tuples flat (`disk_verdict`),
and the plans of the dashboard's queries (`disk_plans`)."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sagaline.bench import disk_plans, disk_verdict, machine
from sagaline.bench.disk_sample import Sampler, kafka_dirs
from sagaline.bench.fanout import Fleet
from sagaline.bench.loadgen import LoadResult, plan_for
from sagaline.core.saga import Saga
from sagaline.devstack import Stack
from sagaline.settings import ServiceSettings

Say = Callable[[str], None]
SAGAS_PER_USER = 20  # as the history loader's users have


@dataclass(frozen=True)
class DiskRun:
    seconds: float
    rate: float
    every_s: float
    out_dir: Path


def retention_windows() -> dict[str, float]:
    """The services' retention windows as this process's environment sets them (the stack
    is started with the same; the services' defaults otherwise)."""
    fields = ServiceSettings.model_fields
    return {key: float(os.environ.get(key.upper()) or fields[key].default)
            for key in ("outbox_retention_s", "inbox_retention_s")}


def run(stack: Stack, saga: Saga, config: DiskRun, say: Say = print) -> dict[str, Any]:
    settings = stack.settings
    machine.require_running(stack)
    machine.ensure_stock(settings, saga, 2_000_000)
    total = int(config.rate * config.seconds)
    tag = f"disk-{uuid.uuid4().hex[:8]}-"
    users = [f"{tag}{n}" for n in range(max(50, total // SAGAS_PER_USER))]
    plan = plan_for(saga, settings, users, config.seconds, rate=config.rate,
                    max_requests=total + 1)
    dsns = {name: settings.dsn(name, saga) for name in saga.names}
    fleet = Fleet(plan, processes=1)
    samples, load = load_and_sample(
        fleet, lambda: Sampler(dsns, saga, kafka_dirs(stack), fleet.start_at),
        fleet.start_at + config.seconds, config.every_s, say)
    saga_id = load.sent[-1][0] if load.sent else str(uuid.uuid4())
    result = _result(config, saga, samples, load)
    result["dashboard_plans"] = [asdict(c) for c in disk_plans.check_dashboard(dsns, saga,
                                                                               saga_id)]
    _write(result, saga, config.out_dir, say)
    return result


def load_and_sample(fleet: Fleet, open_sampler: Callable[[], Sampler], end: float,
                    every_s: float, say: Say) -> tuple[list[dict[str, Any]], LoadResult]:
    """The samples until `end` while the started `fleet` loads the stack, and its result.
    Whatever fails (the sampler's connections, a sample, an interrupt, the collection),
    the sampler is closed and the load process collected."""
    samples = None
    try:
        with open_sampler() as sampler:
            samples = _sample_until(sampler, end, every_s, say)
    finally:
        # Sampled to the end: the load's last sagas get a minute. Otherwise its result gets
        # a second, then `collect` joins the process for 5 s and kills it.
        load = fleet.collect(timeout_s=max(1.0, end - time.time() + 60) if samples else 1.0)
    return samples, load


def _sample_until(sampler: Sampler, end: float, every_s: float, say: Say) -> list[dict[str, Any]]:
    """A sample at the start, then each `every_s` on a fixed schedule, the last at `end`."""
    samples = [sampler.sample()]
    tick = sampler.started_at
    while tick < end:
        tick = min(tick + every_s, end)
        time.sleep(max(0.0, tick - time.time()))  # pacing a schedule, not waiting on a signal
        samples.append(sampler.sample())
        say(f"  {samples[-1]['t_s']:7.0f} s: {samples[-1]['sagas_finished']:,} sagas finished")
    return samples


def _result(config: DiskRun, saga: Saga, samples: list[dict[str, Any]],
            load: LoadResult) -> dict[str, Any]:
    names = list(saga.names)
    return {"started_at": datetime.fromtimestamp(samples[0]["at"], UTC).isoformat(
                timespec="seconds"),
            "seconds": config.seconds, "rate": config.rate, "every_s": config.every_s,
            "retention": retention_windows(), "sagas_started": len(load.sent),
            "http_errors": load.errors, "services": names, "samples": samples,
            "bytes_per_saga": disk_verdict.per_saga(samples, names),
            "verdicts": disk_verdict.verdicts(samples, names)}


def _write(result: dict[str, Any], saga: Saga, out_dir: Path, say: Say) -> None:
    from sagaline.bench.disk_plot import plot

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "disk-run.json").write_text(json.dumps(result, indent=1) + "\n")
    plot(result["samples"], result["services"], out_dir / "disk-run.png")
    for line in report(result):
        say(line)
    say(f"results: {out_dir / 'disk-run.json'}, {out_dir / 'disk-run.png'}")


def report(result: dict[str, Any]) -> list[str]:
    """The table, bytes per saga, the verdicts and the dashboard's plans, as printed."""
    names, samples = result["services"], result["samples"]
    lines = disk_verdict.table_lines(samples, names)
    per = result["bytes_per_saga"]
    lines.append(f"bytes per saga ({per['sagas']:,} sagas finished):")
    for name in names:
        db = (per["databases"] or {}).get(name)
        tables = ", ".join(f"{t} {b:,.0f}" for t, b in db["tables"].items() if b) if db else ""
        lines.append(f"  {name}: {db['database']:,.0f} ({tables})" if db else f"  {name}: -")
    lines.append(f"  kafka: {per['kafka']:,.0f}" if per["kafka"] is not None else "  kafka: -")
    third = result["seconds"] / 3
    for key, window in result["retention"].items():
        if window + 60 > third:  # the housekeeper deletes once a minute
            lines.append(f"note: {key} {window:.0f} s and the housekeeper's minute are longer"
                         " than a third of the run: a 'bounded' verdict says little")
    for name, verdict in result["verdicts"].items():
        lines.append(f"{name}: " + ", ".join(f"{k} {v}" for k, v in verdict.items()))
    for c in result["dashboard_plans"]:
        want = "Index Only Scan" if c["index_only"] else "no Seq Scan"
        scans = ", ".join(f"{k} {i}" for k, i in c["scans"])
        lines.append(f"plan {c['service']}: {c['name']}: {'ok' if c['ok'] else 'NOT'} {want}"
                     f" ({scans}; {c['ms']} ms, {c['shared_read']} blocks read)")
    return lines
