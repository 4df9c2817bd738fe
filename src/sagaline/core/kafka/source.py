"""MessageSource on a librdkafka consumer in a consumer group (see `MessageSource`).

Offsets are stored only by `ack` (`enable.auto.offset.store=false`), i.e. after the handler's
transaction committed; librdkafka commits stored offsets in the background and on close or
partition revocation. A crash before `ack` means redelivery, which the inbox turns into a no-op.
A fatal client error (e.g. FENCED_INSTANCE_ID: another member took this one's
group.instance.id) leaves the consumer unusable: `poll`, `ack` and `waiting` raise
SourceFailed. With static membership this also happens without another member: after a
session timed out on the client side (the coordinator unreachable, e.g. the KRaft quorum
lost), librdkafka rejoins under a new member id and a commit still sent under the old one is
answered FENCED_INSTANCE_ID (librdkafka issue #3437). The fatal consumer fetches nothing ever
after while `poll` only returns None: ignoring it leaves the group's partitions stuck.
`rewind` raises SourceFailed too when the seek of a partition still assigned fails: the loop
replaces the consumer rather than go on past the message it could not handle. So does a
consumer stranded without the partitions it lost (core/kafka/stranded.py): `replacement` then
holds the configuration its successor starts from, and `lost_at` when it lost them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, cast

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from sagaline.core.kafka.membership import Membership
from sagaline.core.kafka.offsets import BrokerOffsets
from sagaline.core.kafka.publisher import METADATA_REFRESH, without_protected
from sagaline.core.kafka.stranded import STRANDED_S, Rescue
from sagaline.core.messaging.messages import IncomingMessage, Partition, SourceFailed

log = logging.getLogger(__name__)


def consumer_config(bootstrap: str, group_id: str, extra: Mapping[str, str] | None = None,
                    instance_id: str | None = None) -> dict[str, Any]:
    """`instance_id` turns on static membership: a replica that restarts under the same id
    gets its partitions back at once instead of waiting for a rebalance. Every replica needs
    its own id; without one, a crashed member's partitions move after `session.timeout.ms`."""
    static = {"group.instance.id": instance_id} if instance_id else {}
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group_id,
        **static,
        "session.timeout.ms": 6_000,  # the broker's minimum: a dead member is noticed fast
        "heartbeat.interval.ms": 2_000,  # three per session
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 500,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "partition.assignment.strategy": "cooperative-sticky",
        # The broker answers a fetch as soon as one message is there (fetch.min.bytes=1);
        # this only bounds idle fetches: each costs the broker a wake-up of its network, IO
        # and purgatory threads, so an idle consumer asks twice a second (librdkafka's default).
        "fetch.wait.max.ms": 500,
        **METADATA_REFRESH,  # a cut-off leader is left for the new one (publisher.py)
        **without_protected(extra),
    }


class KafkaSource:
    """`problem` is what the group's coordinator and the broker say (see membership)."""

    def __init__(self, config: Mapping[str, Any], topics: Iterable[str],
                 clock: Callable[[], float] = time.monotonic, lost_at: float | None = None,
                 rescue: Rescue | None = None) -> None:
        """`lost_at`: it replaces a consumer stranded since then (see Membership); `rescue`:
        where a successor would start (see stranded.py)."""
        self._group = str(config["group.id"])
        self._config = dict(config)
        self._topics = list(topics)
        self._offsets: BrokerOffsets | None = None  # made at the first `waiting`
        self.membership = Membership(self._group, clock, lost_at=lost_at)
        self._rescue = rescue or Rescue(config, clock)
        self.replacement: dict[str, Any] | None = None
        self._consumer = Consumer(dict(config))
        self._consumer.subscribe(self._topics, on_assign=self._assigned,
                                 on_lost=self._lost)

    def _assigned(self, _consumer: Any, partitions: list[TopicPartition]) -> None:
        self.membership.assigned({tp.topic for tp in partitions})

    def _lost(self, _consumer: Any, _partitions: list[TopicPartition]) -> None:
        self.membership.lost()

    def problem(self) -> str | None:
        return self.membership.problem()

    def poll(self, max_messages: int, timeout_s: float) -> list[IncomingMessage]:
        stranded = self.membership.stranded_s()
        if stranded > STRANDED_S and (new := self._rescue.replacement(self._topics[0])):
            self.replacement = new
            raise SourceFailed(f"lost its partitions {stranded:.0f} s ago and was not given "
                               "them back, while the cluster counts other brokers than its own")
        # Wait for the first message only, then take what is already fetched without
        # waiting: `consume(n, t)` alone would hold a partial batch until `t` runs out.
        first = self._consumer.poll(timeout_s)
        if first is None:
            return []
        rest = self._consumer.consume(max_messages - 1, 0) if max_messages > 1 else []
        return [m for m in map(self._read, [first, *rest]) if m is not None]

    def _read(self, msg: Any) -> IncomingMessage | None:
        err = msg.error()
        if err is None or _is_fatal(err) or err.code() == KafkaError._PARTITION_EOF:
            return incoming(msg)  # a fatal error raises there
        if self.membership.failed(err, msg.topic()):
            log.error("consumer %s: refused by the broker: %s", self._group, err)
        else:
            log.warning("consumer %s: %s", self._group, err)
        return None

    def ack(self, messages: Sequence[IncomingMessage]) -> None:
        offsets = _next_offsets(messages, max)
        if offsets:
            try:
                self._consumer.store_offsets(offsets=offsets)
            except KafkaException as exc:  # partition revoked meanwhile: its new owner redoes it
                _raise_if_fatal(exc.args[0])
                log.info("consumer: offsets not stored: %s", exc)

    def rewind(self, messages: Sequence[IncomingMessage]) -> None:
        for tp in _next_offsets(messages, min, delta=0):
            try:
                self._consumer.seek(tp)
            except KafkaException as exc:
                self._not_rewound(tp, exc)

    def _not_rewound(self, tp: TopicPartition, exc: KafkaException) -> None:
        _raise_if_fatal(exc.args[0])
        where = f"{tp.topic}[{tp.partition}] to {tp.offset}"
        if not self._owns(tp):  # its next owner starts at the committed offset: before it
            log.info("consumer: cannot rewind %s, no longer assigned: %s", where, exc)
            return
        # Still ours, and its position is past the message: what comes next would be
        # handled and its offset stored beyond the message. A new consumer starts at the
        # committed offset, which never passes a message not handled.
        log.error("consumer %s: cannot rewind %s: %s; replacing the consumer",
                  self._group, where, exc)
        raise SourceFailed(f"cannot rewind {where}: {exc}")

    def _owns(self, tp: TopicPartition) -> bool:
        try:
            assigned = self._consumer.assignment()
        except KafkaException:
            return True  # not known: the safe side
        return any((a.topic, a.partition) == (tp.topic, tp.partition) for a in assigned)

    def pause(self, partitions: Collection[Partition]) -> None:
        # librdkafka drops what it had fetched of them; resume fetches from the position.
        self._pause_or_resume(self._consumer.pause, partitions)

    def resume(self, partitions: Collection[Partition]) -> None:
        self._pause_or_resume(self._consumer.resume, partitions)

    def _pause_or_resume(self, call: Any, partitions: Collection[Partition]) -> None:
        try:
            call([TopicPartition(topic, partition) for topic, partition in partitions])
        except KafkaException as exc:  # revoked meanwhile: its new owner has it, unpaused
            _raise_if_fatal(exc.args[0])
            log.info("consumer: cannot %s %s: %s", call.__name__, sorted(partitions), exc)

    def waiting(self) -> int:
        """Messages on the assigned partitions past this consumer's position (before its
        first message there: past the group's committed offset), by the leaders' high
        watermarks now. It asks the brokers on a connection of its own (kafka_offsets: not
        behind this consumer's waiting fetch), a time-out of 2 s: call it now and then.
        A partition whose leader does not answer counts 0."""
        try:
            positions = self._consumer.position(self._consumer.assignment())  # local
            if not positions:
                return 0
            self._offsets = self._offsets or BrokerOffsets(self._config)
            ends = self._offsets.ends(positions)
            unknown = [tp for tp in positions if tp.offset < 0]
            committed = self._offsets.committed(self._group, unknown) if unknown else {}
        except (KafkaException, TimeoutError) as exc:
            if isinstance(exc, KafkaException):
                _raise_if_fatal(exc.args[0])
            log.info("consumer: offsets not known: %s", exc)
            return 0
        starts = {(tp.topic, tp.partition): tp.offset for tp in positions} | committed
        return sum(max(end - starts[key], 0) for key, end in ends.items()
                   if starts.get(key, -1) >= 0)

    def close(self) -> None:
        self._consumer.close()


def incoming(msg: Any) -> IncomingMessage | None:
    """A fetched message as ours; None for an event that is no message (end of a
    partition, a transient error: logged); SourceFailed for a fatal error."""
    err = msg.error()
    if err is not None:
        _raise_if_fatal(err)
        if err.code() != KafkaError._PARTITION_EOF:
            log.warning("consumer: %s", err)
        return None
    raw_headers: list[tuple[str, Any]] = list(cast(Any, msg.headers()) or ())
    return IncomingMessage(
        topic=str(msg.topic()), partition=int(msg.partition() or 0),
        offset=int(msg.offset() or 0), key=_bytes(msg.key()), value=_bytes(msg.value()),
        headers={name: _bytes(value) or b"" for name, value in raw_headers},
    )


def _raise_if_fatal(err: Any) -> None:
    if _is_fatal(err):
        raise SourceFailed(f"{err.name()}: {err.str()}")


def _is_fatal(err: Any) -> bool:
    # The error event of a fatal error has code _FATAL, and its fatal() is not always set.
    return isinstance(err, KafkaError) and (err.fatal() or err.code() == KafkaError._FATAL)


def _next_offsets(messages: Sequence[IncomingMessage], pick: Any,
                  delta: int = 1) -> list[TopicPartition]:
    by_partition: dict[tuple[str, int], int] = {}
    for m in messages:
        key = (m.topic, m.partition)
        by_partition[key] = pick(by_partition.get(key, m.offset), m.offset)
    return [TopicPartition(t, p, o + delta) for (t, p), o in by_partition.items()]


def _bytes(value: str | bytes | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value
