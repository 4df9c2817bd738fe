"""The order step, declared: the saga's owner. It starts the saga (`POST /orders`), hears
every outcome that moves the order (the saga's status table says which) and cancels orders
that miss the deadline."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from sagaline.core.observability.metrics import ServiceMetrics
from sagaline.core.runtime.compose import Parts
from sagaline.core.saga import Saga, SagaStart, Service
from sagaline.core.status_machine import StatusMachine
from sagaline.seed_saga import topics
from sagaline.seed_saga.order import api, audit, timeline
from sagaline.seed_saga.order.fakes import FakeOrderUnitOfWork
from sagaline.seed_saga.order.handlers import advance
from sagaline.seed_saga.order.metrics import InFlight, SagaMetrics
from sagaline.seed_saga.order.repository import OrderUnitOfWork, PostgresOrderUnitOfWork
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.order.timeouts import SagaDeadline


def parts(saga: Saga, settings: OrderSettings, metrics: ServiceMetrics | None
          ) -> Parts[OrderUnitOfWork]:
    statuses = saga.statuses
    sagas = SagaMetrics(metrics.registry) if metrics else None

    def sql_unit_of_work(pool: ConnectionPool, wake: Any) -> PostgresOrderUnitOfWork:
        return PostgresOrderUnitOfWork(pool, statuses, wake, sagas.finished if sagas else None)

    return Parts(
        sql_unit_of_work=sql_unit_of_work, dependencies={"statuses": statuses},
        routes=lambda uow: api.routes(uow, statuses),
        collectors=lambda uow: [InFlight(uow)],
        workers=lambda uow: {"deadline": SagaDeadline(uow, settings.saga_timeout_s, statuses,
                                                      settings.deadline_scan_interval_s)},
        on_migrated=lambda conn: check_statuses(conn, statuses))


def check_statuses(conn: psycopg.Connection, statuses: StatusMachine) -> None:
    """The orders table accepts exactly the saga's statuses (a CHECK from its table)."""
    conn.execute("ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_status_check")
    conn.execute(sql.SQL("ALTER TABLE orders ADD CONSTRAINT orders_status_check"
                         " CHECK (status IN ({}))").format(
        sql.SQL(", ").join(sql.Literal(s) for s in statuses.statuses)))


def ordinary_order(user: str) -> dict[str, Any]:
    """An ordinary order's request body: one unit of SKU-1 for 1."""
    return {"userId": user, "totalAmount": 1, "items": [{"sku": "SKU-1", "quantity": 1}]}


START = SagaStart(path="/orders", key_field="orderId", key_name="order_id",
                  sample=ordinary_order, cancel_path="/orders/{id}/cancel")


def declare(statuses: StatusMachine) -> Service[OrderUnitOfWork]:
    """The order step of a saga whose order moves as `statuses` says: it consumes every
    topic of the table."""
    return Service(
        name="order", package="sagaline.seed_saga.order",
        consumer_group="order-service-group",
        consumes={topic: advance for topic in statuses.topics},
        produces=(topics.ORDER_CREATED,  # place_order (POST /orders)
                  topics.ORDER_CANCELLED),  # cancel_overdue (the saga deadline)
        settings=OrderSettings, parts=parts, http_port=4001,
        audit=audit.AUDIT, timeline=timeline.OrderTimeline(statuses), start=START,
        fake=lambda: FakeOrderUnitOfWork(statuses))
