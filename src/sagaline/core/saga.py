"""A saga, declared once: its topics (each bound to its event's model), its services (the
steps) and its status machine. The classes here know no particular saga;
`sagaline.seed_saga.saga` declares the default one with them; a user declares theirs in
their own project.

Everything else reads a `Saga`: the composition root wires a service from its `Service`, the
stack starts one Postgres per service, topics, ACLs, dead-letter topics and consumer groups
come from it, the auditor and the dashboard iterate it. Handlers are plain functions
(event, uow); one may take more parameters by keyword (its dependencies, e.g. `rules`), which
the service's `parts` hands over by name (`Service.bind`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from sagaline.core.messaging import versions
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.processor import Handler
from sagaline.core.postgres.unit_of_work import UnitOfWork
from sagaline.core.status_machine import StatusMachine

U = TypeVar("U", bound=UnitOfWork)
E = TypeVar("E", bound=BaseModel, covariant=True)

DeclaredHandler = Callable[..., None]  # (event, uow, **dependencies) -> None
_TOPICS: dict[str, Topic[BaseModel]] = {}  # name -> the topic as declared (its model, its major)


def dead_letter_topic(service: str) -> str:
    """Where a service's consumer puts the messages it gives up on."""
    return f"dlq.{service}"


class Topic(str, Generic[E]):
    """A topic's name, bound to the model of the events on it (named in the past tense) and
    to that model's major version, which producers write as `schema-version`; consumers also
    read the older majors `upcasts` turns into the current one (core.messaging.versions;
    docs/contracts.md says when the major goes up).
    A `str`, so it goes wherever a topic name goes (a Kafka call, an envelope, a dict key)."""

    event: type[E]
    major: int

    def __new__(cls, name: str, event: type[E], major: int = 1,
                upcasts: Mapping[int, versions.Upcast] | None = None) -> Topic[E]:
        known = _TOPICS.get(name)
        if known is not None and (known.event, known.major) != (event, major):
            raise ValueError(f"topic {name} is bound to {known.event.__name__} "
                             f"v{known.major} already")
        versions.declare(name, versions.Versions(major, upcasts or {}))
        topic = super().__new__(cls, name)
        topic.event, topic.major = event, major
        _TOPICS.setdefault(name, topic)
        return topic

    def parse(self, event: Envelope) -> E:
        """The event's payload as this topic's model (a ValidationError if it is not one)."""
        return self.event.model_validate(event.payload)


def read(event: Envelope) -> BaseModel:
    """The payload as the model its topic is bound to: for a handler that several topics
    share (a refund after any later step failed)."""
    topic = _TOPICS.get(event.topic)
    if topic is None:
        raise KeyError(f"no event model is bound to topic {event.topic!r}")
    return topic.event.model_validate(event.payload)


def model_of(topic: str) -> type[BaseModel]:
    return _TOPICS[topic].event


def declared(topic: str) -> Topic[BaseModel]:
    """The topic of this name as declared: its model and its major."""
    return _TOPICS[topic]


@dataclass(frozen=True)
class SagaStart:
    """How a saga starts, as the owner declares it: the tools that drive a saga from outside
    (the demo, the chaos load, the benchmark) POST `path` with `sample(user)`, which answers
    201 with the saga's id in `key_field`; GET `path`/{id} answers its `status` and `reason`.
    `key_field` also names the saga of a message that came without a Kafka key; `key_name`
    is how logs and tools name the id. `cancel_path`: where an operator cancels a saga that
    is not final (POST, `{id}` filled in, with `operator` and `reason`, an admin key); None
    when the owner offers no cancel."""

    path: str
    key_field: str
    key_name: str
    sample: Callable[[str], dict[str, Any]]
    cancel_path: str | None = None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Service(Generic[U]):
    """One step of the saga, as its own folder declares it.

    `consumes`: topic -> handler; `produces`: the saga topics it emits (besides its
    dead-letter topic); `compensations`: the consumed topics whose handlers undo a step the
    saga already took (a refund, a release): the consumer retries those until they succeed.
    `package`: the step's package (its `sql/` migrations live there). `settings`: the model
    of its own knobs (its DSN and port are added by name: `<NAME>_DB_DSN`,
    `<NAME>_HTTP_PORT`). `http_port`: None takes the next port in the saga's order.
    `parts(settings, metrics)`: its adapters and extras for the composition root
    (sagaline.core.runtime.compose.Parts). `fake`: its in-memory unit of work.
    `audit` and `timeline`: what the step adds to the auditor and to the dashboard.
    `start`: the owner's, how a saga starts."""

    name: str
    package: str
    consumer_group: str
    consumes: Mapping[str, DeclaredHandler]
    produces: tuple[str, ...]
    settings: type[Any]
    parts: Callable[..., Any]
    compensations: frozenset[str] = frozenset()
    http_port: int | None = None
    fake: Callable[[], U] | None = None
    audit: Any = None  # sagaline.audit.step.StepAudit
    timeline: Any = None  # sagaline.dashboard.step.StepTimeline
    start: SagaStart | None = None  # the owner's: how a saga starts

    def __post_init__(self) -> None:
        object.__setattr__(self, "consumes", {str(t): h for t, h in self.consumes.items()})
        object.__setattr__(self, "produces", tuple(str(t) for t in self.produces))
        object.__setattr__(self, "compensations", frozenset(str(t) for t in self.compensations))
        if unknown := self.compensations - self.consumes.keys():
            raise ValueError(f"{self.name}: compensations it does not consume: "
                             f"{sorted(unknown)}")

    @property
    def consumed_topics(self) -> tuple[str, ...]:
        return tuple(self.consumes)

    @property
    def dead_letter_topic(self) -> str:
        return dead_letter_topic(self.name)

    def consuming(self, handlers: Mapping[Any, DeclaredHandler], *,
                  compensations: Iterable[Any] = ()) -> Service[U]:
        """The same service, also consuming these topics (e.g. a refund when a new, later
        step fails): how a saga adds a step without touching the earlier steps' folders."""
        return replace(self, consumes={**self.consumes, **{str(t): h for t, h in
                                                            handlers.items()}},
                       compensations=self.compensations | {str(t) for t in compensations})

    def bind(self, **dependencies: object) -> dict[str, Handler[U]]:
        """Topic -> handler (event, uow), each handler's parameters after (event, uow) filled
        from `dependencies` by name. A dependency that a handler needs but is not given, or
        one that no handler takes (a typo), is a TypeError naming it."""
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


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Saga:
    """The services in order (their ports and databases follow it), the status machine of
    the saga's record, the service that owns that record, and the payload field that names
    the saga (its Kafka key when a producer sent none). How a saga starts is the owner's:
    its `Service.start`."""

    name: str
    services: tuple[Service[Any], ...]
    statuses: StatusMachine
    owner: str
    first_port: int = 4001  # the first service's HTTP port; the next ones follow
    first_db_port: int = 5433  # the local stack's Postgres of the first service; likewise

    def __post_init__(self) -> None:
        names = [s.name for s in self.services]
        for kind, values in (("service", names),
                             ("consumer group", [s.consumer_group for s in self.services]),
                             ("producer of a topic", [t for s in self.services
                                                      for t in s.produces])):
            if twice := sorted({n for n in values if values.count(n) > 1}):
                raise ValueError(f"{self.name}: more than one {kind}: {twice}")
        if self.owner not in names:
            raise ValueError(f"{self.name}: owner {self.owner!r} is not one of {names}")
        if self.service(self.owner).start is None:
            raise ValueError(f"{self.name}: the owner {self.owner!r} declares no `start`")
        if unknown := set(self.statuses.waits_on.values()) - set(names):
            raise ValueError(f"{self.name}: statuses wait on unknown services {sorted(unknown)}")
        owner = self.service(self.owner)
        if unread := set(self.statuses.topics) - set(owner.consumes):
            raise ValueError(f"{self.name}: {self.owner} does not consume {sorted(unread)}, "
                             "which move its status")
        produced = {t for s in self.services for t in s.produces}
        if orphans := sorted({t for s in self.services for t in s.consumes} - produced):
            raise ValueError(f"{self.name}: consumed but produced by no service: {orphans}")

    def service(self, name: str) -> Service[Any]:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(f"no service {name!r}; one of {self.names}")

    @property
    def start(self) -> SagaStart:
        start = self.service(self.owner).start
        assert start is not None  # checked when declared
        return start

    @property
    def key_field(self) -> str:
        return self.start.key_field

    @property
    def key_name(self) -> str:
        return self.start.key_name

    @property
    def start_path(self) -> str:
        return self.start.path

    def sample_request(self, user: str) -> dict[str, Any]:
        return self.start.sample(user)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.services)

    def http_port(self, name: str) -> int:
        """The service's declared port, else the saga's first port plus its place."""
        service = self.service(name)
        return service.http_port or self.first_port + self.names.index(name)

    def db_port(self, name: str) -> int:
        """The local stack's Postgres port of the service (its place in the order)."""
        return self.first_db_port + self.names.index(name)

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic the saga uses: produced, consumed, and the dead-letter topics."""
        named = [t for s in self.services for t in (*s.produces, *s.consumes)]
        return tuple(dict.fromkeys([*named, *self.dead_letter_topics]))

    @property
    def event_topics(self) -> tuple[str, ...]:
        """The saga's own topics, dead-letter topics left out."""
        return tuple(t for t in self.topics if t not in self.dead_letter_topics)

    @property
    def dead_letter_topics(self) -> tuple[str, ...]:
        return tuple(s.dead_letter_topic for s in self.services)

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

    def remaining(self, status: str) -> list[str]:
        """The services still ahead of a saga in `status` on its way to success."""
        return self.statuses.remaining(status, self.producer_of)

    def saga_key(self, value: Mapping[str, Any]) -> str:
        """The saga of a message that came without a Kafka key: its `key_field`."""
        return str(value.get(self.key_field) or "")


def _dependencies_of(handler: DeclaredHandler) -> set[str]:
    """The parameters after (event, uow): what `parts` must hand over by name."""
    return set(list(inspect.signature(handler).parameters)[2:])


def _name(handler: DeclaredHandler) -> str:
    return getattr(handler, "__qualname__", repr(handler))
