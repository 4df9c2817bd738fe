"""Kafka admin operations the stack needs: readiness and idempotent topic provisioning.

Dead-letter topics (`dlq.*`) keep their messages far longer than the broker's default week:
a dead letter waits for a person to look at it, and a holiday should not delete it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
    OffsetSpec,
    ResourceType,
)

from sagaline import saga_choice
from sagaline.devstack.errors import StackError
from sagaline.devstack.topic_drift import (
    DAY_MS,
    RETENTION,
    TopicSpec,
    drift,
    is_dead_letter,
    wanted_specs,
)
from sagaline.ops.kafka_admin import admin_client
from sagaline.settings import TopicSettings

__all__ = ["DAY_MS", "TopicSpec", "broker_ready", "ensure_saga_topics", "ensure_topics",
           "saga_topic_drift"]


def broker_ready(bootstrap: str, extra: dict[str, str] | None = None) -> bool:
    """True when the broker answers a metadata request."""
    try:
        admin_client(bootstrap, extra).list_topics(timeout=2)
    except KafkaException:
        return False
    return True


def ensure_topics(
    bootstrap: str, topics: Iterable[str], partitions: int, extra: dict[str, str] | None = None,
    replication_factor: int = 1, dead_letter_retention_days: int = 30,
    min_insync_replicas: int | None = None,
) -> list[str]:
    """Create the missing topics with `min.insync.replicas` (default: one fewer than the
    replication factor, at least 1); existing ones keep their partitions and replicas (see
    topic_drift for a report). Dead-letter topics get (and existing ones are set to)
    `retention.ms` of `dead_letter_retention_days`. Returns the topics created."""
    specs = wanted_specs(topics, partitions, replication_factor, dead_letter_retention_days,
                         min_insync_replicas)
    keep = {RETENTION: str(dead_letter_retention_days * DAY_MS)}
    client = admin_client(bootstrap, extra)
    existing = set(client.list_topics(timeout=10).topics)
    missing = [NewTopic(t, num_partitions=s.partitions, replication_factor=s.replication_factor,
                        config=dict(s.configs)) for t, s in specs.items() if t not in existing]
    created = _create(client, missing) if missing else []
    _wait_for_leaders(client, list(specs))
    _configure(client, [t for t in specs if is_dead_letter(t) and t not in created], keep)
    return created


def _configure(client: AdminClient, topics: list[str], config: dict[str, str]) -> None:
    """Set `config` on existing topics (only those keys; the rest stay as they are)."""
    entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET)
               for k, v in config.items()]
    resources = [ConfigResource(ResourceType.TOPIC, t, incremental_configs=entries)
                 for t in topics]
    for resource, future in (client.incremental_alter_configs(resources).items()
                             if resources else []):
        try:
            future.result(timeout=30)
        except KafkaException as exc:
            raise StackError(f"configuring topic {resource.name} failed: "
                             f"{exc.args[0].str()}") from exc


def _create(client: AdminClient, missing: list[NewTopic]) -> list[str]:
    created: list[str] = []
    for name, future in client.create_topics(missing, operation_timeout=30).items():
        try:
            future.result(timeout=60)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise StackError(f"creating topic {name} failed: {exc.args[0].str()}") from exc
    return created


def _wait_for_leaders(client: AdminClient, topics: list[str], timeout: float = 30.0) -> None:
    """Wait until every partition of `topics` answers a ListOffsets request from its leader.

    Metadata names a leader a moment before that leader serves the partition, so a fresh
    topic is only ready once its offsets can be read.
    """
    deadline = time.monotonic() + timeout
    while pending := _unserved(client, topics):
        if time.monotonic() > deadline:
            raise StackError(f"topics not served after {timeout:.0f} s: {', '.join(pending)}")
        time.sleep(0.1)


def _unserved(client: AdminClient, topics: list[str]) -> list[str]:
    meta = client.list_topics(timeout=10).topics
    missing = [t for t in topics if t not in meta or not meta[t].partitions]
    if missing:
        return missing
    latest = OffsetSpec.latest()  # type: ignore[no-untyped-call]
    request = {TopicPartition(t, p): latest for t in topics for p in meta[t].partitions}
    unserved: set[str] = set()
    for tp, future in client.list_offsets(request, request_timeout=10).items():
        try:
            future.result()
        except KafkaException:
            unserved.add(tp.topic)
    return sorted(unserved)


def ensure_saga_topics(settings: TopicSettings) -> list[str]:
    """Every topic of the chosen saga, as the settings say to create them."""
    return ensure_topics(settings.kafka_bootstrap_servers, saga_choice.load().topics,
                         settings.topic_partitions,
                         settings.kafka_client_config, settings.topic_replication_factor,
                         settings.dead_letter_retention_days, settings.min_insync_replicas())


def saga_topic_drift(settings: TopicSettings) -> list[str]:
    """How the saga's existing topics differ from what the settings would create (a line
    each: partitions, replication factor, min.insync.replicas, dead letters' retention)."""
    specs = wanted_specs(saga_choice.load().topics, settings.topic_partitions,
                         settings.topic_replication_factor, settings.dead_letter_retention_days,
                         settings.min_insync_replicas())
    client = admin_client(settings.kafka_bootstrap_servers, settings.kafka_client_config)
    return drift(client, specs)
