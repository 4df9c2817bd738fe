"""What the relay needs of an outbox, whatever stores it: the port.

`PostgresOutbox` (store.py) is the outbox table of the service's database; an in-memory one
(sagaline.testing.outbox) stands in for it in unit tests. The relay claims a batch of pending
rows under the outbox lock (one batch at a time, so rows keep their order), publishes them, and
settles the batch: the rows the broker acknowledged are marked published, those it refused for
good are marked failed, and the lock is released. A batch left without `settle` marks nothing:
its rows stay pending and go out again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self


@dataclass(frozen=True)
class OutboxRow:
    id: int
    topic: str
    key: str | None
    value: bytes
    headers: dict[str, str]
    created_at: datetime | None = None  # when it was written: the start of its send's span


@dataclass(frozen=True)
class SentEvent:
    """An event a service wrote, as its outbox still holds it."""

    row: OutboxRow
    published: bool


class OutboxLocked(Exception):
    """The outbox lock was not free within the store's bound (another relay holds it)."""


class OutboxBatch(Protocol):
    """Pending rows, oldest first, claimed under the outbox lock until the batch ends."""

    @property
    def rows(self) -> Sequence[OutboxRow]: ...

    def settle(self, published: Sequence[int], failed: Sequence[tuple[int, str]]) -> None:
        """Mark these rows published, and these (id, error) failed for good; end the batch."""

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """End the batch; without `settle` first, nothing is marked."""


class OutboxStore(Protocol):
    def claim(self, limit: int) -> OutboxBatch:
        """Take the outbox lock and read up to `limit` pending rows, oldest first, with no
        cursor: a row committed late with a lower id is found by the next claim. Raises
        OutboxLocked when the lock stays taken longer than the store waits."""
        ...

    def reset(self) -> None:
        """Drop what the store holds open (a connection) after an error: the next claim
        starts afresh."""
