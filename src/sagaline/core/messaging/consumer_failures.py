"""What the consumer loop does with a message that failed in its batch: handled alone, in
its own transaction, and when it fails again, retried at once, dead-lettered, or its
partition held back (see holds), as the retry policy decides; a compensation that still
fails after `park_after_s` is parked (see parked)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sagaline.core.messaging.deadletter import DeadLetterRefused
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.holds import where
from sagaline.core.messaging.messages import IncomingMessage, Partition, partition_of
from sagaline.core.messaging.parked import CompensationParked
from sagaline.core.messaging.retry import Decision
from sagaline.core.observability import alerts

if TYPE_CHECKING:
    from sagaline.core.messaging.consumer import ConsumerLoop

log = logging.getLogger(__name__)


class FailedMessages:
    """The loop's one-at-a-time path; it shares the loop's parts (source, holds, policy)."""

    def __init__(self, loop: ConsumerLoop) -> None:
        self.loop = loop

    def one_at_a_time(self, messages: Sequence[IncomingMessage]) -> int:
        """Each message in its own transaction; returns how many were settled."""
        held: set[Partition] = set()
        settled = 0
        for message in messages:
            if partition_of(message) in held:
                continue  # after its partition's failed message: rewound, waits with it
            if self.handle_alone(message):
                self.loop.settled([message])
                settled += 1
            else:
                held.add(partition_of(message))
        return settled

    def handle_alone(self, message: IncomingMessage) -> bool:
        """True when the message is handled or dead-lettered; False: its partition is held
        (rewound to it, paused, and tried again after a back-off)."""
        loop, attempt = self.loop, 0
        event: Envelope | None = None
        while True:
            attempt += 1
            try:
                event = loop.decode(message)
                new = loop.processor.process([event])
            except Exception as error:
                settled = self._after_failure(message, event, error, attempt)
                if settled is None:
                    continue
                return settled
            loop.parked.handled([event.event_id])
            if loop.metrics is not None:
                loop.metrics.handled(1, new)
            return True

    def _after_failure(self, message: IncomingMessage, event: Envelope | None,
                       error: BaseException, attempt: int) -> bool | None:
        """None: try again now; else whether the message is settled."""
        loop = self.loop
        decision = self._decide(message, error, attempt)
        if decision is Decision.RETRY:
            loop.sleep(loop.retry.delay(attempt))  # a fluke may need a moment
            return None
        if decision is Decision.DEAD_LETTER:
            return self.dead_letter(message, error)
        if decision is Decision.KEEP_TRYING:
            failing_s = loop.holds.failing_for(message, loop.clock())
            if failing_s >= loop.park_after_s:  # (unreadable: reported till a restart)
                parked_id = event.event_id if event is not None else uuid.uuid4()
                return self._park(message, parked_id, error, failing_s)
            self._alert_compensation(message, error, attempt)
        self.hold(message, str(error))
        return False

    def _decide(self, message: IncomingMessage, error: BaseException,
                attempt: int) -> Decision:
        loop = self.loop
        decision = loop.retry.decide(error, attempt, message.topic in loop.compensations)
        if loop.metrics is not None and decision is not Decision.DEAD_LETTER:
            loop.metrics.retried()
        log.warning("%s[%d]@%d: %s (%s)", message.topic, message.partition, message.offset,
                    error, decision.value)
        return decision

    def hold(self, message: IncomingMessage, reason: str, stopped: bool = False) -> None:
        loop = self.loop
        loop.holds.hold(loop.source, message, reason, loop.clock(), loop.retry.delay, stopped)

    def dead_letter(self, message: IncomingMessage, error: BaseException) -> bool:
        loop = self.loop
        try:
            loop.dead_letters.send(message, error, loop.processor.consumer)
        except DeadLetterRefused as refused:  # stopped, said at once; tried again now and then
            log.error("%s: partition stopped: %s", where(message), refused)
            self.hold(message, str(refused), stopped=True)
            return False
        except Exception as exc:
            log.warning("dead letter of %s not stored, will retry: %s", where(message), exc)
            self.hold(message, f"dead letter not stored: {exc}")
            return False
        loop.dead_lettered += 1
        if loop.metrics is not None:
            loop.metrics.dead_lettered(message.topic)
        return True

    def _park(self, message: IncomingMessage, event_id: uuid.UUID, error: BaseException,
              failing_s: float) -> bool:
        parked = CompensationParked(f"compensation still failing after {failing_s:.0f} s, "
                                    f"parked: {type(error).__name__}: {error}")
        if not self.dead_letter(message, parked):
            return False
        alerts.COMPENSATIONS_PARKED.inc(message.topic)
        log.error("ALERT compensation %s parked as a dead letter after failing for %.0f s; "
                  "fix the cause, then `sagaline dlq replay`: %s", where(message), failing_s,
                  error)
        self.loop.parked.add(event_id, f"{where(message)} parked as dead letter after failing "
                                       f"for {failing_s:.0f} s: {str(error)[:300]}")
        return True

    def _alert_compensation(self, message: IncomingMessage, error: BaseException,
                            attempt: int) -> None:
        alerts.COMPENSATION_FAILING.inc(message.topic)
        log.error("ALERT compensation %s failed %d times, will retry: %s", where(message),
                  attempt, error)
