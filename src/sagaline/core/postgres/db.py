"""PostgreSQL plumbing: the pool, dedicated connections, readiness, and waiting for a server."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg import pq
from psycopg_pool import ConnectionPool

from sagaline.core.postgres.session_limits import SessionLimits

log = logging.getLogger(__name__)
DEFAULT_LIMITS = SessionLimits()


class CommitOutcomeUnknown(psycopg.OperationalError):
    """The connection broke while COMMIT was under way: the transaction may or may not have
    committed, and may still commit later. Never to be answered as "nothing was written".
    `xid`: the transaction's id, if it was read before COMMIT (`know_outcome`), by which the
    server can tell the outcome once it is decided (`commit_outcome`)."""

    xid: str | None = None


class NotCommitted(psycopg.OperationalError):
    """A COMMIT's outcome was unknown, and the server since said the transaction aborted:
    a certain, transient failure (the request may be retried)."""


def make_pool(dsn: str, size: int, name: str,
              limits: SessionLimits = DEFAULT_LIMITS) -> ConnectionPool:
    """A pool that opens in the background: the service starts even while its database is
    down, and reports not ready until it is back. Connections are not checked on checkout
    (a round trip each time): a broken one fails its transaction, which is retried, and the
    pool replaces it."""
    return ConnectionPool(
        dsn, min_size=min(2, size), max_size=size, name=name, open=True, timeout=10.0,
        kwargs={"application_name": name, "autocommit": True,  # see PipelinedTransaction
                **limits.connection_parameters(dsn)},
    )


def connect(dsn: str, name: str, limits: SessionLimits = DEFAULT_LIMITS) -> psycopg.Connection:
    """A dedicated autocommit connection; transactions are opened with `PipelinedTransaction`
    (or `conn.transaction()`)."""
    return psycopg.connect(dsn, autocommit=True, application_name=name, connect_timeout=5,
                           **limits.connection_parameters(dsn))


def check(pool: ConnectionPool) -> str | None:
    try:
        with pool.connection(timeout=2.0) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:
        return f"database: {exc}"


def check_of(pool: ConnectionPool) -> Callable[[], str | None]:
    """`check` of `pool` as a readiness check, by the name a timed-out one is reported by."""
    def database() -> str | None:
        return check(pool)

    return database


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


class PipelinedTransaction:
    """One transaction on an autocommit connection, in psycopg's pipeline mode, with the fewest
    round trips: BEGIN is queued with the first statement, statements whose rows nobody reads
    are queued with the next one that is read, and COMMIT goes with whatever is still queued,
    in one final round trip. (psycopg's own transaction handling would wait for BEGIN, and
    for an extra sync at the end.)

    Callers read results with RETURNING and `fetch*()`, never `rowcount`, which is not known
    until the answers arrive. An error of an unread statement surfaces at the next fetch or at
    `commit()`; leaving the block without a successful `commit()` rolls back.

    After a database error the connection is closed (a pool replaces it): the statements
    skipped in the aborted pipeline may include the PREPARE of one that psycopg now counts as
    prepared, and every later use of it would fail ("prepared statement does not exist").
    """

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._pipeline = conn.pipeline()
        self._piped = False
        self._committed = False
        self._xid: psycopg.Cursor[Any] | None = None

    def __enter__(self) -> Self:
        self._pipeline.__enter__()
        self._piped = True
        self.conn.execute("BEGIN")
        return self

    def know_outcome(self) -> None:
        """Read the transaction's id before COMMIT, so that if the connection is lost during
        COMMIT the server can still be asked how it ended (`CommitOutcomeUnknown.xid`). This
        gives the transaction an id (meant for one that writes); the answer rides with the
        next statement that is read, else it costs a round trip before COMMIT."""
        if self._xid is None:
            self._xid = self.conn.execute("SELECT pg_current_xact_id()::text")

    def commit(self) -> None:
        """Send COMMIT with what is queued and wait for all of it; raises the first error,
        `CommitOutcomeUnknown` when the connection broke (the server may have committed)."""
        xid = self._read_xid()  # before COMMIT: a connection lost here committed nothing
        try:
            self.conn.execute("COMMIT")
            self._leave_pipeline(None)
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError) and _connection_lost(exc):
                self._piped = False  # the pipeline is gone with the connection: the
                self.conn.close()    # transaction is over here, whatever its outcome
                unknown = CommitOutcomeUnknown(f"connection lost during COMMIT: {exc}")
                unknown.xid = xid
                raise unknown from exc
            raise  # the server answered with an error: it rolled back
        self._committed = True

    def _read_xid(self) -> str | None:
        row = self._xid.fetchone() if self._xid is not None else None
        return str(row[0]) if row else None

    def rollback(self) -> None:
        """End the transaction without keeping anything (nothing happens after a commit)."""
        self.__exit__(None, None, None)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self._leave_pipeline(exc)
        except psycopg.Error:
            self.conn.close()
            raise
        if self._committed:
            return
        failed = self.conn.info.transaction_status == pq.TransactionStatus.INERROR
        if failed or isinstance(exc, psycopg.Error):
            self.conn.close()  # which rolls back too
        else:
            self._roll_back(quietly=exc is not None)

    def _leave_pipeline(self, exc: BaseException | None) -> None:
        # With an error already in flight, psycopg logs the pipeline's own errors instead of
        # raising them over it. Either way the connection leaves pipeline mode.
        if self._piped:
            self._piped = False
            self._pipeline.__exit__(type(exc) if exc else None, exc, None)

    def _roll_back(self, quietly: bool) -> None:
        if self.conn.closed or self.conn.info.transaction_status == pq.TransactionStatus.IDLE:
            return
        try:
            self.conn.execute("ROLLBACK")
        except psycopg.Error as err:
            if not quietly:
                raise
            log.warning("rollback failed after an error: %s", err)


def _connection_lost(error: psycopg.OperationalError) -> bool:
    """No answer from the server (no SQLSTATE), a connection failure (class 08), or the
    server going away (57P01-57P03: its answer to COMMIT may not have been sent)."""
    state = error.sqlstate
    return state is None or state.startswith("08") or state in {"57P01", "57P02", "57P03"}
