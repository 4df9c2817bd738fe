"""A declared saga, run in memory: for unit tests of a saga (its handlers, its status table,
its compensations, what crashes and redeliveries do to it).

It is NOT a Kafka stand-in for integration tests: the broker here keeps Kafka's ordering rule
(per partition) and its at-least-once delivery, and nothing else (no rebalances, no
transactions, no timing), and the fakes are only as faithful as their contract suites. Run the
saga on the real stack for that (`sagaline up`, the integration tiers).

Every service of the saga is composed by the real composition root
(`sagaline.core.runtime.compose`) with its declared fake as its unit of work (`Service.fake`),
an in-memory outbox behind the real relay, one in-memory broker for all, and crash points that
raise instead of exiting. Time is virtual: `advance` moves the clock the fakes read and runs
the services' periodic workers (a saga deadline) when their ticks are due.

    h = SagaHarness(SAGA, settings_overrides={"payment": {"payment_failure_rate": 1.0}})
    saga_id = h.post("/orders", {"userId": "u1", "totalAmount": 10}).json()["orderId"]
    h.run()                      # relay and deliver until nothing moves
    h.fake("payment").payments   # each service's fake state
    h.advance(61); h.run()       # past the deadline
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from typing import Any

from fastapi.testclient import TestClient
from pydantic import BaseModel

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.publisher import OutgoingMessage
from sagaline.core.outbox.port import OutboxLocked
from sagaline.core.saga import Saga, model_of
from sagaline.testing.broker import InMemoryBroker
from sagaline.testing.clock import Schedule, VirtualClock
from sagaline.testing.crashes import Crash, CrashAt
from sagaline.testing.step import Step, compose_step

Overrides = Mapping[str, Mapping[str, Any]]  # service name -> field -> value


class NotQuiet(AssertionError):
    """Messages or outbox rows still wait after the harness's rounds ran out."""


class SagaHarness:
    """`settings_overrides` and `options` (for a step's `parts`, e.g. a seeded `chance`) by
    service name. `chance`: deliver in a random order that Kafka allows (and run the services
    in a random order), seeded; None: in the order published. `redeliver`: every message a
    second time, after it was acknowledged. `partitions`: per topic."""

    def __init__(self, saga: Saga, *, settings_overrides: Overrides | None = None,
                 options: Overrides | None = None, chance: random.Random | None = None,
                 redeliver: bool = False, partitions: int = 3) -> None:
        overrides, options = dict(settings_overrides or {}), dict(options or {})
        if unknown := (overrides.keys() | options.keys()) - set(saga.names):
            raise KeyError(f"no services {sorted(unknown)} in saga {saga.name}")
        self.saga = saga
        self.chance = chance
        self.clock = VirtualClock()
        self.schedule = Schedule(self.clock)
        self.broker = InMemoryBroker(partitions, chance, redeliver)
        self.steps: dict[str, Step] = {
            s.name: compose_step(saga, s, self.broker, self.clock, overrides.get(s.name, {}),
                                 options.get(s.name, {}))
            for s in saga.services}
        for step in self.steps.values():
            for start in step.running.on_start:
                start()
            for worker in step.periodic:
                self.schedule.add(worker)
        self.http = self.client(saga.owner)

    def fake(self, name: str) -> Any:
        """The service's fake: its repositories hold its state."""
        return self.steps[name].fake

    def client(self, name: str) -> TestClient:
        """An HTTP client of the service's routes (its workers are not started by it)."""
        return TestClient(self.steps[name].running.app)

    def post(self, path: str, body: Any, headers: Mapping[str, str] | None = None) -> Any:
        """POST to the owner's routes (how a saga starts, for the seed: /orders); the
        response is the test client's (an httpx2 or httpx one, as Starlette found)."""
        return self.http.post(path, json=body, headers=dict(headers or {}))

    def publish(self, topic: str, payload: Mapping[str, Any] | BaseModel,
                key: str | None = None) -> Envelope:
        """Put an event on `topic` as its producer would (checked against its model)."""
        fields = payload.model_dump() if isinstance(payload, BaseModel) else dict(payload)
        model_of(topic).model_validate(fields)
        event = Envelope.first(topic, key or self.saga.saga_key(fields), fields)
        self.broker.publish([OutgoingMessage(0, topic, event.key, event.value(),
                                             event.headers())], 1.0)
        return event

    def crash_at(self, service: str, point: str, topic: str) -> None:
        """Crash `service` once, at `point`, in work on `topic` (see testing.crashes)."""
        self.steps[service].points.plan = CrashAt(service, point, topic)

    @property
    def crashes(self) -> list[CrashAt]:
        return [c for step in self.steps.values() for c in step.points.crashed]

    def run(self, paused: Collection[str] = (), max_rounds: int = 1000) -> None:
        """Relay and deliver until nothing moves; `paused` services neither relay nor
        consume (as if down). NotQuiet when something still waits after `max_rounds`."""
        active = [self.steps[name] for name in self.saga.names if name not in paused]
        for _ in range(max_rounds):
            actions = [(step, relay) for step in active for relay in (True, False)]
            if self.chance is not None:
                self.chance.shuffle(actions)
            moved = sum(self._act(step, relay) for step, relay in actions)
            if not moved and not any(step.waiting() for step in active):
                return
        waiting = {step.service.name: step.waiting() for step in active if step.waiting()}
        raise NotQuiet(f"still waiting after {max_rounds} rounds: {waiting}")

    def advance(self, seconds: float) -> int:
        """Move the virtual clock on, running the periodic workers' ticks that fall due;
        returns how many ran (deliver what they emitted with `run`)."""
        return self.schedule.advance(seconds)

    def dead_letters(self) -> list[OutgoingMessage]:
        return [m for m in self.broker.sent if m.topic in self.saga.dead_letter_topics]

    def handled(self, name: str) -> set[str]:
        """The topics whose events the service handled (its inbox)."""
        return {t for _, event_id in self.steps[name].fake.inbox
                if (t := self.broker.topic_of.get(str(event_id))) is not None}

    def produced(self, name: str) -> set[str]:
        """The topics the service's committed transactions emitted on."""
        return {event.topic for event in self.steps[name].fake.committed}

    def _act(self, step: Step, relay: bool) -> int:
        try:
            if relay:
                return step.relay.publish_batch()
            return step.consumer.step(0)
        except Crash:
            step.restart()
            return 1
        except (OSError, OutboxLocked):  # the broker refused (a test made it unavailable)
            return 0

