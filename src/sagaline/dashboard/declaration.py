"""The declared saga as the page reads it (GET /api/saga): its services in order (a lane,
a card, a line in each chart and a box in the graph each), its statuses (the filter, the
colours, the in-flight cards) and its edges (the topology graph). The page lists none of
these itself."""

from __future__ import annotations

from typing import Any

from sagaline.core.saga import Saga, Service


def describe(saga: Saga) -> dict[str, Any]:
    statuses = saga.statuses
    return {
        "name": saga.name,
        "owner": saga.owner,
        "services": [_service(s) for s in saga.services],
        "statuses": {
            "all": list(statuses.statuses),
            "initial": statuses.initial,
            "final": list(statuses.final),  # the successful one first
            "not_final": list(statuses.not_final),
            "waiting_on": {s: statuses.waiting_on(s) for s in statuses.not_final},
        },
        "edges": [vars(e) for e in saga.edges],
    }


def _service(service: Service[Any]) -> dict[str, Any]:
    return {"name": service.name, "consumer_group": service.consumer_group,
            "consumes": list(service.consumes), "produces": list(service.produces),
            "compensations": sorted(service.compensations),
            "dead_letter_topic": service.dead_letter_topic,
            "timeline": service.timeline is not None}
