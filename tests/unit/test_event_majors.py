"""Each topic has its own major version: producers write it as `schema-version`, consumers
read it and the older majors the topic upcasts; any other major (and a message without the
header is major 1, the seed's) is dead-lettered at once with the reason (design §3)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.deadletter import TopicDeadLetters
from sagaline.core.messaging.envelope import (
    Envelope,
    MalformedMessage,
    UnknownSchemaVersion,
    decode,
)
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.messaging.retry import RetryPolicy
from sagaline.core.messaging.versions import Versions
from sagaline.core.saga import Topic, declared
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

pytestmark = pytest.mark.unit


class Shipped(BaseModel):  # major 2: major 1 called the field `parcel`
    parcelId: str


def from_v1(value: dict[str, Any]) -> dict[str, Any]:
    return {"parcelId": value["parcel"]}


UPCAST = Topic("majortest.shipped", Shipped, major=2, upcasts={1: from_v1})
STRICT = Topic("majortest.strict", Shipped, major=2)  # reads major 2 only


def test_an_envelope_carries_its_topics_major() -> None:
    assert Envelope.first(UPCAST, "k", {"parcelId": "p"}).headers()["schema-version"] == "2"
    for topic in SAGA.event_topics:
        written = Envelope.first(topic, "k", {}).headers()["schema-version"]
        assert written == str(declared(topic).major)


@pytest.mark.parametrize("headers", [{}, {"schema-version": b"1"}, {"schema-version": b"1.4"}],
                         ids=["no header (the seed's)", "1", "1.4"])
def test_an_older_major_the_topic_upcasts_is_read_as_the_current_one(
        headers: dict[str, bytes]) -> None:
    event = decode(UPCAST, b"k", b'{"parcel": "p-1"}', headers)
    assert UPCAST.parse(event) == Shipped(parcelId="p-1")


def test_the_current_major_is_read_as_it_is() -> None:
    event = decode(UPCAST, b"k", b'{"parcelId": "p-2"}', {"schema-version": b"2.1"})
    assert event.payload == {"parcelId": "p-2"}


def test_a_major_the_topic_does_not_read_is_refused_with_the_reason() -> None:
    with pytest.raises(UnknownSchemaVersion) as refused:
        decode(UPCAST, b"k", b"{}", {"schema-version": b"3"})
    assert str(refused.value) == ("schema-version 3: this consumer reads major version 2 of "
                                  "majortest.shipped (and upcasts 1)")


def test_an_old_value_its_upcast_cannot_turn_is_malformed() -> None:
    with pytest.raises(MalformedMessage, match=r"majortest\.shipped major 1 cannot be upcast"):
        decode(UPCAST, b"k", b'{"other": 1}', {"schema-version": b"1"})


def test_after_a_major_goes_up_an_old_message_is_dead_lettered_with_the_reason() -> None:
    """No upcast declared: a seed-shaped message (no header: major 1) cannot be read."""
    publisher = InMemoryPublisher()
    handled: list[Envelope] = []
    processor = EventProcessor("group", {STRICT: lambda e, uow: handled.append(e)},
                               InMemoryUnitOfWork)
    source = InMemorySource([IncomingMessage(STRICT, 0, 0, None, b'{"parcel": "p"}', {})])
    loop = ConsumerLoop(source, processor, TopicDeadLetters(publisher, "dlq.test"),
                        RetryPolicy(max_attempts=3, base_delay_s=0), sleep=lambda _s: None)
    assert loop.step() == 1 and handled == [] and len(source.acked) == 1
    (letter,) = publisher.on_topic("dlq.test")
    assert letter.headers["dlq-error-type"] == "UnknownSchemaVersion"
    assert "schema-version 1: this consumer reads major version 2" in letter.headers["dlq-error"]


def test_upcasts_come_only_from_older_majors() -> None:
    with pytest.raises(ValueError, match="only from older majors"):
        Versions(2, {2: from_v1})
    with pytest.raises(ValueError, match="only from older majors"):
        Versions(1, {0: from_v1})


def test_a_topic_keeps_its_major() -> None:
    with pytest.raises(ValueError, match="v2 already"):
        Topic("majortest.shipped", Shipped, major=3)
