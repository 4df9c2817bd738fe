"""Set-based handlers on PostgreSQL: a consumer's batch waits for the database twice (the
lookups read ahead with the inbox claim, then COMMIT), however many events it holds; a
redelivery in it still falls back to handling only the new events, and has no second effect."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from psycopg import pq
from psycopg_pool import ConnectionPool

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.runtime.compose import migrations_of
from sagaline.devstack import Stack
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory.repository import InventoryUnitOfWork
from sagaline.seed_saga.inventory.sql_repository import PostgresInventoryUnitOfWork
from sagaline.seed_saga.payment.handlers import PaymentRules
from sagaline.seed_saga.payment.repository import PaymentUnitOfWork
from sagaline.seed_saga.payment.sql_repository import PostgresPaymentUnitOfWork
from sagaline.seed_saga.saga import SAGA
from tests.integration.conftest import scratch_schema

ITEMS = [{"sku": "SKU-A", "quantity": 1}, {"sku": "SKU-B", "quantity": 2}]


@contextmanager
def one_connection(stack: Stack, name: str, setup: str) -> Iterator[ConnectionPool]:
    with scratch_schema(stack.settings.dsn(name), migrations_of(SAGA.service(name))) as dsn, \
            ConnectionPool(dsn, min_size=1, max_size=1, kwargs={"autocommit": True}) as pool:
        with pool.connection() as conn:
            conn.execute(setup)
        yield pool


@contextmanager
def waits(pool: ConnectionPool) -> Iterator[Callable[[], int]]:
    """Traces the pool's one connection: how often it waited for the server (libpq Flush)."""
    with tempfile.NamedTemporaryFile("r") as trace:
        fd = os.open(trace.name, os.O_WRONLY)
        with pool.connection() as conn:
            conn.pgconn.trace(fd)
            conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield lambda: Path(trace.name).read_text().count("\tFlush")
        finally:
            with pool.connection() as conn:
                conn.pgconn.untrace()
            os.close(fd)


def created(user: str) -> Envelope:
    order_id = str(uuid.uuid4())
    return Envelope.first(topics.ORDER_CREATED, order_id, {
        "orderId": order_id, "userId": user, "totalAmount": 10,
        "createdAt": "2026-01-01T00:00:00+00:00", "items": ITEMS})


def run(pool: ConnectionPool, processor: EventProcessor[Any],
        events: list[Envelope]) -> tuple[int, int]:
    """(events handled, waits)."""
    with waits(pool) as count:
        handled = processor.process(events)
        return handled, count()


def test_a_payment_batch_waits_twice_and_a_redelivery_changes_nothing(stack: Stack) -> None:
    setup = ("INSERT INTO accounts (user_id, balance, initial_credit)"
             " VALUES ('rich', 1000, 1000), ('poor', 5, 5)")
    with one_connection(stack, "payment", setup) as pool:
        processor: EventProcessor[PaymentUnitOfWork] = EventProcessor(
            "payment", SAGA.service("payment").bind(rules=PaymentRules()),
            lambda: PostgresPaymentUnitOfWork(pool))
        batch = [created("rich") for _ in range(10)] + [created("poor")]
        assert run(pool, processor, batch) == (11, 2)
        again = [*batch[:3], created("rich")]  # three redelivered, one new
        assert run(pool, processor, again)[0] == 1
        with pool.connection() as conn:
            assert conn.execute("SELECT status, count(*) FROM payments GROUP BY status"
                                " ORDER BY status").fetchall() == [("CHARGED", 11), ("FAILED", 1)]
            assert conn.execute("SELECT balance FROM accounts ORDER BY user_id").fetchall() == [
                (5,), (890,)]


def test_an_inventory_batch_waits_twice(stack: Stack) -> None:
    setup = "INSERT INTO stock (sku, initial, on_hand) VALUES ('SKU-A', 4, 4), ('SKU-B', 8, 8)"
    with one_connection(stack, "inventory", setup) as pool:
        processor: EventProcessor[InventoryUnitOfWork] = EventProcessor(
            "inventory", SAGA.service("inventory").bind(),
            lambda: PostgresInventoryUnitOfWork(pool))
        charged = [e.follow(topics.PAYMENT_CHARGED, {**e.payload, "amount": 10}) for e in
                   (created("u") for _ in range(5))]
        assert run(pool, processor, charged) == (5, 2)
        with pool.connection() as conn:
            assert conn.execute("SELECT status, count(*) FROM reservations GROUP BY status"
                                " ORDER BY status").fetchall() == [("FAILED", 1), ("RESERVED", 4)]
            assert conn.execute("SELECT on_hand FROM stock ORDER BY sku").fetchall() == [
                (0,), (0,)]
