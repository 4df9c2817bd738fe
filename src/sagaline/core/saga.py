"""A saga's topology: for each service, its consumer group, the topics it consumes (and the
handler each goes to) and the topics it produces. The classes here know nothing about a
particular saga; `services/topology.py` declares ours with them.

Handlers are plain functions (event, uow); one may take more parameters by keyword (its
dependencies, e.g. `rules`), which a bootstrap hands to `ServiceTopology.handlers()` by name.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sagaline.core.messaging.processor import Handler
from sagaline.core.postgres.unit_of_work import UnitOfWork


def dead_letter_topic(service: str) -> str:
    """Where a service's consumer puts the messages it gives up on."""
    return f"dlq.{service}"


U = TypeVar("U", bound=UnitOfWork)

# A handler as declared: (event, uow, **dependencies) -> None.
DeclaredHandler = Callable[..., None]


@dataclass(frozen=True)
class ServiceTopology(Generic[U]):
    """One service's place in the saga. `consumes`: topic -> its handler; `produces`: the
    saga topics it emits (besides its dead-letter topic, which its consumer writes);
    `compensations`: the consumed topics whose handlers undo a step the saga already took
    (a refund, a release). The consumer retries those until they succeed and dead-letters
    them only when they cannot be read, so their handlers must be idempotent."""

    name: str
    consumer_group: str
    consumes: Mapping[str, DeclaredHandler]
    produces: tuple[str, ...]
    compensations: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if unknown := self.compensations - self.consumes.keys():
            raise ValueError(f"{self.name}: compensations it does not consume: "
                             f"{sorted(unknown)}")

    @property
    def consumed_topics(self) -> tuple[str, ...]:
        return tuple(self.consumes)

    @property
    def dead_letter_topic(self) -> str:
        return dead_letter_topic(self.name)

    def handlers(self, **dependencies: object) -> dict[str, Handler[U]]:
        """Topic -> handler (event, uow), each handler's parameters after (event, uow) filled
        from `dependencies` by name. A dependency that a handler needs but is not given, or
        one that no handler takes, is a TypeError naming it."""
        bound: dict[str, Handler[U]] = {}
        for topic, handler in self.consumes.items():
            needs = _dependencies_of(handler)
            if missing := needs - dependencies.keys():
                raise TypeError(f"{self.name}: {_name(handler)} needs {sorted(missing)}")
            given = {name: dependencies[name] for name in needs}
            bound[topic] = functools.partial(handler, **given) if given else handler
        used = {name for h in self.consumes.values() for name in _dependencies_of(h)}
        if unused := dependencies.keys() - used:
            raise TypeError(f"{self.name}: no handler takes {sorted(unused)}")
        return bound


@dataclass(frozen=True)
class Edge:
    """An event's way from the service that produces it to one that consumes it."""

    topic: str
    producer: str
    consumer: str


@dataclass(frozen=True)
class Topology:
    services: tuple[ServiceTopology[Any], ...]

    def __post_init__(self) -> None:
        for kind, names in (("service", [s.name for s in self.services]),
                            ("consumer group", [s.consumer_group for s in self.services]),
                            ("producer of a topic", [t for s in self.services
                                                     for t in s.produces])):
            if twice := sorted({n for n in names if names.count(n) > 1}):
                raise ValueError(f"more than one {kind}: {twice}")

    def service(self, name: str) -> ServiceTopology[Any]:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(f"no service {name!r}; one of {[s.name for s in self.services]}")

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic the saga uses: produced, consumed, and the dead-letter topics."""
        named = [t for s in self.services for t in (*s.produces, *s.consumes)]
        named += [s.dead_letter_topic for s in self.services]
        return tuple(dict.fromkeys(named))

    def producer_of(self, topic: str) -> str | None:
        """The service that writes `topic` (a dead-letter topic: its consumer's service), or
        None when no service does."""
        return next((s.name for s in self.services
                     if topic in s.produces or topic == s.dead_letter_topic), None)

    def consumers_of(self, topic: str) -> tuple[str, ...]:
        """The services whose consumer groups read `topic`, in declaration order."""
        return tuple(s.name for s in self.services if topic in s.consumes)

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Producer -> consumer for every saga topic some service consumes."""
        return tuple(Edge(topic, producer, consumer)
                     for topic in self.topics
                     if (producer := self.producer_of(topic)) is not None
                     for consumer in self.consumers_of(topic))

    def subscriptions(self) -> dict[str, tuple[str, ...]]:
        """Consumer group -> the topics it subscribes to, sorted."""
        return {s.consumer_group: tuple(sorted(s.consumes)) for s in self.services}


def _dependencies_of(handler: DeclaredHandler) -> set[str]:
    """The parameters after (event, uow): what the bootstrap must hand over by name."""
    return set(list(inspect.signature(handler).parameters)[2:])


def _name(handler: DeclaredHandler) -> str:
    return getattr(handler, "__qualname__", repr(handler))
