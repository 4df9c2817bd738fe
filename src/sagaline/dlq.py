"""`sagaline dlq list|replay`: inspect dead letters and send them back to their source topic.

A replayed message keeps its key, value and envelope headers (so its event id): it goes
through the same idempotent path as any delivery, and a consumer that already handled it
skips it. That holds while the consumers' inbox remembers the event, so replaying a message
older than the inbox retention is refused unless forced.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from sagaline.core import deadletter as dl
from sagaline.core.envelope import H_OCCURRED_AT
from sagaline.core.publisher import OutgoingMessage, Publisher


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    timestamp_s: float
    key: str | None
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.partition}:{self.offset}"

    @property
    def source_topic(self) -> str:
        return self.headers.get(dl.H_SOURCE_TOPIC, "?")

    def age_s(self, now: float) -> float:
        """Age of the original event: its occurred-at header, else when it was dead-lettered."""
        occurred = self.headers.get(H_OCCURRED_AT)
        if occurred:
            try:
                return now - datetime.fromisoformat(occurred).timestamp()
            except ValueError:
                pass
        return now - self.timestamp_s

    def original(self) -> OutgoingMessage:
        headers = {k: v for k, v in self.headers.items() if not k.startswith("dlq-")}
        return OutgoingMessage(self.offset, self.source_topic, self.key, self.value, headers)


def read_all(bootstrap: str, topic: str, extra: dict[str, str] | None = None,
             timeout_s: float = 10.0) -> list[DeadLetter]:
    """Every message on `topic`, read from the beginning; commits nothing."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"dlq-{uuid.uuid4()}",
                         "enable.auto.commit": False, **(extra or {})})
    try:
        partitions = consumer.list_topics(topic, timeout=timeout_s).topics[topic].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout_s)[1]
                for p in partitions}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        return _drain(consumer, {p: end for p, end in ends.items() if end > 0}, timeout_s)
    finally:
        consumer.close()


def _drain(consumer: Consumer, ends: dict[int, int], timeout_s: float) -> list[DeadLetter]:
    letters: list[DeadLetter] = []
    deadline = time.monotonic() + timeout_s
    while ends and time.monotonic() < deadline:
        for msg in consumer.consume(500, 0.5):
            if msg.error():
                continue
            partition, offset = int(msg.partition() or 0), int(msg.offset() or 0)
            key = msg.key()
            letters.append(DeadLetter(
                str(msg.topic()), partition, offset, msg.timestamp()[1] / 1000,
                key.decode("utf-8", "replace") if isinstance(key, bytes) else key,
                bytes(msg.value() or b""),
                _text_headers(msg.headers())))
            if offset + 1 >= ends.get(partition, 0):
                ends.pop(partition, None)
    return sorted(letters, key=lambda d: (d.partition, d.offset))


def _text_headers(raw: Any) -> dict[str, str]:
    return {name: value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            for name, value in raw or ()}


class TooOld(Exception):
    """Replaying it could repeat an effect: the inbox may have forgotten the event."""


def replay(letters: list[DeadLetter], publisher: Publisher, inbox_retention_s: float,
           force: bool = False) -> int:
    """Publish each letter back to its source topic; all or nothing for the age check."""
    now = time.time()
    old = [d.ref for d in letters if d.age_s(now) > inbox_retention_s]
    if old and not force:
        raise TooOld(f"older than the inbox retention ({inbox_retention_s:.0f} s): "
                     f"{', '.join(old)}; replay with --force only if you know they were "
                     "never handled")
    deliveries = publisher.publish([d.original() for d in letters], timeout_s=30)
    failed = [d for d in deliveries if not d.ok]
    if failed:
        raise ConnectionError(f"{len(failed)} messages not replayed: {failed[0].error}")
    return len(deliveries)
