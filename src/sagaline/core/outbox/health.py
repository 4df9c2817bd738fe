"""Readiness of the outbox: events that wait too long to be published stall every saga behind
them, whatever the cause (relays blocked on a lock, the broker refusing, no relay running)."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

# The oldest pending row by id, through the relay's partial index: one index probe.
_OLDEST_AGE = (
    "SELECT extract(epoch FROM clock_timestamp() - created_at)::float8 FROM outbox"
    " WHERE NOT published AND failed_at IS NULL ORDER BY id LIMIT 1"
)


def oldest_pending_age(conn: psycopg.Connection) -> float:
    """Seconds the oldest pending event has waited; 0 when none waits."""
    row = conn.execute(_OLDEST_AGE).fetchone()
    return float(row[0]) if row else 0.0


def stall_check(pool: ConnectionPool, stall_s: float) -> Callable[[], str | None]:
    """A readiness check: a problem while the oldest pending event is older than `stall_s`
    (0: never). An unreachable database is the database check's to report, not this one's."""

    def outbox() -> str | None:
        if stall_s <= 0:
            return None
        try:
            with pool.connection(timeout=2.0) as conn:
                age = oldest_pending_age(conn)
        except (psycopg.Error, PoolTimeout):
            return None
        if age <= stall_s:
            return None
        return f"outbox: oldest pending event is {age:.0f} s old (limit {stall_s:g} s)"

    return outbox
