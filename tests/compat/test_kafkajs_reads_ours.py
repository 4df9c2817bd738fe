"""(a) A KafkaJS 2.x consumer without codec plugins (as in the seed's services) reads what our
services produce on every topic, and finds the seed's fields in each value."""

from __future__ import annotations

import uuid

import psycopg
from psycopg_pool import ConnectionPool

from sagaline.core.postgres import db
from sagaline.core.status_machine import StatusMachine
from sagaline.seed_saga import topics
from sagaline.seed_saga.order.repository import Order, PostgresOrderUnitOfWork, SqlOrders
from sagaline.seed_saga.order.timeouts import SagaDeadline
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import SystemSettings
from tests.compat import seed_fields
from tests.compat.freezer import Freezer
from tests.compat.kafkajs import SeedConsumer
from tests.integration.saga.conftest import Saga, new_user, wait_for


def test_each_outcome_of_a_saga_reaches_a_kafkajs_consumer(seed_saga: Saga,
                                                           seed_consumer: SeedConsumer) -> None:
    happy = seed_saga.place(new_user(), 12.5, [(seed_saga.new_sku(5), 2)])
    broke = seed_saga.place(new_user(), 1_000_000)  # more than a new account's credit
    unknown_sku = seed_saga.place(new_user(), 7, [(f"SKU-{uuid.uuid4().hex}", 1)])
    expected = {
        happy: ("CONFIRMED", [topics.ORDER_CREATED, topics.PAYMENT_CHARGED,
                              topics.INVENTORY_RESERVED]),
        broke: ("CANCELLED", [topics.ORDER_CREATED, topics.PAYMENT_FAILED]),
        unknown_sku: ("CANCELLED", [topics.ORDER_CREATED, topics.PAYMENT_CHARGED,
                                    topics.INVENTORY_FAILED, topics.PAYMENT_REFUNDED]),
    }
    for order_id, (status, produced) in expected.items():
        assert seed_saga.final(order_id)["status"] == status
        for topic in produced:
            seed_fields.check(topic, seed_consumer.message(topic, order_id))
    created = seed_consumer.message(topics.ORDER_CREATED, happy)
    assert created["totalAmount"] == 12.5
    assert seed_consumer.message(topics.PAYMENT_FAILED, broke)["amount"] == 1_000_000


def test_the_compensation_of_a_timed_out_saga_reaches_a_kafkajs_consumer(
        seed_saga: Saga, seed_consumer: SeedConsumer, freezer: Freezer) -> None:
    """A paid, reserved order still waiting for its outcome when its deadline passes: the
    order service (frozen, so it cannot confirm it) is overtaken by its own deadline sweep,
    run here with a deadline already passed; thawed, it announces the cancellation, and
    payment and inventory undo their parts."""
    user, sku = new_user(), seed_saga.new_sku(5)
    freezer.freeze("payment")
    order_id = seed_saga.place(user, 3, [(sku, 2)])
    bystander = seed_saga.place(new_user(), 2)  # another saga in flight: not this test's
    seed_consumer.message(topics.ORDER_CREATED, order_id)  # out of the order service's outbox
    freezer.freeze("order")
    freezer.thaw("payment")
    wait_for(lambda: _reservation(seed_saga, order_id) == "RESERVED", 20, "stock reserved")
    assert _cancel_overdue_now(seed_saga.stack.settings, order_id) == 1
    freezer.thaw("order")

    order = seed_saga.final(order_id)
    assert (order["status"], order["reason"]) == ("CANCELLED", "TIMEOUT")
    assert seed_saga.final(bystander)["status"] == "CONFIRMED"
    cancelled = seed_consumer.message(topics.ORDER_CANCELLED, order_id)
    released = seed_consumer.message(topics.INVENTORY_RELEASED, order_id)
    refunded = seed_consumer.message(topics.PAYMENT_REFUNDED, order_id)
    for topic, value in [(topics.ORDER_CANCELLED, cancelled),
                         (topics.INVENTORY_RELEASED, released),
                         (topics.PAYMENT_REFUNDED, refunded)]:
        seed_fields.check(topic, value)
    assert (cancelled["userId"], cancelled["amount"]) == (user, 3)
    assert released["items"] == [{"sku": sku, "quantity": 2}]
    assert refunded["amount"] == 3
    wait_for(lambda: seed_saga.stock(sku) == 5, 20, "stock back")


def _reservation(saga: Saga, order_id: str) -> str | None:
    response = saga.inventory.get(f"/reservations/{order_id}")
    return response.json()["status"] if response.status_code == 200 else None


def _cancel_overdue_now(settings: SystemSettings, *order_ids: str) -> int:
    """The order service's deadline sweep (SagaDeadline) with a deadline of zero, for
    `order_ids` only: what the service does after SAGA_TIMEOUT_S (a minute by default, too
    long for a test). The database is shared: other sagas in flight are not this test's."""
    pool = db.make_pool(settings.dsn("order"), 1, "compat-deadline")
    mine = [uuid.UUID(i) for i in order_ids]
    try:
        return SagaDeadline(lambda: _TheseOrders(pool, SAGA.statuses, mine), 0.0,
                            SAGA.statuses).sweep()
    finally:
        pool.close()


class _TheseOrders(PostgresOrderUnitOfWork):
    """The order unit of work whose orders' `overdue` sees only `order_ids`."""

    def __init__(self, pool: ConnectionPool, statuses: StatusMachine,
                 order_ids: list[uuid.UUID]) -> None:
        super().__init__(pool, statuses)
        self._these = (statuses, order_ids)

    def bind(self, conn: psycopg.Connection) -> None:
        self.orders = _OverdueAmong(conn, *self._these)


class _OverdueAmong(SqlOrders):
    def __init__(self, conn: psycopg.Connection, statuses: StatusMachine,
                 order_ids: list[uuid.UUID]) -> None:
        super().__init__(conn, statuses)
        self._conn_of_these, self._not_final = conn, list(statuses.not_final)
        self._order_ids = order_ids

    def overdue(self, older_than_s: float, limit: int) -> list[Order]:
        rows = self._conn_of_these.execute(
            "SELECT order_id FROM orders WHERE order_id = ANY(%s) AND status = ANY(%s)"
            " AND created_at < clock_timestamp() - make_interval(secs => %s)"
            " ORDER BY created_at LIMIT %s FOR UPDATE",
            (self._order_ids, self._not_final, older_than_s, limit)).fetchall()
        return [order for (order_id,) in rows if (order := self.get(order_id)) is not None]
