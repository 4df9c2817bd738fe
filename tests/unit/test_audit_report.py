"""The auditor as a whole: a snapshot of the seed saga evaluated to a report, the report's
shapes, the CLI."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import orjson
import pytest
from typer.testing import CliRunner

from sagaline import audit
from sagaline.audit.dead_letters import judge
from sagaline.audit.evaluate import AuditOptions, evaluate
from sagaline.audit.rows import DeadLetter, Snapshot, StepRows
from sagaline.cli import app
from sagaline.core.messaging.deadletter import dead_letter_headers
from sagaline.core.messaging.envelope import Envelope, MalformedMessage
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.retry import PermanentError
from sagaline.ops import dlq
from sagaline.seed_saga.inventory import step as inventory_step
from sagaline.seed_saga.inventory.audit import ReservationRow, StockBook
from sagaline.seed_saga.order.audit import OrderRow
from sagaline.seed_saga.payment import step as payment_step
from sagaline.seed_saga.payment.audit import AccountBook, PaymentRow
from sagaline.seed_saga.saga import SAGA
from sagaline.seed_saga.topics import ORDER_CREATED

pytestmark = pytest.mark.unit

ITEMS = [{"sku": "A", "quantity": 1}]
PAYMENT, INVENTORY = payment_step.SERVICE.name, inventory_step.SERVICE.name
PAYMENT_DLQ = payment_step.SERVICE.dead_letter_topic


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
        dead_letters=[letter(b"not json", MalformedMessage("value is not JSON"))],
    )


def letter(value: bytes, error: Exception, headers: dict[str, bytes] | None = None,
           key: str = "o9") -> DeadLetter:
    """A dead letter of `value` on order.created, written as the dead-letter sink writes it
    (`dead_letter_headers`), read back and judged as the auditor does."""
    message = IncomingMessage(ORDER_CREATED, 0, 7, key.encode(), value, headers or {})
    stored = dlq.DeadLetter(PAYMENT_DLQ, 0, 3, key, value,
                            dead_letter_headers(message, error, "payment-service"))
    return judge(stored, SAGA)


def valid_order_created(key: str = "o9", error: Exception | None = None) -> DeadLetter:
    event = Envelope.first(ORDER_CREATED, key, {
        "orderId": key, "userId": "u1", "totalAmount": 5, "createdAt": "2025-01-01T00:00:00Z"})
    headers = {k: v.encode() for k, v in event.headers().items()}
    return letter(event.value(), error or RuntimeError("a bug in the handler"), headers, key)


def test_a_healthy_snapshot_is_ok_with_counts_and_dead_letters_as_warnings() -> None:
    report = evaluate(SAGA, healthy(), AuditOptions(expected_poison=("o9",)))
    assert report.ok and report.violations == [] and report.stuck == []
    assert [w.kind for w in report.warnings] == ["dead-letters"]
    c = report.counts
    assert c["orders"] == {"CONFIRMED": 1, "PENDING": 1} and c["in_flight"] == 1
    assert (c["accounts"], c["skus"], c["dead_letters"], c["payments"]) == (1, 1, 1, 1)
    assert report.text().startswith("OK: 2 orders (CONFIRMED 1, PENDING 1), in flight 1")


def test_the_seed_sagas_summary_and_counts_read_as_they_always_did() -> None:
    report = evaluate(SAGA, healthy(), AuditOptions(expected_poison=("o9",)))
    assert report.summary() == (
        "OK: 2 orders (CONFIRMED 1, PENDING 1), in flight 1, stuck 0, accounts 1, SKUs 1,"
        " dead letters 1, violations 0, warnings 1")
    assert list(report.counts) == [
        "orders", "orders_total", "in_flight", "stuck", "payments", "reservations", "orphans",
        "accounts", "skus", "dead_letters", "consumer_lag", "outbox_failed", "kafka_events",
        "kafka_copies", "violations", "warnings"]


def test_a_valid_event_in_a_dead_letter_is_lost_work_and_fails_the_audit() -> None:
    snap = healthy()
    snap.dead_letters = [valid_order_created()]
    report = evaluate(SAGA, snap, AuditOptions())
    assert not report.ok
    [violation] = report.violations
    assert (violation.kind, violation.subject) == ("dead-lettered-event", "order o9")
    assert "RuntimeError: a bug in the handler" in violation.message
    # even where the caller expects poison of that saga: a valid event is never poison
    report = evaluate(SAGA, snap, AuditOptions(expected_poison=("o9",)))
    assert [v.kind for v in report.violations] == ["dead-lettered-event", "missing-poison"]


def test_a_valid_event_handled_since_its_dead_letter_is_no_loss() -> None:
    snap = healthy()
    snap.dead_letters = [replace(valid_order_created(), handled=True)]
    assert evaluate(SAGA, snap, AuditOptions()).ok


def test_poison_must_be_expected_by_saga_id() -> None:
    unexpected = evaluate(SAGA, healthy(), AuditOptions())
    assert [v.kind for v in unexpected.violations] == ["unexpected-poison"]
    assert "not an event" in unexpected.violations[0].message
    missing = evaluate(SAGA, healthy(), AuditOptions(expected_poison=("o9", "o8")))
    assert [(v.kind, v.subject) for v in missing.violations] == [("missing-poison", "order o8")]
    assert evaluate(SAGA, healthy(), AuditOptions(expected_poison=None)).ok  # not judged


@pytest.mark.parametrize(("value", "error", "why"), [
    (b"[1]", MalformedMessage("not an object"), "not an event"),
    (b'{"orderId": "x"}', RuntimeError("whatever it said"), "breaks the model of order.created"),
])
def test_a_letter_that_is_no_valid_event_is_poison(value: bytes, error: Exception,
                                                   why: str) -> None:
    judged = letter(value, error)
    assert judged.poison is not None and why in judged.poison
    assert valid_order_created().poison is None


def test_a_letter_its_handler_refused_for_good_is_poison() -> None:
    valid = valid_order_created()
    refused = valid_order_created(error=PermanentError("orderId 'o9' is not a UUID"))
    assert valid.poison is None and refused.poison is not None
    assert "refused by its handler" in refused.poison


def test_lenient_dead_letters_are_only_warnings() -> None:
    snap = healthy()
    snap.dead_letters.append(valid_order_created())
    report = evaluate(SAGA, snap, AuditOptions(dead_letters_fail=False))
    assert report.ok and [w.kind for w in report.warnings] == ["dead-letters"]


def test_a_stuck_order_fails_the_audit_and_shows_in_json() -> None:
    snap = healthy()
    snap.sagas[1] = OrderRow("o2", "u1", Decimal(7), "PENDING", [], 31.0)
    report = evaluate(SAGA, snap, AuditOptions(grace_s=30.0, expected_poison=("o9",)))
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
    report = evaluate(SAGA, snap, AuditOptions(expected_poison=("o9",)))
    [violation] = report.violations
    assert violation.kind == "confirmed-not-charged"
    assert "confirmed-not-charged" in report.text() and "order o1" in report.text()
    assert report.as_json()["violations"][0]["data"]["total_amount"] == "5"


def test_a_steps_books_are_checked_by_its_own_audit() -> None:
    snap = healthy()
    snap.steps[INVENTORY].books = [StockBook("A", 10, 8, 1)]
    [violation] = evaluate(SAGA, snap, AuditOptions(expected_poison=("o9",))).violations
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


def test_a_finding_about_one_saga_names_it_and_one_about_a_book_does_not() -> None:
    """The dashboard links each finding to its saga's timeline by `saga_id`."""
    snap = healthy()
    snap.steps[PAYMENT].records = snap.steps[PAYMENT].records[1:]  # o1's charge is gone
    snap.sagas[1] = OrderRow("o2", "u1", Decimal(7), "PENDING", [], 31.0)
    snap.dead_letters.append(valid_order_created("o3"))
    report = evaluate(SAGA, snap, AuditOptions(grace_s=30.0, expected_poison=("o9",)))
    body = report.as_json()
    assert {(v["kind"], v["saga_id"]) for v in body["violations"]} >= {
        ("confirmed-not-charged", "o1"), ("dead-lettered-event", "o3")}
    assert [s["saga_id"] for s in body["stuck"]] == ["o2"]
    books = evaluate(SAGA, snap, AuditOptions(grace_s=30.0, expected_poison=None,
                                              dead_letters_fail=False))
    assert [w.saga_id for w in books.warnings if w.kind == "dead-letters"] == [None]
