"""Client CPU of order's transaction with psycopg alone (no app): what a statement, a
pipelined transaction and a blocked wait cost. Figures: docs/performance.md, "Tried,
measured, not kept".

    .venv/bin/python bench/psycopg_tx_cost.py      # needs ORDER_DB_DSN (a running stack)
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.*

from tests.integration.conftest import scratch_schema

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.outbox import store as outbox
from sagaline.core.postgres import db
from sagaline.seed_saga import ORDER
from sagaline.settings import OrderSettings

INSERT = ("INSERT INTO orders (order_id, user_id, total_amount, status, items,"
          " idempotency_key, request_hash, traceparent) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
          " ON CONFLICT (idempotency_key) DO NOTHING RETURNING true")


def order() -> tuple[object, ...]:
    return (uuid.uuid4(), "u", Decimal("12.5"), "PENDING", Jsonb([{"sku": "A", "quantity": 2}]),
            None, "h", None)


def event() -> Envelope:
    return Envelope.first("order.created", str(uuid.uuid4()), {"orderId": "x", "amount": 1})


def run(name: str, work: Callable[[], object], n: int = 2000) -> None:
    for _ in range(100):
        work()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        work()
    print(f"{name:42} cpu {(time.process_time() - cpu) / n * 1e6:7.1f} us"
          f"  wall {(time.perf_counter() - wall) / n * 1e6:7.1f} us", flush=True)


def main() -> None:
    with scratch_schema(OrderSettings().db_dsn, ORDER.migrations) as dsn:
        conn = db.connect(dsn, "psycopg-tx-cost")

        def piped() -> None:
            with db.PipelinedTransaction(conn) as transaction:
                conn.execute(INSERT, order())
                outbox.append(conn, [event()])
                transaction.commit()

        def round_trips() -> None:
            with conn.transaction():
                conn.execute(INSERT, order())
                outbox.append(conn, [event()])

        def empty() -> None:
            with db.PipelinedTransaction(conn) as transaction:
                transaction.commit()

        def sleep_piped() -> None:
            with conn.pipeline():
                conn.execute("SELECT pg_sleep(0.002)").fetchone()

        run("SELECT 1", lambda: conn.execute("SELECT 1").fetchone())
        run("pipelined BEGIN + COMMIT", empty)
        run("pipelined order + outbox INSERT", piped)
        run("the same, 4 round trips", round_trips)
        with ConnectionPool(dsn, min_size=1, max_size=2) as pool:
            run("pool getconn + putconn", lambda: pool.putconn(pool.getconn()))
        run("order.created envelope", lambda: (e := event(), e.value(), e.headers()))
        run("SELECT pg_sleep(0.002)", lambda: conn.execute("SELECT pg_sleep(0.002)").fetchone(),
            300)
        run("SELECT pg_sleep(0.002), pipelined", sleep_piped, 300)
        conn.close()


if __name__ == "__main__":
    main()
