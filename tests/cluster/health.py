"""The cluster at full health, which every case starts from whatever ran before it: three
brokers registered, every partition at three in-sync replicas, every replica of every
service ready, and each service's consumer group stable with one static member per replica."""

from __future__ import annotations

from confluent_kafka import ConsumerGroupState
from confluent_kafka.admin import ConsumerGroupDescription  # type: ignore[attr-defined]

from sagaline.devstack import Stack
from sagaline.ops.kafka_admin import admin_client
from tests.cluster import kafka_state
from tests.cluster.signals import wait_until


def restore(stack: Stack) -> None:
    """Bring back what a case left down or changed, then wait until all is healthy."""
    nodes = [k.name for k in stack.kafka_nodes]
    for name in nodes:
        stack.component(name).start()  # no-op for a node that runs
    for name in nodes:
        stack.wait_ready(name)
    kafka_state.wait_brokers(stack, {k.node.node_id for k in stack.kafka_nodes})
    kafka_state.wait_fully_replicated(stack)
    if not all(stack.component(n).ready() for n in stack.service_names) or group_problems(stack):
        restart_services(stack)
    wait_until("every consumer group stable, one member per replica",
               lambda: not group_problems(stack) or None, timeout_s=60,
               not_yet=kafka_state.NO_ANSWER)


def restart_services(stack: Stack) -> None:
    """Stop every replica, then start them as `stack` says (its membership)."""
    stack.stop_names(list(reversed(stack.service_names)))
    stack.start_services()


def member_ids(stack: Stack) -> dict[str, set[str]]:
    """Each service's consumer group -> its members' ids (a restarted replica gets a new one)."""
    return {group: {m.member_id for m in described.members}
            for group, described in _groups(stack).items()}


def wait_replaced(stack: Stack, before: dict[str, set[str]], timeout_s: float = 60.0) -> None:
    """Until every group is healthy again with other members than `before` (killed replicas
    rejoined, or their partitions moved on)."""
    wait_until("every consumer group stable with its restarted members",
               lambda: not group_problems(stack) and all(
                   ids != before[g] for g, ids in member_ids(stack).items()), timeout_s,
               not_yet=kafka_state.NO_ANSWER)


def group_problems(stack: Stack) -> list[str]:
    """What keeps each service's consumer group from being stable with one member per
    replica, each static or dynamic as `stack.shape` says."""
    found = []
    for group, described in _groups(stack).items():
        members = described.members
        static = [m for m in members if m.group_instance_id]
        wanted = len(members) if stack.shape.static_membership else 0
        if (described.state != ConsumerGroupState.STABLE or len(static) != wanted
                or len(members) != stack.shape.replicas):
            found.append(f"{group}: {described.state}, {len(static)} static of "
                         f"{len(members)} members")
    return found


def _groups(stack: Stack) -> dict[str, ConsumerGroupDescription]:
    s = stack.settings
    admin = admin_client(s.kafka_bootstrap_servers, s.kafka_client_config)
    groups = [service.consumer_group for service in stack.saga.services]
    return {group: future.result() for group, future in
            admin.describe_consumer_groups(groups, request_timeout=10).items()}
