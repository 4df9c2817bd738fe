"""One chaos run: load, every disruption in turn, then wait until idle and audit."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sagaline import audit
from sagaline.chaos import disruptions
from sagaline.chaos.load import OrderStream
from sagaline.core.middleware.faults import POINTS
from sagaline.devstack import Stack


@dataclass
class ChaosSummary:
    orders_accepted: int = 0
    order_retries: int = 0
    orders_given_up: int = 0
    kills: Counter[str] = field(default_factory=Counter)  # "service@point" -> kills
    missed_kills: list[str] = field(default_factory=list)
    restarts: Counter[str] = field(default_factory=Counter)
    report: audit.Report | None = None
    not_running: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.report and self.report.ok) and not self.not_running \
            and not self.orders_given_up

    def as_dict(self) -> dict[str, Any]:
        return {"orders_accepted": self.orders_accepted, "order_retries": self.order_retries,
                "orders_given_up": self.orders_given_up, "kills": dict(self.kills),
                "missed_kills": self.missed_kills, "restarts": dict(self.restarts),
                "violations": len(self.report.violations) if self.report else None,
                "stuck": len(self.report.stuck) if self.report else None,
                "not_running": self.not_running, "ok": self.ok}


def run_round(stack: Stack, summary: ChaosSummary) -> None:
    """Every service at every fault point, Kafka killed, every database restarted."""
    for service in disruptions.SERVICE_NAMES:
        for point in POINTS:
            if disruptions.crash_at(stack, service, point):
                summary.kills[f"{service}@{point}"] += 1
            else:
                summary.missed_kills.append(f"{service}@{point}")
    disruptions.kill_kafka(stack)
    summary.restarts["kafka (kill -9)"] += 1
    for service in disruptions.SERVICE_NAMES:
        disruptions.restart_postgres(stack, service)
        summary.restarts[f"postgres-{service}"] += 1


def run(stack: Stack, rounds: int = 1, rate_per_s: float = 20.0, settle_s: float = 180.0,
        duration_s: float = 0.0) -> ChaosSummary:
    """`rounds` rounds, or as many as fit in `duration_s` when that is set (the soak)."""
    started = datetime.now(UTC)
    deadline = time.monotonic() + duration_s
    # Restarts go through a launcher of their own: the caller's keeps its own record of what
    # it started (and will stop), whatever chaos restarted meanwhile.
    stack = Stack(stack.settings)
    summary = ChaosSummary()
    stream = OrderStream(f"http://127.0.0.1:{stack.settings.order_http_port}", rate_per_s)
    stream.start()
    try:
        done = 0
        while done < rounds or time.monotonic() < deadline:
            run_round(stack, summary)
            done += 1
    finally:
        counts = stream.stop()
    summary.orders_accepted = len(counts.accepted)
    summary.order_retries, summary.orders_given_up = counts.retries, counts.given_up
    summary.not_running = disruptions.all_running(stack)
    summary.report = audit.run(stack.settings, since=started, wait_s=settle_s)
    return summary
