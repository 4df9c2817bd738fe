"""What the cluster tier asks Kafka: who leads what, who is the active controller, whether
a node is fenced, out of the ISRs, and whether every partition is fully replicated
again."""

from __future__ import annotations

import re
import time
from collections import Counter

from confluent_kafka import KafkaException, TopicCollection
from confluent_kafka.admin import AdminClient

from sagaline.devstack import Stack
from sagaline.ops.kafka_admin import admin_client
from sagaline.seed_saga.saga import SAGA
from tests.cluster.signals import wait_until

NO_ANSWER = (KafkaException,)  # a broker that did not answer this time: ask again
_TRANSITION = re.compile(r"Completed transition to (\w+)\((.*)")


def leaders(stack: Stack) -> Counter[int]:
    """Broker id -> how many partitions of the saga's topics it leads."""
    meta = _admin(stack).list_topics(timeout=10)
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


def in_sync(stack: Stack) -> dict[str, set[int]]:
    """Each partition (of every topic, the internal ones too) -> the ids of its in-sync
    replicas, as the controller's metadata says (describe_topics)."""
    admin = _admin(stack)
    names = list(admin.list_topics(timeout=10).topics)
    found = {}
    for topic, future in admin.describe_topics(TopicCollection(names),
                                               request_timeout=10).items():
        for p in future.result().partitions:
            found[f"{topic}[{p.id}]"] = {node.id for node in p.isr}
    return found


def under_replicated(stack: Stack) -> list[str]:
    """Partitions with fewer than 3 in sync."""
    return [f"{tp} isr={sorted(isr)}" for tp, isr in in_sync(stack).items() if len(isr) < 3]


def wait_fully_replicated(stack: Stack, timeout_s: float = 90.0) -> float:
    """Seconds until every partition has three in-sync replicas again."""
    started = time.monotonic()
    wait_until("every partition at three in-sync replicas",
               lambda: not under_replicated(stack) or None, timeout_s, not_yet=NO_ANSWER)
    return time.monotonic() - started


def wait_out_of_every_isr(stack: Stack, node_id: int, timeout_s: float = 60.0) -> None:
    """Until the controller took `node_id` out of every partition's ISR (it was fenced and
    the partitions it followed or led moved on without it)."""
    wait_until(f"node {node_id} out of every ISR",
               lambda: not [tp for tp, isr in in_sync(stack).items() if node_id in isr],
               timeout_s, not_yet=NO_ANSWER)


def registered_brokers(stack: Stack) -> set[int]:
    """The brokers the cluster counts as alive (metadata leaves fenced ones out). Not
    describe_cluster: librdkafka sends it to the broker that metadata names controller, a
    random one under KRaft, possibly the one just killed."""
    return set(_admin(stack).list_topics(timeout=10).brokers)


def wait_brokers(stack: Stack, expected: set[int], timeout_s: float = 60.0) -> None:
    """Until exactly `expected` are registered: a killed node fenced, a restarted one back."""
    wait_until(f"registered brokers == {sorted(expected)}",
               lambda: registered_brokers(stack) == expected, timeout_s, not_yet=NO_ANSWER)


def _admin(stack: Stack) -> AdminClient:
    s = stack.settings
    return admin_client(s.kafka_bootstrap_servers, s.kafka_client_config)
