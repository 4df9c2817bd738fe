"""PostgreSQL plumbing: the pool, dedicated connections, readiness, and waiting for a server."""

from __future__ import annotations

import time

import psycopg
from psycopg_pool import ConnectionPool


def make_pool(dsn: str, size: int, name: str) -> ConnectionPool:
    """A pool that opens in the background: the service starts even while its database is
    down, and reports not ready until it is back. Connections are not checked on checkout
    (a round trip each time): a broken one fails its transaction, which is retried, and the
    pool replaces it."""
    return ConnectionPool(
        dsn, min_size=min(2, size), max_size=size, name=name, open=True, timeout=10.0,
        kwargs={"application_name": name},
    )


def connect(dsn: str, name: str) -> psycopg.Connection:
    """A dedicated autocommit connection; transactions are opened with `conn.transaction()`."""
    return psycopg.connect(dsn, autocommit=True, application_name=name, connect_timeout=5)


def check(pool: ConnectionPool) -> str | None:
    try:
        with pool.connection(timeout=2.0) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:
        return f"database: {exc}"


def wait_for(dsn: str, timeout_s: float) -> None:
    """Block until the server accepts connections, or raise the last error after timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            psycopg.connect(dsn, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
