"""`read_topic`: a whole topic read once, for tools (the dead-letter commands, tests), with
the consumers' configuration and decoding; it joins no group and commits nothing."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from sagaline.core.kafka.source import consumer_config, incoming
from sagaline.core.messaging.messages import IncomingMessage


def read_topic(bootstrap: str, topic: str, extra: Mapping[str, str] | None = None,
               timeout_s: float = 10.0) -> list[IncomingMessage]:
    """Every message on `topic` from its beginning up to its end when called, by partition
    and offset. Assigned, not subscribed: it joins no group and commits nothing."""
    config = {**consumer_config(bootstrap, f"reader-{uuid.uuid4()}", extra),
              "enable.auto.commit": False}
    consumer = Consumer(config)
    try:
        partitions = consumer.list_topics(topic, timeout=timeout_s).topics[topic].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout_s)[1]
                for p in partitions}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        return _read_until(consumer, {p: end for p, end in ends.items() if end > 0}, timeout_s)
    finally:
        consumer.close()


def _read_until(consumer: Consumer, ends: dict[int, int],
                timeout_s: float) -> list[IncomingMessage]:
    found: list[IncomingMessage] = []
    deadline = time.monotonic() + timeout_s
    while ends and time.monotonic() < deadline:
        for message in filter(None, map(incoming, consumer.consume(500, 0.5))):
            found.append(message)
            if message.offset + 1 >= ends.get(message.partition, 0):
                ends.pop(message.partition, None)
    if ends:
        raise TimeoutError(f"partitions {sorted(ends)} not read to their end in {timeout_s} s")
    return sorted(found, key=lambda m: (m.partition, m.offset))
