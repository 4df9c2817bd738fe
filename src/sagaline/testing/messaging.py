"""In-memory doubles of the core's messaging interfaces (`Publisher`, `MessageSource`), for
tests that drive one part by hand; each passes its interface's contract suite
(tests/integration/core/test_*_contract.py). A whole saga's broker: `testing.broker`."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.publisher import Delivery, OutgoingMessage


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
                    self._accepted(message)
                    results.append(Delivery(message.ref))
        return results

    def _accepted(self, message: OutgoingMessage) -> None: ...

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
