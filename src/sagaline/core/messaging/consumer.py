"""The consumer loop: poll, handle exactly once, acknowledge; retry and dead-letter failures.

It never acknowledges a message that was neither handled nor dead-lettered, so no message is
skipped. A message of a compensating topic (`compensations`, as the topology declares them) is
dead-lettered only when it cannot be read: it is retried, with a bounded backoff, until it
succeeds, and each round of failed attempts raises an alert (alerts.COMPENSATION_FAILING and
an error in the log).

A batch is handled in one transaction; when it fails, its messages are handled one at a
time so a single bad message cannot hold the others back.

A source that fails for good (SourceFailed: fenced, a fatal client error) is closed and a new
one opened with `reopen` (same group; what was not acknowledged comes again). `problem` is
the loop's readiness check: the failure until the new source polls, a loop that stopped
polling (a stuck handler, a dead thread), or a source that polls but stalls: messages wait
on its partitions and none arrived for `stale_after_s` (see consumer_stall).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

from sagaline.core.messaging import envelope
from sagaline.core.messaging.consumer_stall import StallWatch
from sagaline.core.messaging.deadletter import DeadLetterSink
from sagaline.core.messaging.messages import IncomingMessage, MessageSource, SourceFailed
from sagaline.core.messaging.processor import Processor
from sagaline.core.messaging.retry import Decision, RetryPolicy
from sagaline.core.observability import alerts
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
                 metrics: ConsumerMetrics | None = None) -> None:
        self.metrics = metrics
        self.source = source
        self.compensations = frozenset(compensations)
        self._reopen = reopen
        self._clock = clock
        self.stale_after_s = stale_after_s
        self._last_poll: float | None = None  # None: not polling (not started, or stopped)
        self._failure: str | None = None
        self.stall = StallWatch(stale_after_s, check_every_s)
        self.restarts = 0
        self.processor = processor
        self.dead_letters = dead_letters
        self.retry = retry or RetryPolicy()
        self.batch_size = batch_size
        self.saga_key = saga_key
        self._sleep = sleep or threading.Event().wait
        self._failures_in_a_row = 0
        self.dead_lettered = 0

    def run(self, stop: threading.Event) -> None:
        self._sleep = stop.wait  # a pause ends at once when asked to stop
        try:
            while not stop.is_set():
                self.step()
        finally:
            self._last_poll = None
        self.source.close()

    def problem(self) -> str | None:
        """Readiness: None while the loop works, else what is wrong."""
        if self._failure is not None:
            return self._failure
        if self._last_poll is not None:
            idle = self._clock() - self._last_poll
            if idle > self.stale_after_s:
                return f"consumer {self.processor.consumer}: no poll for {idle:.0f} s"
        stalled = self.stall.stalled_for(self._clock())
        if stalled is not None:
            return (f"consumer {self.processor.consumer}: {self.stall.waiting} messages wait"
                    f" on its partitions, none received for {stalled:.0f} s")
        return None

    def step(self, poll_timeout_s: float = 1.0) -> int:
        """One poll and what follows; returns how many messages were settled."""
        try:
            return self._step(poll_timeout_s)
        except SourceFailed as error:
            self._replace_source(error)
            return 0

    def _replace_source(self, error: SourceFailed) -> None:
        self._failure = f"consumer {self.processor.consumer}: {error}"
        log.error("%s; opening a new consumer", self._failure)
        try:
            self.source.close()
        except Exception as exc:  # a failed client may fail to close too: it is dropped
            log.warning("consumer: closing the failed source: %s", exc)
        if self._reopen is None:
            raise error
        self.restarts += 1
        alerts.CONSUMER_RESTARTS.inc(self.processor.consumer)
        self._sleep(self.retry.delay(self.restarts))  # two fenced twins must not spin
        self.source = self._reopen()
        self.stall.reset()

    def _step(self, poll_timeout_s: float) -> int:
        messages = self.source.poll(self.batch_size, poll_timeout_s)
        now = self._clock()
        self._last_poll, self._failure = now, None
        if not messages:
            self.stall.idle(now, self.source)
            return 0
        self.stall.received(now)
        started = time.perf_counter()
        try:
            new = self.processor.process([self._decode(m) for m in messages])
        except Exception:  # find the culprit: one at a time, each in its own transaction
            log.debug("batch of %d failed; handling one at a time", len(messages), exc_info=True)
            return self._one_at_a_time(messages)
        self._settled(messages)
        if self.metrics is not None:
            self.metrics.handled(len(messages), new, time.perf_counter() - started)
        return len(messages)

    def _one_at_a_time(self, messages: Sequence[IncomingMessage]) -> int:
        for index, message in enumerate(messages):
            if not self._handle_alone(message):
                self.source.rewind(messages[index:])
                self._failures_in_a_row += 1
                self._sleep(self.retry.delay(self._failures_in_a_row))
                return index
            self._settled([message])
        return len(messages)

    def _handle_alone(self, message: IncomingMessage) -> bool:
        """True when the message is handled or dead-lettered; False: back off and retry it."""
        attempt = 0
        while True:
            attempt += 1
            try:
                new = self.processor.process([self._decode(message)])
                if self.metrics is not None:
                    self.metrics.handled(1, new)
                return True
            except Exception as error:
                decision = self.retry.decide(error, attempt, message.topic in self.compensations)
                if self.metrics is not None and decision is not Decision.DEAD_LETTER:
                    self.metrics.retried()
                log.warning("%s[%d]@%d: %s (%s)", message.topic, message.partition,
                            message.offset, error, decision.value)
                if decision is Decision.BACK_OFF:
                    return False
                if decision is Decision.KEEP_TRYING:
                    self._alert_compensation(message, error, attempt)
                    return False
                if decision is Decision.DEAD_LETTER:
                    return self._dead_letter(message, error)
                self._sleep(self.retry.delay(attempt))  # a fluke may need a moment

    def _alert_compensation(self, message: IncomingMessage, error: BaseException,
                            attempt: int) -> None:
        alerts.COMPENSATION_FAILING.inc(message.topic)
        log.error("ALERT compensation %s[%d]@%d (key %s) failed %d times, will retry: %s",
                  message.topic, message.partition, message.offset,
                  (message.key or b"").decode("utf-8", "replace")[:100], attempt, error)

    def _dead_letter(self, message: IncomingMessage, error: BaseException) -> bool:
        try:
            self.dead_letters.send(message, error, self.processor.consumer)
        except Exception as exc:
            log.warning("dead letter not stored, will retry: %s", exc)
            return False
        self.dead_lettered += 1
        if self.metrics is not None:
            self.metrics.dead_lettered(message.topic)
        return True

    def _decode(self, message: IncomingMessage) -> envelope.Envelope:
        return envelope.decode(message.topic, message.key, message.value, message.headers,
                               self.saga_key)

    def _settled(self, messages: Sequence[IncomingMessage]) -> None:
        self.source.ack(messages)
        self._failures_in_a_row = 0
