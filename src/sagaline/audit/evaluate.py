"""From a snapshot to a report: every check, pure, in one place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sagaline.audit import book_checks, order_checks, rest_checks, saga_checks
from sagaline.audit.findings import Report
from sagaline.audit.rows import Snapshot

DEFAULT_GRACE_S = 30.0
DEFAULT_OUTBOX_AGE_S = 5.0


@dataclass(frozen=True)
class AuditOptions:
    """`since`: only orders created at or after it (and their payments and reservations);
    the books and Kafka are checked whole. `grace_s`: how long an order may be in flight.
    `outbox_age_s`: how long an outbox row may wait for the relay. `dead_letters_fail`:
    count dead letters as violations instead of warnings."""

    since: datetime | None = None
    grace_s: float = DEFAULT_GRACE_S
    outbox_age_s: float = DEFAULT_OUTBOX_AGE_S
    dead_letters_fail: bool = False


def evaluate(snap: Snapshot, options: AuditOptions) -> Report:
    in_scope = {o.order_id for o in snap.orders}
    payments = {p.order_id: p for p in snap.payments if p.order_id in in_scope}
    reservations = {r.order_id: r for r in snap.reservations if r.order_id in in_scope}
    verdicts = saga_checks.check_orders(snap.orders, payments, reservations, options.grace_s)
    report = Report(stuck=verdicts.stuck)
    report.violations += verdicts.violations
    report.violations += book_checks.money_problems(snap.accounts)
    report.violations += book_checks.stock_problems(snap.stock)
    report.violations += rest_checks.outbox_problems(snap.outboxes, options.outbox_age_s)
    report.violations += rest_checks.lag_problems(snap.lags)
    ordering = order_checks.check_event_order(snap.events)
    report.violations += ordering.violations
    dead = rest_checks.dead_letter_findings(snap.dead_letters)
    (report.violations if options.dead_letters_fail else report.warnings).extend(dead)
    orphans = saga_checks.orphans(snap.payments, snap.reservations, snap.known_order_ids)
    report.warnings += orphans
    report.counts = {
        "orders": dict(Counter(o.status for o in snap.orders)),
        "orders_total": len(snap.orders),
        "in_flight": verdicts.in_flight,
        "stuck": len(verdicts.stuck),
        "payments": len(payments),
        "reservations": len(reservations),
        "orphans": len(orphans),
        "accounts": len(snap.accounts),
        "skus": len(snap.stock),
        "dead_letters": sum(d.count for d in snap.dead_letters),
        "consumer_lag": sum(p.lag for p in snap.lags),
        "outbox_failed": sum(b.failed for b in snap.outboxes),
        "kafka_events": len(snap.events),
        "kafka_copies": ordering.copies,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
    }
    return report
