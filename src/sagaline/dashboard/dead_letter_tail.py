"""The newest dead letters of a topic, read from the end of each partition. A dead-letter
topic can grow without bound (a poison flood, a long outage); the dashboard shows only the
newest letters of a service, and those are among the last ones of each partition, so that
many are read from each partition's end and nothing before. Assigned, not subscribed: it
joins no group and commits nothing."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from sagaline.core.kafka.source import consumer_config
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.ops.dlq import DeadLetter

log = logging.getLogger(__name__)


def read_tail(bootstrap: str, extra: Mapping[str, str], topic: str, ends: Mapping[int, int],
              count: int, timeout_s: float) -> list[DeadLetter]:
    """The last `count` letters (at most) before each partition's end in `ends` (partition ->
    end offset, as just listed); letters written since are left for the next read.
    TimeoutError when a partition is not read to that end in `timeout_s`."""
    left = {p: end for p, end in ends.items() if end > 0}
    if not left:
        return []
    # The end of a partition is told: one whose last offsets are no messages (transaction
    # markers) is read to its end all the same.
    config = {**consumer_config(bootstrap, f"dashboard-{uuid.uuid4()}", extra),
              "enable.auto.commit": False, "enable.partition.eof": True}
    consumer = Consumer(config)
    try:
        # Before the first offset kept: auto.offset.reset=earliest starts at that one.
        consumer.assign([TopicPartition(topic, p, max(0, end - count))
                         for p, end in left.items()])
        return _read_until(consumer, left, timeout_s)
    finally:
        consumer.close()


def _read_until(consumer: Consumer, left: dict[int, int],
                timeout_s: float) -> list[DeadLetter]:
    found: list[DeadLetter] = []
    deadline = time.monotonic() + timeout_s
    while left and time.monotonic() < deadline:
        for message in consumer.consume(500, 0.5):
            partition, error = message.partition() or 0, message.error()
            if error is not None:
                _end_or_log(error, partition, left)
            elif (offset := message.offset() or 0) < left.get(partition, 0):
                found.append(DeadLetter.of(_incoming(message)))
                if offset + 1 >= left[partition]:
                    del left[partition]
    if left:
        raise TimeoutError(f"partitions {sorted(left)} not read to their end in {timeout_s} s")
    return found


def _end_or_log(error: KafkaError, partition: int, left: dict[int, int]) -> None:
    if error.code() == KafkaError._PARTITION_EOF:
        left.pop(partition, None)
    elif error.fatal():
        raise KafkaException(error)
    else:
        log.info("dashboard: reading dead letters: %s", error)


def _incoming(message: Any) -> IncomingMessage:
    return IncomingMessage(
        topic=str(message.topic()), partition=int(message.partition() or 0),
        offset=int(message.offset() or 0), key=_bytes(message.key()),
        value=_bytes(message.value()),
        headers={name: _bytes(value) or b"" for name, value in message.headers() or ()})


def _bytes(value: str | bytes | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value
