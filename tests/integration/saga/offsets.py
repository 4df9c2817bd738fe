"""A positive signal that a consumer has handled what was written: its group's committed
offsets, rather than a sleep before asserting that nothing more happened."""

from __future__ import annotations

from confluent_kafka import Consumer, TopicPartition

from tests.integration.saga.conftest import Saga


def caught_up(saga: Saga, group: str, topic: str) -> bool:
    """The consumer group has committed past every message on `topic` written so far."""
    s = saga.stack.settings
    probe = Consumer({"bootstrap.servers": s.kafka_bootstrap_servers, "group.id": group,
                      "enable.auto.commit": False, **s.kafka_client_config})
    try:
        parts = probe.list_topics(topic, timeout=10).topics[topic].partitions
        marks = {p: probe.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                 for p in parts}
        done = probe.committed([TopicPartition(topic, p) for p in parts], timeout=10)
        # No commit yet (a negative offset) counts as the partition's start.
        return all(max(tp.offset, marks[tp.partition][0]) >= marks[tp.partition][1]
                   for tp in done)
    finally:
        probe.close()
