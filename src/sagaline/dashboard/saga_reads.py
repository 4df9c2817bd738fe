"""One saga's records from every service's database, for its timeline (read on demand): the
owner's record, each outbox's events and each inbox's handling of them, and each step's own
record through its declared `timeline`."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sagaline.core.saga import Saga
from sagaline.dashboard import core_queries, order_queries
from sagaline.dashboard.sources import Databases
from sagaline.dashboard.step import StepTimeline
from sagaline.dashboard.timeline import SagaRecords

# Clocks of the database servers may differ by this much.
SKEW_S = 5.0
# Compensations can follow the final status (a refund after the deadline): look this long.
AFTER_FINAL_S = 60.0


def read(dbs: Databases, topology: Saga, saga_id: str) -> SagaRecords | None:
    """Everything the databases hold on `saga_id`; None when there is no such saga."""
    with dbs.read(topology.owner) as conn:
        saga = order_queries.one(conn, saga_id)
    if saga is None:
        return None
    since = saga["created_at"] - SKEW_S
    finished = saga["finished_at"]
    until = (finished + AFTER_FINAL_S) if finished is not None else time.time() + SKEW_S
    events: dict[str, list[dict[str, Any]]] = {}
    for service in topology.names:
        with dbs.read(service) as conn:
            events[service] = core_queries.saga_events(conn, saga_id, since, until)
    return SagaRecords(saga, events, _handled(dbs, topology, events),
                       _step_records(dbs, topology, saga_id))


def _handled(dbs: Databases, topology: Saga, events: dict[str, list[dict[str, Any]]]
             ) -> dict[tuple[str, uuid.UUID], float]:
    """(consuming service, event id) -> when it handled the event, from its inbox."""
    found: dict[tuple[str, uuid.UUID], float] = {}
    for service in topology.services:
        ids = [r["event_id"] for rows in events.values() for r in rows
               if r["topic"] in service.consumes]
        if ids:
            with dbs.read(service.name) as conn:
                at = core_queries.handled_at(conn, service.consumer_group, ids)
            found.update({(service.name, event_id): t for event_id, t in at.items()})
    return found


def _step_records(dbs: Databases, topology: Saga, saga_id: str) -> dict[str, Any]:
    """Service -> its own record of the saga, for each step that declares a timeline and
    has one."""
    found = {}
    for service in topology.services:
        timeline: StepTimeline | None = service.timeline
        if timeline is None:
            continue
        with dbs.read(service.name) as conn:
            record = timeline.read(conn, saga_id)
        if record is not None:
            found[service.name] = record
    return found
