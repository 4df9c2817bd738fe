"""The dead-letter sink when the broker refuses a letter for good: too large, it is truncated
(or skipped when still too large); refused for any other reason, the sink raises and the
consumer stops that partition and says why (issue 23, defect 2)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sagaline.core.messaging import deadletter as dl
from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.envelope import MalformedMessage
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.messaging.publisher import Delivery, OutgoingMessage
from sagaline.core.messaging.retry import RetryPolicy
from sagaline.core.observability import alerts
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from sagaline.testing.unit_of_work import InMemoryUnitOfWork
from tests.unit.test_consumer_restart import Clock

pytestmark = pytest.mark.unit


class SizeLimitedPublisher(InMemoryPublisher):
    """Refuses for good what is larger than `limit` bytes (value, key and headers)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.refused: list[OutgoingMessage] = []

    def publish(self, batch: Sequence[OutgoingMessage], timeout_s: float) -> list[Delivery]:
        fits = [m for m in batch if size(m) <= self.limit]
        self.refused += [m for m in batch if size(m) > self.limit]
        super().publish(fits, timeout_s)
        return [Delivery(m.ref) if size(m) <= self.limit
                else Delivery(m.ref, "MSG_SIZE_TOO_LARGE", permanent=True, too_large=True)
                for m in batch]


def size(m: OutgoingMessage) -> int:
    return len(m.value) + len(m.key or "") + sum(len(k) + len(v) for k, v in m.headers.items())


def huge(offset: int = 7, topic: str = "t.huge") -> IncomingMessage:
    headers = {"event-id": b"e-1", "blob": b"b" * 50_000}
    return IncomingMessage(topic, 2, offset, b"k-1", b"v" * 900_000, headers)


def test_a_letter_refused_whole_is_stored_truncated_with_its_headers() -> None:
    publisher = SizeLimitedPublisher(200_000)
    sink = dl.TopicDeadLetters(publisher, "dlq.x")
    before = alerts.DEAD_LETTERS_TRUNCATED.value("t.huge")
    sink.send(huge(), MalformedMessage("not json"), "group-a")
    (letter,) = publisher.on_topic("dlq.x")
    assert letter.value == b"v" * dl.VALUE_PREFIX_BYTES and letter.key == "k-1"
    assert letter.headers[dl.H_TRUNCATED] == "900000"
    assert letter.headers[dl.H_CUT_HEADERS] == "blob"
    assert letter.headers["blob"] == "b" * dl.HEADER_BYTES and letter.headers["event-id"] == "e-1"
    assert letter.headers[dl.H_SOURCE_OFFSET] == "7" and letter.headers[dl.H_CONSUMER] == "group-a"
    assert "not json" in letter.headers[dl.H_ERROR]
    assert sink.truncated == 1 and alerts.DEAD_LETTERS_TRUNCATED.value("t.huge") == before + 1


def test_original_headers_beyond_the_budget_are_left_out_and_named() -> None:
    many = {f"h{i}": "x" * 2000 for i in range(40)}
    letter = OutgoingMessage(0, "dlq.x", None, b"v", {**many, dl.H_ERROR: "e"})
    cut = dl.truncated(letter, many)
    kept = [k for k in many if k in cut.headers]
    assert 0 < len(kept) < 40 and cut.headers[dl.H_ERROR] == "e"
    assert set(cut.headers[dl.H_CUT_HEADERS].split(",")) == set(many)
    assert sum(len(k) + len(cut.headers[k]) for k in kept) <= dl.HEADERS_BUDGET_BYTES


def test_a_letter_refused_even_truncated_is_skipped_and_counted() -> None:
    publisher = SizeLimitedPublisher(10)  # nothing fits
    sink = dl.TopicDeadLetters(publisher, "dlq.x")
    before = alerts.DEAD_LETTERS_UNSTORED.value("t.lost")
    sink.send(huge(topic="t.lost"), MalformedMessage("not json"), "group-a")  # no raise
    assert publisher.on_topic("dlq.x") == [] and len(publisher.refused) == 2
    assert sink.unstored == 1 and alerts.DEAD_LETTERS_UNSTORED.value("t.lost") == before + 1


def test_a_broker_that_is_away_still_makes_the_sink_raise() -> None:
    publisher = InMemoryPublisher()
    publisher.unavailable = True
    with pytest.raises(ConnectionError):
        dl.TopicDeadLetters(publisher, "dlq.x").send(huge(), MalformedMessage("x"), "g")


def test_the_consumer_moves_past_a_letter_too_large_to_store() -> None:
    publisher = SizeLimitedPublisher(200_000)
    source = InMemorySource([huge(offset=0), IncomingMessage("t.huge", 2, 1, b"k", b"bad")])
    processor = EventProcessor("group", {"t.huge": lambda e, u: None}, InMemoryUnitOfWork)
    loop = ConsumerLoop(source, processor, dl.TopicDeadLetters(publisher, "dlq.x"),
                        RetryPolicy(base_delay_s=0), sleep=lambda _s: None)
    assert loop.step() == 2 and [m.offset for m in source.acked] == [0, 1]
    assert [dl.H_TRUNCATED in m.headers for m in publisher.on_topic("dlq.x")] == [True, False]


def refusing(error: str) -> InMemoryPublisher:
    publisher = InMemoryPublisher()
    publisher.refuse_topics["dlq.x"] = error
    return publisher


@pytest.mark.parametrize("error", ["TOPIC_AUTHORIZATION_FAILED: not authorised",
                                   "_INVALID_ARG: bad header", "INVALID_RECORD: no"])
def test_a_letter_refused_for_another_reason_is_not_skipped(error: str) -> None:
    publisher = refusing(error)
    sink = dl.TopicDeadLetters(publisher, "dlq.x")
    before = alerts.DEAD_LETTERS_UNSTORED.value("t.auth")
    with pytest.raises(Exception, match=error.split(":")[0]) as refused:
        sink.send(huge(topic="t.auth"), MalformedMessage("not json"), "group-a")
    assert refused.type.__name__ == "DeadLetterRefused"
    assert sink.unstored == 0 and alerts.DEAD_LETTERS_UNSTORED.value("t.auth") == before


def test_the_consumer_stops_the_partition_whose_letter_is_refused_and_says_why() -> None:
    publisher = refusing("TOPIC_AUTHORIZATION_FAILED: not authorised")
    source = InMemorySource([IncomingMessage("t", 0, 0, b"k", b"bad"),
                             IncomingMessage("t", 1, 0, b"j", b"{}"),
                             IncomingMessage("t", 0, 1, b"k", b"{}")])
    handled: list[int] = []
    processor = EventProcessor("group", {"t": lambda e, u: handled.append(1)},
                               InMemoryUnitOfWork)
    clock = Clock()
    loop = ConsumerLoop(source, processor, dl.TopicDeadLetters(publisher, "dlq.x"),
                        RetryPolicy(base_delay_s=1, max_delay_s=1, jitter=0),
                        sleep=lambda _s: None, clock=clock)
    assert loop.step() == 1 and handled == [1]  # the other partition goes on
    assert [(m.partition, m.offset) for m in source.acked] == [(1, 0)]
    assert loop.problem() == ("consumer group: t[0]@0 (key k) stopped: dlq.x refused its dead "
                              "letter for good: TOPIC_AUTHORIZATION_FAILED: not authorised")
    clock.now = 5.0
    loop.step()  # still refused: still stopped
    assert [(m.partition, m.offset) for m in source.acked] == [(1, 0)]
    del publisher.refuse_topics["dlq.x"]  # the ACL is fixed
    clock.now = 10.0
    assert loop.step() == 2 and loop.problem() is None
    assert [(m.partition, m.offset) for m in source.acked] == [(1, 0), (0, 0), (0, 1)]
    assert len(publisher.on_topic("dlq.x")) == 1
