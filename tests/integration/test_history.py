"""A long history, small: 40,000 finished sagas written by the history loader into scratch
schemas of the stack's databases, then audited both ways (each database read whole, as the
auditor did before it streamed, and streamed, merged by saga id). Both must say the same,
clean at first, then with violations planted among the sagas, whole and with `--since`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from sagaline.audit import auditor, follow, stream
from sagaline.audit.evaluate import AuditOptions, db_verdict, report_of
from sagaline.audit.records import RecordsAudit
from sagaline.audit.rows import Snapshot
from sagaline.audit.sources import Audits
from sagaline.audit.step import Names
from sagaline.bench import history
from sagaline.bench.history_step import Plan
from sagaline.core.postgres.records import table_sql
from sagaline.core.runtime.compose import migrations_of
from sagaline.devstack import Stack
from sagaline.seed_saga.order import audit as order_audit
from sagaline.seed_saga.saga import SAGA
from tests.integration.conftest import scratch_schema

SAGAS = 40_000
END = datetime.now(UTC) - timedelta(minutes=5)
PLAN = Plan(SAGAS, "it", END - timedelta(days=10), END, seed=3)
AUDITS = Audits.of(SAGA)


@pytest.fixture(scope="module")
def dsns(stack: Stack) -> Iterator[dict[str, str]]:
    with ExitStack() as schemas:
        found = {name: schemas.enter_context(scratch_schema(
            stack.settings.dsn(name), migrations_of(SAGA.service(name)))) for name in SAGA.names}
        loaded = history.load(SAGA, found, PLAN, inbox_retention_s=7 * 86400, say=lambda _: None)
        assert loaded.rows[SAGA.owner]["orders"] == SAGAS
        yield found


def both_ways(dsns: dict[str, str], options: AuditOptions) -> tuple[dict[str, Any], ...]:
    """The report of the databases read whole, and streamed (Kafka left out of both)."""
    snap = Snapshot()
    auditor.load_databases(SAGA, dsns, options, snap)
    whole = report_of(AUDITS, db_verdict(AUDITS, snap, options.grace_s), snap, options)
    db, outboxes = stream.read(SAGA, dsns, options)
    streamed = report_of(AUDITS, db, Snapshot(outboxes=outboxes), options)
    return normal(whole.as_json()), normal(streamed.as_json())


def normal(report: dict[str, Any]) -> dict[str, Any]:
    """Findings in one order (whole reads come in the tables' order, streams by saga id);
    a stuck saga's age without the time that passed between the two reads."""
    for stuck in report["stuck"]:
        stuck["data"].pop("age_s")
        stuck["message"] = re.sub(r"for \d+ s", "for N s", stuck["message"])
    for part in ("violations", "warnings", "stuck"):
        report[part].sort(key=lambda f: (f["kind"], f["subject"], f["message"]))
    return report


def execute(dsn: str, query: str, *params: Any) -> Any:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(query, params).fetchone()
        return row[0] if row else None


def test_a_loaded_history_is_clean_and_audited_alike_both_ways(
        dsns: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[int] = []
    monkeypatch.setattr(stream, "PROGRESS_EVERY", 10_000)
    whole, streamed = both_ways(dsns, AuditOptions(progress=told.append))
    assert streamed == whole
    assert streamed["ok"], streamed["violations"][:3]
    assert streamed["counts"]["orders_total"] == SAGAS
    assert streamed["counts"]["payments"] == SAGAS and streamed["counts"]["accounts"] > 0
    assert told == [10_000, 20_000, 30_000, 40_000]


@pytest.fixture
def planted(dsns: dict[str, str]) -> Iterator[dict[str, str]]:
    """Among the sagas: a confirmed order whose payment was refunded (its account's books
    off too), a reservation of no order, and an order stuck PENDING for an hour."""
    pay, stock, owner = dsns["payment"], dsns["inventory"], dsns[SAGA.owner]
    refunded = execute(pay, "UPDATE payments SET status = 'REFUNDED' WHERE order_id = (SELECT"
                       " order_id FROM payments WHERE status = 'CHARGED' ORDER BY order_id"
                       " OFFSET 12345 LIMIT 1) RETURNING order_id")
    user = execute(pay, "SELECT user_id FROM payments WHERE order_id = %s", refunded)
    orphan, stuck = str(uuid.uuid4()), str(uuid.uuid4())
    execute(stock, "INSERT INTO reservations (order_id, status, items) VALUES"
                   " (%s, 'FAILED', '[]') RETURNING 1", orphan)
    execute(owner, "INSERT INTO orders (order_id, user_id, total_amount, status, created_at)"
                   " VALUES (%s, 'u-stuck', 5, 'PENDING', now() - interval '1 hour')"
                   " RETURNING 1", stuck)
    yield {"refunded": refunded, "user": user, "orphan": orphan, "stuck": stuck}
    execute(pay, "UPDATE payments SET status = 'CHARGED' WHERE order_id = %s RETURNING 1",
            refunded)
    execute(stock, "DELETE FROM reservations WHERE order_id = %s RETURNING 1", orphan)
    execute(owner, "DELETE FROM orders WHERE order_id = %s RETURNING 1", stuck)


def findings(report: dict[str, Any], part: str) -> set[tuple[str, str]]:
    return {(f["kind"], f["subject"]) for f in report[part]}


def test_violations_planted_among_the_sagas_are_found_alike_both_ways(
        dsns: dict[str, str], planted: dict[str, str]) -> None:
    whole, streamed = both_ways(dsns, AuditOptions())
    assert streamed == whole
    assert findings(streamed, "violations") == {
        ("confirmed-not-charged", f"order {planted['refunded']}"),
        ("money-not-conserved", f"account {planted['user']}")}
    assert findings(streamed, "warnings") == {
        ("orphan-reservation", f"reservation {planted['orphan']}")}
    assert findings(streamed, "stuck") == {("stuck", f"order {planted['stuck']}")}


def test_since_scopes_both_ways_alike(dsns: dict[str, str], planted: dict[str, str]) -> None:
    """Half the history is in scope: the older half's records are neither counted nor
    orphans; the books stay whole."""
    since = PLAN.start + (PLAN.end - PLAN.start) / 2
    whole, streamed = both_ways(dsns, AuditOptions(since=since))
    assert streamed == whole
    assert SAGAS // 2 - 10 < streamed["counts"]["orders_total"] < SAGAS // 2 + 10
    assert ("orphan-reservation", f"reservation {planted['orphan']}") in findings(
        streamed, "warnings")
    assert streamed["counts"]["orphans"] == 1


def plan_of(dsn: str, query: str, params: dict[str, Any]) -> Any:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute("EXPLAIN (FORMAT JSON) " + query, params).fetchone()


def test_an_incremental_pass_judges_only_what_changed_through_indexes(
        dsns: dict[str, str], planted: dict[str, str]) -> None:
    """After a full pass, a pass judges the sagas not final and those finished since (here:
    the stuck one, and a confirmed order nobody paid for, planted after the full pass) and
    finds what the full audit finds of them; the owner's query for them uses its indexes."""
    options = AuditOptions()
    full, _ = stream.read(SAGA, dsns, options)
    last = follow.next_checkpoint(None, full, True)
    assert full.as_of is not None and sum(full.by_status.values()) == SAGAS + 1
    unpaid = str(uuid.uuid4())
    execute(dsns[SAGA.owner], "INSERT INTO orders (order_id, user_id, total_amount, status,"
            " finished_at) VALUES (%s, 'u-unpaid', 7, 'CONFIRMED', now()) RETURNING 1", unpaid)
    try:
        changed, _ = follow.changed(SAGA, dsns, options, last)
        whole, streamed = both_ways(dsns, options)
    finally:
        execute(dsns[SAGA.owner], "DELETE FROM orders WHERE order_id = %s RETURNING 1", unpaid)
    assert dict(changed.by_status) == {"PENDING": 1, "CONFIRMED": 1}
    found = {(f.kind, f.subject) for f in changed.verdicts.violations}
    assert found == {("confirmed-not-charged", f"order {unpaid}"),
                     ("confirmed-not-reserved", f"order {unpaid}")}
    assert found <= findings(streamed, "violations") and streamed == whole
    assert [(s.kind, s.subject) for s in changed.verdicts.stuck] == [
        ("stuck", f"order {planted['stuck']}")]
    history.vacuum(dsns[SAGA.owner], ["orders"])
    plan = plan_of(dsns[SAGA.owner], order_audit.CHANGED, {
        "not_final": list(SAGA.statuses.not_final), "finished": last.as_of})
    assert "Seq Scan" not in str(plan), plan


def test_a_step_on_the_cores_records_streams_in_saga_id_order_and_finds_by_id(
        stack: Stack) -> None:
    """What the shipping example's audit inherits (`audit/records.py`): its records in the
    order the merge needs, and by id for an incremental pass (ids that are no uuid: none)."""
    audit = RecordsAudit("bookings", Names("booking", "bookings", "rooms"), {"OK"}, set())
    ids = sorted(str(uuid.uuid4()) for _ in range(7))
    with scratch_schema(stack.settings.dsn(SAGA.owner), []) as dsn, \
            psycopg.connect(dsn) as conn:
        conn.execute(table_sql("bookings"))
        for saga_id in reversed(ids):
            conn.execute("INSERT INTO bookings (saga_id, status) VALUES (%s, 'OK')", (saga_id,))
        assert [r.saga_id for r in audit.records_by_key(conn, None)] == ids
        conn.execute("SET enable_sort = off")  # in its primary key's order, not by a sort
        plan = conn.execute("EXPLAIN " + audit.by_key_query().as_string(conn),
                            {"since": None}).fetchall()
        assert "Sort" not in str(plan), plan
        found = audit.records_of(conn, [ids[2], ids[5], "not-a-uuid"])
        assert sorted(r.saga_id for r in found) == [ids[2], ids[5]]


def test_the_owners_stream_can_come_in_its_primary_keys_order(dsns: dict[str, str]) -> None:
    """Its order is the uuid column's, which the primary key gives without a sort (a sort of
    every order is minutes at 10 million), not the order of its text in the select list."""
    with psycopg.connect(dsns[SAGA.owner], autocommit=True) as conn:
        conn.execute("SET enable_sort = off")  # the plan avoids a sort whenever it can
        plan = conn.execute("EXPLAIN " + order_audit.BY_KEY, {"since": None}).fetchall()
    assert "Sort" not in str(plan), plan
