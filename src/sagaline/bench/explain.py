"""The plans of the dashboard's hot reads, as `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`: one
mechanism and one list of reads for both benches that look at plans (side-by-side keeps
them to explain a slow figure, the disk run judges their scans, `disk_plans`).

The queries are not copied here: the dashboard's own read functions run over `ExplainedReads`,
whose connections run each statement's EXPLAIN just before the statement itself. So the
plans are those of the SQL the dashboard sends today, with the parameters it sends."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self, cast

import psycopg
from psycopg import sql
from psycopg.abc import Params, Query, QueryNoTemplate
from psycopg.conninfo import conninfo_to_dict

from sagaline.core.saga import Saga
from sagaline.dashboard import core_queries, order_queries, saga_reads
from sagaline.dashboard.charts import BACKFILL_S
from sagaline.dashboard.collector import STUCK_SHOWN
from sagaline.dashboard.sources import Databases
from sagaline.settings import DashboardSettings, SystemSettings

READ_ONLY = "-c default_transaction_read_only=on"
SAGA_LIST_LIMIT = 25  # what the dashboard's page asks for (static/app.js)
Read = Callable[[Databases], object]  # calls the dashboard's own read functions


@dataclass(frozen=True)
class HotRead:
    label: str
    read: Read
    index_only: bool = False  # should be answered by Index Only Scans alone


def on(service: str, call: Callable[[psycopg.Connection], object]) -> Read:
    """A read of one service's database."""
    def read(dbs: Databases) -> None:
        with dbs.read(service) as conn:
            call(conn)
    return read


def on_every(saga: Saga, call: Callable[[psycopg.Connection], object]) -> Read:
    """The same read of every service's database."""
    def read(dbs: Databases) -> None:
        for name in saga.names:
            on(name, call)(dbs)
    return read


def dashboard_reads(saga: Saga, saga_id: str, now: float) -> list[HotRead]:
    """The start path's read of a saga, the page's saga list, the snapshot's reads (the
    collector's, with the stack's stuck-after and the charts' first-open window) and
    `saga_id`'s timeline."""
    owner, every, not_final = saga.owner, saga.statuses.statuses, saga.statuses.not_final
    stuck_s = DashboardSettings().stuck_after_s  # the dashboard's, from the same environment
    return [
        HotRead("saga record by id", on(owner, lambda c: order_queries.one(c, saga_id))),
        HotRead("saga list", on(owner, lambda c: order_queries.recent(c, every,
                                                                      SAGA_LIST_LIMIT))),
        HotRead("sagas in flight", on(owner, lambda c: order_queries.in_flight(c, not_final)),
                index_only=True),
        HotRead("sagas not moving", on(owner, lambda c: order_queries.not_moving(
            c, not_final, stuck_s, STUCK_SHOWN))),
        HotRead(f"sagas finished (last {BACKFILL_S:.0f} s)",
                on(owner, lambda c: order_queries.finished(c, now - BACKFILL_S))),
        HotRead("outbox backlog", on_every(saga, core_queries.backlog)),
        HotRead("pending rows of a stuck saga",
                on_every(saga, lambda c: core_queries.pending_for(c, [saga_id]))),
        HotRead("saga timeline", lambda dbs: saga_reads.read(dbs, saga, saga_id))]


class ExplainedReads(Databases):
    """Databases as the dashboard reads them, one read-only connection per read (no pool,
    no statement timeout: a slow plan is what we are after), each statement explained."""

    def __init__(self, dsns: Mapping[str, str], analyze: bool = True) -> None:  # no pools
        self._dsns = dsns
        self.options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
        self.label = ""  # what the statements of the read now running are for
        self.plans: list[dict[str, Any]] = []

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._dsns)

    @contextmanager
    def read(self, service: str) -> Iterator[psycopg.Connection]:
        dsn = self._dsns[service]
        options = f"{conninfo_to_dict(dsn).get('options') or ''} {READ_ONLY}".strip()
        with psycopg.connect(dsn, options=options) as conn:  # the DSN's own options kept
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
                reads.plans.append(reads.explained(self.connection, service, plain, params))
                return super().execute(plain, params, prepare=prepare, binary=binary)
        return Explaining

    def explained(self, conn: psycopg.Connection, service: str, query: QueryNoTemplate,
                  params: Params | None) -> dict[str, Any]:
        text = sql_text(query, conn)
        with psycopg.Cursor(conn) as cur:  # a plain cursor: not explained in turn
            cur.execute(sql.SQL(f"EXPLAIN ({self.options}) ") + sql.SQL(text), params)
            row = cur.fetchone()
        return {"label": self.label, "service": service, "sql": " ".join(text.split()),
                "plan": row[0][0] if row else {}}


def sql_text(query: QueryNoTemplate, conn: psycopg.Connection | None = None) -> str:
    """A statement as the text the server gets (a composed one rendered)."""
    return query.decode() if isinstance(query, bytes) else \
        query if isinstance(query, str) else query.as_string(conn)


def explain(dsns: Mapping[str, str], reads: list[HotRead],
            analyze: bool = True) -> list[dict[str, Any]]:
    """Each statement the `reads` send: its read's label, service, SQL and JSON plan."""
    explained = ExplainedReads(dsns, analyze)
    for hot in reads:
        explained.label = hot.label
        hot.read(explained)
    return explained.plans


def hot_queries(settings: SystemSettings, saga: Saga, saga_id: str) -> list[dict[str, Any]]:
    """The plans of the dashboard's hot reads on the stack of `settings`."""
    dsns = {name: settings.dsn(name, saga) for name in saga.names}
    return explain(dsns, dashboard_reads(saga, saga_id, time.time()))


def execution_ms(plan: Mapping[str, Any] | str) -> float | None:
    """The execution time an `EXPLAIN ANALYZE` reports: a JSON plan's, or (runs written
    before plans were JSON) the text's "Execution Time: N ms" line."""
    if isinstance(plan, str):
        found = [line for line in plan.splitlines() if line.startswith("Execution Time: ")]
        return float(found[0].split()[2]) if found else None
    found_ms = plan.get("Execution Time")
    return None if found_ms is None else float(found_ms)
