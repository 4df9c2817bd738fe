"""Readiness tells when a Kafka consumer has no place in its group: not yet assigned, refused
its group or a topic by the broker (named), or its partitions lost and not given back; an
assignment of nothing by a healthy rebalance is ready. KafkaSource on a stand-in for
librdkafka's consumer (tests/unit/fake_librdkafka.py)."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from sagaline.core.kafka import source as kafka_source
from sagaline.core.kafka.source import KafkaSource
from sagaline.core.messaging.consumer import ConsumerLoop
from tests.unit.fake_librdkafka import FakeConsumer
from tests.unit.test_consumer_loop import Recorder, event_message
from tests.unit.test_consumer_restart import Clock, loop_on

pytestmark = pytest.mark.unit


def loop_over(consumer: FakeConsumer, monkeypatch: pytest.MonkeyPatch,
              clock: Clock | None = None) -> ConsumerLoop:
    monkeypatch.setattr(kafka_source, "Consumer", consumer)
    timed = {"clock": clock} if clock else {}  # the source's own clock (default: monotonic)
    source = KafkaSource({"group.id": "group-r"}, ["t", "u"], **timed)
    return loop_on(source, [], clock or Clock(), Recorder())


def test_a_consumer_refused_its_group_is_not_ready_and_says_why(
        monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = FakeConsumer()
    loop = loop_over(consumer, monkeypatch)
    consumer.fail_with(KafkaError.GROUP_AUTHORIZATION_FAILED)
    for _ in range(3):
        assert loop.step() == 0
    assert "GROUP_AUTHORIZATION_FAILED" in (loop.problem() or "")


def test_a_consumer_is_not_ready_until_its_first_assignment_even_of_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = FakeConsumer()
    loop = loop_over(consumer, monkeypatch)
    loop.step()
    assert "not yet assigned partitions in group group-r" in (loop.problem() or "")
    consumer.assign([])  # more replicas than partitions: a healthy rebalance gave it none
    loop.step()
    assert loop.problem() is None


def test_a_refused_topic_is_named_until_an_assignment_holds_its_partitions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = FakeConsumer({("t", 0): [event_message(0, 1)], ("u", 0): []})
    loop = loop_over(consumer, monkeypatch)
    consumer.fail_with(KafkaError.TOPIC_AUTHORIZATION_FAILED, topic="u")
    loop.step()
    consumer.assign([("t", 0)])  # it joined, but with what it may read only
    assert loop.step() == 1
    assert "TOPIC_AUTHORIZATION_FAILED" in (loop.problem() or "")
    consumer.assign([("u", 0)])  # the ACL was fixed: the next rebalance brings the topic
    loop.step()
    assert loop.problem() is None


def test_partitions_lost_and_not_given_back_are_reported_after_a_grace(
        monkeypatch: pytest.MonkeyPatch) -> None:
    consumer, clock = FakeConsumer(), Clock()
    loop = loop_over(consumer, monkeypatch, clock)
    consumer.assign([])
    consumer.lose()
    clock.now = 29.0
    loop.step()
    assert loop.problem() is None  # a rejoin takes a moment: readiness does not blink
    consumer.fail_with(KafkaError._TRANSPORT)
    clock.now = 31.0
    loop.step()
    problem = loop.problem() or ""
    assert "lost its partitions in group group-r for 31 s" in problem
    assert "_TRANSPORT" in problem
    consumer.assign([])
    assert loop.problem() is None
