"""What a topic should look like, and how existing topics differ from it.

Existing topics are only reported, never repartitioned or reassigned here: more partitions
move keys to other partitions (and break per-order order across the move), and a new
replication factor needs a partition reassignment an operator plans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from confluent_kafka import KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AdminClient,
    ConfigResource,
    ResourceType,
)

from sagaline.devstack.errors import StackError

DEAD_LETTER_PREFIX = "dlq."  # as core.topology.dead_letter_topic names them
DAY_MS = 24 * 3600 * 1000
RETENTION = "retention.ms"
MIN_INSYNC = "min.insync.replicas"


@dataclass(frozen=True)
class TopicSpec:
    partitions: int
    replication_factor: int
    configs: Mapping[str, str] = field(default_factory=dict)


def is_dead_letter(topic: str) -> bool:
    return topic.startswith(DEAD_LETTER_PREFIX)


def wanted_specs(topics: Iterable[str], partitions: int, replication_factor: int,
                 dead_letter_retention_days: int,
                 min_insync_replicas: int | None = None) -> dict[str, TopicSpec]:
    """Each topic's spec; ValueError for settings a broker would refuse or regret."""
    if dead_letter_retention_days < 1:
        raise ValueError(f"dead letters must be kept at least a day, not "
                         f"{dead_letter_retention_days}")
    required = min_insync_replicas or max(1, replication_factor - 1)
    if required > replication_factor:
        raise ValueError(f"min.insync.replicas {required} above the replication factor "
                         f"{replication_factor}: no write with acks=all could succeed")
    common = {MIN_INSYNC: str(required)}
    dead = {**common, RETENTION: str(dead_letter_retention_days * DAY_MS)}
    return {t: TopicSpec(partitions, replication_factor, dead if is_dead_letter(t) else common)
            for t in topics}


def drift(client: AdminClient, wanted: Mapping[str, TopicSpec]) -> list[str]:
    """One line per difference between the existing topics of `wanted` and their specs."""
    meta = client.list_topics(timeout=10).topics
    existing = [t for t in wanted if t in meta]
    configs = _configs(client, existing)
    lines = []
    for topic in existing:
        spec, partitions = wanted[topic], meta[topic].partitions
        if len(partitions) != spec.partitions:
            lines.append(f"{topic}: {len(partitions)} partitions, wanted {spec.partitions}")
        copies = sorted({len(p.replicas) for p in partitions.values()})
        if copies != [spec.replication_factor]:
            shown = "/".join(map(str, copies))
            lines.append(f"{topic}: replication factor {shown}, wanted "
                         f"{spec.replication_factor}")
        lines += [f"{topic}: {key} {configs[topic].get(key)}, wanted {value}"
                  for key, value in spec.configs.items() if configs[topic].get(key) != value]
    return lines


def _configs(client: AdminClient, topics: list[str]) -> dict[str, dict[str, str]]:
    """Each topic's effective configuration (its own values or the broker's defaults)."""
    resources = [ConfigResource(ResourceType.TOPIC, t) for t in topics]
    found: dict[str, dict[str, str]] = {}
    for resource, future in (client.describe_configs(resources).items() if resources else []):
        try:
            entries = future.result(timeout=30)
        except KafkaException as exc:
            raise StackError(f"reading the configuration of topic {resource.name} failed: "
                             f"{exc.args[0].str()}") from exc
        found[resource.name] = {k: str(e.value) for k, e in entries.items()}
    return found
