"""An in-memory outbox table behind the relay's port (sagaline.core.outbox.port).

A unit of work appends its committed events (`append`); the relay claims pending rows under
a lock, one batch at a time, and settles them. A batch that ends without `settle` (its relay
crashed) marks nothing, so its rows go out again, as on Postgres.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.outbox.port import OutboxLocked, OutboxRow, SentEvent


class InMemoryOutbox:
    """`rows` by id in the order written; `published` and `failed` (id -> error) are the
    marks; `claimed`: the rows of the batch under way (empty between batches)."""

    def __init__(self, lock_timeout_s: float = 1.0) -> None:
        self.rows: dict[int, OutboxRow] = {}
        self.published: set[int] = set()
        self.failed: dict[int, str] = {}
        self.claimed: list[OutboxRow] = []
        self.lock_timeout_s = lock_timeout_s
        self._lock = threading.Lock()

    def append(self, events: Sequence[Envelope]) -> None:
        for event in events:
            self.add(OutboxRow(len(self.rows) + 1, event.topic, event.key, event.value(),
                               event.headers(), event.occurred_at))

    def add(self, row: OutboxRow) -> None:
        """A row with an id of its own (e.g. one committed late with a lower id)."""
        self.rows[row.id] = row

    def pending(self) -> list[OutboxRow]:
        """Rows neither published nor failed, oldest (lowest id) first."""
        return [self.rows[i] for i in sorted(self.rows)
                if i not in self.published and i not in self.failed]

    def sent(self, key: str, topic: str) -> SentEvent | None:
        """The newest row on `topic` for `key`, and whether it was published."""
        found = [r for r in self.rows.values() if r.key == key and r.topic == topic]
        if not found:
            return None
        newest = max(found, key=lambda r: r.id)
        return SentEvent(newest, newest.id in self.published)

    def claim(self, limit: int) -> _Batch:
        if not self._lock.acquire(timeout=self.lock_timeout_s):
            raise OutboxLocked(f"could not take the outbox lock within "
                               f"{self.lock_timeout_s * 1000:.0f} ms (another relay holds it)")
        self.claimed = self.pending()[:limit]
        return _Batch(self, self.claimed)

    def reset(self) -> None:
        """Nothing is held open between batches."""

    def _end(self) -> None:
        self.claimed = []
        self._lock.release()


class _Batch:
    def __init__(self, outbox: InMemoryOutbox, rows: list[OutboxRow]) -> None:
        self._outbox, self.rows = outbox, rows
        self._open = True

    def settle(self, published: Sequence[int], failed: Sequence[tuple[int, str]]) -> None:
        self._outbox.published |= set(published)
        self._outbox.failed.update(failed)
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._close()

    def _close(self) -> None:
        if self._open:
            self._open = False
            self._outbox._end()
