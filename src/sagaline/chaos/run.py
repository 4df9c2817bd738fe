"""One chaos run: load, every disruption in turn, then wait until idle and audit."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sagaline import audit, saga_choice
from sagaline.chaos import disruptions
from sagaline.chaos.fault_plan import fault_points
from sagaline.chaos.load import SagaStream
from sagaline.core.saga import Saga
from sagaline.devstack import Stack
from sagaline.ops import targets


@dataclass
class ChaosSummary:
    sagas_accepted: int = 0
    saga_retries: int = 0
    sagas_given_up: int = 0
    kills: Counter[str] = field(default_factory=Counter)  # "service@point" -> kills
    missed_kills: list[str] = field(default_factory=list)
    restarts: Counter[str] = field(default_factory=Counter)
    report: audit.Report | None = None
    not_running: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.report and self.report.ok) and not self.not_running \
            and not self.sagas_given_up

    def as_dict(self) -> dict[str, Any]:
        return {"sagas_accepted": self.sagas_accepted, "saga_retries": self.saga_retries,
                "sagas_given_up": self.sagas_given_up, "kills": dict(self.kills),
                "missed_kills": self.missed_kills, "restarts": dict(self.restarts),
                "violations": len(self.report.violations) if self.report else None,
                "stuck": len(self.report.stuck) if self.report else None,
                "not_running": self.not_running, "ok": self.ok}


def run_round(stack: Stack, summary: ChaosSummary, saga: Saga) -> None:
    """Every declared service at each of its fault points, Kafka killed, every service's
    database restarted."""
    for fault in fault_points(saga):
        if disruptions.crash_at(stack, fault):
            summary.kills[str(fault)] += 1
        else:
            summary.missed_kills.append(str(fault))
    disruptions.kill_kafka(stack)
    summary.restarts["kafka (kill -9)"] += 1
    for service in saga.names:
        summary.restarts[disruptions.restart_postgres(stack, service)] += 1


def run(stack: Stack, rounds: int = 1, rate_per_s: float = 20.0, settle_s: float = 180.0,
        duration_s: float = 0.0, saga: Saga | None = None) -> ChaosSummary:
    """`rounds` rounds, or as many as fit in `duration_s` when that is set (the soak), on
    `saga` (the chosen one when None: the auditor reads the chosen one)."""
    saga = saga or saga_choice.load()
    started = datetime.now(UTC)
    deadline = time.monotonic() + duration_s
    # Restarts go through a launcher of their own: the caller's keeps its own record of what
    # it started (and will stop), whatever chaos restarted meanwhile.
    stack = Stack(stack.settings)
    summary = ChaosSummary()
    owner = targets.base_url(stack.settings, saga, saga.owner)
    stream = SagaStream(owner, rate_per_s, saga).start()
    try:
        done = 0
        while done < rounds or time.monotonic() < deadline:
            run_round(stack, summary, saga)
            done += 1
    finally:
        counts = stream.stop()
    summary.sagas_accepted = len(counts.accepted)
    summary.saga_retries, summary.sagas_given_up = counts.retries, counts.given_up
    summary.not_running = disruptions.all_running(stack)
    summary.report = audit.run(stack.settings, since=started, wait_s=settle_s)
    return summary
