"""What a transaction costs the client and the server, one at a time as at 200 sagas/s: the
fixed cost of a commit against the cost of each statement, and two ways of sending a
transaction that psycopg's pipeline mode does not take. Figures: docs/performance.md, "What
bounds it now".

- `k=N`: BEGIN, N one-row INSERTs, COMMIT, pipelined in one round trip (as `PipelinedTransaction`
  sends them); N=0 is a commit that writes nothing (no WAL flush).
- `piped`: a payment-shaped transaction as the payment consumer sends it (BEGIN, the inbox claim
  and two reads in the first round trip; an UPDATE, two INSERTs and COMMIT in the second).
- `no-begin`: the same without BEGIN and COMMIT: the pipeline's Sync ends an implicit transaction.
- `simple`: the same, each round trip as one simple-protocol message (client-side binding,
  no prepared statements): one write per round trip instead of one per statement.

    .venv/bin/python bench/commit_cost.py      # needs PAYMENT_DB_DSN (a running stack)
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence

import psycopg
from psycopg import ClientCursor

from sagaline.bench import thread_costs
from sagaline.bench.thread_costs import ThreadCounters
from sagaline.settings import PaymentSettings

SCHEMA = """CREATE SCHEMA commit_cost;
CREATE TABLE commit_cost.t (id bigserial PRIMARY KEY, v int);
CREATE TABLE commit_cost.inbox (event_id text PRIMARY KEY, consumer text);
CREATE TABLE commit_cost.accounts (user_id text PRIMARY KEY, credit numeric NOT NULL);
CREATE TABLE commit_cost.payments (order_id uuid PRIMARY KEY, user_id text, amount numeric);
CREATE TABLE commit_cost.outbox (id bigserial PRIMARY KEY, topic text, msg_key text, value jsonb);
INSERT INTO commit_cost.accounts SELECT 'u' || g, 1000000 FROM generate_series(1, 500) g;"""
READS = ("INSERT INTO commit_cost.inbox VALUES (%s, 'payment') ON CONFLICT DO NOTHING"
         " RETURNING event_id",
         "SELECT user_id, credit FROM commit_cost.accounts WHERE user_id = ANY(%s)",
         "SELECT order_id FROM commit_cost.payments WHERE order_id = ANY(%s)")
WRITES = ("UPDATE commit_cost.accounts SET credit = credit - 1 WHERE user_id = %s",
          "INSERT INTO commit_cost.payments VALUES (%s, %s, 1)",
          "INSERT INTO commit_cost.outbox (topic, msg_key, value) VALUES ('t', %s, %s::jsonb)")


def params(i: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    order, user = uuid.uuid4(), f"u{i % 500 + 1}"
    value = json.dumps({"orderId": str(order), "amount": 1, "pad": "x" * 400})
    return ([(str(uuid.uuid4()),), ([user],), ([order],)],
            [(user,), (order, user), (str(order), value)])


def inserts(k: int) -> Callable[[psycopg.Connection, int], None]:
    def work(conn: psycopg.Connection, _i: int) -> None:
        with conn.pipeline():
            conn.execute("BEGIN")
            for j in range(k):
                conn.execute("INSERT INTO commit_cost.t (v) VALUES (%s)", (j,))
            conn.execute("COMMIT")
    return work


def shaped(begin: bool) -> Callable[[psycopg.Connection, int], None]:
    def work(conn: psycopg.Connection, i: int) -> None:
        reads, writes = params(i)
        with conn.pipeline():
            if begin:
                conn.execute("BEGIN")
            for cursor in [conn.execute(q, p) for q, p in zip(READS, reads, strict=True)]:
                cursor.fetchall()
            for q, p in zip(WRITES, writes, strict=True):
                conn.execute(q, p)
            if begin:
                conn.execute("COMMIT")
    return work


def simple(conn: psycopg.Connection, i: int) -> None:
    reads, writes = params(i)
    cursor = ClientCursor(conn)

    def bound(queries: Sequence[str], values: Sequence[tuple[object, ...]]) -> str:
        return "; ".join(cursor.mogrify(q, p) for q, p in zip(queries, values, strict=True))

    cursor.execute("BEGIN; " + bound(READS, reads))
    while cursor.nextset():
        cursor.fetchall()
    cursor.execute(bound(WRITES, writes) + "; COMMIT")


def counters(pid: int, tid: int) -> ThreadCounters:
    return thread_costs.read(pid)[tid]


def run(dsn: str, name: str, work: Callable[[psycopg.Connection, int], None], n: int) -> None:
    prepare = None if name == "simple" else 0  # psycopg prepares every statement at once
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=prepare) as conn:
        me = (os.getpid(), threading.get_native_id())
        backend = (conn.info.backend_pid, conn.info.backend_pid)  # one thread, the process
        for i in range(200):
            work(conn, i)
        c0, b0, w0 = counters(*me), counters(*backend), time.time()
        for i in range(n):
            work(conn, i)
        c1, b1, w1 = counters(*me), counters(*backend), time.time()
    us = 1e6 / n
    client, system = c1.user_s + c1.system_s - c0.user_s - c0.system_s, c1.system_s - c0.system_s
    server = b1.user_s + b1.system_s - b0.user_s - b0.system_s
    print(f"{name:9} client {client * us:6.1f} us (system {system * us:5.1f})"
          f"  server {server * us:6.1f} us  server switches {(b1.switches - b0.switches) / n:4.1f}"
          f"  wall {(w1 - w0) * us:6.1f} us", flush=True)


def main(n: int = 3000) -> None:
    dsn = PaymentSettings().db_dsn
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS commit_cost CASCADE")
        conn.execute(SCHEMA)
    try:
        variants = [(f"k={k}", inserts(k)) for k in (0, 1, 4, 8)]
        variants += [("piped", shaped(True)), ("no-begin", shaped(False)), ("simple", simple)]
        for name, work in variants + variants[::-1]:  # A B B A: the machine drifts
            run(dsn, name, work, n)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DROP SCHEMA commit_cost CASCADE")


if __name__ == "__main__":
    main()
