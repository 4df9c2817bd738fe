"""The write probe: what an acks=all producer is told right now. It writes to a topic of its
own, never to a saga topic, where its bytes would be a poison message for the consumers."""

from __future__ import annotations

import time

from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import NewTopic  # type: ignore[attr-defined]

from sagaline.devstack import Stack
from sagaline.ops.kafka_admin import admin_client

TOPIC = "cluster-tier.write-probe"
MESSAGE_TIMEOUT_MS = 5000


class NoDeliveryReport(AssertionError):
    """The producer said nothing about the write: no outcome to judge."""


def create_topic(stack: Stack) -> None:
    """One partition on nodes 1, 2, 3 (node 1 its preferred leader), two copies required,
    like the saga's topics. Idempotent."""
    s = stack.settings
    admin = admin_client(s.kafka_bootstrap_servers, s.kafka_client_config)
    topic = NewTopic(TOPIC, num_partitions=1, replica_assignment=[[1, 2, 3]],
                     config={"min.insync.replicas": "2"})
    try:
        admin.create_topics([topic], request_timeout=15)[TOPIC].result()
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise


def write(stack: Stack) -> KafkaError | None:
    """One acks=all write without retries: the error its delivery report carries (None:
    acknowledged). NoDeliveryReport when no report came, which librdkafka promises within
    message.timeout.ms."""
    s = stack.settings
    producer = Producer({"bootstrap.servers": s.kafka_bootstrap_servers, "acks": "all",
                         "retries": 0, "enable.idempotence": False, "log_level": 0,
                         "message.timeout.ms": MESSAGE_TIMEOUT_MS, **s.kafka_client_config})
    reports: list[KafkaError | None] = []
    producer.produce(TOPIC, b"probe", on_delivery=lambda err, _msg: reports.append(err))
    wait_s = 2 * MESSAGE_TIMEOUT_MS / 1000
    deadline = time.monotonic() + wait_s
    while not reports and time.monotonic() < deadline:
        producer.poll(0.1)  # serves the delivery report callback
    if not reports:
        raise NoDeliveryReport(f"no delivery report for the probe write within {wait_s} s")
    return reports[0]
