"""Turning one load window into numbers: saga latency and throughput from the owner's
records, per-hop latency from the outboxes and inboxes, commits per saga, CPU per process."""

from __future__ import annotations

from typing import Any

from sagaline.bench import dbstats
from sagaline.bench.loadgen import LoadResult
from sagaline.bench.stats import percentile, summary
from sagaline.core.saga import Edge, Saga
from sagaline.settings import StackSettings


def window_metrics(settings: StackSettings, saga: Saga, load: LoadResult, start: float,
                   end: float, step_skip_s: float) -> dict[str, Any]:
    """Numbers for the sagas this load started between `start` and `end` (wall clock)."""
    sent_at = dict(load.sent)
    ours = [o for o in dbstats.sagas_since(settings, saga, start - 1) if o[0] in sent_at]
    done = [(created, fin) for _, created, fin in ours if fin is not None]
    latency = [(fin - created) * 1000 for created, fin in done]
    counted_from = start + step_skip_s
    in_window = sum(1 for _, fin in done if counted_from <= fin <= end)
    lat = summary(latency)
    return {
        "achieved_per_s": round(in_window / max(1e-9, end - counted_from), 1),
        "accepted_per_s": round(len(load.sent) / max(1e-9, end - start), 1),
        "sagas_started": len(ours), "sagas_finished": len(done),
        "sagas_unfinished": len(ours) - len(done), "http_errors": load.errors,
        "error_sample": load.error_sample,
        "p50_ms": lat["p50_ms"], "p95_ms": lat["p95_ms"], "p99_ms": lat["p99_ms"],
        "max_ms": lat["max_ms"],
        "generator_lag_p99_ms": _r(percentile(load.lag_ms, 99)),
        "hops": hops(settings, saga, ours, sent_at, start),
    }


def hops(settings: StackSettings, saga: Saga, ours: list[tuple[str, float, float | None]],
         sent_at: dict[str, float], start: float) -> dict[str, Any]:
    """Latency of each part of a saga's way: the owner's HTTP request to its row, each
    service's outbox to the broker, and each edge of the saga that the window's events took
    (a load of ordinary sagas takes no failure path: those edges are left out)."""
    since = start - 1
    out: dict[str, Any] = {
        f"http_send_to_{saga.owner}_row": summary([(c - sent_at[o]) * 1000
                                                   for o, c, _ in ours]),
    }
    for name in saga.names:
        out[f"outbox_{name}_commit_to_broker_ack"] = summary(
            dbstats.outbox_lags_ms(settings, name, since))
    for edge in saga.edges:
        if lags := dbstats.hop_lags_ms(settings, edge, since):
            out[hop_name(edge)] = summary(lags)
    return out


def hop_name(edge: Edge) -> str:
    return f"{edge.topic}_{edge.producer}_broker_to_{edge.consumer}_handler"


def commits_per_saga(before: dict[str, int], after: dict[str, int],
                     sagas: int) -> dict[str, Any]:
    """Write transactions over the window, per finished saga (includes the few the harness
    itself makes, and any of another user of the stack)."""
    delta = {name: after[name] - before[name] for name in after}
    per = {name: round(d / sagas, 2) if sagas else None for name, d in delta.items()}
    return {"total": round(sum(delta.values()) / sagas, 2) if sagas else None,
            "per_database": per, "write_transactions": delta}


def machine_cpu(busy_cpu_s: float, seconds: float, sagas: int) -> dict[str, Any]:
    """The whole machine over a step and its drain: % busy (100 = one core) and CPU spent
    per finished saga, everything included (Kafka, Postgres, services, load generator)."""
    return {"busy_pct": round(busy_cpu_s / max(1e-9, seconds) * 100, 1),
            "cpu_ms_per_saga": round(busy_cpu_s * 1000 / sagas, 2) if sagas else None}


def cpu_percent(usage: dict[str, dict[str, float]], seconds: float) -> dict[str, Any]:
    return {name: {"cpu_pct": round(u["cpu_s"] / max(1e-9, seconds) * 100, 1),
                   "peak_rss_mb": u["peak_rss_mb"]} for name, u in usage.items()}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
