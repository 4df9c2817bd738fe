"""An in-memory broker: what a publisher sends, consumer groups read, with Kafka's ordering
rules (for unit tests only; see sagaline.testing.harness).

`InMemoryBroker` keeps a log per topic partition (a message goes to its key's partition) and
serves each consumer group from its own positions: order is kept within a partition, and
nothing else is promised. By default messages come out in the order they were published; given
a `chance`, each next message is taken from a partition picked at random, which reorders what
Kafka may reorder (different partitions, so different topics) and nothing more. With
`redeliver`, every message is delivered a second time after it was acknowledged, as after a
consumer's lost offset commit.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from collections.abc import Collection, Sequence

from sagaline.core.messaging.envelope import H_EVENT_ID
from sagaline.core.messaging.messages import IncomingMessage, Partition
from sagaline.core.messaging.publisher import OutgoingMessage
from sagaline.testing.messaging import InMemoryPublisher


class InMemoryBroker(InMemoryPublisher):
    """A publisher whose messages consumer groups read (`source`), `partitions` per topic.
    `topic_of`: event id -> topic, of every event published."""

    def __init__(self, partitions: int = 3, chance: random.Random | None = None,
                 redeliver: bool = False) -> None:
        super().__init__()
        self.partitions = partitions
        self.chance = chance
        self.redeliver = redeliver
        self.logs: dict[Partition, list[tuple[int, IncomingMessage]]] = {}  # (sequence, message)
        self.topic_of: dict[str, str] = {}
        self.groups: dict[str, GroupSource] = {}

    def _accepted(self, message: OutgoingMessage) -> None:
        key = message.key.encode() if message.key is not None else None
        partition = zlib.crc32(key) % self.partitions if key else 0
        log = self.logs.setdefault((message.topic, partition), [])
        log.append((len(self.sent), IncomingMessage(
            message.topic, partition, len(log), key, message.value,
            {k: v.encode() for k, v in message.headers.items()})))
        if H_EVENT_ID in message.headers:
            self.topic_of[message.headers[H_EVENT_ID]] = message.topic

    def source(self, group: str, topics: Sequence[str]) -> GroupSource:
        """The consumer group's source (one per group: a restart resumes from its acks)."""
        if group not in self.groups:
            self.groups[group] = GroupSource(self, [(t, p) for t in topics
                                                    for p in range(self.partitions)])
        return self.groups[group]


class GroupSource:
    """A consumer group's view of its partitions: a read position and a committed offset
    each, and those paused. `restart` goes back to the committed offsets, nothing paused, as
    a new consumer would."""

    def __init__(self, broker: InMemoryBroker, partitions: list[Partition]) -> None:
        self._broker = broker
        self._partitions = partitions
        self.position: dict[Partition, int] = dict.fromkeys(partitions, 0)
        self.committed: dict[Partition, int] = dict.fromkeys(partitions, 0)
        self._redelivered: set[tuple[Partition, int]] = set()
        self.delivered: Counter[tuple[Partition, int]] = Counter()  # polls per message
        self.paused: set[Partition] = set()

    def poll(self, max_messages: int, timeout_s: float) -> list[IncomingMessage]:
        polled: list[IncomingMessage] = []
        while len(polled) < max_messages and (ready := self._heads()):
            chance = self._broker.chance
            at = chance.choice(ready) if chance else min(ready, key=lambda p: self._head(p)[0])
            polled.append(self._head(at)[1])
            self.delivered[at, self.position[at]] += 1
            self.position[at] += 1
        return polled

    def ack(self, messages: Sequence[IncomingMessage]) -> None:
        for m in messages:
            at = (m.topic, m.partition)
            self.committed[at] = max(self.committed[at], m.offset + 1)
        if self._broker.redeliver:
            self._redeliver_once(messages)

    def rewind(self, messages: Sequence[IncomingMessage]) -> None:
        for m in messages:
            at = (m.topic, m.partition)
            self.position[at] = min(self.position[at], m.offset)

    def pause(self, partitions: Collection[Partition]) -> None:
        self.paused.update(partitions)

    def resume(self, partitions: Collection[Partition]) -> None:
        self.paused.difference_update(partitions)

    def restart(self) -> None:
        self.position = dict(self.committed)
        self.paused.clear()

    def waiting(self) -> int:
        return sum(len(self._log(p)) - self.position[p] for p in self._partitions)

    def problem(self) -> str | None:
        return None  # always in its group

    def close(self) -> None:
        pass

    def _redeliver_once(self, messages: Sequence[IncomingMessage]) -> None:
        for m in messages:
            at = (m.topic, m.partition)
            if (at, m.offset) not in self._redelivered:
                self._redelivered.add((at, m.offset))
                self.position[at] = min(self.position[at], m.offset)

    def _heads(self) -> list[Partition]:
        return [p for p in self._partitions
                if p not in self.paused and self.position[p] < len(self._log(p))]

    def _head(self, at: Partition) -> tuple[int, IncomingMessage]:
        return self._log(at)[self.position[at]]

    def _log(self, at: Partition) -> list[tuple[int, IncomingMessage]]:
        return self._broker.logs.get(at, [])
