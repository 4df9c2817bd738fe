"""Receiving from the broker: the message source interface (the Kafka implementation is
core.kafka_source)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class IncomingMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes] = field(default_factory=dict)


Partition = tuple[str, int]  # (topic, partition)


def partition_of(message: IncomingMessage) -> Partition:
    return message.topic, message.partition


class SourceFailed(Exception):
    """The source is broken for good (e.g. fenced out of its group by another member with
    its instance id): close it and open a new one; what it did not acknowledge comes again."""


class MessageSource(Protocol):
    """Delivers messages at least once, in offset order within a partition.

    `poll` returns up to `max_messages` (possibly none after `timeout_s`). `ack` marks messages
    handled: after a restart or a rebalance, delivery resumes after the highest acknowledged
    offset of each partition, so anything not acknowledged is delivered again. `rewind` makes
    each partition of the given messages deliver again from the earliest of them there (to
    retry them); other partitions are not touched. `pause` stops delivery from partitions
    (what a poll already returned stays returned) until `resume`; a rewind while paused says
    where the partition resumes. A pause lasts while the partition stays with this source: one
    taken away by a rebalance and given back comes back unpaused.
    `waiting` says how many messages wait on the source's partitions beyond what it delivered
    (0 when none or not known); it may ask the broker, so call it now and then. Not
    thread-safe: one thread polls, acks, rewinds, pauses and resumes; but `problem` is asked
    from another (readiness): what keeps the source from getting its messages (e.g. no
    place in its consumer group, refused by the broker), or None. A source that can no
    longer work raises SourceFailed from `poll`, `ack` or `rewind`.
    """

    def poll(self, max_messages: int, timeout_s: float) -> list[IncomingMessage]: ...

    def ack(self, messages: Sequence[IncomingMessage]) -> None: ...

    def rewind(self, messages: Sequence[IncomingMessage]) -> None: ...

    def pause(self, partitions: Collection[Partition]) -> None: ...

    def resume(self, partitions: Collection[Partition]) -> None: ...

    def waiting(self) -> int: ...

    def problem(self) -> str | None: ...

    def close(self) -> None: ...



class NoSource:
    """What a consumer loop holds after it closed a failed source and before a new one
    opened: nothing to poll, so the closed client is never used again."""

    def __init__(self, why: str) -> None:
        self.why = why

    def poll(self, max_messages: int, timeout_s: float) -> list[IncomingMessage]:
        raise SourceFailed(f"no source: {self.why}")

    def ack(self, messages: Sequence[IncomingMessage]) -> None:
        raise SourceFailed(f"no source: {self.why}")

    def rewind(self, messages: Sequence[IncomingMessage]) -> None:
        raise SourceFailed(f"no source: {self.why}")

    def pause(self, partitions: Collection[Partition]) -> None: ...

    def resume(self, partitions: Collection[Partition]) -> None: ...

    def waiting(self) -> int:
        return 0

    def problem(self) -> str | None:
        return None  # the loop's own failure says it

    def close(self) -> None: ...
