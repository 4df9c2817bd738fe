"""Reads the saga's events back from Kafka, in partition order, for the ordering check, and
the dead letters (`read`, given what to make of each message).

A consumer without a group (assign, never commit) reads each partition from `since` (or its
start) up to the high watermark found first; later messages are left for the next audit. The
events for the ordering check come a partition at a time (`events_by_partition`), so that
the check holds one partition's, not all of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import TypeVar

from confluent_kafka import Consumer, Message, TopicPartition
from confluent_kafka.admin import AdminClient

from sagaline.audit.order_checks import ordered_topics
from sagaline.audit.read_db import SourceUnavailable
from sagaline.audit.read_kafka import offsets, partitions
from sagaline.audit.rows import KafkaEvent
from sagaline.core.messaging.envelope import H_EVENT_ID, H_OCCURRED_AT
from sagaline.core.saga import Saga

READ_TIMEOUT_S = 30.0
T = TypeVar("T")


def events_by_partition(client: AdminClient, bootstrap: str, extra: Mapping[str, str],
                        saga: Saga, since: datetime | None) -> Iterator[list[KafkaEvent]]:
    """The messages written at or after `since` on the topics the saga's events must be in
    order on (`ordered_topics`), as (topic, partition, offset, key, event id, occurred-at):
    one partition's at a time, in offset order."""
    todo, end = _planned(client, ordered_topics(saga), since)
    if not todo:
        return
    consumer = _consumer(bootstrap, extra)
    try:
        for tp, first in sorted(todo.items()):
            consumer.assign([TopicPartition(*tp, first)])
            yield _read_until(consumer, {tp: end[tp]}, _event)
    finally:
        consumer.close()


def read(client: AdminClient, bootstrap: str, extra: Mapping[str, str], topics: Iterable[str],
         since: datetime | None, convert: Callable[[Message], T]) -> list[T]:
    """Every message written at or after `since` on `topics`, as `convert` makes it; in
    offset order per partition."""
    todo, end = _planned(client, topics, since)
    if not todo:
        return []
    consumer = _consumer(bootstrap, extra)
    try:
        consumer.assign([TopicPartition(t, p, first) for (t, p), first in todo.items()])
        return _read_until(consumer, {tp: end[tp] for tp in todo}, convert)
    finally:
        consumer.close()


Plan = dict[tuple[str, int], int]


def _planned(client: AdminClient, topics: Iterable[str], since: datetime | None
             ) -> tuple[Plan, Plan]:
    """Where to start reading each partition with something to read, and where to stop."""
    tps = partitions(client, topics)
    end = offsets(client, tps, "latest")
    start = (offsets(client, tps, "earliest") if since is None
             else offsets(client, tps, int(since.timestamp() * 1000)))
    todo = {tp: (end[tp] if first < 0 else first) for tp, first in start.items()}
    return {tp: first for tp, first in todo.items() if first < end[tp]}, end


def _consumer(bootstrap: str, extra: Mapping[str, str]) -> Consumer:
    return Consumer({"bootstrap.servers": bootstrap, "group.id": "sagaline-audit-reader",
                     "enable.auto.commit": False, "log_level": 0, **extra})


def _read_until(consumer: Consumer, end: dict[tuple[str, int], int],
                convert: Callable[[Message], T]) -> list[T]:
    found: list[T] = []
    open_ = set(end)
    deadline = time.monotonic() + READ_TIMEOUT_S
    while open_:
        if time.monotonic() > deadline:
            raise SourceUnavailable(f"Kafka: reading events timed out ({len(open_)} "
                                    "partitions unread)")
        for msg in consumer.consume(500, timeout=1.0):
            error = msg.error()
            if error is not None:
                if error.fatal():
                    raise SourceUnavailable(f"Kafka: reading events: {error.str()}")
                continue
            tp, offset = (str(msg.topic()), int(msg.partition() or 0)), int(msg.offset() or 0)
            if tp in open_ and offset < end[tp]:
                found.append(convert(msg))
            if offset >= end[tp] - 1:
                open_.discard(tp)
    return found


def _event(msg: Message) -> KafkaEvent:
    headers = {str(pair[0]): _text(pair[1]) for pair in msg.headers() or []}
    return KafkaEvent(str(msg.topic()), int(msg.partition() or 0), int(msg.offset() or 0),
                      _text(msg.key()), headers.get(H_EVENT_ID, ""),
                      headers.get(H_OCCURRED_AT, ""))


def _text(raw: str | bytes | None) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")
