"""Order's composition root: every adapter is a parameter, the real one by default."""

from __future__ import annotations

from collections.abc import Callable

from psycopg_pool import ConnectionPool

from sagaline.core.messaging.messages import MessageSource
from sagaline.core.messaging.publisher import Publisher
from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.observability.metrics import ServiceMetrics
from sagaline.core.runtime.service import Service
from sagaline.core.runtime.wiring import Plumbing
from sagaline.seed_saga import ORDER
from sagaline.seed_saga.assembly import assemble
from sagaline.seed_saga.order import api
from sagaline.seed_saga.order.metrics import InFlight, SagaMetrics
from sagaline.seed_saga.order.repository import OrderUnitOfWork, PostgresOrderUnitOfWork
from sagaline.seed_saga.order.timeouts import SagaDeadline
from sagaline.seed_saga.topology import ORDER_TOPOLOGY
from sagaline.settings import OrderSettings


def bootstrap(
    settings: OrderSettings | None = None,
    *,
    unit_of_work: Callable[[], OrderUnitOfWork] | None = None,
    publisher: Publisher | None = None,
    source: MessageSource | None = None,
    faults: FaultPoints | None = None,
    plumbing: Plumbing | None = None,
    metrics: ServiceMetrics | None = None,
) -> Service:
    """`metrics`: the registry to count in (a new one by default; none if disabled)."""
    settings = settings or OrderSettings()
    metrics = (metrics or ServiceMetrics()) if settings.metrics_enabled else None
    sagas = SagaMetrics(metrics.registry) if metrics else None

    def postgres_unit_of_work(pool: ConnectionPool, wake: Callable[[], None]
                              ) -> PostgresOrderUnitOfWork:
        return PostgresOrderUnitOfWork(pool, wake, sagas.finished if sagas else None)

    return assemble(
        ORDER, settings, handlers=ORDER_TOPOLOGY.handlers(),
        postgres_unit_of_work=postgres_unit_of_work, routes=api.routes,
        unit_of_work=unit_of_work, publisher=publisher, source=source,
        faults=faults, plumbing=plumbing, metrics=metrics,
        collectors=lambda uow: [InFlight(uow)],
        workers=lambda uow: {"deadline": SagaDeadline(uow, settings.saga_timeout_s,
                                                      settings.deadline_scan_interval_s)})
