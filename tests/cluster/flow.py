"""Steady load around a disruption, and what every case ends with: the auditor clean, every
accepted order final, no failed outbox row, every partition at three in-sync replicas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from sagaline import audit
from sagaline.chaos.load import SagaStream
from sagaline.devstack import Stack
from sagaline.devstack.shape import replica_port
from sagaline.seed_saga.saga import SAGA
from tests.cluster.kafka_state import wait_fully_replicated
from tests.cluster.signals import wait_until

RATE_PER_S = 15.0  # per order replica the load is sent to
RESULTS = "failover.jsonl"  # in the stack dir: one line per case, for docs/performance.md


@dataclass
class Run:
    stack: Stack
    started: datetime
    streams: list[SagaStream]
    marks: dict[str, datetime] = field(default_factory=dict)

    def mark(self, name: str) -> datetime:
        self.marks[name] = datetime.now(UTC)
        return self.marks[name]


@contextmanager
def under_load(stack: Stack, replicas: int = 1, warm: int = 20) -> Iterator[Run]:
    """Orders from `replicas` streams (one per order replica) while the block runs, which
    starts once `warm` of them are final; then everything the case must end with is checked."""
    base = stack.settings.http_port(SAGA.owner)
    streams = [SagaStream(f"http://127.0.0.1:{replica_port(base, r)}", RATE_PER_S).start()
               for r in range(1, replicas + 1)]
    run = Run(stack, datetime.now(UTC) - timedelta(seconds=1), streams)
    try:
        wait_flowing(stack, run.started, warm)
        yield run
    finally:
        counts = [s.stop() for s in streams]
        print(f"load ran {(datetime.now(UTC) - run.started).total_seconds():.1f} s")
    accepted = [o for c in counts for o in c.accepted]
    assert not sum(c.given_up for c in counts), "orders were never accepted"
    assert len(accepted) > 10, accepted
    settle(run, accepted)


def wait_flowing(stack: Stack, since: datetime, final: int, timeout_s: float = 60.0) -> int:
    """Until at least `final` sagas placed at or after `since` are final."""
    def finished() -> int:
        with psycopg.connect(stack.settings.dsn(SAGA.owner)) as conn:
            row = conn.execute("SELECT count(*) FROM orders WHERE created_at >= %s"
                               " AND finished_at IS NOT NULL", (since,)).fetchone()
        return int(row[0]) if row and row[0] >= final else 0

    return wait_until(f"{final} sagas placed since {since:%H:%M:%S.%f} final", finished,
                      timeout_s)


def settle(run: Run, accepted: list[str]) -> None:
    # Strict: a valid event in a dead letter is a violation, not a warning the deadline
    # later papers over.
    report = audit.run(run.stack.settings, since=run.started, wait_s=150,
                       dead_letters_fail=True)
    print(f"audit after {report.waited_s:.1f} s: {json.dumps(report.counts)}")
    assert report.ok, report.text()
    assert report.counts["outbox_failed"] == 0
    with psycopg.connect(run.stack.settings.dsn(SAGA.owner)) as conn:
        final = conn.execute("SELECT count(*) FROM orders WHERE order_id = ANY(%s::uuid[])"
                             " AND finished_at IS NOT NULL", (accepted,)).fetchone()
    assert final == (len(accepted),), f"{len(accepted)} accepted, {final} final"
    print(f"fully replicated after {wait_fully_replicated(run.stack):.1f} s more")


def saga_stall_s(stack: Stack, at: datetime, window_s: float = 1.0) -> float:
    """How long after `at` the last saga placed within `window_s` either side of it was
    final: the time from the disruption until sagas flow again (normal latency included)."""
    with psycopg.connect(stack.settings.dsn(SAGA.owner)) as conn:
        row = conn.execute(
            "SELECT extract(epoch FROM max(finished_at) - %s) FROM orders"
            " WHERE created_at BETWEEN %s AND %s",
            (at, at - timedelta(seconds=window_s), at + timedelta(seconds=window_s))).fetchone()
    assert row is not None and row[0] is not None, "no order placed around the disruption"
    return round(float(row[0]), 2)


def pending_outbox_rows(stack: Stack) -> int:
    total = 0
    for name in SAGA.names:
        with psycopg.connect(stack.settings.dsn(name)) as conn:
            row = conn.execute("SELECT count(*) FROM outbox WHERE NOT published"
                               " AND failed_at IS NULL").fetchone()
            total += int(row[0]) if row else 0
    return total


def record(stack: Stack, case: str, **figures: object) -> None:
    line = json.dumps({"case": case, **figures})
    print(f"failover: {line}")
    with open(stack.dir / RESULTS, "a") as out:
        out.write(line + "\n")


def relay_published(stack: Stack, name: str) -> float:
    """How many outbox rows the relay of replica `name` (a component) had acknowledged,
    from its /metrics (since it started)."""
    address = stack.component(name).address
    text = httpx.get(f"{address}/metrics", timeout=5.0).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("sagaline_relay_published_total{"))
