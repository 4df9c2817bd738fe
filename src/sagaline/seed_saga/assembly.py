"""What the three composition roots share: wiring a service's own parts (handlers, unit of
work, routes, SQL) to the core's relay, consumer and HTTP app. Each adapter may be replaced:
a fake unit of work, publisher or message source in tests, the real one by default."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TypeVar

from fastapi import APIRouter
from prometheus_client.registry import Collector
from psycopg_pool import ConnectionPool

from sagaline.core.http.auth import Access, Keys
from sagaline.core.messaging.messages import MessageSource
from sagaline.core.messaging.processor import Handler
from sagaline.core.messaging.publisher import Publisher
from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.observability.metrics import ServiceMetrics
from sagaline.core.outbox import health as outbox_health
from sagaline.core.postgres import db
from sagaline.core.postgres.unit_of_work import UnitOfWork
from sagaline.core.runtime import wiring
from sagaline.core.runtime.service import Service
from sagaline.core.runtime.wiring import Plumbing
from sagaline.core.runtime.workers import Worker
from sagaline.seed_saga import ServiceSpec, events
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
    metrics: ServiceMetrics | None = None,
    collectors: Callable[[Callable[[], U]], list[Collector]] | None = None,
) -> Service:
    """`plumbing` replaces what the settings say about the core's adapters (the benchmark's
    seed-like baseline drives the relay differently); `faults` are the chaos tier's.
    `metrics`: where to count (made here unless given; none when METRICS_ENABLED is false);
    `collectors`: the service's own metrics read when scraped."""
    plumbing = plumbing or spec.plumbing(settings, faults)
    if settings.metrics_enabled:
        metrics = metrics or ServiceMetrics()
        plumbing = dataclasses.replace(plumbing, metrics=metrics)
    else:
        metrics = None
    kafka = publisher or wiring.kafka_publisher(plumbing)
    relay = wiring.outbox_relay(plumbing, kafka)
    checks = [wiring.broker_check(kafka), relay.check]
    if unit_of_work is None:
        pool = db.make_pool(plumbing.dsn, settings.db_pool_size, spec.name, plumbing.limits)
        checks += [lambda: db.check(pool), outbox_health.stall_check(pool, settings.outbox_stall_s)]
        if metrics is not None:
            metrics.watch_outbox(wiring.outbox_backlog(pool))
        wake = relay.wake if plumbing.relay_wake_on_commit else (lambda: None)
        unit_of_work = lambda: postgres_unit_of_work(pool, wake)  # noqa: E731
    uow = unit_of_work
    if metrics is not None:
        for collector in collectors(uow) if collectors else []:
            metrics.registry.register(collector)
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
        metrics=metrics,
        access=Access(Keys(settings.admin_api_keys), Keys(settings.api_keys),
                      required=settings.require_api_key),
    )
