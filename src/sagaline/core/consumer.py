"""The consumer loop: poll, handle exactly once, acknowledge; retry and dead-letter failures.

It never acknowledges a message that was neither handled nor dead-lettered, so no message is
skipped. A batch is handled in one transaction; when it fails, its messages are handled one
at a time so a single bad message cannot hold the others back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sagaline.core import envelope
from sagaline.core.deadletter import DeadLetterSink
from sagaline.core.messages import IncomingMessage, MessageSource
from sagaline.core.metrics import ConsumerMetrics
from sagaline.core.processor import Processor
from sagaline.core.retry import Decision, RetryPolicy

log = logging.getLogger(__name__)


class ConsumerLoop:
    """`saga_key` is the service's: the saga of a message without a key, from its value."""

    def __init__(self, source: MessageSource, processor: Processor,
                 dead_letters: DeadLetterSink, retry: RetryPolicy | None = None,
                 batch_size: int = 100, sleep: Callable[[float], Any] | None = None,
                 saga_key: envelope.SagaKey = envelope.no_saga_key,
                 metrics: ConsumerMetrics | None = None) -> None:
        self.metrics = metrics
        self.source = source
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
        while not stop.is_set():
            self.step()
        self.source.close()

    def step(self, poll_timeout_s: float = 0.1) -> int:
        """One poll and what follows; returns how many messages were settled."""
        messages = self.source.poll(self.batch_size, poll_timeout_s)
        if not messages:
            return 0
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
                decision = self.retry.decide(error, attempt)
                if self.metrics is not None and decision is not Decision.DEAD_LETTER:
                    self.metrics.retried()
                log.warning("%s[%d]@%d: %s (%s)", message.topic, message.partition,
                            message.offset, error, decision.value)
                if decision is Decision.BACK_OFF:
                    return False
                if decision is Decision.DEAD_LETTER:
                    return self._dead_letter(message, error)
                self._sleep(self.retry.delay(attempt))  # a fluke may need a moment

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
