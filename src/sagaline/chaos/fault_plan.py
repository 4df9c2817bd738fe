"""Where chaos crashes each service: the core's fault points that its declaration gives it.
A consumer point is passed only by a service that declares handlers (it wraps their commit
and the batch they ran in), a relay point only by one that produces (it wraps the relay's
send); a point a service never passes would be a kill that never comes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sagaline.core.middleware.faults import POINTS
from sagaline.core.saga import Saga, Service

CONSUMER_POINTS = tuple(p for p in POINTS if p.startswith("consumer."))
RELAY_POINTS = tuple(p for p in POINTS if p.startswith("relay."))


@dataclass(frozen=True)
class FaultPoint:
    """`point` in `service`; `handlers`: the consumed topics whose handlers run before it
    (none for a relay point)."""

    service: str
    point: str
    handlers: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.service}@{self.point}"


def fault_points(saga: Saga) -> tuple[FaultPoint, ...]:
    """Every service's fault points, in the saga's order."""
    return tuple(point for service in saga.services for point in _points_of(service))


def _points_of(service: Service[Any]) -> Iterator[FaultPoint]:
    if service.consumes:
        for point in CONSUMER_POINTS:
            yield FaultPoint(service.name, point, service.consumed_topics)
    if service.produces:
        for point in RELAY_POINTS:
            yield FaultPoint(service.name, point)
