"""The incremental audit: each pass judges only the sagas that may have changed since the
last one (`checkpoint`), read through the owner's indexes, so its cost follows the traffic
since, not the history.

A final saga's status never changes again; so a pass re-reads the sagas not final, and those
that became final since the last pass's snapshot less the grace period (a saga final but
not yet settled then was counted in flight, and is judged again once settled), with each
step's records of them, a batch at a time. Kafka is read since the last pass. The books (a
sum over every record) and the orphans (records of no saga) are judged on full passes: the
first one, and then whenever the last is older than `full_every_s`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from contextlib import ExitStack
from datetime import datetime, timedelta

from sagaline.audit import read_db, saga_checks, stream
from sagaline.audit.checkpoint import Checkpoint
from sagaline.audit.evaluate import AuditOptions, DbVerdict
from sagaline.audit.rows import OutboxState
from sagaline.audit.sources import Audits
from sagaline.audit.step import OwnerIncremental, StepIncremental
from sagaline.core.saga import Saga


def require_incremental(audits: Audits) -> None:
    """A ValueError naming the first audit that cannot say what changed."""
    if not isinstance(audits.owner, OwnerIncremental):
        raise ValueError(f"saga {audits.saga.name}: the owner's audit has no sagas_changed:"
                         " it cannot be audited incrementally")
    for name, audit in audits.steps.items():
        if not isinstance(audit, StepIncremental):
            raise ValueError(f"saga {audits.saga.name}: the audit of {name!r} has no"
                             " records_of: it cannot be audited incrementally")


def changed(saga: Saga, dsns: Mapping[str, str], options: AuditOptions, last: Checkpoint
            ) -> tuple[DbVerdict, list[OutboxState]]:
    """The verdict on the sagas that may have changed since `last`, and each outbox."""
    audits = Audits.of(saga)
    require_incremental(audits)
    owner = audits.owner
    assert isinstance(owner, OwnerIncremental)
    db = DbVerdict(saga_checks.SagaVerdicts(), records=dict.fromkeys(audits.steps, 0),
                   books=dict.fromkeys(audits.steps, 0))
    finished_since = last.as_of - timedelta(seconds=options.grace_s) - read_db.SKEW
    with ExitStack() as stack:
        conns = stream.snapshots(stack, saga, dsns, db)
        rows = owner.sagas_changed(conns[saga.owner], audits.saga.statuses.not_final,
                                   finished_since)
        for chunk in stream.batches(read_db.guarded(saga.owner, rows), read_db.BATCH):
            ids = [s.saga_id for s in chunk]
            held: dict[str, dict[str, object]] = {}
            for name, audit in audits.steps.items():
                assert isinstance(audit, StepIncremental)
                with read_db.named(name):
                    held[name] = {r.saga_id: r for r in audit.records_of(conns[name], ids)}
            for one in chunk:
                stream.judge_one(audits, one, {name: by_id[one.saga_id] for name, by_id
                                               in held.items() if one.saga_id in by_id},
                                 options, db)
        return db, stream.outboxes(saga, conns, options)


def next_checkpoint(last: Checkpoint | None, db: DbVerdict, full: bool) -> Checkpoint:
    as_of = db.as_of or datetime.now().astimezone()
    if last is None:
        return Checkpoint(as_of, as_of)
    return Checkpoint(as_of, as_of if full else last.full_at, last.passes + 1)


def is_full(last: Checkpoint | None, full_every_s: float, now: datetime) -> bool:
    return last is None or (full_every_s > 0 and
                            (now - last.full_at).total_seconds() >= full_every_s)


def kafka_options(options: AuditOptions, last: Checkpoint) -> AuditOptions:
    """Kafka since the last pass (less the clock margin)."""
    return dataclasses.replace(options, since=last.as_of - read_db.SKEW)
