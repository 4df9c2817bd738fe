"""Readiness tells when a Kafka consumer has no place in its group: not yet assigned, refused
its group or a topic by the broker (named), or its partitions lost and not given back; an
assignment of nothing by a healthy rebalance is ready. KafkaSource on a stand-in for
librdkafka's consumer (tests/unit/fake_librdkafka.py)."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from sagaline.core.kafka import source as kafka_source
from sagaline.core.kafka.membership import Membership
from sagaline.core.kafka.quorum_view import STRANDED_S
from sagaline.core.kafka.source import KafkaSource
from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.testing.messaging import InMemorySource
from tests.unit.fake_librdkafka import FakeConsumer
from tests.unit.test_consumer_loop import Recorder, event_message
from tests.unit.test_consumer_restart import Clock, loop_on

pytestmark = pytest.mark.unit


def loop_over(consumer: FakeConsumer, monkeypatch: pytest.MonkeyPatch,
              clock: Clock | None = None) -> ConsumerLoop:
    monkeypatch.setattr(kafka_source, "Consumer", consumer)
    source = KafkaSource({"group.id": "group-r"}, ["t", "u"], clock=clock or Clock())
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


def test_partitions_lost_and_not_given_back_are_reported_after_a_grace() -> None:
    clock = Clock()
    membership = Membership("group-r", clock, rejoin_grace_s=30.0)
    membership.assigned([])
    membership.lost()
    clock.now = 29.0
    assert membership.problem() is None  # a rejoin takes a moment: readiness does not blink
    assert membership.stranded_s() == 29.0
    membership.failed(KafkaError(KafkaError._TRANSPORT), None)
    clock.now = 31.0
    problem = membership.problem() or ""
    assert "lost its partitions in group group-r for 31 s" in problem
    assert "_TRANSPORT" in problem
    membership.assigned([])
    assert membership.problem() is None and membership.stranded_s() == 0.0


def test_a_first_join_is_never_counted_as_stranded() -> None:
    clock = Clock()
    membership = Membership("group-r", clock)
    clock.now = 100.0  # other members may hold the join up: the readiness report covers it
    assert membership.stranded_s() == 0.0
    replacing = Membership("group-r", clock, replacing=True)  # of a stranded consumer
    clock.now = 111.0
    assert replacing.stranded_s() == 11.0


def test_a_consumer_stranded_without_its_partitions_is_replaced(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its group's coordinator cut off from the quorum, librdkafka keeps rejoining it and
    gets nothing (the network tier's quorum case): a new consumer starts elsewhere."""
    consumer, clock = FakeConsumer(), Clock()
    monkeypatch.setattr(kafka_source, "Consumer", consumer)
    stranded = KafkaSource({"group.id": "group-r"}, ["t"], clock=clock)
    fresh = InMemorySource([event_message(0, 1)])
    loop = loop_on(stranded, [fresh], clock, Recorder())
    consumer.assign([])
    consumer.lose()
    clock.now = STRANDED_S - 1
    loop.step()
    assert loop.source is stranded
    clock.now = STRANDED_S + 1
    loop.step()
    assert loop.source is not stranded and consumer.closed
    assert "lost its partitions 11 s ago" in (loop.problem() or "")  # till the new one polls
    assert loop.step() == 1 and loop.problem() is None
