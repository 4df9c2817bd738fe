"""Real messages on Kafka match their contracts, checked with `jsonschema`: the ones our
services write (value against the committed schema of the topic's major, headers and key as
the AsyncAPI document says) and a seed-shaped one written by KafkaJS (no key, no headers),
which must match the same value schema and what the seed's services read."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import orjson
from confluent_kafka import Consumer, TopicPartition

from sagaline.contracts import consumers, frozen
from sagaline.contracts.asyncapi import document, message_name
from sagaline.core.saga import declared
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from tests.compat.freezer import Freezer
from tests.compat.kafkajs import SeedProducer
from tests.integration.saga.conftest import Saga, new_user, wait_for

ROOT = Path(__file__).parents[2]
Message = tuple[bytes | None, dict[str, Any], dict[str, str]]  # key, value, headers


class Tail:
    """Every saga topic's messages from the moment it is made on (assigned at the ends)."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused",
                                  "enable.auto.commit": False})
        meta = self.consumer.list_topics(timeout=10)
        ends = [TopicPartition(t, p, self.consumer.get_watermark_offsets(
                    TopicPartition(t, p), timeout=10)[1])
                for t in SAGA.event_topics for p in meta.topics[t].partitions]
        self.consumer.assign(ends)
        self.seen: dict[str, list[Message]] = {}

    def wait(self, topic: str, wanted: Callable[[Message], bool],
             timeout_s: float = 30.0) -> Message:
        deadline = time.monotonic() + timeout_s
        while not (found := [m for m in self.seen.get(topic, []) if wanted(m)]):
            assert time.monotonic() < deadline, f"no such message on {topic} in {timeout_s}s"
            message = self.consumer.poll(0.5)
            if message is None or message.error():
                continue
            headers = {str(pair[0]): _text(pair[1]) for pair in message.headers() or []}
            key = message.key()
            self.seen.setdefault(str(message.topic()), []).append(
                (None if key is None else _text(key).encode(),
                 orjson.loads(message.value() or b""), headers))
        return found[0]


def _text(raw: str | bytes | None) -> str:
    return raw.decode() if isinstance(raw, bytes) else (raw or "")


def _about(order_id: str) -> Callable[[Message], bool]:
    return lambda message: bool(message[1]["orderId"] == order_id)


def committed(topic: str) -> dict[str, Any]:
    schema = frozen.committed(ROOT / "contracts", topic, declared(topic).major)
    assert schema is not None, topic
    return schema


def test_what_our_services_write_matches_the_schemas(seed_saga: Saga) -> None:
    tail = Tail(seed_saga.stack.settings.kafka_bootstrap_servers)
    happy = seed_saga.place(new_user(), 12.5, [(seed_saga.new_sku(5), 2)])
    broke = seed_saga.place(new_user(), 1_000_000)
    unknown_sku = seed_saga.place(new_user(), 7, [("SKU-none-" + new_user(), 1)])
    expected = {happy: [topics.ORDER_CREATED, topics.PAYMENT_CHARGED, topics.INVENTORY_RESERVED],
                broke: [topics.ORDER_CREATED, topics.PAYMENT_FAILED],
                unknown_sku: [topics.INVENTORY_FAILED, topics.PAYMENT_REFUNDED]}
    channels = document(SAGA)["channels"]
    for order_id, produced in expected.items():
        for topic in produced:
            key, value, headers = tail.wait(topic, _about(order_id))
            jsonschema.validate(value, committed(topic))
            message = channels[topic]["messages"][message_name(SAGA, topic)]
            jsonschema.validate(headers, message["headers"])
            assert key == order_id.encode() and set(headers) >= {"event-id", "traceparent"}


def test_a_seed_shaped_message_kafkajs_writes_matches_the_schemas(
        seed_saga: Saga, seed_producer: SeedProducer, freezer: Freezer) -> None:
    tail = Tail(seed_saga.stack.settings.kafka_bootstrap_servers)
    freezer.freeze("payment")  # so the payment.failed that moves the order is the seed's
    refused = seed_saga.place(new_user(), 1_000_000)  # our payment refuses it too, later
    seed_producer.send(topics.PAYMENT_FAILED, {"orderId": refused, "amount": 1_000_000})
    key, value, headers = tail.wait(topics.PAYMENT_FAILED,
                                    lambda m: m[1]["orderId"] == refused and not m[2])
    assert key is None
    channel = document(SAGA)["channels"][topics.PAYMENT_FAILED]
    jsonschema.validate(headers, channel["messages"][message_name(SAGA, topics.PAYMENT_FAILED)]
                        ["headers"])  # none: the document requires none
    jsonschema.validate(value, committed(topics.PAYMENT_FAILED))
    jsonschema.validate(value, consumers.load(
        ROOT / "contracts" / "consumers" / "seed-kafkajs.json")[topics.PAYMENT_FAILED])
    wait_for(lambda: seed_saga.final(refused)["status"] == "CANCELLED", 20, "order cancelled")
