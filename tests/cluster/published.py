"""What the relays put on the saga's topics during a case, read back from Kafka and held
against the outboxes they published from and the inboxes of the services that consume them.

Each message is a `Copy` of an outbox row (event id in its header). Normal operation
publishes each row once; a relay killed after the broker acknowledged its batch but before
its marks committed leaves those rows pending, so another relay sends them again: that
straddling batch is the only way a second copy may appear."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from confluent_kafka import Consumer, Message, TopicPartition

from sagaline.audit.read_kafka import offsets, partitions
from sagaline.devstack import Stack
from sagaline.ops.kafka_admin import admin_client
from sagaline.seed_saga.saga import SAGA


@dataclass(frozen=True)
class Copy:
    topic: str
    partition: int
    offset: int
    key: str
    event_id: str
    occurred_at: str  # the event's own time (header): the order its key's events occurred in
    sent_at: datetime  # the message's CreateTime: when a relay handed it to its producer


@dataclass(frozen=True)
class OutboxRow:
    service: str
    event_id: str
    published_at: datetime | None


def read(stack: Stack, since: datetime) -> list[Copy]:
    """Every message on the saga's event topics written at or after `since`."""
    s = stack.settings
    admin = admin_client(s.kafka_bootstrap_servers, s.kafka_client_config)
    tps = partitions(admin, SAGA.event_topics)
    end = offsets(admin, tps, "latest")
    first = offsets(admin, tps, int(since.timestamp() * 1000))
    todo = {tp: start for tp, start in first.items() if 0 <= start < end[tp]}
    consumer = Consumer({"bootstrap.servers": s.kafka_bootstrap_servers, "log_level": 0,
                         "group.id": "cluster-tier-reader", "enable.auto.commit": False,
                         **s.kafka_client_config})
    consumer.assign([TopicPartition(t, p, start) for (t, p), start in todo.items()])
    found: list[Copy] = []
    deadline = time.monotonic() + 60
    try:
        while len(found) < sum(end[tp] - start for tp, start in todo.items()):
            assert time.monotonic() < deadline, "reading the saga's topics took over 60 s"
            for msg in consumer.consume(500, timeout=1.0):
                if msg.error() is None and (copy := _copy(msg)).offset < end[
                        copy.topic, copy.partition]:
                    found.append(copy)
    finally:
        consumer.close()
    return found


def _copy(msg: Message) -> Copy:
    headers = {str(pair[0]): _text(pair[1]) for pair in msg.headers() or []}
    _kind, millis = msg.timestamp()
    return Copy(str(msg.topic()), int(msg.partition() or 0), int(msg.offset() or 0),
                _text(msg.key()),
                headers.get("event-id", ""), headers.get("occurred-at", ""),
                datetime.fromtimestamp(millis / 1000, UTC))


def _text(raw: str | bytes | None) -> str:
    return raw.decode() if isinstance(raw, bytes) else (raw or "")


def outbox_rows(stack: Stack, since: datetime) -> dict[str, OutboxRow]:
    """Event id -> the outbox row of every service that was written at or after `since`."""
    rows = {}
    for name in SAGA.names:
        with psycopg.connect(stack.settings.dsn(name)) as conn:
            for event_id, published_at in conn.execute(
                    "SELECT event_id::text, published_at FROM outbox WHERE created_at >= %s",
                    (since,)):
                rows[event_id] = OutboxRow(name, event_id, published_at)
    return rows


def by_event(copies: list[Copy]) -> dict[str, list[Copy]]:
    found: dict[str, list[Copy]] = defaultdict(list)
    for c in copies:
        found[c.event_id].append(c)
    return found


def unexplained_copies(copies: list[Copy], rows: dict[str, OutboxRow], killed: str,
                       dead_at: datetime) -> list[str]:
    """Events sent more than once other than by the batch the kill straddled: rows of the
    killed service, first sent before it died, marked published only after."""
    found = []
    for event_id, sent in by_event(copies).items():
        if len(sent) == 1:
            continue
        row = rows.get(event_id)
        first = min(c.sent_at for c in sent)
        straddled = (row is not None and row.service == killed and first <= dead_at
                     and row.published_at is not None and row.published_at >= dead_at)
        if not straddled:
            found.append(f"{sent[0].topic} {event_id} sent {len(sent)}x, first at "
                         f"{first.isoformat()}, marked {row.published_at if row else '?'}")
    return found


def order_breaks(copies: list[Copy]) -> list[str]:
    """Per topic and key: every copy in one partition, first copies in the order their
    events occurred."""
    found = []
    by_key: dict[tuple[str, str], list[Copy]] = defaultdict(list)
    for c in sorted(copies, key=lambda c: (c.partition, c.offset)):
        by_key[c.topic, c.key].append(c)
    for (topic, key), sent in by_key.items():
        if len({c.partition for c in sent}) > 1:
            found.append(f"{topic} key {key} in partitions {sorted({c.partition for c in sent})}")
            continue
        firsts = _first_copies(sent)
        times = [datetime.fromisoformat(c.occurred_at) for c in firsts]
        if times != sorted(times):
            found.append(f"{topic} key {key}: events out of order at offsets "
                         f"{[c.offset for c in firsts]}")
    return found


def _first_copies(sent: list[Copy]) -> list[Copy]:
    seen: set[str] = set()
    firsts = []
    for c in sent:
        if c.event_id not in seen:
            seen.add(c.event_id)
            firsts.append(c)
    return firsts


def unhandled(stack: Stack, copies: list[Copy]) -> list[str]:
    """Events on a topic that a consumer of it has no inbox mark of (never handled)."""
    found = []
    for service in SAGA.services:
        wanted = {c.event_id for c in copies if c.topic in service.consumes}
        with psycopg.connect(stack.settings.dsn(service.name)) as conn:
            marked = {str(r[0]) for r in conn.execute(
                "SELECT event_id FROM inbox WHERE event_id = ANY(%s::uuid[])", (list(wanted),))}
        found += [f"{service.name} never handled {e}" for e in sorted(wanted - marked)]
    return found
