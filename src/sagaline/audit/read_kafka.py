"""Reads consumer-group positions and offsets from Kafka with the admin API only:
no consumer joins a group, nothing is committed.

Lag is measured on the topics each service's handlers consume (their consumer group
subscribes to exactly those): per partition, the high watermark minus the group's committed
offset, or minus the earliest offset where the group never committed (it starts there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]

from sagaline.audit.read_db import SourceUnavailable
from sagaline.audit.rows import PartitionLag

TIMEOUT_S = 10.0


def partitions(client: AdminClient, topics: Iterable[str]) -> list[tuple[str, int]]:
    """Every (topic, partition) of `topics` that exists; SourceUnavailable without a broker."""
    try:
        meta = client.list_topics(timeout=5).topics
    except KafkaException as exc:
        raise SourceUnavailable(f"Kafka: {_reason(exc)}") from None
    return [(t, p) for t in topics if t in meta for p in sorted(meta[t].partitions)]


def lags(client: AdminClient, consumed: Mapping[str, Iterable[str]]) -> list[PartitionLag]:
    """Each group's position on every partition of the topics it consumes."""
    wanted = {group: partitions(client, topics) for group, topics in consumed.items()}
    everything = sorted({tp for tps in wanted.values() for tp in tps})
    earliest = offsets(client, everything, "earliest")
    end = offsets(client, everything, "latest")
    found = []
    for group, tps in wanted.items():
        committed = _committed(client, group)
        found += [PartitionLag(group, t, p, committed.get((t, p)), earliest[t, p], end[t, p])
                  for t, p in tps]
    return found


def offsets(client: AdminClient, tps: list[tuple[str, int]],
             spec: str | int) -> dict[tuple[str, int], int]:
    """Offsets per partition: "earliest", "latest", or the first at or after a timestamp
    in milliseconds (-1 where there is none)."""
    if not tps:
        return {}
    request = {TopicPartition(t, p): _spec(spec) for t, p in tps}
    try:
        futures = client.list_offsets(request, request_timeout=TIMEOUT_S)
        return {(tp.topic, tp.partition): int(f.result().offset) for tp, f in futures.items()}
    except KafkaException as exc:
        raise SourceUnavailable(f"Kafka: listing offsets: {_reason(exc)}") from None


def _spec(spec: str | int) -> Any:
    if isinstance(spec, int):
        return OffsetSpec.for_timestamp(spec)
    if spec == "earliest":
        return OffsetSpec.earliest()  # type: ignore[no-untyped-call]
    return OffsetSpec.latest()  # type: ignore[no-untyped-call]


def _committed(client: AdminClient, group: str) -> dict[tuple[str, int], int]:
    """The group's committed offsets (none where it never committed)."""
    request = [ConsumerGroupTopicPartitions(group)]
    try:
        futures = client.list_consumer_group_offsets(request, request_timeout=TIMEOUT_S)
        result = futures[group].result()
    except KafkaException as exc:
        raise SourceUnavailable(f"Kafka: offsets of {group}: {_reason(exc)}") from None
    return {(tp.topic, tp.partition): int(tp.offset)
            for tp in result.topic_partitions if tp.error is None and tp.offset >= 0}


def _reason(exc: KafkaException) -> str:
    error = exc.args[0] if exc.args else exc
    return str(error.str()) if hasattr(error, "str") else str(error)
