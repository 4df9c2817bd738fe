"""How did a transaction end whose connection was lost during COMMIT? Ask the server.

What is visible right after the loss proves nothing: the old backend may still be committing
(a deferred trigger, a wait for a synchronous standby, a COMMIT still on its way over the
network), and land a moment later. So the transaction's id is read before COMMIT
(`PipelinedTransaction.know_outcome`), and `pg_xact_status` is asked on a new connection:
"committed" and "aborted" are final; "in progress" lasts exactly as long as the old backend
can still decide, so it is asked again until a deadline. A crashed server counts the
transaction aborted once it is back. Only a certain answer ends the wait early.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from contextlib import closing

import psycopg
from psycopg_pool import ConnectionPool

from sagaline.core.postgres.db import CommitOutcomeUnknown, NotCommitted

_FIRST_PAUSE_S = 0.01
_LONGEST_PAUSE_S = 0.2


def settle(pool: ConnectionPool, unknown: CommitOutcomeUnknown, timeout_s: float) -> None:
    """Return if the transaction of `unknown` committed; raise `NotCommitted` if it aborted,
    and `unknown` itself if that is not known within `timeout_s` (no id was read, the commit
    still runs, or the server stays unreachable). Connects afresh with the pool's settings
    rather than from the pool, which may be exhausted or hold broken connections."""
    if unknown.xid is None:
        raise unknown
    with closing(_statuses(pool, unknown.xid, time.monotonic() + timeout_s)) as statuses:
        for status in statuses:
            if status == "committed":
                return
            if status == "aborted":
                raise NotCommitted(f"the transaction aborted: {unknown}") from unknown
    raise unknown


def _statuses(pool: ConnectionPool, xid: str, deadline: float
              ) -> Generator[str | None, None, None]:
    """`pg_xact_status(xid)`, asked again after a growing pause until `deadline`; None
    while the server cannot be asked."""
    pause = _FIRST_PAUSE_S
    conn: psycopg.Connection | None = None
    try:
        while True:
            conn, status = _ask(conn, pool, xid, deadline)
            yield status
            if time.monotonic() + pause > deadline:
                return
            time.sleep(pause)  # nothing to wait on: the old backend signals no one
            pause = min(pause * 2, _LONGEST_PAUSE_S)
    finally:
        if conn is not None:
            conn.close()


def _ask(conn: psycopg.Connection | None, pool: ConnectionPool, xid: str, deadline: float
         ) -> tuple[psycopg.Connection | None, str | None]:
    """The status of `xid`, on `conn` or (if it broke) a new connection, and that one."""
    try:
        if conn is None or conn.closed:
            conn = _connect(pool, deadline)
        row = conn.execute("SELECT pg_xact_status(%s::xid8)", (xid,)).fetchone()
        return conn, row[0] if row else None
    except psycopg.Error:
        return conn, None


def _connect(pool: ConnectionPool, deadline: float) -> psycopg.Connection:
    # The pool's settings may be given as functions, called for each new connection.
    conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
    kwargs = pool.kwargs() if callable(pool.kwargs) else pool.kwargs or {}
    timeout = max(1, round(deadline - time.monotonic()))
    return psycopg.connect(conninfo, **{**kwargs, "autocommit": True,
                                        "connect_timeout": timeout})
