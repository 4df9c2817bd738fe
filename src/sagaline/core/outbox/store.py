"""The outbox table: written in the caller's transaction, read and marked by the relay.

Writers only append. The relay reads pending rows oldest first with no cursor: a row whose
transaction commits late, after rows with higher ids were published, is still pending, so it is
found by the next batch and never skipped. `PostgresOutbox` is the relay's port (port.py) on
this table.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self

import orjson
import psycopg
from psycopg import errors

from sagaline.core.messaging.envelope import Envelope, dumps
from sagaline.core.outbox.port import OutboxLocked, OutboxRow, SentEvent
from sagaline.core.postgres import db

__all__ = ["OutboxRow", "PostgresOutbox", "append", "backlog", "mark_failed", "mark_published",
           "pending", "purge_published", "requeue_failed", "sent"]

# One statement however many events: ids follow the events' order (the relay's order). The
# arrays go in binary (%b): in text form psycopg escapes every quote of the JSON with a regex,
# which cost ~30 us per event.
_INSERT = (
    "INSERT INTO outbox (event_id, topic, msg_key, payload, headers)"
    " SELECT e.id, e.topic, e.key, e.payload::jsonb, e.headers::jsonb"
    " FROM unnest(%b::uuid[], %b::text[], %b::text[], %b::text[], %b::text[])"
    " WITH ORDINALITY AS e(id, topic, key, payload, headers, n) ORDER BY e.n"
)
_PENDING = (
    "SELECT id, topic, msg_key, payload::text, headers::text, created_at FROM outbox"
    " WHERE NOT published AND failed_at IS NULL ORDER BY id LIMIT %s"
)
_LOCK_KEY = "sagaline.outbox.relay"


def append(conn: psycopg.Connection, events: Sequence[Envelope]) -> None:
    """Add events to the outbox inside the connection's open transaction."""
    conn.execute(_INSERT, ([e.event_id for e in events], [e.topic for e in events],
                           [e.key for e in events], [e.value().decode() for e in events],
                           [dumps(e.headers()).decode() for e in events]))


def pending(conn: psycopg.Connection, limit: int) -> list[OutboxRow]:
    rows = conn.execute(_PENDING, (limit,)).fetchall()
    return [OutboxRow(r[0], r[1], r[2], r[3].encode(), orjson.loads(r[4]), r[5]) for r in rows]


def mark_published(conn: psycopg.Connection, ids: Sequence[int]) -> None:
    if ids:
        conn.execute(
            "UPDATE outbox SET published = true, published_at = clock_timestamp()"
            " WHERE id = ANY(%b::bigint[])",
            (list(ids),),
        )


def mark_failed(conn: psycopg.Connection, failures: Sequence[tuple[int, str]]) -> None:
    """Rows the broker refused for good: kept for the auditor, no longer retried."""
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE outbox SET failed_at = clock_timestamp(), error = %s WHERE id = %s",
            [(error, row_id) for row_id, error in failures],
        )


def requeue_failed(conn: psycopg.Connection) -> int:
    """Give rows the broker refused another chance (after the cause was fixed, e.g. a topic's
    ACL or size limit); the relay picks them up like any pending row."""
    cur = conn.execute(
        "UPDATE outbox SET failed_at = NULL, error = NULL WHERE failed_at IS NOT NULL")
    return cur.rowcount


def purge_published(conn: psycopg.Connection, older_than_s: float) -> int:
    cur = conn.execute(
        "DELETE FROM outbox WHERE published"
        " AND published_at < clock_timestamp() - make_interval(secs => %s)",
        (older_than_s,),
    )
    return cur.rowcount


def sent(conn: psycopg.Connection, key: str, topic: str) -> SentEvent | None:
    """The newest event on `topic` for saga `key` still in the outbox (published rows stay
    OUTBOX_RETENTION_S)."""
    r = conn.execute(
        "SELECT id, topic, msg_key, payload::text, headers::text, created_at, published"
        " FROM outbox WHERE msg_key = %s AND topic = %s ORDER BY id DESC LIMIT 1",
        (key, topic)).fetchone()
    if r is None:
        return None
    return SentEvent(OutboxRow(r[0], r[1], r[2], r[3].encode(), orjson.loads(r[4]), r[5]), r[6])


def backlog(conn: psycopg.Connection) -> tuple[int, float]:
    """Pending rows and the age in seconds of the oldest (0 when none): the metrics' view.
    Cheap: the partial index `outbox_pending` holds exactly these rows."""
    row = conn.execute(
        "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0)"
        " FROM outbox WHERE NOT published AND failed_at IS NULL").fetchone()
    assert row is not None  # an aggregate always returns a row
    return int(row[0]), float(row[1])


class PostgresOutbox:
    """The relay's port on the outbox table: one connection of its own (`connect`), each
    batch one pipelined transaction under a transaction-scoped advisory lock. Two round
    trips a batch: BEGIN, the lock and the read; then the marks and COMMIT."""

    def __init__(self, connect: Callable[[], psycopg.Connection],
                 lock_timeout_s: float = 20.0) -> None:
        self._connect = connect
        self._lock_timeout_ms = str(round(lock_timeout_s * 1000))
        self._conn: psycopg.Connection | None = None

    def claim(self, limit: int) -> _Batch:
        conn = self._connection()
        transaction = db.PipelinedTransaction(conn).__enter__()
        try:
            conn.execute("SELECT set_config('lock_timeout', %s, true)", (self._lock_timeout_ms,))
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))
            rows = pending(conn, limit)
        except BaseException as exc:
            transaction.__exit__(*sys.exc_info())
            if isinstance(exc, errors.LockNotAvailable | errors.QueryCanceled):
                raise OutboxLocked(f"could not take the outbox lock within "
                                   f"{self._lock_timeout_ms} ms (another session holds it)"
                                   ) from exc
            raise
        return _Batch(conn, transaction, rows)

    def reset(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        return self._conn


class _Batch:
    def __init__(self, conn: psycopg.Connection, transaction: db.PipelinedTransaction,
                 rows: list[OutboxRow]) -> None:
        self._conn, self._transaction, self.rows = conn, transaction, rows

    def settle(self, published: Sequence[int], failed: Sequence[tuple[int, str]]) -> None:
        if self.rows:  # an empty batch only commits
            mark_published(self._conn, published)
            mark_failed(self._conn, failed)
        self._transaction.commit()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._transaction.__exit__(exc_type, exc, tb)
