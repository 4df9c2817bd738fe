"""Loads a snapshot of the saga, one database per declared service and Kafka, evaluates it,
and re-checks until it holds or the wait runs out.

Order matters across sources: the owner's records are read first, so a final saga is
compared with step records at least as new as itself.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from sagaline import saga_choice
from sagaline.audit import (
    dead_letters,
    follow,
    order_checks,
    read_db,
    read_events,
    read_kafka,
    sources,
    stream,
)
from sagaline.audit.checkpoint import Checkpoint
from sagaline.audit.evaluate import AuditOptions, evaluate, report_of
from sagaline.audit.findings import Report
from sagaline.audit.read_db import SourceUnavailable
from sagaline.audit.rows import DeadLetter, Snapshot, StepRows
from sagaline.audit.sources import Audits
from sagaline.core.messaging import inbox
from sagaline.core.saga import Saga
from sagaline.ops.kafka_admin import admin_client
from sagaline.settings import SystemSettings

RECHECK_EVERY_S = 1.0


def load(saga: Saga, settings: SystemSettings, options: AuditOptions) -> Snapshot:
    """Everything the checks need, each database read whole, in a handful of set-based
    queries per source."""
    snap = Snapshot()
    load_databases(saga, dsns_of(saga, settings), options, snap)
    load_kafka(saga, settings, options, snap)
    return snap


def dsns_of(saga: Saga, settings: SystemSettings) -> dict[str, str]:
    return {name: sources.dsn(settings, name, saga) for name in saga.names}


def load_kafka(saga: Saga, settings: SystemSettings, options: AuditOptions,
               snap: Snapshot) -> None:
    """Consumer lag, dead letters and the saga topics' events."""
    client = admin_client(settings.kafka_bootstrap_servers, settings.kafka_client_config)
    snap.lags = read_kafka.lags(client, saga.subscriptions())
    letters = read_events.read(client, settings.kafka_bootstrap_servers,
                               settings.kafka_client_config, saga.dead_letter_topics,
                               options.since, dead_letters.reader(saga))
    snap.dead_letters = handled_since(saga, settings, letters)
    judge = order_checks.OrderJudge(frozenset(order_checks.ordered_topics(saga)))
    for partition in read_events.events_by_partition(
            client, settings.kafka_bootstrap_servers, settings.kafka_client_config, saga,
            options.since):
        judge.partition(partition)
    snap.ordering, snap.kafka_events = judge.verdict(), judge.events


def load_databases(saga: Saga, dsns: Mapping[str, str], options: AuditOptions,
                   snap: Snapshot) -> None:
    """One snapshot per declared service, the owner's first: its audit's records and books,
    and its outbox."""
    audits = Audits.of(saga)
    since, age = options.since, options.outbox_age_s
    owner_first = [saga.owner, *(n for n in saga.names if n != saga.owner)]
    outboxes = {}
    for name in owner_first:
        with read_db.snapshot(name, dsns[name]) as conn:
            if name == saga.owner:
                snap.sagas = list(audits.owner.sagas(conn, since))
            elif (step := audits.steps.get(name)) is not None:
                snap.steps[name] = StepRows(list(step.records(conn, since)),
                                            list(step.books(conn)))
            outboxes[name] = read_db.outbox(conn, name, since, age)
    snap.outboxes = [outboxes[name] for name in saga.names]  # in the saga's order
    snap.known_saga_ids = {s.saga_id for s in snap.sagas}
    named = {r.saga_id for rows in snap.steps.values() for r in rows.records}
    if unknown := named - snap.known_saga_ids:  # outside `since`, or orphans
        with read_db.snapshot(saga.owner, dsns[saga.owner]) as conn:
            snap.known_saga_ids |= audits.owner.existing(conn, unknown)


def handled_since(saga: Saga, settings: SystemSettings,
                  letters: list[DeadLetter]) -> list[DeadLetter]:
    """`letters`, each valid event marked `handled` when its consumer's inbox holds it (it
    was replayed and handled since it was dead-lettered)."""
    marked = []
    for service in saga.services:
        mine = [d for d in letters if d.topic == service.dead_letter_topic]
        ids = [uuid.UUID(d.event_id) for d in mine if d.event_id and d.poison is None]
        done: set[uuid.UUID] = set()
        if ids:
            with read_db.snapshot(service.name, sources.dsn(settings, service.name, saga)) as c:
                done = inbox.handled(c, service.consumer_group, ids)
        marked += [dataclasses.replace(d, handled=bool(d.event_id)
                                       and uuid.UUID(d.event_id) in done) for d in mine]
    return marked


def audit_once(saga: Saga, settings: SystemSettings, options: AuditOptions) -> Report:
    if not options.streaming:
        return evaluate(saga, load(saga, settings, options), options)
    probe_kafka(settings)  # a broker down fails now, not after minutes of reading
    snap = Snapshot()
    db, snap.outboxes = stream.read(saga, dsns_of(saga, settings), options)
    load_kafka(saga, settings, options, snap)  # after: lag as new as the databases, or newer
    return report_of(Audits.of(saga), db, snap, options)


def probe_kafka(settings: SystemSettings) -> None:
    """SourceUnavailable unless the broker answers."""
    read_kafka.partitions(admin_client(settings.kafka_bootstrap_servers,
                                       settings.kafka_client_config), ())


def audit_pass(saga: Saga, settings: SystemSettings, options: AuditOptions,
               last: Checkpoint | None, full_every_s: float) -> tuple[Report, Checkpoint, bool]:
    """One pass of the incremental audit (`audit.follow`) after `last` (None: the first, a
    full one); returns its report, the checkpoint to keep, and whether it was full."""
    full = follow.is_full(last, full_every_s, datetime.now(UTC))
    probe_kafka(settings)
    snap = Snapshot()
    dsns = dsns_of(saga, settings)
    if full or last is None:
        db, snap.outboxes = stream.read(saga, dsns, options)
    else:
        db, snap.outboxes = follow.changed(saga, dsns, options, last)
    load_kafka(saga, settings, options if full or last is None else
               follow.kafka_options(options, last), snap)
    return report_of(Audits.of(saga), db, snap, options), follow.next_checkpoint(
        last, db, full), full


def audit(settings: SystemSettings, options: AuditOptions, wait_s: float = 0.0,
          saga: Saga | None = None) -> Report:
    """Audit `saga` (the chosen one when None); while it fails, sagas are still in flight,
    or a source is unreachable, and `wait_s` has not passed, audit again ("wait until idle,
    then audit"). Returns the last report; raises SourceUnavailable if the last attempt
    could not reach a source."""
    saga = saga or saga_choice.load()
    started = time.monotonic()
    deadline = started + wait_s
    while True:
        try:
            report = audit_once(saga, settings, options)
            if report.idle or time.monotonic() >= deadline:
                report.waited_s = time.monotonic() - started
                return report
        except SourceUnavailable:
            if time.monotonic() >= deadline:
                raise
        time.sleep(min(RECHECK_EVERY_S, max(0.0, deadline - time.monotonic())))
