"""The composition root of every service: a declared `Service` and its settings become a
running `runtime.Service` (HTTP app, outbox relay, consumer loop, workers).

Every adapter is a parameter with the real one as default: a fake unit of work, publisher
or message source in tests (`sagaline.testing`), Postgres and Kafka otherwise. What differs
between services comes from the declaration: its handlers and `parts` (its SQL adapter,
handler dependencies, middleware, routes and workers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Generic, TypeVar

import psycopg
from fastapi import APIRouter
from prometheus_client.registry import Collector
from psycopg_pool import ConnectionPool

from sagaline.contracts import asyncapi
from sagaline.core.http import resend
from sagaline.core.http.auth import Access, Keys
from sagaline.core.messaging.messages import MessageSource
from sagaline.core.messaging.processor import Handler
from sagaline.core.messaging.publisher import Publisher
from sagaline.core.middleware import Middleware
from sagaline.core.middleware import faults as faults_
from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.observability.metrics import ServiceMetrics
from sagaline.core.outbox import health as outbox_health
from sagaline.core.postgres import db, migrations
from sagaline.core.postgres.session_limits import SessionLimits
from sagaline.core.postgres.unit_of_work import UnitOfWork
from sagaline.core.runtime import wiring
from sagaline.core.runtime.service import Service as Running
from sagaline.core.runtime.wiring import Plumbing
from sagaline.core.runtime.workers import Worker
from sagaline.core.saga import Saga, Service

U = TypeVar("U", bound=UnitOfWork)
UnitOfWorkFactory = Callable[[], U]


@dataclass(frozen=True)
class Parts(Generic[U]):
    """What a step adds to the core's plumbing. `sql_unit_of_work(pool, wake)`: its unit of
    work on Postgres (`wake` tells the relay of a commit). `dependencies`: its handlers'
    extra parameters, by name. `middleware`: topic -> handler -> handler (e.g. injected
    failures). `routes`, `workers`, `on_start` (after migrations), `collectors` (its own
    metrics): each given the unit-of-work factory. `on_migrated`: run on a connection after
    the migrations (DDL that follows the declaration)."""

    sql_unit_of_work: Callable[[ConnectionPool, Callable[[], None]], U]
    dependencies: Mapping[str, object] = field(default_factory=dict)
    middleware: Mapping[str, Middleware[U]] = field(default_factory=dict)
    routes: Callable[[UnitOfWorkFactory[U]], APIRouter] | None = None
    workers: Callable[[UnitOfWorkFactory[U]], dict[str, Worker]] | None = None
    on_start: Callable[[UnitOfWorkFactory[U]], None] | None = None
    collectors: Callable[[UnitOfWorkFactory[U]], list[Collector]] | None = None
    on_migrated: Callable[[psycopg.Connection], None] | None = None


def handlers(service: Service[U], parts: Parts[U], points: FaultPoints | None = None
             ) -> dict[str, Handler[U]]:
    """The service's handlers, dependencies bound, the step's middleware applied and the
    chaos tier's `handler.<topic>` fault points around them."""
    bound = service.bind(**parts.dependencies)
    for topic, wrap in parts.middleware.items():
        bound[topic] = wrap(bound[topic])
    for topic in bound:
        bound[topic] = faults_.before_handler(points or FaultPoints(), topic)(bound[topic])
    return bound


def migrations_of(service: Service[Any]) -> list[tuple[str, Traversable]]:
    """The core's tables (outbox, inbox), then the service's own `sql/NNN_*.sql`."""
    return [migrations.CORE_MIGRATIONS, (service.name, files(service.package) / "sql")]


def plumbing_for(service: Service[Any], settings: Any, faults: FaultPoints | None = None
                 ) -> Plumbing:
    """The core's adapters as this service's settings configure them."""
    s = settings
    return Plumbing(
        name=service.name, dsn=s.db_dsn, bootstrap_servers=s.kafka_bootstrap_servers,
        kafka_config=s.kafka_client_config, compression=s.kafka_compression_type,
        relay_batch_size=s.relay_batch_size, relay_poll_interval_s=s.relay_poll_interval_s,
        outbox_retention_s=s.outbox_retention_s, inbox_retention_s=s.inbox_retention_s,
        consumer_batch_size=s.consumer_batch_size,
        compensation_park_after_s=s.compensation_park_after_s,
        instance_id=f"{service.name}-{s.replica_id}" if s.replica_id else None,
        faults=faults or FaultPoints(),
        limits=SessionLimits(
            s.db_lock_timeout_s, s.db_statement_timeout_s, s.db_idle_in_transaction_timeout_s,
            s.db_transaction_timeout_s, s.db_keepalives_idle_s, s.db_keepalives_interval_s,
            s.db_keepalives_count, s.db_tcp_user_timeout_s),
        relay_lock_timeout_s=s.relay_lock_timeout_s)


def compose(
    saga: Saga,
    name: str,
    settings: Any,
    *,
    unit_of_work: UnitOfWorkFactory[Any] | None = None,
    publisher: Publisher | None = None,
    source: MessageSource | None = None,
    faults: FaultPoints | None = None,
    plumbing: Plumbing | None = None,
    metrics: ServiceMetrics | None = None,
    **options: Any,
) -> Running:
    """Service `name` of `saga`, ready to serve. `plumbing` replaces what the settings say
    about the core's adapters (the benchmark's seed-like baseline); `metrics`: where to
    count (made here unless given; none when METRICS_ENABLED is false); `options` go to the
    step's `parts` (e.g. a seeded `chance` for its injected failures)."""
    service = saga.service(name)
    metrics = (metrics or ServiceMetrics()) if settings.metrics_enabled else None
    parts: Parts[Any] = service.parts(saga, settings, metrics, **options)
    p = plumbing or plumbing_for(service, settings, faults)
    if metrics is not None:
        p = dataclasses.replace(p, metrics=metrics)
    kafka = publisher or wiring.kafka_publisher(p)
    relay = wiring.outbox_relay(p, kafka)
    checks = [wiring.broker_check(kafka), relay.check]
    if unit_of_work is None:
        pool = db.make_pool(p.dsn, settings.db_pool_size, name, p.limits)
        checks += [db.check_of(pool), outbox_health.stall_check(pool, settings.outbox_stall_s)]
        if metrics is not None:
            metrics.watch_outbox(wiring.outbox_backlog(pool))
        wake = relay.wake if p.relay_wake_on_commit else (lambda: None)
        unit_of_work = lambda: parts.sql_unit_of_work(pool, wake)  # noqa: E731
    uow = unit_of_work
    if metrics is not None and parts.collectors:
        for collector in parts.collectors(uow):
            metrics.registry.register(collector)
    processor = wiring.event_processor(p, service.consumer_group,
                                       handlers(service, parts, p.faults), uow,
                                       service.compensations)
    consumer = wiring.consumer_loop(p, processor, kafka, service.dead_letter_topic, source,
                                    saga_key=saga.saga_key, compensations=service.compensations)
    checks.append(consumer.problem)  # fenced, failed or stuck: not ready
    on_start = parts.on_start
    return Running(
        name=name, dsn=p.dsn,
        migrations=migrations_of(service),
        routers=[*([parts.routes(uow)] if parts.routes else []),
                 resend.routes(uow, p.inbox_retention_s)], checks=checks,
        max_body_bytes=settings.max_body_bytes, relay=relay, consumer=consumer,
        extra_workers={"housekeeping": wiring.housekeeper(p),
                       **(parts.workers(uow) if parts.workers else {})},
        on_start=[lambda: on_start(uow)] if on_start else [], on_close=[kafka.close],
        on_migrated=[parts.on_migrated] if parts.on_migrated else [],
        metrics=metrics, asyncapi=lambda: asyncapi.document(saga, name),
        access=Access(Keys(settings.admin_api_keys), Keys(settings.api_keys),
                      required=settings.require_api_key))
