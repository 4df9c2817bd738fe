"""One saga's timeline across the services, a lane per declared service, from what the
databases already record: when a producer committed each event (outbox created_at), when the
relay published it (published_at), when each consumer handled it (inbox handled_at); and what
each step's own `timeline` (sagaline.dashboard.step) makes of its record of the saga, for
what the outbox no longer holds (its rows are purged after OUTBOX_RETENTION_S), and what it
says the step wrote (each change on the row of the event it came with). A handled event's
row names its handler (`handler_links`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from sagaline.core.saga import Saga
from sagaline.dashboard.step import Change, HandlerLink, Seen, Step, StepTimeline

Links = Mapping[tuple[str, str], HandlerLink]  # (service, topic) -> its handler

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


def build(records: SagaRecords, topology: Saga, saga_timeout_s: float,
          links: Links | None = None) -> list[Step]:
    """The saga's steps in time order."""
    steps = []
    for producer, rows in records.events.items():
        kinds = _kinds(topology, producer)
        for row in rows:
            steps += _event_steps(producer, row, records.handled, topology, kinds, links or {})
    steps = _step_rows(records, topology, sorted(steps, key=lambda s: s.at))
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
                 topology: Saga, kinds: Mapping[str, str], links: Links) -> list[Step]:
    topic = str(row["topic"])  # a declared Topic, too, as its plain name
    steps = [Step(row["created_at"], producer, kinds.get(topic, "commit"),
                  f"{topic} committed", topic)]
    if row["published_at"] is not None:
        steps.append(Step(row["published_at"], producer, "publish", f"{topic} published",
                          topic))
    for consumer in topology.consumers_of(topic):
        at = handled.get((consumer, row["event_id"]))
        if at is not None:
            steps.append(Step(at, consumer, "handle", f"{topic} handled", topic,
                              handler=links.get((consumer, topic))))
    return steps


def _step_rows(records: SagaRecords, topology: Saga, events: list[Step]) -> list[Step]:
    """The event rows (in time order) with each step's changes on them, and the rows each
    step's timeline makes of its record, knowing which of its events are drawn."""
    steps = list(events)
    for service in topology.services:
        timeline: StepTimeline | None = service.timeline
        record = records.steps.get(service.name)
        if timeline is None or record is None:
            continue
        in_outbox = frozenset(r["topic"] for r in records.events.get(service.name, ()))
        drawn = tuple(s.topic for s in events
                      if s.service == service.name and s.kind != "publish" and s.topic)
        seen = Seen(service.name, in_outbox, drawn)
        changes = getattr(timeline, "changes", None)  # optional: sagaline.dashboard.step
        if changes is not None:
            steps = _placed(steps, service.name, changes(record, seen))
        steps += timeline.rows(record, seen)
    return steps


def _placed(steps: list[Step], service: str, changes: list[Change]) -> list[Step]:
    """Each change on the first event row of its topic in the service's lane (committed or
    handled); one whose event is not drawn is the step's own rows' to show."""
    placed = list(steps)
    for change in (c for c in changes if c.topic is not None):
        at = next((i for i, s in enumerate(placed) if s.service == service
                   and s.topic == change.topic and s.kind != "publish"), None)
        if at is not None:
            placed[at] = replace(placed[at], changes=(*placed[at].changes, change))
    return placed
