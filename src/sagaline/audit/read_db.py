"""The auditor's access to the services' databases: one read-only snapshot each, and the
outbox every service has. Each step's audit reads its own tables in its snapshot.

Each database is read in one REPEATABLE READ, read-only transaction, so what one database
says is consistent with itself. `since` limits the owner's records to sagas created at or
after it (`SINCE` on `created_at`), and a step's records to rows created no more than `SKEW`
before it (`widened`: a clock margin between servers); books are always read whole. The
streaming audit reads the big tables through `stream`: a server-side cursor fetched `BATCH`
rows at a time, in saga-key order (`by_key`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

import orjson
import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import set_json_loads

from sagaline.audit.rows import OutboxState

T = TypeVar("T")
SKEW = timedelta(minutes=1)
BATCH = 5_000  # rows per fetch of a server-side cursor
STATEMENT_TIMEOUT_MS = 60_000
# A stream's first fetch may sort or aggregate a whole table: minutes at 10 million sagas.
STREAM_TIMEOUT_MS = 30 * 60_000
_CURSORS = itertools.count()
BYTEWISE = frozenset({"C", "POSIX", "ucs_basic"})
# Rows created at or after %(since)s, or all when it is NULL.
SINCE = "(%(since)s::timestamptz IS NULL OR created_at >= %(since)s::timestamptz)"


class SourceUnavailable(Exception):
    """A database or Kafka could not be reached or read; the message says which and why."""


@contextmanager
def snapshot(service: str, dsn: str, timeout_ms: int = STATEMENT_TIMEOUT_MS
             ) -> Iterator[psycopg.Connection]:
    """A read-only REPEATABLE READ transaction on `dsn`; any database error becomes
    SourceUnavailable naming the service."""
    try:
        with psycopg.connect(dsn, connect_timeout=5, application_name="sagaline-audit",
                             options=with_timeout(dsn, timeout_ms)) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            set_json_loads(orjson.loads, conn)  # items of 100k orders: 4x faster than json
            yield conn
    except psycopg.Error as exc:
        raise unavailable(service, exc) from None


def with_timeout(dsn: str, timeout_ms: int) -> str:
    """The DSN's own `options` (a search_path, say) and the statement timeout: given alone,
    the timeout would replace them."""
    own = conninfo_to_dict(dsn).get("options") or ""
    return f"{own} -c statement_timeout={timeout_ms}".strip()


def unavailable(service: str, exc: psycopg.Error) -> SourceUnavailable:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return SourceUnavailable(f"{service} database: {text}")


@contextmanager
def named(service: str) -> Iterator[None]:
    """A database error inside becomes SourceUnavailable naming `service` (where several
    databases are read at once, the snapshot's own naming would be the wrong one's)."""
    try:
        yield
    except psycopg.Error as exc:
        raise unavailable(service, exc) from None


def guarded(service: str, rows: Iterable[T]) -> Iterator[T]:
    """`rows`, with a database error while reading them named as `service`'s."""
    with named(service):
        yield from rows


def widened(since: datetime | None) -> datetime | None:
    """`since` for a step's records: `SKEW` earlier, as a margin between the servers' clocks
    (the auditor keeps only the records of sagas in scope)."""
    return since - SKEW if since else None


def outbox(conn: psycopg.Connection, service: str, since: datetime | None,
           max_age_s: float) -> OutboxState:
    """Unpublished rows (the relay's queue, small at rest) and failed ones."""
    pending = "NOT published AND failed_at IS NULL"
    stale, oldest, failed = conn.execute(
        f"SELECT count(*) FILTER (WHERE {pending}"
        "   AND now() - created_at > make_interval(secs => %(age)s)),"
        f" max(extract(epoch FROM now() - created_at)::float8) FILTER (WHERE {pending}),"
        " count(*) FILTER (WHERE failed_at IS NOT NULL)"
        f" FROM outbox WHERE NOT published AND {SINCE}",
        {"since": since, "age": max_age_s}).fetchone() or (0, None, 0)
    samples = conn.execute(
        "SELECT id, topic, coalesce(error, '') FROM outbox"
        f" WHERE failed_at IS NOT NULL AND NOT published AND {SINCE} ORDER BY id DESC LIMIT 3",
        {"since": since}).fetchall()
    return OutboxState(service, stale, oldest, failed,
                       tuple(f"#{i} {topic}: {error[:200]}" for i, topic, error in samples))


def stream(conn: psycopg.Connection, query: Any, params: Sequence[Any] | Mapping[str, Any]
           ) -> Iterator[tuple[Any, ...]]:
    """The rows of `query`, fetched `BATCH` at a time through a server-side cursor of the
    open transaction (the memory it takes does not grow with the table)."""
    with conn.cursor(name=f"audit_{next(_CURSORS)}") as cursor:
        cursor.itersize = BATCH
        cursor.execute(query, params)
        yield from cursor


def by_key(conn: psycopg.Connection, column: str) -> str:
    """`ORDER BY` text for a text column in bytewise order (Python's order of str, which
    the merge of the databases' streams needs): the column itself when the database sorts
    text bytewise (then its index gives the order), else with COLLATE "C" (a sort)."""
    row = conn.execute("SELECT datcollate FROM pg_database"
                       " WHERE datname = current_database()").fetchone()
    return column if row and row[0] in BYTEWISE else f'{column} COLLATE "C"'
