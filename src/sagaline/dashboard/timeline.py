"""One saga's timeline across the services, from what the databases already record: when a
producer committed each event (outbox created_at), when the relay published it (published_at),
when each consumer handled it (inbox handled_at); and the business rows' own timestamps for
what the outbox no longer holds (its rows are purged after OUTBOX_RETENTION_S)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sagaline.core.saga import Saga
from sagaline.seed_saga import topics

# Events that undo an earlier step, drawn as compensations.
COMPENSATIONS = frozenset({topics.PAYMENT_REFUNDED, topics.INVENTORY_RELEASED,
                           topics.ORDER_CANCELLED})
DEADLINE_REASON = "TIMEOUT"


@dataclass(frozen=True)
class Step:
    at: float  # epoch seconds
    service: str
    kind: str  # placed | commit | publish | handle | compensation | deadline | final | record
    label: str
    topic: str | None = None
    expected: bool = False  # a step that has not happened yet (the deadline)


@dataclass(frozen=True)
class SagaRecords:
    """What the databases hold on one saga. `events`: outbox rows by producing service;
    `handled`: (consuming service, event id) -> when its consumer handled it."""

    order: Mapping[str, Any]
    events: Mapping[str, Sequence[Mapping[str, Any]]]
    handled: Mapping[tuple[str, uuid.UUID], float]
    payment: Mapping[str, Any] | None
    reservation: Mapping[str, Any] | None


def build(records: SagaRecords, topology: Saga, saga_timeout_s: float) -> list[Step]:
    """The saga's steps in time order."""
    order = records.order
    steps = [Step(order["created_at"], "order", "placed", "order placed")]
    for producer, rows in records.events.items():
        for row in rows:
            steps += _event_steps(producer, row, records.handled, topology)
    steps += _records(records)
    if order["finished_at"] is not None:
        steps.append(_final(order))
    else:
        steps.append(Step(order["created_at"] + saga_timeout_s, "order", "deadline",
                          "deadline: cancelled if not final by then", expected=True))
    return sorted(steps, key=lambda s: (s.at, s.expected))


def as_json(steps: list[Step]) -> list[dict[str, Any]]:
    return [asdict(s) for s in steps]


def _event_steps(producer: str, row: Mapping[str, Any],
                 handled: Mapping[tuple[str, uuid.UUID], float],
                 topology: Saga) -> list[Step]:
    topic = row["topic"]
    kind = "compensation" if topic in COMPENSATIONS else "commit"
    if topic == topics.ORDER_CANCELLED:
        kind = "deadline"
    steps = [Step(row["created_at"], producer, kind, f"{topic} committed", topic)]
    if row["published_at"] is not None:
        steps.append(Step(row["published_at"], producer, "publish", f"{topic} published",
                          topic))
    for consumer in topology.consumers_of(topic):
        at = handled.get((consumer, row["event_id"]))
        if at is not None:
            steps.append(Step(at, consumer, "handle", f"{topic} handled", topic))
    return steps


def _records(records: SagaRecords) -> list[Step]:
    """Steps from the payment and reservation rows whose events the outbox no longer has."""
    steps = []
    produced = {s: {r["topic"] for r in rows} for s, rows in records.events.items()}
    for service, row, undone, undo_topic in (
            ("payment", records.payment, "refunded_at", topics.PAYMENT_REFUNDED),
            ("inventory", records.reservation, "released_at", topics.INVENTORY_RELEASED)):
        if row is None:
            continue
        mine = produced.get(service, set())
        if not mine - {undo_topic}:
            steps.append(Step(row["created_at"], service, "record",
                              f"{service} {row['status'].lower()} (from its row)"))
        if row[undone] is not None and undo_topic not in mine:
            steps.append(Step(row[undone], service, "compensation",
                              f"{service} {row['status'].lower()} (from its row)"))
    return steps


def _final(order: Mapping[str, Any]) -> Step:
    reason = order["reason"]
    kind = "deadline" if reason == DEADLINE_REASON else "final"
    label = f"order {order['status']}" + (f" ({reason})" if reason else "")
    return Step(order["finished_at"], "order", kind, label)
