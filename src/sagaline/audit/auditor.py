"""Loads a snapshot from the three databases and Kafka, evaluates it, and re-checks until it
holds or the wait runs out.

Order matters across sources: orders are read first, so a final order is compared with
payment and inventory states at least as new as itself.
"""

from __future__ import annotations

import time

from sagaline import saga_choice
from sagaline.audit import read_db, read_events, read_kafka
from sagaline.audit.evaluate import AuditOptions, evaluate
from sagaline.audit.findings import Report
from sagaline.audit.read_db import SourceUnavailable
from sagaline.audit.rows import Snapshot
from sagaline.ops.kafka_admin import admin_client
from sagaline.seed_saga import INVENTORY, ORDER, PAYMENT
from sagaline.settings import SystemSettings

RECHECK_EVERY_S = 1.0


def load(settings: SystemSettings, options: AuditOptions) -> Snapshot:
    """Everything the checks need, in a handful of set-based queries per source."""
    since, age = options.since, options.outbox_age_s
    snap = Snapshot()
    with read_db.snapshot(ORDER.name, ORDER.dsn(settings)) as conn:
        snap.orders = read_db.orders(conn, since)
        snap.outboxes.append(read_db.outbox(conn, ORDER.name, since, age))
    with read_db.snapshot(PAYMENT.name, PAYMENT.dsn(settings)) as conn:
        snap.payments = read_db.payments(conn, since)
        snap.accounts = read_db.accounts(conn)
        snap.outboxes.append(read_db.outbox(conn, PAYMENT.name, since, age))
    with read_db.snapshot(INVENTORY.name, INVENTORY.dsn(settings)) as conn:
        snap.reservations = read_db.reservations(conn, since)
        snap.stock = read_db.stock(conn)
        snap.outboxes.append(read_db.outbox(conn, INVENTORY.name, since, age))
    snap.known_order_ids = {o.order_id for o in snap.orders}
    named = {p.order_id for p in snap.payments} | {r.order_id for r in snap.reservations}
    if unknown := named - snap.known_order_ids:  # outside `since`, or orphans
        with read_db.snapshot(ORDER.name, ORDER.dsn(settings)) as conn:
            snap.known_order_ids |= read_db.existing_orders(conn, unknown)
    client = admin_client(settings.kafka_bootstrap_servers, settings.kafka_client_config)
    saga = saga_choice.load()
    snap.lags = read_kafka.lags(client, saga.subscriptions())
    snap.dead_letters = read_kafka.dead_letters(client, saga.dead_letter_topics, since)
    saga_topics = list(saga.event_topics)
    snap.events = read_events.events(client, settings.kafka_bootstrap_servers,
                                     settings.kafka_client_config, saga_topics, since)
    return snap


def audit_once(settings: SystemSettings, options: AuditOptions) -> Report:
    return evaluate(load(settings, options), options)


def audit(settings: SystemSettings, options: AuditOptions, wait_s: float = 0.0) -> Report:
    """Audit; while it fails, orders are still in flight, or a source is unreachable, and
    `wait_s` has not passed, audit again ("wait until idle, then audit"). Returns the last
    report; raises SourceUnavailable if the last attempt could not reach a source."""
    started = time.monotonic()
    deadline = started + wait_s
    while True:
        try:
            report = audit_once(settings, options)
            if report.idle or time.monotonic() >= deadline:
                report.waited_s = time.monotonic() - started
                return report
        except SourceUnavailable:
            if time.monotonic() >= deadline:
                raise
        time.sleep(min(RECHECK_EVERY_S, max(0.0, deadline - time.monotonic())))
