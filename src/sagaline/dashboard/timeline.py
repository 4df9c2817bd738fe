"""One saga's timeline across the services, a lane per declared service, from what the
databases already record: when a producer committed each event (outbox created_at), when the
relay published it (published_at), when each consumer handled it (inbox handled_at); and what
each step's own `timeline` (sagaline.dashboard.step) makes of its record of the saga, for
what the outbox no longer holds (its rows are purged after OUTBOX_RETENTION_S)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sagaline.core.saga import Saga
from sagaline.dashboard.step import Seen, Step, StepTimeline

__all__ = ["SagaRecords", "Step", "as_json", "build"]


@dataclass(frozen=True)
class SagaRecords:
    """What the databases hold on one saga. `saga`: the owner's record (status, created_at,
    finished_at); `events`: outbox rows by producing service; `handled`: (consuming service,
    event id) -> when its consumer handled it; `steps`: service -> its own record of the
    saga, as its `timeline.read` found it."""

    saga: Mapping[str, Any]
    events: Mapping[str, Sequence[Mapping[str, Any]]]
    handled: Mapping[tuple[str, uuid.UUID], float]
    steps: Mapping[str, Mapping[str, Any]]


def build(records: SagaRecords, topology: Saga, saga_timeout_s: float) -> list[Step]:
    """The saga's steps in time order."""
    steps = []
    for producer, rows in records.events.items():
        kinds = _kinds(topology, producer)
        for row in rows:
            steps += _event_steps(producer, row, records.handled, topology, kinds)
    steps += _step_rows(records, topology)
    saga = records.saga
    if saga["finished_at"] is None:
        steps.append(Step(saga["created_at"] + saga_timeout_s, topology.owner, "deadline",
                          "deadline: cancelled if not final by then", expected=True))
    return sorted(steps, key=lambda s: (s.at, s.expected))


def as_json(steps: list[Step]) -> list[dict[str, Any]]:
    return [asdict(s) for s in steps]


def _kinds(topology: Saga, producer: str) -> Mapping[str, str]:
    """How the producer's own timeline draws its events (none declared: as commits)."""
    timeline: StepTimeline | None = topology.service(producer).timeline
    return timeline.kinds if timeline is not None else {}


def _event_steps(producer: str, row: Mapping[str, Any],
                 handled: Mapping[tuple[str, uuid.UUID], float],
                 topology: Saga, kinds: Mapping[str, str]) -> list[Step]:
    topic = row["topic"]
    steps = [Step(row["created_at"], producer, kinds.get(topic, "commit"),
                  f"{topic} committed", topic)]
    if row["published_at"] is not None:
        steps.append(Step(row["published_at"], producer, "publish", f"{topic} published",
                          topic))
    for consumer in topology.consumers_of(topic):
        at = handled.get((consumer, row["event_id"]))
        if at is not None:
            steps.append(Step(at, consumer, "handle", f"{topic} handled", topic))
    return steps


def _step_rows(records: SagaRecords, topology: Saga) -> list[Step]:
    """The rows each step's timeline makes of its record, knowing which of its events the
    outbox still holds."""
    steps = []
    for service in topology.services:
        timeline: StepTimeline | None = service.timeline
        record = records.steps.get(service.name)
        if timeline is None or record is None:
            continue
        in_outbox = frozenset(r["topic"] for r in records.events.get(service.name, ()))
        steps += timeline.rows(record, Seen(service.name, in_outbox))
    return steps
