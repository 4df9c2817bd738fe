"""From a snapshot to a report: every check, pure, in one place: the owner's (every saga
ends), each step's (its records at the saga's end, its books), and the ones every saga has
(outboxes, consumer lag, dead letters, the order of events on Kafka)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sagaline.audit import dead_letters, order_checks, rest_checks, saga_checks
from sagaline.audit.findings import Finding, Report
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
    dead letter is only a warning (see audit.dead_letters). `streaming`: read the databases
    a batch at a time, merged by saga id (`audit.stream`: memory bounded whatever the
    history); False: each whole, into lists (the reference the tests compare it with).
    `progress`: told the count of sagas judged, every 100,000, while streaming."""

    since: datetime | None = None
    grace_s: float = DEFAULT_GRACE_S
    outbox_age_s: float = DEFAULT_OUTBOX_AGE_S
    dead_letters_fail: bool = True
    expected_poison: Sequence[str] | None = ()
    streaming: bool = True
    progress: Callable[[int], None] | None = None


@dataclass
class DbVerdict:
    """What the databases' saga records and books say, however they were read (whole, here;
    streamed, `audit.stream`): the verdicts on the sagas in scope, their count by status,
    each step's records of them, its books' count and problems, and the orphans."""

    verdicts: saga_checks.SagaVerdicts
    by_status: Counter[str] = field(default_factory=Counter)
    records: dict[str, int] = field(default_factory=dict)  # service -> records in scope
    books: dict[str, int] = field(default_factory=dict)  # service -> book rows
    book_problems: list[Finding] = field(default_factory=list)
    orphans: list[Finding] = field(default_factory=list)
    as_of: datetime | None = None  # the owner's snapshot, by its database's clock


def evaluate(saga: Saga, snap: Snapshot, options: AuditOptions) -> Report:
    """The report of a snapshot read whole."""
    audits = Audits.of(saga)
    return report_of(audits, db_verdict(audits, snap, options.grace_s), snap, options)


def db_verdict(audits: Audits, snap: Snapshot, grace_s: float) -> DbVerdict:
    rows = {name: snap.steps.get(name, StepRows()) for name in audits.steps}
    every = {name: {r.saga_id: r for r in rows[name].records} for name in audits.steps}
    in_scope = {s.saga_id for s in snap.sagas}
    records = {name: {i: r for i, r in by_saga.items() if i in in_scope}
               for name, by_saga in every.items()}
    db = DbVerdict(saga_checks.check_sagas(audits, snap.sagas, records, grace_s),
                   Counter(s.status for s in snap.sagas),
                   {name: len(records[name]) for name in audits.steps},
                   {name: len(rows[name].books) for name in audits.steps})
    for name, audit in audits.steps.items():
        db.book_problems += audit.book_problems(rows[name].books)
    db.orphans = saga_checks.orphans(audits, every, snap.known_saga_ids)
    return db


def report_of(audits: Audits, db: DbVerdict, snap: Snapshot, options: AuditOptions) -> Report:
    """The report from the databases' verdict and the rest of the snapshot (outboxes, lag,
    dead letters and the events on Kafka: `snap`'s sagas and steps are not read here)."""
    verdicts = db.verdicts
    report = Report(stuck=verdicts.stuck, sagas=audits.owner.plural,
                    books=tuple((a.names.books, a.names.label) for a in audits.steps.values()))
    report.violations += verdicts.violations
    report.violations += db.book_problems
    report.violations += rest_checks.outbox_problems(snap.outboxes, options.outbox_age_s)
    report.violations += rest_checks.lag_problems(snap.lags)
    ordering = snap.ordering or order_checks.OrderVerdict([], 0)
    report.violations += ordering.violations
    lost, letters = dead_letters.findings(snap.dead_letters, options.dead_letters_fail,
                                          options.expected_poison, audits.owner.noun)
    report.violations += lost
    report.warnings += letters
    report.warnings += db.orphans
    plural = audits.owner.plural
    report.counts = {
        plural: dict(db.by_status),
        f"{plural}_total": sum(db.by_status.values()),
        "in_flight": verdicts.in_flight,
        "stuck": len(verdicts.stuck),
        **{a.names.records: db.records.get(name, 0) for name, a in audits.steps.items()},
        "orphans": len(db.orphans),
        **{a.names.books: db.books.get(name, 0) for name, a in audits.steps.items()},
        "dead_letters": len(snap.dead_letters),
        "consumer_lag": sum(p.lag for p in snap.lags),
        "outbox_failed": sum(b.failed for b in snap.outboxes),
        "kafka_events": snap.kafka_events,
        "kafka_copies": ordering.copies,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
    }
    return report
