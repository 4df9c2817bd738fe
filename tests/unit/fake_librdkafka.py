"""A stand-in for confluent_kafka.Consumer as KafkaSource drives it, so the source's own
paths (group callbacks, consumer errors, a failed seek) run without a broker: tests put it
in place of `Consumer` in sagaline.core.kafka.source. The test plays the group's
coordinator (`assign`, `lose`) and the broker's refusals (`fail_with`, `seek_error`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, TopicPartition

from sagaline.core.messaging.messages import IncomingMessage

Key = tuple[str, int]


class FakeMessage:
    """A message as poll returns it: a record, or a consumer error (`error()` set)."""

    def __init__(self, topic: str | None, partition: int, offset: int,
                 record: IncomingMessage | None = None, error: KafkaError | None = None) -> None:
        self._topic, self._partition, self._offset = topic, partition, offset
        self._record, self._error = record, error

    def error(self) -> KafkaError | None:
        return self._error

    def topic(self) -> str | None:
        return self._topic

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def key(self) -> bytes | None:
        return self._record.key if self._record else None

    def value(self) -> bytes | None:
        return self._record.value if self._record else None

    def headers(self) -> list[tuple[str, bytes]]:
        return list(self._record.headers.items()) if self._record else []


class FakeConsumer:
    """Per partition a log of values and a fetch position; poll delivers from the assigned,
    unpaused partitions, as librdkafka does, and moves the position past what it returns.
    `stored`: every offset handed to store_offsets, by partition."""

    def __init__(self, logs: dict[Key, list[IncomingMessage]] | None = None) -> None:
        self.logs = logs or {}
        self.position: dict[Key, int] = dict.fromkeys(self.logs, 0)
        self.assigned: set[Key] = set()
        self.paused: set[Key] = set()
        self.stored: dict[Key, list[int]] = {}
        self.errors: list[FakeMessage] = []
        self.seek_error: int | None = None  # a KafkaError code: seek raises it
        self.closed = False
        self.callbacks: dict[str, Callable[..., Any]] = {}

    def __call__(self, config: dict[str, Any]) -> FakeConsumer:
        self.config = config  # as the class would be called by KafkaSource
        return self

    def subscribe(self, topics: list[str], **callbacks: Callable[..., Any]) -> None:
        self.topics, self.callbacks = topics, callbacks

    def assign(self, keys: Sequence[Key]) -> None:
        """The coordinator's answer to a (re)join: these partitions (none is an answer too)."""
        self.assigned.update(keys)
        self._callback("on_assign", keys)

    def lose(self) -> None:
        """The member's session timed out: its partitions are gone until it joins again."""
        lost, self.assigned = sorted(self.assigned), set()
        self._callback("on_lost", lost)

    def fail_with(self, code: int, topic: str | None = None) -> None:
        self.errors.append(FakeMessage(topic, 0, -1001, error=KafkaError(code, "refused")))

    def poll(self, timeout: float) -> FakeMessage | None:
        self._not_closed()
        if self.errors:
            return self.errors.pop(0)
        for key in sorted(self.assigned - self.paused):
            if self.position[key] < len(self.logs[key]):
                offset = self.position[key]
                self.position[key] += 1
                return FakeMessage(key[0], key[1], offset, self.logs[key][offset])  # its offset
        return None

    def consume(self, num_messages: int, timeout: float) -> list[FakeMessage]:
        found: list[FakeMessage] = []
        while len(found) < num_messages and (message := self.poll(0)) is not None:
            found.append(message)
        return found

    def store_offsets(self, offsets: list[TopicPartition]) -> None:
        self._not_closed()
        for tp in offsets:
            self.stored.setdefault((tp.topic, tp.partition), []).append(tp.offset)

    def seek(self, tp: TopicPartition) -> None:
        self._not_closed()
        if self.seek_error is not None:
            raise KafkaException(KafkaError(self.seek_error, "seek refused"))
        self.position[tp.topic, tp.partition] = tp.offset

    def pause(self, partitions: list[TopicPartition]) -> None:
        self.paused.update((tp.topic, tp.partition) for tp in partitions)

    def resume(self, partitions: list[TopicPartition]) -> None:
        self.paused.difference_update((tp.topic, tp.partition) for tp in partitions)

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition(t, p) for t, p in sorted(self.assigned)]

    def close(self) -> None:
        self._not_closed()
        self.closed = True

    def _callback(self, name: str, keys: Sequence[Key]) -> None:
        callback = self.callbacks.get(name)
        if callback is not None:
            callback(self, [TopicPartition(t, p) for t, p in keys])

    def _not_closed(self) -> None:
        if self.closed:  # as the real one: a closed consumer refuses every call
            raise RuntimeError("Consumer closed")
