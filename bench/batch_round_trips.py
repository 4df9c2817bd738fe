"""Round trips and client CPU per event of each consumer's transaction: the real processor,
handlers and SQL repositories on a scratch schema, one pooled connection, batches of 1 and 50
events of the saga's happy path. Figures: docs/performance.md ("This round").

    .venv/bin/python bench/batch_round_trips.py    # needs the *_DB_DSN of a running stack

Round trips are the Flush messages in a libpq trace of the connection (in pipeline mode psycopg
sends one whenever it must wait for an answer: for a result, or after the Sync of COMMIT).
CPU is measured in a second pass, untraced.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from psycopg import pq
from psycopg_pool import ConnectionPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.*

from tests.integration.conftest import scratch_schema

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.postgres.unit_of_work import UnitOfWork
from sagaline.core.saga import ServiceTopology
from sagaline.seed_saga import INVENTORY, ORDER, PAYMENT, ServiceSpec, topics
from sagaline.seed_saga.inventory.sql_repository import PostgresInventoryUnitOfWork
from sagaline.seed_saga.order.repository import Order, PostgresOrderUnitOfWork
from sagaline.seed_saga.payment.handlers import PaymentRules
from sagaline.seed_saga.payment.sql_repository import PostgresPaymentUnitOfWork
from sagaline.seed_saga.topology import INVENTORY_TOPOLOGY, ORDER_TOPOLOGY, PAYMENT_TOPOLOGY
from sagaline.settings.system import SystemSettings

EVENTS = int(os.environ.get("EVENTS", 500))  # per measurement
ITEMS = [{"sku": "SKU-1", "quantity": 1}]


def created(order_id: str) -> Envelope:
    return Envelope.first(topics.ORDER_CREATED, order_id, {
        "orderId": order_id, "userId": f"user-{order_id[0]}", "totalAmount": 1,
        "createdAt": "2026-01-01T00:00:00+00:00", "items": ITEMS})


def charged(order_id: str) -> Envelope:
    return Envelope.first(topics.PAYMENT_CHARGED, order_id, {
        "orderId": order_id, "amount": 1, "userId": "u", "items": ITEMS})


def seed_payment(pool: ConnectionPool, order_ids: Sequence[str]) -> None:
    """The 16 users' accounts exist (as under load, where a user's first order is rare)."""
    with pool.connection() as conn:
        conn.execute("INSERT INTO accounts (user_id, balance, initial_credit)"
                     " SELECT 'user-' || to_hex(n), 1e8, 1e8 FROM generate_series(0, 15) n")


def seed_inventory(pool: ConnectionPool, order_ids: Sequence[str]) -> None:
    with pool.connection() as conn:
        conn.execute("INSERT INTO stock (sku, initial, on_hand) VALUES ('SKU-1', 1e8, 1e8)")


def seed_orders(pool: ConnectionPool, order_ids: Sequence[str]) -> None:
    with PostgresOrderUnitOfWork(pool) as uow:
        for order_id in order_ids:
            uow.orders.add(Order(uuid.UUID(order_id), "u", Decimal(1)))
        uow.commit()


CASES: list[tuple[str, ServiceSpec, Any, Callable[[str], Envelope], Any, dict[str, Any]]] = [
    ("payment", PAYMENT, PostgresPaymentUnitOfWork, created, seed_payment,
     {"rules": PaymentRules()}),
    ("inventory", INVENTORY, PostgresInventoryUnitOfWork, charged, seed_inventory, {}),
    ("order", ORDER, PostgresOrderUnitOfWork, charged, seed_orders, {}),
]


@contextmanager
def traced(pool: ConnectionPool) -> Iterator[Callable[[], int]]:
    """Traces the pool's one connection; yields a function counting the waits so far."""
    with tempfile.NamedTemporaryFile("r") as trace:
        fd = os.open(trace.name, os.O_WRONLY)
        conn = pool.getconn()
        conn.pgconn.trace(fd)
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        pool.putconn(conn)  # back in the pool, still traced
        yield lambda: Path(trace.name).read_text().count("\tFlush")
        conn = pool.getconn()
        conn.pgconn.untrace()
        pool.putconn(conn)
        os.close(fd)


def measure(name: str, spec: ServiceSpec, uow: Any, event: Callable[[str], Envelope],
            seed: Any, deps: dict[str, Any], batch: int, dsn: str) -> None:
    topologies: dict[str, ServiceTopology[Any]] = {
        "payment": PAYMENT_TOPOLOGY, "inventory": INVENTORY_TOPOLOGY, "order": ORDER_TOPOLOGY}
    topology = topologies[name]
    with scratch_schema(dsn, spec.migrations) as scratch, \
            ConnectionPool(scratch, min_size=1, max_size=1,
                           kwargs={"autocommit": True}) as pool:
        order_ids = [str(uuid.uuid4()) for _ in range(2 * EVENTS)]
        if seed is not None:
            seed(pool, order_ids)
        processor: EventProcessor[UnitOfWork] = EventProcessor(
            f"{name}-bench", topology.handlers(**deps), lambda: uow(pool))
        events = [event(order_id) for order_id in order_ids]
        with traced(pool) as syncs:
            for start in range(0, EVENTS, batch):
                processor.process(events[start:start + batch])
            trips = syncs()
        cpu = time.process_time()
        for start in range(EVENTS, 2 * EVENTS, batch):
            processor.process(events[start:start + batch])
        cpu = time.process_time() - cpu
        print(f"{name:9} batch {batch:2}: {trips / EVENTS:5.2f} round trips per event,"
              f" {cpu / EVENTS * 1e6:6.0f} us client CPU per event", flush=True)


def main() -> None:
    settings = SystemSettings()
    for name, spec, uow, event, seed, deps in CASES:
        for batch in (1, 50):
            measure(name, spec, uow, event, seed, deps, batch, spec.dsn(settings))


if __name__ == "__main__":
    main()
