"""The outbox relay: moves committed outbox rows to the broker.

Guarantees: every committed row is published at least once, oldest first, and marked published
only after the broker acknowledged it. Several relays (threads or replicas) may run on one
table: each batch is claimed under the outbox lock (`OutboxStore`, port.py; on Postgres a
transaction-scoped advisory lock), so one batch runs at a time, each row is published once in
normal operation, and rows keep their order. A relay wakes within milliseconds when told a
commit happened (`wake`) and polls as a fallback.

The store waits a bounded time for that lock. When another session holds it longer (a
replica's relay whose host vanished mid-batch, until its backend's idle-in-transaction bound
ends it), the relay says so in the log and in `check()` (readiness), and tries again.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg

from sagaline.core.messaging.publisher import Delivery, OutgoingMessage, Publisher
from sagaline.core.observability import logs, trace_messaging
from sagaline.core.observability.metrics import RelayMetrics
from sagaline.core.outbox.port import OutboxBatch, OutboxLocked, OutboxStore

log = logging.getLogger(__name__)


class PartialDelivery(OSError):
    def __init__(self, settled: int, total: int) -> None:
        super().__init__(f"{total - settled} of {total} messages not acknowledged")
        self.settled = settled


def in_order_prefix(batch: list[OutgoingMessage], deliveries: list[Delivery]) -> list[int]:
    """The acknowledged rows that may be marked published: per key, only those before the
    key's first unacknowledged row, so the *marks* never run ahead of a gap. The later rows
    are sent again after it, so the topic may hold a key's later event before the retried
    earlier one: consumers drop the duplicate, and their state checks cope with the order."""
    blocked: set[str | None] = set()
    marked = []
    for message, delivery in zip(batch, deliveries, strict=True):
        if delivery.ok and message.key not in blocked:
            marked.append(message.ref)
        elif not delivery.ok and not delivery.permanent:
            blocked.add(message.key)
    return marked


class OutboxRelay:
    def __init__(
        self,
        store: OutboxStore,
        publisher: Publisher,
        batch_size: int = 500,
        poll_interval_s: float = 2.0,
        publish_timeout_s: float = 15.0,  # above the producer's message.timeout.ms
        one_at_a_time: bool = False,
        always_wait: bool = False,
        metrics: RelayMetrics | None = None,
    ) -> None:
        self._metrics = metrics
        self._always_wait = always_wait
        # one_at_a_time (send a row, wait for its ack, then the next) and always_wait (sleep a
        # poll interval after every batch, even with a backlog) are the seed demo's way, kept
        # only so the benchmark can measure that baseline side by side.
        self._one_at_a_time = one_at_a_time
        self.store = store
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._publish_timeout_s = publish_timeout_s
        self._wakeup = threading.Event()
        # Since when (monotonic) and why the store refused the lock; None while it gets it.
        self._lock_refused: tuple[float, OutboxLocked] | None = None
        self.failed_rows = 0

    def check(self) -> str | None:
        """Readiness: None, or that the relay cannot take the outbox lock."""
        if self._lock_refused is None:
            return None
        since, refused = self._lock_refused
        return f"relay: {refused}, for {time.monotonic() - since:.0f} s"

    def wake(self) -> None:
        """Tell the relay that outbox rows were committed. Cheap; call from any thread."""
        self._wakeup.set()

    def interrupt(self) -> None:
        """End an idle wait now (the service is stopping: `run` sees its stop flag)."""
        self._wakeup.set()

    def run(self, stop: threading.Event) -> None:
        """Publish until `stop` is set; survives database and broker outages."""
        backoff = 0.1
        while not stop.is_set():
            try:
                handled = self.publish_batch()
                backoff = 0.1
            except (psycopg.Error, OSError, OutboxLocked) as exc:
                if isinstance(exc, PartialDelivery) and exc.settled:
                    backoff = 0.1  # the broker works; only some rows wait for a retry
                log.warning("relay: %s; retrying in %.1fs", exc, backoff)
                self._reset()
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if handled < self._batch_size or self._always_wait:
                # caught up (or seed-like): sleep until a commit or the poll tick
                self._wakeup.wait(self._poll_interval_s)
                self._wakeup.clear()
        self._reset()

    def publish_batch(self) -> int:
        """Publish one batch of pending rows; returns how many rows it settled."""
        started = time.perf_counter()
        with self._claim() as claimed:
            rows = claimed.rows
            if not rows:
                claimed.settle((), ())
                return 0
            with trace_messaging.sends(rows) as sends:  # each row's span, parented by its row
                batch = [OutgoingMessage(r.id, r.topic, r.key, r.value, sends.headers(r))
                         for r in rows]
                deliveries = self._publish(batch)
                sends.end(deliveries)
            published = in_order_prefix(batch, deliveries)
            refused = [(d.ref, d.error or "") for d in deliveries if d.permanent]
            claimed.settle(published, refused)
        self.failed_rows += len(refused)
        if self._metrics is not None:
            self._metrics.batch(*_topics(batch, published, refused),
                                time.perf_counter() - started)
        by_ref = {m.ref: m for m in batch} if refused else {}
        for ref, error in refused:
            headers = by_ref[ref].headers
            with logs.bound(event_id=headers.get("event-id"), saga_id=by_ref[ref].key,
                            traceparent=headers.get("traceparent")):
                log.error("relay: outbox row %s refused by the broker for good: %s", ref, error)
        settled = len(published) + len(refused)
        if settled < len(rows):
            raise PartialDelivery(settled, len(rows))
        return settled

    def _claim(self) -> OutboxBatch:
        try:
            claimed = self.store.claim(self._batch_size)
        except OutboxLocked as refused:
            if self._lock_refused is None:
                self._lock_refused = (time.monotonic(), refused)
            log.error("relay: %s (a stalled replica?)", refused)
            raise
        self._lock_refused = None
        return claimed

    def _publish(self, batch: list[OutgoingMessage]) -> list[Delivery]:
        if not self._one_at_a_time:
            return self._publisher.publish(batch, self._publish_timeout_s)
        return [d for m in batch for d in self._publisher.publish([m], self._publish_timeout_s)]

    def _reset(self) -> None:
        self.store.reset()


def _topics(batch: list[OutgoingMessage], published: list[int],
            refused: list[tuple[int, str]]) -> tuple[list[str], list[str]]:
    """The topic of each published and of each refused row, for the metrics."""
    topic = {m.ref: m.topic for m in batch}
    return [topic[ref] for ref in published], [topic[ref] for ref, _ in refused]
