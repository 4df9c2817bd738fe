"""In-memory doubles of the core's interfaces (UnitOfWork, Publisher, MessageSource).

They live with the tests, not in the core: production never runs them. Each follows its
interface's contract suite (tests/integration/core/test_*_contract.py), which runs the same
tests against the double and the real implementation.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from sagaline.core.messaging import inbox
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.inbox import AlreadyDelivered
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.publisher import Delivery, OutgoingMessage


class InMemoryUnitOfWork:
    """`committed` holds events of committed transactions; `inbox` is shared state."""

    def __init__(self, inbox: set[tuple[str, uuid.UUID]] | None = None) -> None:
        self.inbox = inbox if inbox is not None else set()
        self.committed: list[Envelope] = []
        self.commits = 0
        self.preloaded: list[list[Envelope]] = []
        self._events: list[Envelope] = []
        self._marks: set[tuple[str, uuid.UUID]] = set()

    def __enter__(self) -> Self:
        self._events, self._marks = [], set()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.rollback()

    def emit(self, event: Envelope) -> None:
        self._events.append(event)

    def claim_deliveries(self, consumer: str, events: Sequence[Envelope]) -> None:
        marks = {(consumer, e.event_id) for e in events}
        if marks & (self.inbox | self._marks):
            raise AlreadyDelivered(f"{consumer} handled one of these events before")
        self._marks |= marks

    def first_deliveries(self, consumer: str, events: Sequence[Envelope]) -> list[Envelope]:
        seen = self.inbox | self._marks
        new = {e.event_id for e in events if (consumer, e.event_id) not in seen}
        self._marks |= {(consumer, event_id) for event_id in new}
        return inbox.distinct(events, new)

    def preload(self, events: Sequence[Envelope]) -> None:
        """Records each batch it was told of (`preloaded`); nothing to read ahead in memory."""
        self.preloaded.append(list(events))

    def commit(self) -> None:
        self.committed.extend(self._events)
        self.inbox |= self._marks
        self.commits += 1
        self._events, self._marks = [], set()

    def rollback(self) -> None:
        self._events, self._marks = [], set()


class InMemoryPublisher:
    """Records what was published per topic; refs in `refuse` fail permanently."""

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


class InMemorySource:
    """One list of messages, a read position and an acknowledged position."""

    def __init__(self, messages: Sequence[IncomingMessage] = ()) -> None:
        self.messages = list(messages)
        self.position = 0
        self.acked: list[IncomingMessage] = []

    def add(self, message: IncomingMessage) -> None:
        self.messages.append(message)

    def poll(self, max_messages: int, timeout_s: float) -> list[IncomingMessage]:
        batch = self.messages[self.position : self.position + max_messages]
        self.position += len(batch)
        return batch

    def ack(self, messages: Sequence[IncomingMessage]) -> None:
        self.acked.extend(messages)

    def rewind(self, messages: Sequence[IncomingMessage]) -> None:
        if messages:
            self.position = min(self.messages.index(m) for m in messages)

    def waiting(self) -> int:
        return len(self.messages) - self.position

    def close(self) -> None:
        pass


class NoTransaction:
    """Stands in for db.PipelinedTransaction where the relay runs over an in-memory outbox
    (the statements it would pipeline are routed elsewhere): begins, commits, rolls back
    nothing."""

    def __init__(self, _conn: object) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...
