"""The plans of the dashboard's own queries, as its code sends them: each query function is
called on a connection that records the statement and its parameters instead of running it,
then each statement is run under `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`. A plan is judged
by the scan nodes it holds: where a query should be answered from an index alone (counting
sagas in flight), anything but an Index Only Scan is reported; elsewhere a Seq Scan is."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from sagaline.core.saga import Saga
from sagaline.dashboard import core_queries, order_queries
from sagaline.dashboard.charts import BACKFILL_S
from sagaline.dashboard.collector import STUCK_SHOWN
from sagaline.settings.dashboard import DashboardSettings

Query = Callable[[Any], object]  # calls one of the dashboard's query functions on a conn


class _Recorded:
    """What a recording connection's `execute` answers: no rows."""

    def fetchall(self) -> list[Any]:
        return []

    def fetchone(self) -> None:
        return None


class Recorder:
    """Stands in for a psycopg connection (and its cursors): keeps what is executed."""

    def __init__(self) -> None:
        self.statements: list[tuple[Any, Any]] = []

    def execute(self, query: Any, params: Any = None) -> _Recorded:
        self.statements.append((query, params))
        return _Recorded()

    @contextmanager
    def cursor(self, **_: Any) -> Iterator[Recorder]:
        yield self


def statements(query: Query) -> list[tuple[Any, Any]]:
    recorder = Recorder()
    query(recorder)
    return recorder.statements


def plan(conn: psycopg.Connection, query: Query, analyze: bool = True) -> list[Any]:
    """The JSON plan of each statement `query` sends."""
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    found = []
    for sql, params in statements(query):
        text = sql.decode() if isinstance(sql, bytes) else str(sql)
        row = conn.execute(f"EXPLAIN ({options}) {text}".encode(), params).fetchone()
        found.append(row[0][0] if row else {})
    return found


def scans(node: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(node type, index or table) of every scan of a table or an index in a plan tree (not
    of a subquery's rows)."""
    kind, name = str(node.get("Node Type", "")), node.get("Index Name") or node.get(
        "Relation Name")
    if "Scan" in kind and name:
        yield kind, str(name)
    for child in node.get("Plans", ()):
        yield from scans(child)


@dataclass(frozen=True)
class Checked:
    name: str
    service: str
    scans: list[tuple[str, str]]
    ms: float
    shared_read: int  # blocks read from outside Postgres's cache
    index_only: bool  # should be answered by an Index Only Scan
    ok: bool


def judge(name: str, service: str, plans: list[Any], index_only: bool) -> Checked:
    found = [s for p in plans for s in scans(p.get("Plan", {}))]
    kinds = {kind for kind, _ in found}
    ok = (kinds <= {"Index Only Scan"} if index_only else "Seq Scan" not in kinds) and bool(found)
    return Checked(name, service, found, round(sum(p.get("Execution Time", 0.0) for p in plans), 3),
                   sum(int(p.get("Plan", {}).get("Shared Read Blocks", 0)) for p in plans),
                   index_only, ok)


def dashboard_queries(saga: Saga, saga_id: str) -> list[tuple[str, str, Query, bool]]:
    """(name, service, query, index-only?) of the overview's and the timeline's reads, with
    the dashboard's own defaults (stuck after, backfill window, page size)."""
    not_final, every, now = list(saga.statuses.not_final), list(saga.statuses.statuses), time.time()
    stuck_s = DashboardSettings.model_fields["stuck_after_s"].default
    owner: list[tuple[str, str, Query, bool]] = [
        ("in_flight", saga.owner, lambda c: order_queries.in_flight(c, not_final), True),
        ("not_moving", saga.owner,
         lambda c: order_queries.not_moving(c, not_final, stuck_s, STUCK_SHOWN), False),
        (f"finished (last {BACKFILL_S:.0f} s)", saga.owner,
         lambda c: order_queries.finished(c, now - BACKFILL_S), False),
        ("recent (every status)", saga.owner, lambda c: order_queries.recent(c, every, 50),
         False),
        ("one saga", saga.owner, lambda c: order_queries.one(c, saga_id), False)]
    for name in saga.names:
        owner += [
            ("backlog", name, core_queries.backlog, False),
            ("timeline events (an hour's window)", name,
             lambda c: core_queries.saga_events(c, saga_id, now - 3600, now), False)]
    return owner


def check_dashboard(dsns: Mapping[str, str], saga: Saga, saga_id: str) -> list[Checked]:
    """Every dashboard query's plan, run for real (ANALYZE) on its service's database."""
    out = []
    for name, service, query, index_only in dashboard_queries(saga, saga_id):
        with psycopg.connect(dsns[service], autocommit=True) as conn:
            out.append(judge(name, service, plan(conn, query), index_only))
    return out
