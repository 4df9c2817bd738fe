"""A consumer fenced by the broker (a second member took its group.instance.id) fails loudly
instead of logging the error forever: `poll` raises SourceFailed, so the loop can restart."""

from __future__ import annotations

import time
import uuid

import pytest

from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.core.kafka.source import KafkaSource, consumer_config
from sagaline.core.messaging.messages import SourceFailed
from sagaline.core.messaging.publisher import OutgoingMessage
from sagaline.devstack import Stack

pytestmark = pytest.mark.integration
TOPIC = "test.contract.a"


def poll_until_message(source: KafkaSource, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if source.poll(10, 0.2):
            return
    raise AssertionError("no message: the source never got its partitions")


def test_a_fenced_static_member_raises_source_failed(stack: Stack,
                                                     test_topics: tuple[str, ...]) -> None:
    bootstrap = stack.settings.kafka_bootstrap_servers
    publisher = KafkaPublisher(producer_config(bootstrap))
    for key in range(6):  # a message on every partition, whoever holds it
        publisher.publish([OutgoingMessage(key, TOPIC, f"{uuid.uuid4()}-{key}", b"x", {})], 10)
    config = consumer_config(bootstrap, f"fence-{uuid.uuid4()}", instance_id="replica-1")
    first = KafkaSource(config, [TOPIC])
    poll_until_message(first)
    second = KafkaSource(config, [TOPIC])  # the same instance id: the first one is fenced
    try:
        poll_until_message(second)
        deadline = time.monotonic() + 30
        with pytest.raises(SourceFailed, match="fenced by other consumer"):
            while time.monotonic() < deadline:
                first.poll(10, 0.2)
                first.ack([])
    finally:
        second.close()
        publisher.close()
