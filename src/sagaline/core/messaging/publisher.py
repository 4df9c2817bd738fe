"""Publishing to the broker: the interface and what it sends and reports (the Kafka
implementation is core.kafka_publisher)."""

from __future__ import annotations

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
    too_large: bool = False  # True: permanent because larger than the broker allows
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

