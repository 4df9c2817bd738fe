"""One service of a saga as the harness runs it: composed by the real composition root with
its fake, the in-memory broker and outbox, and crash points (see sagaline.testing.harness)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.retry import RetryPolicy
from sagaline.core.outbox.relay import OutboxRelay
from sagaline.core.outbox.retention import Housekeeper
from sagaline.core.runtime.compose import compose, plumbing_for
from sagaline.core.runtime.service import Service as Running
from sagaline.core.runtime.workers import Worker
from sagaline.core.saga import Saga, Service
from sagaline.testing.broker import GroupSource, InMemoryBroker
from sagaline.testing.clock import VirtualClock
from sagaline.testing.crashes import CrashPoints
from sagaline.testing.unit_of_work import InMemoryUnitOfWork


@dataclass
class Step:
    service: Service[Any]
    running: Running
    fake: InMemoryUnitOfWork
    source: GroupSource
    points: CrashPoints

    @property
    def relay(self) -> OutboxRelay:
        assert self.running.relay is not None  # compose always makes one
        return self.running.relay

    @property
    def consumer(self) -> ConsumerLoop:
        assert self.running.consumer is not None
        return self.running.consumer

    @property
    def periodic(self) -> list[Worker]:
        """The step's own workers (a saga deadline); the core's housekeeping deletes old
        rows of a database there is none of here."""
        return [w for w in self.running.extra_workers.values()
                if not isinstance(w, Housekeeper)]

    def waiting(self) -> int:
        """Outbox rows not published, and messages not consumed."""
        return len(self.fake.outbox.pending()) + self.source.waiting()

    def restart(self) -> None:
        """After a crash: what was not acknowledged comes again. (The open transaction was
        rolled back and the relay's batch released as the crash went through them.)"""
        self.source.restart()
        self.relay.store.reset()


def compose_step(saga: Saga, service: Service[Any], broker: InMemoryBroker,
                 clock: VirtualClock, overrides: Mapping[str, Any],
                 options: Mapping[str, Any]) -> Step:
    fake = _fake(service)
    fake.clock = clock
    settings = settings_for(service, overrides)
    source = broker.source(service.consumer_group, service.consumed_topics)
    points = CrashPoints(service.name, fake, broker.topic_of.get)
    plumbing = dataclasses.replace(plumbing_for(service, settings, points),
                                   outbox=fake.outbox, pause=lambda _seconds: None)
    running = compose(saga, service.name, settings, unit_of_work=lambda: fake,
                      publisher=broker, source=source, plumbing=plumbing, **options)
    assert running.consumer is not None
    # No real time passes here: a partition held back after a failure is due again at once.
    running.consumer.retry = RetryPolicy(base_delay_s=0, max_delay_s=0, jitter=0)
    return Step(service, running, fake, source, points)


def settings_for(service: Service[Any], overrides: Mapping[str, Any]) -> Any:
    """The step's settings: its defaults and `overrides` (names it has), no database, and
    nothing read from the environment (a test's settings are its own)."""
    model: type[BaseSettings] = service.settings
    if unknown := set(overrides) - set(model.model_fields):
        raise KeyError(f"{service.name}: its settings ({model.__name__}) have no "
                       f"{sorted(unknown)}")
    return _without_environment(model)(**{"db_dsn": f"memory://{service.name}", **overrides})


@functools.cache
def _without_environment(model: type[BaseSettings]) -> type[BaseSettings]:
    class Given(model):  # type: ignore[valid-type,misc]
        @classmethod
        def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                       init_settings: PydanticBaseSettingsSource,
                                       **_others: PydanticBaseSettingsSource
                                       ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings,)

    Given.__name__ = Given.__qualname__ = model.__name__
    return Given


def _fake(service: Service[Any]) -> InMemoryUnitOfWork:
    if service.fake is None:
        raise ValueError(f"{service.name} declares no fake (Service.fake): the harness runs "
                         "each service on its in-memory unit of work")
    fake = service.fake()
    if not isinstance(fake, InMemoryUnitOfWork):
        raise TypeError(f"{service.name}: its fake is a {type(fake).__name__}, not an "
                        "InMemoryUnitOfWork (sagaline.testing.unit_of_work)")
    return fake
