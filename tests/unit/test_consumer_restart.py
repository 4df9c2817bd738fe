"""A consumer whose source fails for good (fenced, a fatal client error) opens a new one, and
readiness tells while it is broken or no longer polling."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.deadletter import TopicDeadLetters
from sagaline.core.messaging.messages import IncomingMessage, MessageSource, SourceFailed
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.messaging.retry import RetryPolicy
from sagaline.core.observability import alerts
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from sagaline.testing.unit_of_work import InMemoryUnitOfWork
from tests.unit.test_consumer_loop import Recorder, event_message

pytestmark = pytest.mark.unit


class FencedSource(InMemorySource):
    """Fails for good at its first poll, as a consumer fenced by the broker does."""

    def __init__(self) -> None:
        super().__init__()
        self.closed = False

    def poll(self, max_messages: int, timeout_s: float) -> list[IncomingMessage]:
        assert not self.closed, "a closed source was polled"
        raise SourceFailed("_FATAL: Static consumer fenced by other consumer")

    def ack(self, messages: Sequence[IncomingMessage]) -> None:
        raise AssertionError("nothing to acknowledge")

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def loop_on(source: MessageSource, reopen: list[MessageSource], clock: Clock,
            handler: Recorder) -> ConsumerLoop:
    processor = EventProcessor("group-r", {"t": handler}, InMemoryUnitOfWork)
    return ConsumerLoop(source, processor, TopicDeadLetters(InMemoryPublisher(), "dlq.r"),
                        RetryPolicy(base_delay_s=0), sleep=lambda _s: None,
                        reopen=lambda: reopen.pop(0), clock=clock, stale_after_s=60)


def test_a_fenced_source_is_replaced_and_readiness_reports_it_meanwhile() -> None:
    fenced, fresh = FencedSource(), InMemorySource([event_message(0, 1)])
    handler = Recorder()
    loop = loop_on(fenced, [fresh], Clock(), handler)
    before = alerts.CONSUMER_RESTARTS.value("group-r")
    assert loop.problem() is None
    assert loop.step() == 0
    assert fenced.closed and loop.source is fresh
    assert "fenced" in (loop.problem() or "")
    assert alerts.CONSUMER_RESTARTS.value("group-r") == before + 1
    assert loop.step() == 1 and handler.seen == [1] and loop.problem() is None


def test_without_a_way_to_reopen_the_failure_is_raised() -> None:
    processor = EventProcessor("group-r", {"t": Recorder()}, InMemoryUnitOfWork)
    loop = ConsumerLoop(FencedSource(), processor, TopicDeadLetters(InMemoryPublisher(), "d"))
    with pytest.raises(SourceFailed):
        loop.step()


def test_a_consumer_that_stopped_polling_is_not_ready() -> None:
    clock = Clock()
    loop = loop_on(InMemorySource([]), [], clock, Recorder())
    loop.step()
    clock.now = 59.0
    assert loop.problem() is None
    clock.now = 61.0
    assert loop.problem() == "consumer group-r: no poll for 61 s"


def test_a_failed_reopen_leaves_no_closed_source_in_use_and_is_tried_again_later() -> None:
    fenced, fresh = FencedSource(), InMemorySource([event_message(0, 1)])
    attempts: list[int] = []

    def reopen() -> InMemorySource:
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            raise RuntimeError("Failed to create consumer: broker unreachable")
        return fresh

    pauses: list[float] = []
    handler = Recorder()
    processor = EventProcessor("group-r", {"t": handler}, InMemoryUnitOfWork)
    loop = ConsumerLoop(fenced, processor, TopicDeadLetters(InMemoryPublisher(), "dlq.r"),
                        RetryPolicy(base_delay_s=1, max_delay_s=4, jitter=0),
                        sleep=pauses.append, reopen=reopen, clock=Clock())
    assert loop.step() == 0  # fenced, closed; the new one cannot be opened yet
    assert fenced.closed and loop.source is not fenced
    assert "cannot open a new consumer (1 tries): Failed to create" in (loop.problem() or "")
    assert loop.step() == 0  # tried again, not the closed one polled
    assert "(2 tries)" in (loop.problem() or "")
    assert loop.step() == 0 and loop.source is fresh
    assert loop.step() == 1 and handler.seen == [1] and loop.problem() is None
    assert pauses == [1.0, 2.0, 4.0]  # backed off, the pause bounded by the policy
