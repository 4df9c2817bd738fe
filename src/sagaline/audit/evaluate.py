"""From a snapshot to a report: every check, pure, in one place: the owner's (every saga
ends), each step's (its records at the saga's end, its books), and the ones every saga has
(outboxes, consumer lag, dead letters, the order of events on Kafka)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sagaline.audit import dead_letters, order_checks, rest_checks, saga_checks
from sagaline.audit.findings import Report
from sagaline.audit.rows import Snapshot, StepRows
from sagaline.audit.sources import Audits
from sagaline.core.saga import Saga

DEFAULT_GRACE_S = 30.0
DEFAULT_OUTBOX_AGE_S = 5.0


@dataclass(frozen=True)
class AuditOptions:
    """`since`: only sagas created at or after it (and the steps' records of them); the
    books and Kafka are checked whole. `grace_s`: how long a saga may be in flight.
    `outbox_age_s`: how long an outbox row may wait for the relay. `dead_letters_fail`: a
    dead-lettered valid event is a violation, and so is poison other than `expected_poison`
    (the saga ids of the poison the caller sent; None: poison is not judged); False: every
    dead letter is only a warning (see audit.dead_letters)."""

    since: datetime | None = None
    grace_s: float = DEFAULT_GRACE_S
    outbox_age_s: float = DEFAULT_OUTBOX_AGE_S
    dead_letters_fail: bool = True
    expected_poison: Sequence[str] | None = ()


def evaluate(saga: Saga, snap: Snapshot, options: AuditOptions) -> Report:
    audits = Audits.of(saga)
    rows = {name: snap.steps.get(name, StepRows()) for name in audits.steps}
    every = {name: {r.saga_id: r for r in rows[name].records} for name in audits.steps}
    in_scope = {s.saga_id for s in snap.sagas}
    records = {name: {i: r for i, r in by_saga.items() if i in in_scope}
               for name, by_saga in every.items()}
    verdicts = saga_checks.check_sagas(audits, snap.sagas, records, options.grace_s)
    report = Report(stuck=verdicts.stuck, sagas=audits.owner.plural,
                    books=tuple((a.names.books, a.names.label) for a in audits.steps.values()))
    report.violations += verdicts.violations
    for name, audit in audits.steps.items():
        report.violations += audit.book_problems(rows[name].books)
    report.violations += rest_checks.outbox_problems(snap.outboxes, options.outbox_age_s)
    report.violations += rest_checks.lag_problems(snap.lags)
    ordering = order_checks.check_event_order(snap.events, order_checks.ordered_topics(saga))
    report.violations += ordering.violations
    lost, letters = dead_letters.findings(snap.dead_letters, options.dead_letters_fail,
                                          options.expected_poison, audits.owner.noun)
    report.violations += lost
    report.warnings += letters
    orphans = saga_checks.orphans(audits, every, snap.known_saga_ids)
    report.warnings += orphans
    plural = audits.owner.plural
    report.counts = {
        plural: dict(Counter(s.status for s in snap.sagas)),
        f"{plural}_total": len(snap.sagas),
        "in_flight": verdicts.in_flight,
        "stuck": len(verdicts.stuck),
        **{a.names.records: len(records[name]) for name, a in audits.steps.items()},
        "orphans": len(orphans),
        **{a.names.books: len(rows[name].books) for name, a in audits.steps.items()},
        "dead_letters": len(snap.dead_letters),
        "consumer_lag": sum(p.lag for p in snap.lags),
        "outbox_failed": sum(b.failed for b in snap.outboxes),
        "kafka_events": len(snap.events),
        "kafka_copies": ordering.copies,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
    }
    return report
