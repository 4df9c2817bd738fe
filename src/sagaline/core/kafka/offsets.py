"""A consumer's partitions' end offsets and its group's commits, read on a connection of their
own (an admin client), for `KafkaSource.waiting`.

Why not the consumer's own calls (`get_watermark_offsets`, `committed`): a broker answers the
requests of one connection in order, and an idle consumer keeps a fetch waiting there for up to
`fetch.wait.max.ms` (500 ms). Each such call then waited for that fetch, one partition at a
time, while the consumer's thread did not poll, so the first messages after a quiet spell
waited too (about 100 ms at the 99th percentile at 50 sagas/s). One batched request on an idle
connection answers in a round trip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]

# What an admin client takes from a consumer's configuration: where the brokers are and how to
# reach them (the rest are consumer properties it would only warn about).
_CONNECTION_PREFIXES = ("bootstrap.servers", "security.", "sasl.", "ssl.", "socket.",
                        "broker.address.", "client.id", "client.dns.")


_LATEST = OffsetSpec.latest()  # type: ignore[no-untyped-call]


def admin_config(consumer_config: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in consumer_config.items() if k.startswith(_CONNECTION_PREFIXES)}


class BrokerOffsets:
    """Blocking reads, each one request per broker, bounded by `timeout_s`."""

    def __init__(self, consumer_config: Mapping[str, Any], timeout_s: float = 2.0) -> None:
        self._admin = AdminClient(admin_config(consumer_config))
        self._timeout_s = timeout_s

    def ends(self, partitions: Sequence[TopicPartition]) -> dict[tuple[str, int], int]:
        """The high watermark of each partition whose leader answers (others left out)."""
        futures = self._admin.list_offsets(
            {TopicPartition(tp.topic, tp.partition): _LATEST for tp in partitions},
            request_timeout=self._timeout_s)
        ends = {}
        for tp, future in futures.items():
            try:
                ends[(tp.topic, tp.partition)] = int(future.result(self._timeout_s).offset)
            except (KafkaException, TimeoutError):  # its leader is down or moving: not known
                continue
        return ends

    def committed(self, group: str, partitions: Sequence[TopicPartition]
                  ) -> dict[tuple[str, int], int]:
        """The group's committed offset of each partition (negative: none). Raises
        KafkaException (or TimeoutError) when the group's coordinator does not answer."""
        request = [ConsumerGroupTopicPartitions(
            group, [TopicPartition(tp.topic, tp.partition) for tp in partitions])]
        futures = self._admin.list_consumer_group_offsets(request,
                                                          request_timeout=self._timeout_s)
        answer = futures[group].result(self._timeout_s)
        return {(tp.topic, tp.partition): int(tp.offset) for tp in answer.topic_partitions}


__all__ = ["BrokerOffsets", "KafkaException", "admin_config"]
