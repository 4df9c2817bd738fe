"""One saga's records from the three databases, for its timeline (read on demand)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sagaline.core.saga import Saga
from sagaline.dashboard import business_queries, core_queries, order_queries
from sagaline.dashboard.sources import Databases
from sagaline.dashboard.timeline import SagaRecords

# Clocks of the three database servers may differ by this much.
SKEW_S = 5.0
# Compensations can follow the final status (a refund after the deadline): look this long.
AFTER_FINAL_S = 60.0


def read(dbs: Databases, topology: Saga, order_id: str) -> SagaRecords | None:
    """Everything the databases hold on `order_id`; None when there is no such order."""
    with dbs.read("order") as conn:
        order = order_queries.one(conn, order_id)
    if order is None:
        return None
    since = order["created_at"] - SKEW_S
    finished = order["finished_at"]
    until = (finished + AFTER_FINAL_S) if finished is not None else time.time() + SKEW_S
    events: dict[str, list[dict[str, Any]]] = {}
    for service in dbs.names:
        with dbs.read(service) as conn:
            events[service] = core_queries.saga_events(conn, order_id, since, until)
    handled = _handled(dbs, topology, events)
    with dbs.read("payment") as conn:
        payment = business_queries.payment(conn, order_id)
    with dbs.read("inventory") as conn:
        reservation = business_queries.reservation(conn, order_id)
    return SagaRecords(order, events, handled, payment, reservation)


def _handled(dbs: Databases, topology: Saga, events: dict[str, list[dict[str, Any]]]
             ) -> dict[tuple[str, uuid.UUID], float]:
    """(consuming service, event id) -> when it handled the event, from its inbox."""
    found: dict[tuple[str, uuid.UUID], float] = {}
    for service in topology.services:
        ids = [r["event_id"] for rows in events.values() for r in rows
               if r["topic"] in service.consumes]
        if ids and service.name in dbs.names:
            with dbs.read(service.name) as conn:
                at = core_queries.handled_at(conn, service.consumer_group, ids)
            found.update({(service.name, event_id): t for event_id, t in at.items()})
    return found
