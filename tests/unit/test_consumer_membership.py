"""Readiness tells when a Kafka consumer has no place in its group: not yet assigned, refused
its group or a topic by the broker (named), or its partitions lost and not given back; an
assignment of nothing by a healthy rebalance is ready. KafkaSource on a stand-in for
librdkafka's consumer (tests/unit/fake_librdkafka.py)."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError

from sagaline.core.kafka import source as kafka_source
from sagaline.core.kafka.membership import Membership
from sagaline.core.kafka.source import KafkaSource
from sagaline.core.kafka.stranded import STRANDED_S, Rescue
from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.runtime import wiring
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


def test_a_replacement_inherits_when_its_predecessor_lost_the_partitions() -> None:
    clock = Clock()
    clock.now = 25.0
    membership = Membership("group-r", clock, rejoin_grace_s=30.0, lost_at=12.0)
    assert membership.stranded_s() == 13.0
    assert membership.problem() is None  # the grace runs on across the replacement
    clock.now = 43.0
    assert "lost its partitions in group group-r for 31 s" in (membership.problem() or "")


class Answers(Rescue):
    def __init__(self, leave_out: bool) -> None:
        super().__init__({"bootstrap.servers": "k1,k2,k3"})
        self.leave_out = leave_out

    def replacement(self, topic: str) -> dict[str, Any] | None:
        return {"group.id": "group-r", "bootstrap.servers": "k2,k3"} if self.leave_out else None


def stranded_source(monkeypatch: pytest.MonkeyPatch, clock: Clock, answers: Answers
                    ) -> tuple[KafkaSource, FakeConsumer]:
    consumer = FakeConsumer()
    monkeypatch.setattr(kafka_source, "Consumer", consumer)
    source = KafkaSource({"group.id": "group-r"}, ["t"], clock=clock, rescue=answers)
    consumer.assign([])
    consumer.lose()
    return source, consumer


def test_a_consumer_stranded_without_its_partitions_is_replaced(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its group's coordinator cut off from the quorum, librdkafka keeps rejoining it and
    gets nothing (the network tier's quorum case): a new consumer starts elsewhere."""
    clock = Clock()
    stranded, consumer = stranded_source(monkeypatch, clock, Answers(leave_out=True))
    loop = loop_on(stranded, [InMemorySource([event_message(0, 1)])], clock, Recorder())
    clock.now = STRANDED_S - 1
    loop.step()
    assert loop.source is stranded
    clock.now = STRANDED_S + 1
    loop.step()
    assert loop.source is not stranded and consumer.closed
    assert stranded.replacement == {"group.id": "group-r", "bootstrap.servers": "k2,k3"}
    assert "lost its partitions 11 s ago" in (loop.problem() or "")  # till the new one polls
    assert loop.step() == 1 and loop.problem() is None


def test_a_consumer_waits_while_the_cluster_counts_every_broker(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole cluster away, or one broker: a new consumer would gain nothing."""
    clock = Clock()
    source, _ = stranded_source(monkeypatch, clock, Answers(leave_out=False))
    loop = loop_on(source, [], clock, Recorder())
    clock.now = STRANDED_S * 3
    loop.step()
    assert loop.source is source


def test_the_replacement_starts_from_the_counted_brokers_and_inherits_the_loss(
        monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = FakeConsumer()
    monkeypatch.setattr(kafka_source, "Consumer", consumer)
    reopen = wiring._reopening({"group.id": "group-r", "bootstrap.servers": "k1,k2,k3"}, ["t"])
    first = reopen()
    assert consumer.config["bootstrap.servers"] == "k1,k2,k3"
    consumer.assign([])
    consumer.lose()
    first.replacement = {"group.id": "group-r", "bootstrap.servers": "k2,k3"}
    second = reopen()
    assert consumer.config["bootstrap.servers"] == "k2,k3"
    assert second.membership.lost_at() == first.membership.lost_at() is not None
