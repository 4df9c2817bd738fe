"""The consumer loop with the in-memory source, publisher and unit of work."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.deadletter import TopicDeadLetters
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.messaging.retry import Decision, RetryPolicy
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

pytestmark = pytest.mark.unit


def message(offset: int, value: bytes, headers: dict[str, bytes] | None = None,
            topic: str = "t") -> IncomingMessage:
    return IncomingMessage(topic, 0, offset, b"k", value, headers or {})


def event_message(offset: int, n: int) -> IncomingMessage:
    event = Envelope.first("t", "k", {"n": n})
    return message(offset, event.value(),
                   {k: v.encode() for k, v in event.headers().items()})


class Recorder:
    """A handler whose effect is an emitted event, so only committed effects are seen."""

    def __init__(self, fail_on: dict[int, list[BaseException]] | None = None) -> None:
        self.fail_on = fail_on or {}
        self.uow: InMemoryUnitOfWork | None = None

    def __call__(self, event: Envelope, uow: Any) -> None:
        n = event.payload["n"]
        errors = self.fail_on.get(n)
        if errors:
            raise errors.pop(0)
        self.uow = uow
        uow.emit(event)

    @property
    def seen(self) -> list[int]:
        return [e.payload["n"] for e in self.uow.committed] if self.uow else []


class CountingPolicy(RetryPolicy):
    """Records each attempt it is asked about."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.attempts: list[int] = []

    def decide(self, error: BaseException, attempt: int,
               compensation: bool = False) -> Decision:
        self.attempts.append(attempt)
        return super().decide(error, attempt, compensation)


def make_loop(source: InMemorySource, handler: Recorder,
              publisher: InMemoryPublisher | None = None) -> tuple[ConsumerLoop, Any]:
    uow = InMemoryUnitOfWork()
    processor = EventProcessor("group", {"t": handler}, lambda: uow)
    dead = TopicDeadLetters(publisher or InMemoryPublisher(), "dlq.test")
    loop = ConsumerLoop(source, processor, dead, RetryPolicy(max_attempts=3, base_delay_s=0),
                        batch_size=10, sleep=lambda _s: None)
    return loop, uow


def test_a_batch_is_handled_in_one_transaction_and_acknowledged() -> None:
    source = InMemorySource([event_message(i, i) for i in range(5)])
    handler = Recorder()
    loop, uow = make_loop(source, handler)
    assert loop.step() == 5
    assert handler.seen == [0, 1, 2, 3, 4] and uow.commits == 1
    assert [m.offset for m in source.acked] == [0, 1, 2, 3, 4]


def test_a_redelivered_event_has_no_second_effect() -> None:
    duplicate = event_message(0, 1)
    source = InMemorySource([duplicate, event_message(1, 2), duplicate])
    handler = Recorder()
    loop, _ = make_loop(source, handler)
    loop.step()
    assert handler.seen == [1, 2] and len(source.acked) == 3


def test_an_event_redelivered_after_its_commit_has_no_second_effect() -> None:
    handled = event_message(0, 1)
    source = InMemorySource([handled])
    handler = Recorder()
    loop, uow = make_loop(source, handler)
    loop.step()
    source.messages += [event_message(1, 2), handled, event_message(2, 3)]
    assert loop.step() == 3  # the blind claim fails, the batch runs again asking the inbox
    assert handler.seen == [1, 2, 3] and uow.commits == 2 and len(source.acked) == 4


def test_a_poison_message_is_dead_lettered_and_the_rest_handled() -> None:
    publisher = InMemoryPublisher()
    source = InMemorySource([event_message(0, 1), message(1, b"not json"), event_message(2, 3)])
    handler = Recorder()
    loop, _ = make_loop(source, handler, publisher)
    assert loop.step() == 3
    assert handler.seen == [1, 3]
    (letter,) = publisher.on_topic("dlq.test")
    assert letter.value == b"not json" and letter.key == "k"
    assert letter.headers["dlq-source-topic"] == "t"
    assert letter.headers["dlq-source-offset"] == "1"
    assert letter.headers["dlq-error-type"] == "MalformedMessage"
    assert loop.dead_lettered == 1 and len(source.acked) == 3


def test_a_handler_that_always_fails_is_dead_lettered_after_its_attempts() -> None:
    publisher = InMemoryPublisher()
    handler = Recorder({2: [RuntimeError("bug")] * 10})
    source = InMemorySource([event_message(0, 1), event_message(1, 2)])
    loop, _ = make_loop(source, handler, publisher)
    loop.step()
    assert handler.seen == [1]
    assert len(handler.fail_on[2]) == 10 - 1 - 3  # once in the batch, three times alone
    assert len(publisher.on_topic("dlq.test")) == 1


def test_a_fluke_is_retried_and_succeeds() -> None:
    handler = Recorder({2: [RuntimeError("fluke")]})
    source = InMemorySource([event_message(0, 1), event_message(1, 2)])
    loop, _ = make_loop(source, handler)
    loop.step()
    assert handler.seen == [1, 2]


def test_a_transient_failure_rewinds_and_nothing_is_skipped() -> None:
    handler = Recorder({2: [psycopg.OperationalError("db down")] * 3})
    source = InMemorySource([event_message(i, i + 1) for i in range(3)])
    loop, _ = make_loop(source, handler)
    assert loop.step() == 1  # message 1 handled; 2 must wait
    assert [m.offset for m in source.acked] == [0]
    for _ in range(5):
        loop.step()
    assert handler.seen == [1, 2, 3]
    assert sorted(m.offset for m in source.acked) == [0, 1, 2]


def test_a_dead_letter_that_cannot_be_stored_is_not_acknowledged() -> None:
    publisher = InMemoryPublisher()
    publisher.unavailable = True
    source = InMemorySource([message(0, b"poison")])
    loop, _ = make_loop(source, Recorder(), publisher)
    assert loop.step() == 0 and source.acked == []
    publisher.unavailable = False
    assert loop.step() == 1 and len(publisher.on_topic("dlq.test")) == 1


def test_an_unknown_major_version_is_dead_lettered_at_once_with_the_reason() -> None:
    publisher = InMemoryPublisher()
    handler = Recorder()
    newer = event_message(0, 1)
    source = InMemorySource([IncomingMessage("t", 0, 0, b"k", newer.value,
                                             {**newer.headers, "schema-version": b"2.0"})])
    loop, _ = make_loop(source, handler, publisher)
    loop.retry = CountingPolicy(max_attempts=3, base_delay_s=0)
    assert loop.step() == 1
    assert loop.retry.attempts == [1] and handler.seen == [] and len(source.acked) == 1
    (letter,) = publisher.on_topic("dlq.test")
    assert letter.headers["dlq-error-type"] == "UnknownSchemaVersion"
    assert "schema-version 2.0: this consumer reads major version 1" in letter.headers["dlq-error"]


def test_a_newer_minor_version_with_unknown_fields_is_handled() -> None:
    event = Envelope.first("t", "k", {"n": 1, "addedIn13": True})
    headers = {**{k: v.encode() for k, v in event.headers().items()}, "schema-version": b"1.3"}
    source = InMemorySource([message(0, event.value(), headers)])
    handler = Recorder()
    loop, _ = make_loop(source, handler)
    assert loop.step() == 1 and handler.seen == [1] and loop.dead_lettered == 0


def test_a_keyless_message_gets_its_saga_from_the_services_key_function() -> None:
    source = InMemorySource([IncomingMessage("t", 0, 0, None, b'{"n": 1, "saga": "s-9"}')])
    handler = Recorder()
    loop, uow = make_loop(source, handler)
    loop.saga_key = lambda value: str(value["saga"])
    loop.step()
    assert [e.key for e in uow.committed] == ["s-9"]
