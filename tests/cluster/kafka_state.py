"""What the cluster tier asks Kafka: who leads what, who is the active controller, whether
every partition is fully replicated again, and what a write gets while brokers are down."""

from __future__ import annotations

import re
import time
from collections import Counter

from confluent_kafka import KafkaError, Producer

from sagaline.devstack import Stack
from sagaline.ops.kafka_admin import admin_client
from sagaline.seed_saga.saga import SAGA

_TRANSITION = re.compile(r"Completed transition to (\w+)\((.*)")


def leaders(stack: Stack) -> Counter[int]:
    """Broker id -> how many partitions of the saga's topics it leads."""
    s = stack.settings
    meta = admin_client(s.kafka_bootstrap_servers, s.kafka_client_config).list_topics(timeout=10)
    return Counter(p.leader for t in SAGA.topics for p in meta.topics[t].partitions.values())


def active_controller(stack: Stack) -> int:
    """The node leading the KRaft quorum. librdkafka cannot ask the quorum (no
    DescribeQuorum, no bootstrap.controllers; DescribeCluster names a random broker under
    KRaft), so each node's Raft log says whom it follows, at which epoch: the latest wins."""
    best: tuple[int, int] | None = None
    for node in stack.kafka_nodes:
        log = node.log_file.read_text(errors="replace") if node.log_file.exists() else ""
        lines = [m for line in log.splitlines() if (m := _TRANSITION.search(line))]
        if not lines:
            continue
        state, rest = lines[-1].groups()
        epoch = re.search(r"epoch=(\d+)", rest)
        leader = (node.node.node_id if state == "Leader"
                  else _int(re.search(r"leader(?:Id)?=(?:OptionalInt\[)?(\d+)", rest)))
        if epoch and leader and (best is None or int(epoch.group(1)) > best[0]):
            best = (int(epoch.group(1)), leader)
    assert best is not None, "no node's log names a quorum leader"
    return best[1]


def _int(match: re.Match[str] | None) -> int:
    return int(match.group(1)) if match else 0


def under_replicated(stack: Stack) -> list[str]:
    """Partitions (of every topic, the internal ones too) with fewer than 3 in sync."""
    s = stack.settings
    meta = admin_client(s.kafka_bootstrap_servers, s.kafka_client_config).list_topics(timeout=10)
    return [f"{t.topic}[{p.id}] isr={p.isrs}" for t in meta.topics.values()
            for p in t.partitions.values() if len(p.isrs) < 3]


def wait_fully_replicated(stack: Stack, timeout_s: float = 90.0) -> float:
    """Seconds until every partition has three in-sync replicas again."""
    started = time.monotonic()
    while lagging := under_replicated(stack):
        assert time.monotonic() - started < timeout_s, f"still under-replicated: {lagging[:5]}"
        time.sleep(0.5)
    return time.monotonic() - started


def probe_write(stack: Stack, topic: str) -> KafkaError | None:
    """One acks=all write without retries: what a producer is told right now."""
    s = stack.settings
    producer = Producer({"bootstrap.servers": s.kafka_bootstrap_servers, "acks": "all",
                         "retries": 0, "enable.idempotence": False, "log_level": 0,
                         "message.timeout.ms": 5000, **s.kafka_client_config})
    outcome: list[KafkaError | None] = []
    producer.produce(topic, b"probe", on_delivery=lambda err, _msg: outcome.append(err))
    producer.flush(10)
    return outcome[0] if outcome else KafkaError(KafkaError._MSG_TIMED_OUT)
