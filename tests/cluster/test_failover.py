"""Failover on a cluster of three Kafka nodes (RF 3, min.insync.replicas 2) with two
replicas of each service, under steady load. Each case restores the cluster before the next
and ends as `flow.under_load` says: audit clean, accepted orders final, no failed outbox
row, every partition at three in-sync replicas. Failover times are printed and appended to
<stack dir>/failover.jsonl."""

from __future__ import annotations

import signal
import time

import pytest
from confluent_kafka import KafkaError

from sagaline.devstack import Stack
from sagaline.devstack.shape import Shape
from sagaline.seed_saga.saga import SAGA as SEED
from sagaline.seed_saga.topics import ORDER_CREATED
from tests.cluster import kafka_state
from tests.cluster.flow import pending_outbox_rows, record, saga_stall_s, under_load

# What a write with acks=all may be told with two brokers down: NOT_ENOUGH_REPLICAS when the
# quorum could still shrink the ISR; a timeout when the quorum itself was lost (the local
# nodes are brokers and controllers at once, so two down is also two of three controllers).
REFUSED = {KafkaError.NOT_ENOUGH_REPLICAS, KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
           KafkaError._MSG_TIMED_OUT, KafkaError.REQUEST_TIMED_OUT}


def kill_node(stack: Stack, node_id: int) -> None:
    name = f"kafka-{node_id}"
    stack.kill(name, signal.SIGKILL)
    while stack.component(name).running():
        time.sleep(0.05)


def restart_nodes(stack: Stack, node_ids: list[int]) -> None:
    """Spawn them all, then wait: a node alone cannot register without a quorum."""
    for n in node_ids:
        stack.component(f"kafka-{n}").start()
    for n in node_ids:
        stack.wait_ready(f"kafka-{n}")


@pytest.mark.parametrize("target", ["leader of most partitions", "active controller"])
def test_a_killed_broker_fails_over_and_nothing_is_lost(cluster: Stack, target: str) -> None:
    node = (kafka_state.leaders(cluster).most_common(1)[0][0] if target.startswith("leader")
            else kafka_state.active_controller(cluster))
    with under_load(cluster) as run:
        killed = run.mark("kill")
        kill_node(cluster, node)
        time.sleep(10)
        restart_nodes(cluster, [node])
    record(cluster, f"kill -9 {target} (node {node})",
           sagas_flow_again_s=saga_stall_s(cluster, killed))


def test_a_rolling_restart_of_all_three_brokers(cluster: Stack) -> None:
    with under_load(cluster) as run:
        began, clock = run.mark("roll"), time.monotonic()
        for n in (1, 2, 3):
            cluster.restart(f"kafka-{n}")
            kafka_state.wait_fully_replicated(cluster)  # the next only once all caught up
        roll_s = time.monotonic() - clock
    record(cluster, "rolling restart of three brokers", roll_s=round(roll_s, 2),
           sagas_at_first_stop_final_after_s=saga_stall_s(cluster, began))


def test_two_brokers_down_hold_writes_back_and_lose_nothing(cluster: Stack) -> None:
    try:
        two_brokers_down(cluster)
    finally:  # the cases after this one start from running consumers whatever happened
        restart_services(cluster)


def restart_services(stack: Stack) -> None:
    stack.stop_names(list(reversed(stack.service_names)))
    stack.start_services()


def two_brokers_down(cluster: Stack) -> None:
    survivor, down = 1, [2, 3]
    with under_load(cluster) as run:
        kill_node(cluster, down[0])
        time.sleep(8)  # fenced and out of every ISR: the quorum still has two voters
        kill_node(cluster, down[1])
        before = pending_outbox_rows(cluster)
        refused = kafka_state.probe_write(cluster, ORDER_CREATED)
        time.sleep(6)
        grown = pending_outbox_rows(cluster)
        back = run.mark("restart")
        restart_nodes(cluster, down)
    assert refused is not None and refused.code() in REFUSED, refused
    assert grown > before, (before, grown)
    record(cluster, f"two of three brokers down (node {survivor} left)",
           write_refused_with=refused.name(), outbox_rows_waiting=grown,
           drained_after_restart_s=saga_stall_s(cluster, back, window_s=6.0))


def test_two_relays_keep_per_order_order_and_apply_each_event_once(cluster: Stack) -> None:
    """Both order replicas take orders and both run a relay on the one outbox; the auditor
    checks each saga's events on every topic (one partition, causal order) and the books."""
    with under_load(cluster, replicas=2, warm_s=12):
        pass


@pytest.mark.parametrize("membership", ["static", "dynamic"])
def test_a_killed_replica_of_each_service(cluster: Stack, membership: str) -> None:
    stack = cluster
    if membership == "dynamic":  # the last case: the services come back without names
        stack = Stack(cluster.settings, shape=Shape(3, 2, static_membership=False))
        stack.stop_names(list(reversed(stack.service_names)))
        stack.start_services()
    victims = [f"{name}-2" for name in SEED.names]
    with under_load(stack) as run:
        killed = run.mark("kill")
        for name in victims:
            stack.kill(name, signal.SIGKILL)
        time.sleep(2)  # as a pod's restart would take
        for name in victims:
            stack.start(name)
        time.sleep(4)
    record(stack, f"kill -9 one replica of each service ({membership} membership)",
           sagas_flow_again_s=saga_stall_s(stack, killed))
