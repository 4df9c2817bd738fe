"""One suite for the Publisher interface, run on the in-memory fake and on Kafka."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer

from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.core.messaging.publisher import OutgoingMessage, Publisher
from sagaline.devstack import Stack
from sagaline.testing.messaging import InMemoryPublisher

TOPIC = "test.contract.a"


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.unit), "kafka"])
def publisher(request: pytest.FixtureRequest) -> Iterator[Publisher]:
    if request.param == "memory":
        yield InMemoryPublisher()
        return
    stack: Stack = request.getfixturevalue("stack")
    request.getfixturevalue("test_topics")
    kafka = KafkaPublisher(producer_config(stack.settings.kafka_bootstrap_servers))
    yield kafka
    kafka.close()


def messages(key: str, n: int, start: int = 0) -> list[OutgoingMessage]:
    return [OutgoingMessage(start + i, TOPIC, key, f'{{"n": {start + i}}}'.encode(),
                            {"event-id": str(uuid.uuid4())}) for i in range(n)]


def test_every_message_is_acknowledged_in_batch_order(publisher: Publisher) -> None:
    batch = messages("k1", 50)
    deliveries = publisher.publish(batch, timeout_s=30)
    assert [d.ref for d in deliveries] == [m.ref for m in batch]
    assert all(d.ok for d in deliveries)


def test_an_empty_batch_is_fine(publisher: Publisher) -> None:
    assert publisher.publish([], timeout_s=5) == []


def test_same_key_messages_arrive_in_order(publisher: Publisher, request: pytest.FixtureRequest
                                           ) -> None:
    key = f"order-{uuid.uuid4()}"
    batch = messages(key, 30) + messages("other", 5, 100) + messages(key, 30, 30)
    assert all(d.ok for d in publisher.publish(batch, timeout_s=30))
    if isinstance(publisher, InMemoryPublisher):
        got = [m.value for m in publisher.on_topic(TOPIC) if m.key == key]
    else:
        got = _read_key(request.getfixturevalue("stack"), key, 60)
    assert got == [f'{{"n": {i}}}'.encode() for i in range(60)]


def test_a_message_over_the_brokers_limit_fails_for_good_as_too_large(
        publisher: Publisher) -> None:
    big = OutgoingMessage(1, TOPIC, "k", b"x" * 2_000_000, {})
    small = OutgoingMessage(2, TOPIC, "k", b"{}", {})
    refused, fine = publisher.publish([big, small], timeout_s=30)
    assert not refused.ok and refused.permanent and refused.too_large
    assert "SIZE" in (refused.error or "").upper()
    assert fine.ok and not fine.too_large


def _read_key(stack: Stack, key: str, count: int) -> list[bytes]:
    consumer = Consumer({"bootstrap.servers": stack.settings.kafka_bootstrap_servers,
                         "group.id": f"t-{uuid.uuid4()}", "auto.offset.reset": "earliest"})
    consumer.subscribe([TOPIC])
    found: list[bytes] = []
    try:
        for _ in range(100):
            for msg in consumer.consume(500, 0.5):
                value = msg.value()
                if not msg.error() and msg.key() == key.encode() and value is not None:
                    found.append(value)
            if len(found) >= count:
                break
    finally:
        consumer.close()
    return found
