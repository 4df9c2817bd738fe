"""What the three composition roots share: wiring a service's own parts (handlers, unit of
work, routes, SQL) to the core's relay, consumer and HTTP app. Each adapter may be replaced:
a fake unit of work, publisher or message source in tests, the real one by default."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from fastapi import APIRouter
from psycopg_pool import ConnectionPool

from sagaline.core import db, wiring
from sagaline.core.faults import FaultPoints
from sagaline.core.messages import MessageSource
from sagaline.core.processor import Handler
from sagaline.core.publisher import Publisher
from sagaline.core.runtime import Worker
from sagaline.core.service import Service
from sagaline.core.unit_of_work import UnitOfWork
from sagaline.core.wiring import Plumbing
from sagaline.services import ServiceSpec, events
from sagaline.settings import ServiceSettings

U = TypeVar("U", bound=UnitOfWork)


def assemble(
    spec: ServiceSpec,
    settings: ServiceSettings,
    *,
    handlers: Mapping[str, Handler[U]],
    postgres_unit_of_work: Callable[[ConnectionPool, Callable[[], None]], U],
    routes: Callable[[Callable[[], U]], APIRouter],
    unit_of_work: Callable[[], U] | None = None,
    publisher: Publisher | None = None,
    source: MessageSource | None = None,
    on_start: Callable[[Callable[[], U]], None] | None = None,
    workers: Callable[[Callable[[], U]], dict[str, Worker]] | None = None,
    faults: FaultPoints | None = None,
    plumbing: Plumbing | None = None,
) -> Service:
    """`plumbing` replaces what the settings say about the core's adapters (the benchmark's
    seed-like baseline drives the relay differently); `faults` are the chaos tier's."""
    plumbing = plumbing or spec.plumbing(settings, faults)
    kafka = publisher or wiring.kafka_publisher(plumbing)
    relay = wiring.outbox_relay(plumbing, kafka)
    checks = [wiring.broker_check(kafka)]
    if unit_of_work is None:
        pool = db.make_pool(plumbing.dsn, settings.db_pool_size, spec.name)
        checks.append(lambda: db.check(pool))
        wake = relay.wake if plumbing.relay_wake_on_commit else (lambda: None)
        unit_of_work = lambda: postgres_unit_of_work(pool, wake)  # noqa: E731
    uow = unit_of_work
    processor = wiring.event_processor(plumbing, spec.consumer_group, handlers, uow,
                                       spec.compensations)
    consumer = wiring.consumer_loop(plumbing, processor, kafka, spec.dead_letter_topic, source,
                                    saga_key=events.saga_key,
                                    compensations=spec.compensations)
    checks.append(consumer.problem)  # fenced, failed or stuck: not ready
    return Service(
        name=spec.name, dsn=plumbing.dsn,
        migrations=spec.migrations,
        routers=[routes(uow)], checks=checks, max_body_bytes=settings.max_body_bytes,
        relay=relay, consumer=consumer,
        extra_workers={"housekeeping": wiring.housekeeper(plumbing),
                       **(workers(uow) if workers else {})},
        on_start=[lambda: on_start(uow)] if on_start else [], on_close=[kafka.close],
    )
