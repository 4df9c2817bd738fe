"""What a disk run's samples say: whether a series stayed bounded (the mean of its last third
of samples no higher than its middle third's, within a tolerance), bytes per saga in each
database and in Kafka, and a start/middle/end table. Pure functions of the samples.

Means of thirds, not single points: the outbox and inbox move in a saw-tooth (rows added at
the load's rate, deleted by the housekeeper each minute), dead tuples likewise (autovacuum)."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean
from typing import Any

ROWS_TOLERANCE, ROWS_SLACK = 0.10, 100.0  # outbox and inbox rows
DEAD_TOLERANCE, DEAD_SLACK = 0.25, 1_000.0  # dead tuples, a database's tables together


def thirds(values: Sequence[float]) -> tuple[Sequence[float], Sequence[float], Sequence[float]]:
    n, third = len(values), len(values) // 3
    return values[:third], values[third: n - third], values[n - third:]


def bounded(values: Sequence[float], tolerance: float, slack: float = 0.0) -> bool | None:
    """Whether the last third's mean is at most the middle third's (times 1 + tolerance,
    plus slack); None with fewer than three samples (no thirds to compare)."""
    if len(values) < 3:
        return None
    _, middle, last = thirds(values)
    return fmean(last) <= fmean(middle) * (1 + tolerance) + slack


def series(samples: Sequence[dict[str, Any]], service: str, key: str) -> list[float]:
    """A database's value over the run: one of its own keys (`outbox_rows`), or a table
    field summed over its tables (`dead`, `heap_bytes`)."""
    out = []
    for s in samples:
        db = s["databases"][service]
        value = db[key] if key in db else sum(t[key] or 0 for t in db["tables"].values())
        out.append(float(value))
    return out


def verdicts(samples: Sequence[dict[str, Any]], services: Sequence[str]) -> dict[str, Any]:
    """Per service: outbox and inbox rows bounded, dead tuples flat (None: too few samples)."""
    return {name: {
        "outbox_bounded": bounded(series(samples, name, "outbox_rows"), ROWS_TOLERANCE,
                                  ROWS_SLACK),
        "inbox_bounded": bounded(series(samples, name, "inbox_rows"), ROWS_TOLERANCE,
                                 ROWS_SLACK),
        "dead_tuples_flat": bounded(series(samples, name, "dead"), DEAD_TOLERANCE, DEAD_SLACK),
    } for name in services}


def per_saga(samples: Sequence[dict[str, Any]], services: Sequence[str]) -> dict[str, Any]:
    """Bytes each finished saga added, first sample to last: per database (whole, and each
    table's heap + indexes) and in Kafka (every topic's log directories). None without any
    saga finished between them."""
    first, last = samples[0], samples[-1]
    sagas = int(last["sagas_finished"] - first["sagas_finished"])
    if len(samples) < 2 or sagas <= 0:
        return {"sagas": max(0, sagas), "databases": None, "kafka": None}

    def each(before: float, after: float) -> float:
        return round(float(after - before) / sagas, 1)

    out: dict[str, Any] = {"sagas": sagas, "databases": {}}
    for name in services:
        a, b = first["databases"][name], last["databases"][name]
        tables = {t: each(_total(a["tables"].get(t)), _total(row))
                  for t, row in b["tables"].items()}
        out["databases"][name] = {"database": each(a["database_bytes"], b["database_bytes"]),
                                  "tables": tables}
    out["kafka"] = each(sum(first["kafka_topic_bytes"].values()),
                        sum(last["kafka_topic_bytes"].values()))
    return out


def _total(table: dict[str, Any] | None) -> float:
    return float(table["heap_bytes"] + table["index_bytes"]) if table else 0.0


def table_lines(samples: Sequence[dict[str, Any]], services: Sequence[str]) -> list[str]:
    """Per table: heap + index MB and dead tuples at the start, middle and end of the run."""
    picks = (samples[0], samples[len(samples) // 2], samples[-1])
    lines = [f"{'table':32} {'MB start / middle / end':>28} {'dead start / middle / end':>30}"]
    for name in services:
        for table in sorted(picks[-1]["databases"][name]["tables"]):
            rows = [p["databases"][name]["tables"].get(table) for p in picks]
            mb = " / ".join(f"{_total(r) / 2**20:,.1f}" for r in rows)
            dead = " / ".join(f"{r['dead'] if r else 0:,}" for r in rows)
            lines.append(f"{name + '.' + table:32} {mb:>28} {dead:>30}")
    return lines
