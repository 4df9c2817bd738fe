"""The databases' part of the audit, streamed: every saga in scope with each step's record
of it, read a batch at a time in saga-id order and merged by key (`merge`), judged one saga
at a time; the books a batch at a time. What it keeps grows with the findings, not with the
history: counts, the verdicts, and at most `ORPHAN_BATCH` records of unknown sagas.

The owner's snapshot is taken first (as the whole read does), so a final saga is compared
with step records at least as new as itself. The same checks judge what it reads as the
whole read's (`evaluate.db_verdict`), so the report is the same.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from typing import Any

import psycopg

from sagaline.audit import merge, read_db, saga_checks
from sagaline.audit.evaluate import AuditOptions, DbVerdict
from sagaline.audit.rows import OutboxState
from sagaline.audit.sources import Audits
from sagaline.audit.step import AnyStepAudit, OwnerAudit, OwnerStream, StepStream
from sagaline.core.saga import Saga

PROGRESS_EVERY = 100_000  # sagas
ORPHAN_BATCH = 1_000  # records of sagas not in scope, looked up at once
BOOK_BATCH = 10_000
Progress = Callable[[int], None]


def read(saga: Saga, dsns: Mapping[str, str], options: AuditOptions
         ) -> tuple[DbVerdict, list[OutboxState]]:
    """The verdict on the databases (`dsns` by service name) and each one's outbox."""
    audits = Audits.of(saga)
    since = options.since
    db = DbVerdict(saga_checks.SagaVerdicts(), records=dict.fromkeys(audits.steps, 0),
                   books=dict.fromkeys(audits.steps, 0))
    with ExitStack() as stack:
        conns = snapshots(stack, saga, dsns, db)
        owner = (saga.owner, read_db.guarded(saga.owner, owner_rows(audits.owner,
                                                                    conns[saga.owner], since)))
        steps = {name: read_db.guarded(name, step_rows(audit, conns[name], since))
                 for name, audit in audits.steps.items()}
        judge_sagas(audits, owner, steps, conns[saga.owner], options, db)
        judge_books(audits, conns, db)
        return db, outboxes(saga, conns, options)


def snapshots(stack: ExitStack, saga: Saga, dsns: Mapping[str, str], db: DbVerdict
              ) -> dict[str, psycopg.Connection]:
    """A snapshot of each database, the owner's first (its clock's time in `db.as_of`)."""
    conns: dict[str, psycopg.Connection] = {}
    for name in [saga.owner, *(n for n in saga.names if n != saga.owner)]:
        conns[name] = stack.enter_context(
            read_db.snapshot(name, dsns[name], read_db.STREAM_TIMEOUT_MS))
        with read_db.named(name):  # its snapshot is taken now: the owner's first
            now = conns[name].execute("SELECT now()").fetchone()
        if name == saga.owner and now:
            db.as_of = now[0]
    return conns


def judge_books(audits: Audits, conns: Mapping[str, psycopg.Connection], db: DbVerdict) -> None:
    for name, audit in audits.steps.items():
        for chunk in batches(read_db.guarded(name, audit.books(conns[name])), BOOK_BATCH):
            db.books[name] += len(chunk)
            db.book_problems += audit.book_problems(chunk)


def outboxes(saga: Saga, conns: Mapping[str, psycopg.Connection], options: AuditOptions
             ) -> list[OutboxState]:
    found = []
    for name in saga.names:
        with read_db.named(name):
            found.append(read_db.outbox(conns[name], name, options.since, options.outbox_age_s))
    return found


def judge_sagas(audits: Audits, owner: tuple[str, Iterable[Any]],
                steps: Mapping[str, Iterable[Any]], owner_conn: psycopg.Connection,
                options: AuditOptions, db: DbVerdict) -> None:
    unknown: list[tuple[str, Any]] = []
    judged = 0
    for saga, held in merge.by_key(owner, steps):
        if saga is None:  # no saga in scope: an older one's, or an orphan
            unknown += held.items()
            if len(unknown) >= ORPHAN_BATCH:
                db.orphans += orphans(audits, owner_conn, unknown, options)
                unknown = []
            continue
        judged += 1
        judge_one(audits, saga, held, options, db)
        if options.progress and judged % PROGRESS_EVERY == 0:
            options.progress(judged)
    db.orphans += orphans(audits, owner_conn, unknown, options)


def judge_one(audits: Audits, saga: Any, held: Mapping[str, Any], options: AuditOptions,
              db: DbVerdict) -> None:
    """Judge one saga in scope, given each step's record of it (absent: none), and count."""
    db.by_status[saga.status] += 1
    for name in held:
        db.records[name] += 1
    saga_checks.judge(audits, saga, {name: held.get(name) for name in audits.steps},
                      options.grace_s, db.verdicts)


def orphans(audits: Audits, owner_conn: psycopg.Connection, unknown: list[tuple[str, Any]],
            options: AuditOptions) -> list[Any]:
    """The orphans among records of sagas not in scope: all of them when every saga is in
    scope, else those of sagas the owner has no record of, whenever they started."""
    if not unknown:
        return []
    known: set[str] = set()
    if options.since is not None:
        with read_db.named(audits.saga.owner):
            known = audits.owner.existing(owner_conn, {r.saga_id for _, r in unknown})
    return [saga_checks.orphan(audits, name, r) for name, r in unknown
            if r.saga_id not in known]


def owner_rows(audit: OwnerAudit, conn: psycopg.Connection, since: Any) -> Iterator[Any]:
    if isinstance(audit, OwnerStream):
        return audit.sagas_by_key(conn, since)
    return iter(sorted(audit.sagas(conn, since), key=lambda r: r.saga_id))  # held whole


def step_rows(audit: AnyStepAudit, conn: psycopg.Connection, since: Any) -> Iterator[Any]:
    if isinstance(audit, StepStream):
        return audit.records_by_key(conn, since)
    return iter(sorted(audit.records(conn, since), key=lambda r: r.saga_id))  # held whole


def batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
