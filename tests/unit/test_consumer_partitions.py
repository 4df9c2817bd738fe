"""A message that fails holds back its own partition only: the consumer's other partitions
go on at once, the held one is tried again after its back-off and keeps its order, and a
message delivered again and again is no progress for readiness. A compensation that still
fails after a bound is parked as a dead letter, alerted and reported (issue 23, defect 1)."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.deadletter import TopicDeadLetters
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.messaging.retry import RetryPolicy
from sagaline.core.observability import alerts
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from sagaline.testing.unit_of_work import InMemoryUnitOfWork
from tests.unit.test_consumer_loop import Recorder
from tests.unit.test_consumer_restart import Clock

pytestmark = pytest.mark.unit


def on(partition: int, offset: int, n: int, topic: str = "t") -> IncomingMessage:
    event = Envelope.first(topic, f"k{partition}", {"n": n})
    return IncomingMessage(topic, partition, offset, f"k{partition}".encode(), event.value(),
                           {k: v.encode() for k, v in event.headers().items()})


class Loop:
    """A consumer loop on an in-memory source, its pauses and its clock recorded."""

    def __init__(self, messages: list[IncomingMessage], handler: Recorder,
                 compensations: frozenset[str] = frozenset(), park_after_s: float = 300.0,
                 publisher: InMemoryPublisher | None = None) -> None:
        self.source, self.clock = InMemorySource(messages), Clock()
        self.pauses: list[float] = []
        self.publisher = publisher or InMemoryPublisher()
        uow = InMemoryUnitOfWork()
        processor = EventProcessor("group-p", {"t": handler, "t.undo": handler}, lambda: uow)
        self.loop = ConsumerLoop(
            self.source, processor, TopicDeadLetters(self.publisher, "dlq.p"),
            RetryPolicy(max_attempts=3, base_delay_s=1, max_delay_s=4, jitter=0),
            sleep=self.pauses.append, clock=self.clock, stale_after_s=60,
            compensations=compensations, park_after_s=park_after_s)

    def acked(self, partition: int) -> list[int]:
        return [m.offset for m in self.source.acked if m.partition == partition]


DB_DOWN = psycopg.OperationalError("the database went away")


def test_a_failing_message_holds_back_only_its_own_partition() -> None:
    handler = Recorder({1: [DB_DOWN] * 100})
    loop = Loop([on(0, 0, 1), on(1, 0, 10), on(0, 1, 2), on(1, 1, 11), on(1, 2, 12)], handler)
    assert loop.loop.step() == 3
    assert handler.seen == [10, 11, 12] and loop.acked(1) == [0, 1, 2] and loop.acked(0) == []
    assert loop.pauses == []  # no back-off that would hold the other partitions up too
    loop.source.add(on(1, 3, 13))
    assert loop.loop.step() == 1 and handler.seen == [10, 11, 12, 13]
    assert loop.acked(0) == []


def test_the_held_partition_is_tried_again_after_its_back_off_in_order() -> None:
    handler = Recorder({1: [DB_DOWN] * 4})  # the batch, then alone: fails twice
    loop = Loop([on(0, 0, 1), on(0, 1, 2), on(1, 0, 10)], handler)
    loop.loop.step()
    assert handler.seen == [10] and len(handler.fail_on[1]) == 2
    loop.loop.step()  # its back-off (1 s) not over: not tried
    assert len(handler.fail_on[1]) == 2
    loop.clock.now = 1.0
    loop.loop.step()  # tried once more (a batch, then alone), fails: held 2 s this time
    assert len(handler.fail_on[1]) == 0 and handler.seen == [10]
    loop.clock.now = 2.5
    loop.loop.step()
    assert handler.seen == [10]
    loop.clock.now = 3.0
    loop.loop.step()
    assert handler.seen == [10, 1, 2] and loop.acked(0) == [0, 1]


def test_a_message_delivered_again_and_again_is_no_progress() -> None:
    handler = Recorder({1: [DB_DOWN] * 1000})
    loop = Loop([on(0, 0, 1), on(1, 0, 10)], handler)
    for now in range(0, 61):
        loop.clock.now = float(now)
        loop.loop.step()
        assert loop.loop.problem() is None, now
    loop.clock.now = 62.0
    loop.loop.step()
    problem = loop.loop.problem() or ""
    assert problem.startswith("consumer group-p: t[0]@0 (key k0) not handled for 62 s")
    assert "the database went away" in problem
    assert handler.seen == [10]


def test_a_compensation_failing_past_its_bound_is_parked_and_reported(
        caplog: pytest.LogCaptureFixture) -> None:
    handler = Recorder({1: [RuntimeError("refund refused")] * 1000})
    poison = on(0, 0, 1, "t.undo")
    loop = Loop([poison, on(0, 1, 2, "t.undo"), on(1, 0, 10)], handler,
                compensations=frozenset({"t.undo"}), park_after_s=30)
    parked_before = alerts.COMPENSATIONS_PARKED.value("t.undo")
    while loop.clock.now < 28:
        loop.loop.step()
        loop.clock.now += 4.0  # the back-off's bound
    assert loop.publisher.on_topic("dlq.p") == [] and loop.acked(0) == []
    assert handler.seen == [10] and loop.loop.problem() is None  # not yet: 60 s stall bound
    loop.clock.now = 31.0
    loop.loop.step()
    (letter,) = loop.publisher.on_topic("dlq.p")
    assert letter.headers["dlq-error-type"] == "CompensationParked"
    assert "still failing after 31 s" in letter.headers["dlq-error"]
    assert "refund refused" in letter.headers["dlq-error"]
    assert alerts.COMPENSATIONS_PARKED.value("t.undo") == parked_before + 1
    assert any("ALERT compensation t.undo[0]@0 (key k0) parked" in r.message
               for r in caplog.records if r.levelname == "ERROR")
    assert loop.acked(0) == [0, 1] and handler.seen == [10, 2]  # the partition goes on
    problem = loop.loop.problem() or ""
    assert problem.startswith("consumer group-p: t.undo[0]@0 (key k0) parked as dead letter")
    loop.loop.step()
    assert loop.loop.problem() == problem  # reported until it is handled


def test_a_parked_compensation_is_reported_until_its_event_is_handled() -> None:
    handler = Recorder({1: [RuntimeError("refund refused")] * 8})  # two rounds, then fixed
    poison = on(0, 0, 1, "t.undo")
    loop = Loop([poison], handler, compensations=frozenset({"t.undo"}), park_after_s=5)
    loop.loop.step()
    loop.clock.now = 6.0
    loop.loop.step()
    assert loop.loop.problem() is not None and loop.acked(0) == [0]
    loop.source.add(dataclasses.replace(poison, offset=1))  # `dlq replay`: the same event
    loop.loop.step()
    assert handler.seen == [1] and loop.loop.problem() is None


def test_a_compensation_waiting_for_the_database_is_never_parked() -> None:
    handler = Recorder({1: [DB_DOWN] * 1000})
    loop = Loop([on(0, 0, 1, "t.undo")], handler, compensations=frozenset({"t.undo"}),
                park_after_s=30)
    while loop.clock.now < 300:
        loop.loop.step()
        loop.clock.now += 4.0
    assert loop.publisher.on_topic("dlq.p") == [] and loop.acked(0) == []
    assert "t.undo[0]@0 (key k0) not handled for" in (loop.loop.problem() or "")
