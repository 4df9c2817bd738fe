"""The plans of the hot read queries, as `EXPLAIN (ANALYZE, BUFFERS)` text, so that a slow
figure of the side-by-side bench can be explained by its query and index.

The queries are not copied here: the dashboard's own read functions run over `ExplainedReads`,
whose connections run each statement's EXPLAIN just before the statement itself. So the
plans are those of the SQL the dashboard sends today, with its real parameters."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self, cast

import psycopg
from psycopg import sql
from psycopg.abc import Params, Query, QueryNoTemplate

from sagaline.core.saga import Saga
from sagaline.dashboard import core_queries, order_queries, saga_reads
from sagaline.dashboard.collector import STUCK_SHOWN
from sagaline.dashboard.sources import Databases
from sagaline.settings import DashboardSettings, SystemSettings

READ_ONLY = "-c default_transaction_read_only=on"
SAGA_LIST_LIMIT = 25  # what the dashboard's page asks for (static/app.js)
RECENT_S = 60.0  # the snapshot's chart window the page starts with
EXECUTION_TIME = re.compile(r"^Execution Time: ([0-9.]+) ms$", re.MULTILINE)


class ExplainedReads(Databases):
    """Databases as the dashboard reads them, one read-only connection per read (no pool,
    no statement timeout: a slow plan is what we are after), each statement explained."""

    def __init__(self, dsns: dict[str, str]) -> None:  # no pools: nothing to open
        self._dsns = dsns
        self.label = ""  # what the statements of the reads now running are for
        self.plans: list[dict[str, Any]] = []

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._dsns)

    @contextmanager
    def read(self, service: str) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self._dsns[service], options=READ_ONLY) as conn:
            conn.cursor_factory = self._cursor_class(service)
            yield conn

    def close(self) -> None:
        return None

    def _cursor_class(self, service: str) -> type[psycopg.Cursor[Any]]:
        reads = self

        class Explaining(psycopg.Cursor[Any]):
            def execute(self, query: Query, params: Params | None = None, *,
                        prepare: bool | None = None, binary: bool | None = None) -> Self:
                plain = cast(QueryNoTemplate, query)  # the dashboard sends no templates
                reads.plans.append(_explained(self.connection, service, reads.label,
                                              plain, params))
                return super().execute(plain, params, prepare=prepare, binary=binary)
        return Explaining


def _explained(conn: psycopg.Connection, service: str, label: str, query: QueryNoTemplate,
               params: Params | None) -> dict[str, Any]:
    text = query.decode() if isinstance(query, bytes) else \
        query if isinstance(query, str) else query.as_string(conn)
    with psycopg.Cursor(conn) as cur:  # a plain cursor: not explained in turn
        cur.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS) ") + sql.SQL(text),
                    params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    return {"label": label, "service": service, "sql": " ".join(text.split()), "plan": plan}


def execution_ms(plan: str) -> float | None:
    """The execution time an `EXPLAIN ANALYZE` text reports."""
    found = EXECUTION_TIME.search(plan)
    return float(found.group(1)) if found else None


@contextmanager
def _labelled(reads: ExplainedReads, label: str) -> Iterator[None]:
    reads.label = label
    try:
        yield
    finally:
        reads.label = ""


def hot_queries(settings: SystemSettings, saga: Saga, saga_id: str) -> list[dict[str, Any]]:
    """The plans of: the owner's record read by its id (the row GET of the start path reads),
    the dashboard's saga list and snapshot, and one saga's timeline (`saga_id`'s)."""
    reads = ExplainedReads({name: settings.dsn(name, saga) for name in saga.names})
    with _labelled(reads, "saga record by id"), reads.read(saga.owner) as conn:
        order_queries.one(conn, saga_id)
    with _labelled(reads, "dashboard saga list"), reads.read(saga.owner) as conn:
        order_queries.recent(conn, saga.statuses.statuses, SAGA_LIST_LIMIT)
    with _labelled(reads, "dashboard snapshot"):
        _snapshot(reads, saga, saga_id)
    with _labelled(reads, "dashboard timeline"):
        saga_reads.read(reads, saga, saga_id)
    return reads.plans


def _snapshot(reads: ExplainedReads, saga: Saga, saga_id: str) -> None:
    """The collector's reads (collector.py): the owner's records, then every outbox."""
    not_final = saga.statuses.not_final
    with reads.read(saga.owner) as conn:
        order_queries.in_flight(conn, not_final)
        order_queries.not_moving(conn, not_final, DashboardSettings().stuck_after_s,
                                 STUCK_SHOWN)
        order_queries.finished(conn, time.time() - RECENT_S)
    for name in saga.names:
        with reads.read(name) as conn:
            core_queries.backlog(conn)
            core_queries.pending_for(conn, [saga_id])
