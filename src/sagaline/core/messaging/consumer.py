"""The consumer loop: poll, handle exactly once, acknowledge; retry and dead-letter failures.

It never acknowledges a message that was neither handled nor dead-lettered, so no message is
skipped. A message of a compensating topic (`compensations`, as the topology declares them) is
dead-lettered at once only when it cannot be read: it is retried, with a bounded backoff,
each round of failed attempts raising an alert (alerts.COMPENSATION_FAILING and an error in
the log), until it succeeds or, still failing after `park_after_s`, is parked (see parked).

A batch is handled in one transaction; when it fails, its messages are handled one at a
time so a single bad message cannot hold the others back. A message that still fails holds
back its own partition only (see holds): the source rewinds and pauses that partition, the
loop goes on with the others without waiting, and resumes it when its back-off is over.

A source that fails for good (SourceFailed: fenced, a fatal client error, a failed rewind)
is closed and a new one opened with `reopen` (see consumer_restart). `problem` is
the loop's readiness check: the failure until the new source polls, a loop that stopped
polling (a stuck handler, a dead thread), the source's own problem (Kafka: no place in its
group, or refused by the broker: see kafka.membership), a held partition whose message
failed for longer than `stale_after_s`, or a source that polls but stalls: messages wait
on its partitions and none was settled for `stale_after_s` (see consumer_stall).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

from sagaline.core.messaging import envelope
from sagaline.core.messaging.consumer_failures import FailedMessages
from sagaline.core.messaging.consumer_restart import SourceRestart
from sagaline.core.messaging.consumer_stall import StallWatch
from sagaline.core.messaging.deadletter import DeadLetterSink
from sagaline.core.messaging.holds import Holds
from sagaline.core.messaging.messages import IncomingMessage, MessageSource, SourceFailed
from sagaline.core.messaging.parked import Parked
from sagaline.core.messaging.processor import Processor
from sagaline.core.messaging.retry import RetryPolicy
from sagaline.core.observability.metrics import ConsumerMetrics

log = logging.getLogger(__name__)


class ConsumerLoop:
    """`saga_key` is the service's: the saga of a message without a key, from its value."""

    def __init__(self, source: MessageSource, processor: Processor,
                 dead_letters: DeadLetterSink, retry: RetryPolicy | None = None,
                 batch_size: int = 100, sleep: Callable[[float], Any] | None = None,
                 saga_key: envelope.SagaKey = envelope.no_saga_key,
                 compensations: Collection[str] = (),
                 reopen: Callable[[], MessageSource] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 stale_after_s: float = 60.0, check_every_s: float = 10.0,
                 metrics: ConsumerMetrics | None = None, park_after_s: float = 300.0) -> None:
        self.metrics = metrics
        self.source = source
        self.compensations = frozenset(compensations)
        self.clock = clock
        self.stale_after_s = stale_after_s
        self._last_poll: float | None = None  # None: not polling (not started, or stopped)
        self.stall = StallWatch(stale_after_s, check_every_s)
        self.restart = SourceRestart(self, reopen)
        self.processor = processor
        self.dead_letters = dead_letters
        self.retry = retry or RetryPolicy()
        self.batch_size = batch_size
        self.saga_key = saga_key
        self.sleep = sleep or threading.Event().wait
        self.holds = Holds()
        self.park_after_s = park_after_s
        self.parked = Parked()
        self.failed = FailedMessages(self)
        self.dead_lettered = 0

    def run(self, stop: threading.Event) -> None:
        self.sleep = stop.wait  # a pause ends at once when asked to stop
        try:
            while not stop.is_set():
                self.step()
        finally:
            self._last_poll = None
        self.source.close()

    def problem(self) -> str | None:
        """Readiness: None while the loop works, else what is wrong."""
        if self.restart.failure is not None:
            return self.restart.failure
        if self._last_poll is not None:
            idle = self.clock() - self._last_poll
            if idle > self.stale_after_s:
                return f"consumer {self.processor.consumer}: no poll for {idle:.0f} s"
        in_group = self.source.problem()  # e.g. refused by the broker, never assigned
        problems = ([in_group] if in_group else []) + self.parked.problems()
        problems += self.holds.problems(self.clock(), self.stale_after_s)
        stalled = self.stall.stalled_for(self.clock())
        if stalled is not None:
            problems.append(f"{self.stall.waiting} messages wait on its partitions, none "
                            f"handled for {stalled:.0f} s")
        if not problems:
            return None
        return f"consumer {self.processor.consumer}: " + "; ".join(problems)

    def step(self, poll_timeout_s: float = 1.0) -> int:
        """One poll and what follows; returns how many messages were settled."""
        if self.restart.pending:
            self.restart.open_new()
            return 0
        try:
            return self._step(poll_timeout_s)
        except SourceFailed as error:
            self.restart.replace(error)
            return 0

    def _step(self, poll_timeout_s: float) -> int:
        self.holds.release_due(self.source, self.clock())
        timeout_s = self.holds.poll_timeout(poll_timeout_s, self.clock())
        polled = self.source.poll(self.batch_size, timeout_s)
        messages = self.holds.without_held(self.source, polled)
        now = self.clock()
        self._last_poll, self.restart.failure = now, None
        settled = self._handle(messages) if messages else 0
        if not settled:  # a message delivered again and failing again is no progress
            self.stall.idle(now, self.source)
        return settled

    def _handle(self, messages: Sequence[IncomingMessage]) -> int:
        started = time.perf_counter()
        try:
            events = [self.decode(m) for m in messages]
            new = self.processor.process(events)
        except Exception:  # find the culprit: one at a time, each in its own transaction
            log.debug("batch of %d failed; handling one at a time", len(messages), exc_info=True)
            return self.failed.one_at_a_time(messages)
        self.settled(messages)
        self.parked.handled(e.event_id for e in events)
        if self.metrics is not None:
            self.metrics.handled(len(messages), new, time.perf_counter() - started)
        return len(messages)

    def decode(self, message: IncomingMessage) -> envelope.Envelope:
        return envelope.decode(message.topic, message.key, message.value, message.headers,
                               self.saga_key)

    def settled(self, messages: Sequence[IncomingMessage]) -> None:
        self.source.ack(messages)
        self.holds.settled(messages)
        self.stall.progressed(self.clock())
