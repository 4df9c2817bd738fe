"""Failover on a cluster of three Kafka nodes (RF 3, min.insync.replicas 2) with two
replicas of each service, under steady load. Each case starts from a cluster at full health
(the `cluster` fixture restores it, whatever ran before) and ends as `flow.under_load` says:
audit clean (dead letters included), accepted orders final, no failed outbox row, every
partition at three in-sync replicas. Every wait is on a signal with a deadline. Failover
times are printed and appended to <stack dir>/failover.jsonl."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime

import pytest
from confluent_kafka import KafkaError

from sagaline.devstack import Stack
from sagaline.devstack.shape import Shape
from sagaline.seed_saga.saga import SAGA as SEED
from tests.cluster import health, kafka_state, probe, published
from tests.cluster.flow import (
    pending_outbox_rows,
    record,
    relay_published,
    saga_stall_s,
    under_load,
    wait_flowing,
)
from tests.cluster.signals import wait_until

NODES = {1, 2, 3}
# What the probe's acks=all write may be reported with two brokers down: NOT_ENOUGH_REPLICAS
# when the quorum could still shrink the ISR; a timeout when the quorum itself was lost (the
# local nodes are brokers and controllers at once, so two down is also two of three
# controllers). Only a delivery report counts (`probe.write`).
REFUSED = {KafkaError.NOT_ENOUGH_REPLICAS, KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
           KafkaError._MSG_TIMED_OUT, KafkaError.REQUEST_TIMED_OUT}


def kill(stack: Stack, name: str) -> datetime:
    """SIGKILL, and when the process was seen gone."""
    stack.kill(name, signal.SIGKILL)
    wait_until(f"{name} gone", lambda: not stack.component(name).running(), timeout_s=10,
               every_s=0.05)
    return datetime.now(UTC)


def restart_nodes(stack: Stack, node_ids: list[int]) -> None:
    """Spawn them all, then wait: a node alone cannot register without a quorum."""
    for n in node_ids:
        stack.component(f"kafka-{n}").start()
    for n in node_ids:
        stack.wait_ready(f"kafka-{n}")
    kafka_state.wait_brokers(stack, NODES)


@pytest.mark.parametrize("target", ["leader of most partitions", "active controller"])
def test_a_killed_broker_fails_over_and_nothing_is_lost(cluster: Stack, target: str) -> None:
    node = (kafka_state.leaders(cluster).most_common(1)[0][0] if target.startswith("leader")
            else kafka_state.active_controller(cluster))
    with under_load(cluster) as run:
        killed = run.mark("kill")
        kill(cluster, f"kafka-{node}")
        kafka_state.wait_brokers(cluster, NODES - {node})  # fenced
        kafka_state.wait_out_of_every_isr(cluster, node)
        wait_flowing(cluster, killed, final=20)  # sagas run on the two left
        restart_nodes(cluster, [node])
    record(cluster, f"kill -9 {target} (node {node})",
           sagas_flow_again_s=saga_stall_s(cluster, killed))


def test_a_rolling_restart_of_all_three_brokers(cluster: Stack) -> None:
    with under_load(cluster) as run:
        began, clock = run.mark("roll"), time.monotonic()
        for n in sorted(NODES):
            cluster.restart(f"kafka-{n}")
            kafka_state.wait_fully_replicated(cluster)  # the next only once all caught up
        roll_s = time.monotonic() - clock
    record(cluster, "rolling restart of three brokers", roll_s=round(roll_s, 2),
           sagas_at_first_stop_final_after_s=saga_stall_s(cluster, began))


def test_two_brokers_down_hold_writes_back_and_lose_nothing(cluster: Stack) -> None:
    probe.create_topic(cluster)  # the probe writes there, never to a saga topic
    try:
        two_brokers_down(cluster)
    finally:  # consumers that lived through the lost quorum start afresh
        health.restart_services(cluster)


def two_brokers_down(cluster: Stack) -> None:
    survivor, down = 1, [2, 3]
    with under_load(cluster) as run:
        kill(cluster, f"kafka-{down[0]}")
        kafka_state.wait_brokers(cluster, NODES - {down[0]})  # fenced by the two voters left
        kafka_state.wait_out_of_every_isr(cluster, down[0])
        kill(cluster, f"kafka-{down[1]}")
        before = pending_outbox_rows(cluster)
        refused = probe.write(cluster)
        grown = wait_until("outbox rows piling up", lambda: max(
            0, pending_outbox_rows(cluster) - before), timeout_s=30) + before
        back = run.mark("restart")
        restart_nodes(cluster, down)
    assert refused is not None and refused.code() in REFUSED, refused
    record(cluster, f"two of three brokers down (node {survivor} left)",
           write_refused_with=refused.name(), outbox_rows_waiting=grown,
           drained_after_restart_s=saga_stall_s(cluster, back, window_s=6.0))


def test_two_relays_keep_per_order_order_and_apply_each_event_once(cluster: Stack) -> None:
    """Two replicas of each service, so two relays on each outbox, publish at once while
    orders arrive at both order replicas. Mid-load one order replica is killed -9 (a batch
    of its relay may be acknowledged and not yet marked) and started again. Then, read back
    from Kafka and the databases: each topic's events of an order in one partition, in the
    order they occurred; each outbox row on its topic, once, but for the batch the kill
    straddled; each event handled by every consumer of it; and the books (the audit) exact,
    which a second application of a copy would break."""
    victim = f"{SEED.owner}-2"
    replicas = [SEED.owner, victim]
    with under_load(cluster, replicas=2) as run:
        start = {r: relay_published(cluster, r) for r in replicas}
        wait_until("both order relays publishing", lambda: all(
            relay_published(cluster, r) > start[r] for r in replicas), timeout_s=30)
        dead_at = kill(cluster, victim)
        wait_flowing(cluster, dead_at, final=20)  # one relay left
        cluster.start(victim)  # waits for its /ready
        wait_until("the restarted relay publishing", lambda: relay_published(cluster, victim),
                   timeout_s=30)
        wait_flowing(cluster, run.mark("back"), final=20)
    copies = published.read(cluster, run.started)
    rows = published.outbox_rows(cluster, run.started)
    sent = published.by_event(copies)
    assert set(rows) == set(sent), (len(rows), len(sent), sorted(set(rows) ^ set(sent))[:5])
    assert not (broken := published.order_breaks(copies)), broken[:5]
    assert not (twice := published.unexplained_copies(copies, rows, SEED.owner, dead_at)), \
        f"{len(twice)} events sent twice: {twice[:5]}"
    assert not (lost := published.unhandled(cluster, copies)), lost[:5]
    record(cluster, "two relays per service, one order replica killed -9",
           events=len(sent), copies_of_the_straddled_batch=len(copies) - len(sent))


@pytest.mark.parametrize("membership", ["static", "dynamic"])
def test_a_killed_replica_of_each_service(cluster: Stack, membership: str) -> None:
    stack = cluster
    if membership == "dynamic":  # the services come back without names
        stack = Stack(cluster.settings, shape=Shape(3, 2, static_membership=False))
    try:
        health.restart_services(stack)
        wait_until("groups stable", lambda: not health.group_problems(stack) or None, 60,
                   not_yet=kafka_state.NO_ANSWER)
        kill_a_replica_of_each(stack, membership)
    finally:  # whatever runs next finds the fixture's members, static ones
        if stack is not cluster:
            health.restart_services(cluster)


def kill_a_replica_of_each(stack: Stack, membership: str) -> None:
    victims = [f"{name}-2" for name in SEED.names]
    with under_load(stack) as run:
        members = health.member_ids(stack)
        killed = run.mark("kill")
        for name in victims:
            kill(stack, name)
        for name in victims:
            stack.start(name)  # waits for its /ready
        health.wait_replaced(stack, members)
        wait_flowing(stack, killed, final=20)
    record(stack, f"kill -9 one replica of each service ({membership} membership)",
           sagas_flow_again_s=saga_stall_s(stack, killed))
