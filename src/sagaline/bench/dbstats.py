"""Reading what the databases recorded: order timestamps, outbox and inbox times, commits.

Every time is `clock_timestamp()` written by the service in its own transaction, read back as
seconds since the epoch; nothing here polls a service for an outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from sagaline.seed_saga import SERVICES
from sagaline.seed_saga.order.status import NOT_FINAL
from sagaline.settings import StackSettings

EPOCH = "extract(epoch from {})::float8"
# (producer, consumer group's service, topic): the hops an ordinary saga takes.
HOPS = (
    ("order", "payment", "order.created"),
    ("payment", "inventory", "payment.charged"),
    ("payment", "order", "payment.charged"),
    ("inventory", "order", "inventory.reserved"),
)


def dsn(settings: StackSettings, service: str) -> str:
    return next(s.dsn(settings) for s in SERVICES if s.name == service)


def rows(conninfo: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
        return conn.execute(sql.encode(), params).fetchall()


def orders_since(settings: StackSettings, since: float) -> list[tuple[str, float, float | None]]:
    """(order_id, created_at, finished_at) of orders created at or after `since`."""
    sql = (f"SELECT order_id::text, {EPOCH.format('created_at')}, {EPOCH.format('finished_at')}"
           " FROM orders WHERE created_at >= to_timestamp(%s)")
    return [(r[0], r[1], r[2]) for r in rows(dsn(settings, "order"), sql, (since,))]


_UNFINISHED = ("SELECT count(*) FROM orders WHERE status = ANY(%s)"
               " AND created_at >= to_timestamp(%s) AND user_id LIKE %s")


def unfinished_count(settings: StackSettings, since: float, users: str) -> int:
    """Orders not final of users whose id starts with `users`, created since `since`."""
    with unfinished_counter(settings, since, users) as count:
        return count()


@contextmanager
def unfinished_counter(settings: StackSettings, since: float,
                       users: str) -> Iterator[Callable[[], int]]:
    """`unfinished_count` as a function on one open connection, for frequent calls."""
    params = (list(NOT_FINAL), since, users + "%")
    with psycopg.connect(dsn(settings, "order"), autocommit=True, connect_timeout=5) as conn:
        def count() -> int:
            row = conn.execute(_UNFINISHED, params).fetchone()
            return int(row[0]) if row else 0
        yield count


def wait_drained(settings: StackSettings, since: float, users: str, timeout_s: float) -> int:
    """Wait until every order of `users` created since `since` is final; returns how many
    are not (other people's orders on a shared stack are not waited for)."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = unfinished_count(settings, since, users)
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.25)


def outbox_lags_ms(settings: StackSettings, service: str, since: float) -> list[float]:
    """published_at - created_at of the service's outbox rows created since `since`."""
    sql = (f"SELECT {EPOCH.format('published_at - created_at')} * 1000 FROM outbox"
           " WHERE created_at >= to_timestamp(%s) AND published_at IS NOT NULL")
    return [r[0] for r in rows(dsn(settings, service), sql, (since,))]


def hop_lags_ms(settings: StackSettings, producer: str, consumer: str, topic: str,
                since: float) -> list[float]:
    """inbox.handled_at (consumer) - outbox.published_at (producer), joined by event id."""
    published = dict(rows(
        dsn(settings, producer),
        f"SELECT event_id, {EPOCH.format('published_at')} FROM outbox"
        " WHERE topic = %s AND created_at >= to_timestamp(%s) AND published_at IS NOT NULL",
        (topic, since)))
    handled = rows(
        dsn(settings, consumer),
        f"SELECT event_id, {EPOCH.format('handled_at')} FROM inbox"
        " WHERE topic = %s AND handled_at >= to_timestamp(%s)", (topic, since))
    return [(at - published[eid]) * 1000 for eid, at in handled if eid in published]


def write_transactions(settings: StackSettings) -> dict[str, int]:
    """The next transaction id of each service's server: its delta counts the transactions
    that wrote (read-only ones get no id), unlike pg_stat_database.xact_commit, which counts
    every transaction and is reported by each backend only now and then."""
    sql = "SELECT pg_current_xact_id()::text::bigint"
    return {s.name: int(rows(s.dsn(settings), sql)[0][0]) for s in SERVICES}
