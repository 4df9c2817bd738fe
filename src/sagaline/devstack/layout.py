"""The components a stack of a given shape is made of, for the saga's declaration: Kafka
nodes, one Postgres server per service, and each service's replicas."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sagaline.core.saga import Saga
from sagaline.devstack import kafka_secure, links
from sagaline.devstack.kafka import Kafka
from sagaline.devstack.kafka_config import Node
from sagaline.devstack.postgres import Postgres
from sagaline.devstack.quorum_links import QuorumLinks
from sagaline.devstack.services import Service
from sagaline.devstack.shape import Shape, node_addresses
from sagaline.devstack.toxiproxy import Toxiproxy
from sagaline.settings import StackSettings

CLUSTER_REPLICATION_FACTOR = 3


def for_shape(settings: StackSettings, shape: Shape, stack_dir: Path,
              saga: Saga) -> StackSettings:
    """The settings as the stack's clients need them: every node in the bootstrap list, and
    topics at replication factor 3 on a cluster; secure, the launcher logs in as the admin
    and each service as its own user."""
    if shape.secure:
        users = kafka_secure.users(stack_dir, list(saga.names))
        settings = settings.model_copy(update={
            "kafka_client_config": kafka_secure.client_config(
                kafka_secure.ADMIN, users[kafka_secure.ADMIN]),
            "kafka_service_configs": {name: kafka_secure.client_config(name, users[name])
                                      for name in saga.names}})
    if not shape.cluster:
        return settings
    nodes = node_addresses(settings.kafka_bootstrap_servers, shape.brokers)
    return settings.model_copy(update={
        "kafka_bootstrap_servers": ",".join(f"{h}:{p}" for h, p in nodes),
        "topic_replication_factor": CLUSTER_REPLICATION_FACTOR,
    })


def kafka_nodes(settings: StackSettings, shape: Shape, stack_dir: Path,
                saga: Saga) -> list[Kafka]:
    bootstrap, extra = settings.kafka_bootstrap_servers, settings.kafka_client_config
    users = kafka_secure.users(stack_dir, list(saga.names)) if shape.secure else None
    jars = settings.sagaline_kafka_home
    if not shape.cluster:
        listeners = (links.listeners(saga.names, settings.toxiproxy_port) if shape.faulty
                     else None)
        return [Kafka(stack_dir, bootstrap, extra, users=users, jars=jars,
                      service_listeners=listeners)]
    voters = _voters(settings, shape)
    between = QuorumLinks(settings.toxiproxy_port, tuple(voters)) if shape.faulty else None
    return [Kafka(stack_dir, bootstrap, extra, node, voters, users, jars,
                  quorum_links=between) for node in voters]


def _voters(settings: StackSettings, shape: Shape) -> list[Node]:
    return [Node(n + 1, host, port) for n, (host, port)
            in enumerate(node_addresses(settings.kafka_bootstrap_servers, shape.brokers))]


def databases(settings: StackSettings, stack_dir: Path, saga: Saga) -> list[Postgres]:
    """A server per service: its port, role and database from its DSN (settings.dsn)."""
    return [Postgres(name, stack_dir, settings.dsn(name)) for name in saga.names]


def toxiproxy(settings: StackSettings, shape: Shape, stack_dir: Path,
              saga: Saga) -> list[Toxiproxy]:
    """The faulty stack's Toxiproxy, with every service's links (one node) or the links
    between the nodes (three); none otherwise."""
    if not shape.faulty:
        return []
    if shape.cluster:  # the links between the nodes; the services' stay direct
        made = QuorumLinks(settings.toxiproxy_port, tuple(_voters(settings, shape))).links()
    else:
        made = links.links(settings, saga.names)
    return [Toxiproxy(stack_dir, settings.toxiproxy_port, made)]


def service_replicas(settings: StackSettings, shape: Shape, stack_dir: Path, saga: Saga,
                     env: Mapping[str, str], module: str | None) -> list[Service]:
    """Replica 1 of every service, then replica 2 of every service, and so on. Several
    replicas name themselves for static membership unless the shape says dynamic."""
    def replica_id(replica: int) -> str:
        return str(replica) if shape.replicas > 1 and shape.static_membership else ""

    def seen_by(name: str) -> StackSettings:
        if shape.faulty and not shape.cluster:
            return links.through_proxies(settings, saga.names, name)
        return settings

    return [Service(name, seen_by(name), stack_dir, shape.saga, env, module, replica,
                    replica_id(replica))
            for replica in range(1, shape.replicas + 1) for name in saga.names]
