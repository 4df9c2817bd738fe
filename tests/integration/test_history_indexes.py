"""The indexes a long history needs, seen in the plans of the queries that use them, on a
history of 20,000 sagas over ten days (the loader's, in scratch schemas) and an hour of
outbox: the dashboard's timeline finds a saga's events by its key, and `check --since`
reads only the records each step (its declared audit) created since then. No planner
setting is forced: the tables are big enough for the planner to prefer the index on its
own."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import psycopg
import pytest
from psycopg import sql

from sagaline.bench import disk_plans, explain, history
from sagaline.bench.history_step import Plan
from sagaline.core.runtime.compose import migrations_of
from sagaline.core.saga import Service
from sagaline.dashboard import core_queries
from sagaline.dashboard.step import RecordTimeline
from sagaline.devstack import Stack
from sagaline.seed_saga.saga import SAGA
from tests.integration.conftest import scratch_schema

SAGAS = 20_000
END = datetime.now(UTC) - timedelta(minutes=5)
PLAN = Plan(SAGAS, "ix", END - timedelta(days=10), END, seed=5)
# An hour of one service's outbox at about 10 events a second (its retention keeps an hour),
# each saga's key on a few rows; a handful not published yet.
OUTBOX = """INSERT INTO outbox (topic, payload, published, created_at, published_at,
                                event_id, msg_key)
SELECT 'order.created', '{}', n > 20, at, CASE WHEN n > 20 THEN at END, gen_random_uuid(),
       'saga-' || (n / 3)
FROM (SELECT n, now() - make_interval(secs => n * 0.1) AS at
      FROM generate_series(1, 36000) n) g"""

# The steps that keep one record per saga (their timeline's table), read by the auditor.
RECORDED = [s for s in SAGA.services if isinstance(s.timeline, RecordTimeline) and s.audit]


@pytest.fixture(scope="module")
def dsns(stack: Stack) -> Iterator[dict[str, str]]:
    with ExitStack() as schemas:
        found = {name: schemas.enter_context(scratch_schema(
            stack.settings.dsn(name), migrations_of(SAGA.service(name)))) for name in SAGA.names}
        history.load(SAGA, found, PLAN, inbox_retention_s=7 * 86400, say=lambda _: None)
        with psycopg.connect(found[SAGA.owner], autocommit=True) as conn:
            conn.execute(OUTBOX)
        records = {s.name: [s.timeline.table] for s in RECORDED}
        for name, dsn in found.items():
            history.vacuum(dsn, ["outbox", "inbox", *records.get(name, [])])
        yield found


def scans_of(plans: list[Any]) -> list[tuple[str, str]]:
    return [s for p in plans for s in disk_plans.scans(p["Plan"])]


@pytest.mark.parametrize("window_s", [65.0, 3600.0], ids=["finished saga", "in flight an hour"])
def test_the_timeline_finds_a_sagas_outbox_rows_by_its_key(
        dsns: dict[str, str], window_s: float) -> None:
    """Its published rows by the key's index, whatever the window: not every row published
    in it (a saga in flight for an hour would read the whole outbox); its pending ones by
    the key's or the pending rows' (few at rest)."""
    now = time.time()
    timeline = explain.HotRead("timeline", explain.on(SAGA.owner, lambda c: core_queries.
                                                      saga_events(c, "saga-700",
                                                                  now - window_s, now)))
    found = scans_of([p["plan"] for p in explain.explain(dsns, [timeline], analyze=False)])
    indexes = {index for kind, index in found if "Index" in kind}
    assert "outbox_msg_key" in indexes, found
    assert indexes <= {"outbox_msg_key", "outbox_pending"}, found
    assert "Seq Scan" not in {kind for kind, _ in found}, found


def explaining_server_cursor(plans: list[Any]) -> type[psycopg.ServerCursor[Any]]:
    """Server-side cursors (the streaming auditor's) that keep their DECLARE's plan."""
    class Explaining(psycopg.ServerCursor[Any]):
        def execute(self, query: Any, params: Any = None, **options: Any) -> Self:
            text = explain.sql_text(query, self.connection)
            with psycopg.Cursor(self.connection) as cur:
                cur.execute(sql.SQL("EXPLAIN (FORMAT JSON) DECLARE c CURSOR FOR ")
                            + sql.SQL(text), params)
                plans.append(cur.fetchone()[0][0])  # type: ignore[index]
            return super().execute(query, params, **options)
    return Explaining


@pytest.mark.parametrize("step", RECORDED, ids=lambda s: s.name)
def test_check_since_reads_only_the_records_created_since(
        dsns: dict[str, str], step: Service[Any]) -> None:
    """The step's records as its declared audit reads them, streamed (a cursor in saga-key
    order) and whole, for `--since` an hour ago: through `created_at`'s index."""
    since, streamed = END - timedelta(hours=1), list[Any]()

    def read(conn: psycopg.Connection) -> None:
        conn.server_cursor_factory = explaining_server_cursor(streamed)
        list(step.audit.records_by_key(conn, since))
        step.audit.records(conn, since)

    table = step.timeline.table
    whole = [p["plan"] for p in explain.explain(  # by_key's read of the catalog left out
        dsns, [explain.HotRead("records", explain.on(step.name, read))], analyze=False)
        if f"FROM {table} " in p["sql"]]
    found = scans_of([*streamed, *whole])
    assert streamed and whole
    assert all(index == f"{table}_created_at" for _, index in found), found
