"""In-memory doubles of the core's messaging interfaces (`Publisher`, `MessageSource`), for
tests that drive one part by hand; each passes its interface's contract suite
(tests/integration/core/test_*_contract.py). A whole saga's broker: `testing.broker`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence

from sagaline.core.messaging.messages import IncomingMessage, Partition, partition_of
from sagaline.core.messaging.publisher import Delivery, OutgoingMessage

# Kafka's default limit of a message (the broker's message.max.bytes), key and headers too.
MAX_MESSAGE_BYTES = 1_048_588


class InMemoryPublisher:
    """Records what was published per topic. Refused for good: refs in `refuse`, anything
    sent to a topic of `refuse_topics` (with that error, e.g. an authorisation failure), and
    a message over `max_message_bytes` (as too large)."""

    def __init__(self, max_message_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self.sent: list[OutgoingMessage] = []
        self.refuse: set[int] = set()
        self.refuse_topics: dict[str, str] = {}
        self.max_message_bytes = max_message_bytes
        self.unavailable = False  # True: every message fails transiently, as with a broker down
        self._lock = threading.Lock()

    def publish(self, batch: Sequence[OutgoingMessage], timeout_s: float) -> list[Delivery]:
        with self._lock:
            return [self._deliver(message) for message in batch]

    def _deliver(self, message: OutgoingMessage) -> Delivery:
        if self.unavailable:
            return Delivery(message.ref, "broker unavailable")
        if message.ref in self.refuse:
            return Delivery(message.ref, "refused", permanent=True)
        if message.topic in self.refuse_topics:
            return Delivery(message.ref, self.refuse_topics[message.topic], permanent=True)
        if _size(message) > self.max_message_bytes:
            return Delivery(message.ref, "MSG_SIZE_TOO_LARGE: larger than the broker allows",
                            permanent=True, too_large=True)
        self.sent.append(message)
        self._accepted(message)
        return Delivery(message.ref)

    def _accepted(self, message: OutgoingMessage) -> None: ...

    def on_topic(self, topic: str) -> list[OutgoingMessage]:
        with self._lock:
            return [m for m in self.sent if m.topic == topic]

    def close(self) -> None:
        pass


def _size(message: OutgoingMessage) -> int:
    return (len(message.value) + len((message.key or "").encode())
            + sum(len(k.encode()) + len(v.encode()) for k, v in message.headers.items()))


class InMemorySource:
    """A list of messages delivered in list order, each partition's in its own order; a
    rewind, a pause and a restart act on partitions, as a Kafka consumer's do. `acked`: what
    was acknowledged, in order."""

    def __init__(self, messages: Sequence[IncomingMessage] = ()) -> None:
        self.messages = list(messages)
        self.acked: list[IncomingMessage] = []
        self.paused: set[Partition] = set()
        self._delivered: set[int] = set()  # indexes into `messages`

    def add(self, message: IncomingMessage) -> None:
        self.messages.append(message)

    def poll(self, max_messages: int, timeout_s: float) -> list[IncomingMessage]:
        batch: list[IncomingMessage] = []
        for index, message in enumerate(self.messages):
            if len(batch) == max_messages:
                break
            if index not in self._delivered and partition_of(message) not in self.paused:
                self._delivered.add(index)
                batch.append(message)
        return batch

    def ack(self, messages: Sequence[IncomingMessage]) -> None:
        self.acked.extend(messages)

    def rewind(self, messages: Sequence[IncomingMessage]) -> None:
        earliest: dict[Partition, int] = {}
        for m in messages:
            at = partition_of(m)
            earliest[at] = min(earliest.get(at, m.offset), m.offset)
        self._deliver_again(lambda m: m.offset >= earliest.get(partition_of(m), m.offset + 1))

    def pause(self, partitions: Collection[Partition]) -> None:
        self.paused.update(partitions)

    def resume(self, partitions: Collection[Partition]) -> None:
        self.paused.difference_update(partitions)

    def restart(self) -> None:
        """As a new consumer in the same group: from after each partition's last ack, nothing
        paused."""
        done: dict[Partition, int] = {}
        for m in self.acked:
            done[partition_of(m)] = max(done.get(partition_of(m), m.offset), m.offset)
        self._deliver_again(lambda m: m.offset > done.get(partition_of(m), -1))
        self.paused.clear()

    def waiting(self) -> int:
        return len(self.messages) - len(self._delivered)

    def problem(self) -> str | None:
        return None  # always in its group

    def close(self) -> None:
        pass

    def _deliver_again(self, again: Callable[[IncomingMessage], bool]) -> None:
        self._delivered = {i for i in self._delivered if not again(self.messages[i])}
