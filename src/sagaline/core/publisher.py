"""Publishing to the broker: the interface, the Kafka implementation and an in-memory fake."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    ref: int  # the caller's handle, e.g. the outbox row id
    topic: str
    key: str | None
    value: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Delivery:
    ref: int
    error: str | None = None  # None: the broker acknowledged it
    permanent: bool = False  # True: retrying cannot help (e.g. larger than the broker allows)
    fatal: bool = False  # True: the publisher itself is broken (and replaces itself)

    @property
    def ok(self) -> bool:
        return self.error is None


class Publisher(Protocol):
    """Sends batches of messages to the broker.

    `publish` returns when every message of the batch is acknowledged by all in-sync replicas
    (acks=all) or has failed, one Delivery per message in the batch's order. Messages with the
    same key go to the same partition in the order given, without duplicates from internal
    retries (idempotent producer). A message not acknowledged may still have been written:
    callers get at-least-once, never at-most-once. Thread-safe.
    """

    def publish(self, batch: Sequence[OutgoingMessage], timeout_s: float) -> list[Delivery]: ...

    def close(self) -> None: ...


class InMemoryPublisher:
    """The fake: records what was published per topic; refs in `refuse` fail permanently."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self.refuse: set[int] = set()
        self.unavailable = False  # True: every message fails transiently, as with a broker down
        self._lock = threading.Lock()

    def publish(self, batch: Sequence[OutgoingMessage], timeout_s: float) -> list[Delivery]:
        results = []
        with self._lock:
            for message in batch:
                if self.unavailable:
                    results.append(Delivery(message.ref, "broker unavailable"))
                elif message.ref in self.refuse:
                    results.append(Delivery(message.ref, "refused", permanent=True))
                else:
                    self.sent.append(message)
                    results.append(Delivery(message.ref))
        return results

    def on_topic(self, topic: str) -> list[OutgoingMessage]:
        with self._lock:
            return [m for m in self.sent if m.topic == topic]

    def close(self) -> None:
        pass
