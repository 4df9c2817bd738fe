"""The outbox relay: moves committed outbox rows to the broker.

Guarantees: every committed row is published at least once, oldest first, and marked published
only after the broker acknowledged it. Several relays (threads or replicas) may run on one
table: each batch runs under a transaction-scoped advisory lock, so one batch runs at a time,
each row is published once in normal operation, and rows keep their order. A relay wakes
within milliseconds when told a commit happened (`wake`) and polls as a fallback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from sagaline.core import db, outbox, trace_messaging
from sagaline.core.publisher import Delivery, OutgoingMessage, Publisher

log = logging.getLogger(__name__)
_LOCK_KEY = "sagaline.outbox.relay"


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
        connect: Callable[[], psycopg.Connection],
        publisher: Publisher,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        publish_timeout_s: float = 15.0,  # above the producer's message.timeout.ms
        one_at_a_time: bool = False,
        always_wait: bool = False,
    ) -> None:
        self._always_wait = always_wait
        # one_at_a_time (send a row, wait for its ack, then the next) and always_wait (sleep a
        # poll interval after every batch, even with a backlog) are the seed demo's way, kept
        # only so the benchmark can measure that baseline side by side.
        self._one_at_a_time = one_at_a_time
        self._connect = connect
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._publish_timeout_s = publish_timeout_s
        self._wakeup = threading.Event()
        self._conn: psycopg.Connection | None = None
        self.failed_rows = 0

    def wake(self) -> None:
        """Tell the relay that outbox rows were committed. Cheap; call from any thread."""
        self._wakeup.set()

    def run(self, stop: threading.Event) -> None:
        """Publish until `stop` is set; survives database and broker outages."""
        backoff = 0.1
        while not stop.is_set():
            try:
                handled = self.publish_batch()
                backoff = 0.1
            except (psycopg.Error, OSError) as exc:
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
        conn = self._connection()
        # Two round trips: BEGIN, the lock and the query; then the marks and COMMIT.
        with db.PipelinedTransaction(conn) as transaction:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))
            rows = outbox.pending(conn, self._batch_size)
            if not rows:
                transaction.commit()
                return 0
            with trace_messaging.sends(rows) as sends:  # each row's span, parented by its row
                batch = [OutgoingMessage(r.id, r.topic, r.key, r.value, sends.headers(r))
                         for r in rows]
                deliveries = self._publish(batch)
                sends.end(deliveries)
            published = in_order_prefix(batch, deliveries)
            outbox.mark_published(conn, published)
            refused = [(d.ref, d.error or "") for d in deliveries if d.permanent]
            outbox.mark_failed(conn, refused)
            transaction.commit()
        self.failed_rows += len(refused)
        for ref, error in refused:
            log.error("relay: outbox row %s refused by the broker for good: %s", ref, error)
        settled = len(published) + len(refused)
        if settled < len(rows):
            raise PartialDelivery(settled, len(rows))
        return settled

    def _publish(self, batch: list[OutgoingMessage]) -> list[Delivery]:
        if not self._one_at_a_time:
            return self._publisher.publish(batch, self._publish_timeout_s)
        return [d for m in batch for d in self._publisher.publish([m], self._publish_timeout_s)]

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        return self._conn

    def _reset(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
