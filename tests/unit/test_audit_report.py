"""The auditor as a whole: a snapshot of the seed saga evaluated to a report, the report's
shapes, the CLI."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from typer.testing import CliRunner

from sagaline import audit
from sagaline.audit.evaluate import AuditOptions, evaluate
from sagaline.audit.rows import DeadLetters, Snapshot, StepRows
from sagaline.cli import app
from sagaline.seed_saga.inventory import step as inventory_step
from sagaline.seed_saga.inventory.audit import ReservationRow, StockBook
from sagaline.seed_saga.order.audit import OrderRow
from sagaline.seed_saga.payment import step as payment_step
from sagaline.seed_saga.payment.audit import AccountBook, PaymentRow
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit

ITEMS = [{"sku": "A", "quantity": 1}]
PAYMENT, INVENTORY = payment_step.SERVICE.name, inventory_step.SERVICE.name


def healthy() -> Snapshot:
    return Snapshot(
        sagas=[OrderRow("o1", "u1", Decimal(5), "CONFIRMED", ITEMS, 60.0, 59.0),
               OrderRow("o2", "u1", Decimal(7), "PENDING", [], 1.0)],
        steps={PAYMENT: StepRows([PaymentRow("o1", "u1", Decimal(5), "CHARGED"),
                                  PaymentRow("old", "u1", Decimal(3), "CHARGED")],
                                 [AccountBook("u1", Decimal(92), Decimal(100), Decimal(8))]),
               INVENTORY: StepRows([ReservationRow("o1", "RESERVED", ITEMS)],
                                   [StockBook("A", 10, 9, 1)])},
        known_saga_ids={"o1", "o2", "old"},
        dead_letters=[DeadLetters(SAGA.dead_letter_topics[0], 1)],
    )


def test_a_healthy_snapshot_is_ok_with_counts_and_dead_letters_as_warnings() -> None:
    report = evaluate(SAGA, healthy(), AuditOptions())
    assert report.ok and report.violations == [] and report.stuck == []
    assert [w.kind for w in report.warnings] == ["dead-letters"]
    c = report.counts
    assert c["orders"] == {"CONFIRMED": 1, "PENDING": 1} and c["in_flight"] == 1
    assert (c["accounts"], c["skus"], c["dead_letters"], c["payments"]) == (1, 1, 1, 1)
    assert report.text().startswith("OK: 2 orders (CONFIRMED 1, PENDING 1), in flight 1")


def test_the_seed_sagas_summary_and_counts_read_as_they_always_did() -> None:
    report = evaluate(SAGA, healthy(), AuditOptions())
    assert report.summary() == (
        "OK: 2 orders (CONFIRMED 1, PENDING 1), in flight 1, stuck 0, accounts 1, SKUs 1,"
        " dead letters 1, violations 0, warnings 1")
    assert list(report.counts) == [
        "orders", "orders_total", "in_flight", "stuck", "payments", "reservations", "orphans",
        "accounts", "skus", "dead_letters", "consumer_lag", "outbox_failed", "kafka_events",
        "kafka_copies", "violations", "warnings"]


def test_dead_letters_can_be_made_violations() -> None:
    report = evaluate(SAGA, healthy(), AuditOptions(dead_letters_fail=True))
    assert not report.ok and [v.kind for v in report.violations] == ["dead-letters"]


def test_a_stuck_order_fails_the_audit_and_shows_in_json() -> None:
    snap = healthy()
    snap.sagas[1] = OrderRow("o2", "u1", Decimal(7), "PENDING", [], 31.0)
    report = evaluate(SAGA, snap, AuditOptions(grace_s=30.0))
    assert not report.ok and report.violations == []
    body = orjson.loads(orjson.dumps(report.as_json()))
    assert set(body) == {"ok", "violations", "warnings", "stuck", "counts"}
    assert body["ok"] is False and body["stuck"][0]["data"]["order_id"] == "o2"
    assert "stuck (1):" in report.text()
    assert ("stuck                      order o2: PENDING for 31 s (last outcome: none yet);"
            " payment absent, reservation absent") in report.text()


def test_a_broken_invariant_is_listed_in_text_and_json() -> None:
    snap = healthy()
    snap.steps[PAYMENT].records = snap.steps[PAYMENT].records[1:]  # o1's charge is gone
    report = evaluate(SAGA, snap, AuditOptions())
    [violation] = report.violations
    assert violation.kind == "confirmed-not-charged"
    assert "confirmed-not-charged" in report.text() and "order o1" in report.text()
    assert report.as_json()["violations"][0]["data"]["total_amount"] == "5"


def test_a_steps_books_are_checked_by_its_own_audit() -> None:
    snap = healthy()
    snap.steps[INVENTORY].books = [StockBook("A", 10, 8, 1)]
    [violation] = evaluate(SAGA, snap, AuditOptions()).violations
    assert (violation.kind, violation.subject) == ("stock-not-conserved", "sku A")


def test_the_text_report_shortens_long_sections() -> None:
    report = audit.Report(violations=[audit.Finding("x", f"s{i}", "m") for i in range(5)])
    assert "... and 3 more" in report.text(limit=2)


def test_check_exits_2_with_one_line_when_a_source_is_unreachable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*_: object, **__: object) -> audit.Report:
        raise audit.SourceUnavailable("payment database: connection refused")

    monkeypatch.setattr(audit, "run", unreachable)
    result = CliRunner().invoke(app, ["check"])
    assert result.exit_code == 2
    assert "cannot audit: payment database: connection refused" in result.output


@pytest.mark.parametrize(("report", "code"), [
    (audit.Report(), 0), (audit.Report(violations=[audit.Finding("k", "s", "m")]), 1)])
def test_check_exits_0_when_everything_holds_and_1_otherwise(
        monkeypatch: pytest.MonkeyPatch, report: audit.Report, code: int) -> None:
    monkeypatch.setattr(audit, "run", lambda *_, **__: report)
    result = CliRunner().invoke(app, ["check", "--json", "--since", "2025-01-01T00:00:00"])
    assert result.exit_code == code
    assert orjson.loads(result.stdout)["ok"] is (code == 0)


def test_check_audits_the_saga_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    audited = []

    def run(*_: object, saga: object, **__: object) -> audit.Report:
        audited.append(saga)
        return audit.Report()

    monkeypatch.setattr(audit, "run", run)
    result = CliRunner().invoke(app, ["check", "--saga", "sagaline.seed_saga.saga:SAGA"])
    assert result.exit_code == 0 and audited == [SAGA]
    result = CliRunner().invoke(app, ["check", "--saga", "sagaline.seed_saga.saga:NOPE"])
    assert result.exit_code == 2 and "--saga" in result.output


def test_check_refuses_a_since_that_is_not_a_time() -> None:
    result = CliRunner().invoke(app, ["check", "--since", "yesterday"])
    assert result.exit_code == 2 and "ISO-8601" in result.output
