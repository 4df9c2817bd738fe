"""Reading what the databases recorded: the owner's saga times, outbox and inbox times,
commits.

Every time is `clock_timestamp()` written by the service in its own transaction, read back as
seconds since the epoch; nothing here polls a service for an outcome. The owner's records are
read as the seed's order step keeps them (`orders`: the step whose API the load drives, see
`Saga.start_path`); which statuses are final is the saga's status machine's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from sagaline.core.saga import Edge, Saga
from sagaline.settings import StackSettings

EPOCH = "extract(epoch from {})::float8"


def rows(conninfo: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
        return conn.execute(sql.encode(), params).fetchall()


def sagas_since(settings: StackSettings, saga: Saga,
                since: float) -> list[tuple[str, float, float | None]]:
    """(saga id, created_at, finished_at) of the owner's records created at or after
    `since`."""
    sql = (f"SELECT order_id::text, {EPOCH.format('created_at')}, {EPOCH.format('finished_at')}"
           " FROM orders WHERE created_at >= to_timestamp(%s)")
    owner = settings.dsn(saga.owner, saga)
    return [(r[0], r[1], r[2]) for r in rows(owner, sql, (since,))]


_FINISHED = "SELECT count(*) FROM orders WHERE finished_at >= to_timestamp(%s)"


def finished_count(conn: psycopg.Connection, since: float) -> int:
    """Sagas finished since `since`, on an open connection to the owner's database (the
    finished_at index answers it)."""
    row = conn.execute(_FINISHED, (since,)).fetchone()
    return int(row[0]) if row else 0


_UNFINISHED = ("SELECT count(*) FROM orders WHERE status = ANY(%s)"
               " AND created_at >= to_timestamp(%s) AND user_id LIKE %s")


def unfinished_count(settings: StackSettings, saga: Saga, since: float, users: str) -> int:
    """Sagas not final of users whose id starts with `users`, created since `since`."""
    with unfinished_counter(settings, saga, since, users) as count:
        return count()


@contextmanager
def unfinished_counter(settings: StackSettings, saga: Saga, since: float,
                       users: str) -> Iterator[Callable[[], int]]:
    """`unfinished_count` as a function on one open connection, for frequent calls."""
    params = (list(saga.statuses.not_final), since, users + "%")
    with psycopg.connect(settings.dsn(saga.owner, saga), autocommit=True,
                         connect_timeout=5) as conn:
        def count() -> int:
            row = conn.execute(_UNFINISHED, params).fetchone()
            return int(row[0]) if row else 0
        yield count


def wait_drained(settings: StackSettings, saga: Saga, since: float, users: str,
                 timeout_s: float) -> int:
    """Wait until every saga of `users` created since `since` is final; returns how many
    are not (other people's sagas on a shared stack are not waited for)."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = unfinished_count(settings, saga, since, users)
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.25)


def outbox_lags_ms(settings: StackSettings, service: str, since: float) -> list[float]:
    """published_at - created_at of the service's outbox rows created since `since`."""
    sql = (f"SELECT {EPOCH.format('published_at - created_at')} * 1000 FROM outbox"
           " WHERE created_at >= to_timestamp(%s) AND published_at IS NOT NULL")
    return [r[0] for r in rows(settings.dsn(service), sql, (since,))]


def hop_lags_ms(settings: StackSettings, hop: Edge, since: float) -> list[float]:
    """inbox.handled_at (consumer) - outbox.published_at (producer) of the hop's topic,
    joined by event id."""
    published = dict(rows(
        settings.dsn(hop.producer),
        f"SELECT event_id, {EPOCH.format('published_at')} FROM outbox"
        " WHERE topic = %s AND created_at >= to_timestamp(%s) AND published_at IS NOT NULL",
        (hop.topic, since)))
    handled = rows(
        settings.dsn(hop.consumer),
        f"SELECT event_id, {EPOCH.format('handled_at')} FROM inbox"
        " WHERE topic = %s AND handled_at >= to_timestamp(%s)", (hop.topic, since))
    return [(at - published[eid]) * 1000 for eid, at in handled if eid in published]


def write_transactions(settings: StackSettings, saga: Saga) -> dict[str, int]:
    """The next transaction id of each service's server: its delta counts the transactions
    that wrote (read-only ones get no id), unlike pg_stat_database.xact_commit, which counts
    every transaction and is reported by each backend only now and then."""
    sql = "SELECT pg_current_xact_id()::text::bigint"
    return {name: int(rows(settings.dsn(name, saga), sql)[0][0]) for name in saga.names}
