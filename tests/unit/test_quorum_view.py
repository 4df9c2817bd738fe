"""A client replacing a stranded one starts from the brokers the cluster still counts: a
broker cut off from the quorum lists itself and the others, but the quorum's brokers no
longer list it (it is fenced). A publisher with nothing but time-outs for STRANDED_S is
replaced; one that had a batch without a time-out since is not."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError

from sagaline.core.kafka.publisher import KafkaPublisher
from sagaline.core.kafka.quorum_view import STRANDED_S, counted
from sagaline.core.messaging.publisher import OutgoingMessage
from tests.unit.test_consumer_restart import Clock

pytestmark = pytest.mark.unit

SERVERS = ["k1:9092", "k2:9092", "k3:9092"]
EVERYBODY = {1: "k1:9092", 2: "k2:9092", 3: "k3:9092"}
QUORUM = {2: "k2:9092", 3: "k3:9092"}  # broker 1 fenced


def test_a_broker_an_answer_leaves_out_is_left_out() -> None:
    # Which broker sent an answer is not known: the cut-off one's lists everybody.
    assert counted(SERVERS, [EVERYBODY, QUORUM, EVERYBODY]) == ["k2:9092", "k3:9092"]


def test_every_broker_is_kept_while_the_cluster_counts_them_all() -> None:
    assert counted(SERVERS, [EVERYBODY, EVERYBODY]) == SERVERS
    assert counted(SERVERS, []) == SERVERS  # nobody answered: nothing to go by


def test_a_bootstrap_name_no_answer_names_is_kept() -> None:
    assert counted(["lb:9092"], [QUORUM, EVERYBODY]) == ["lb:9092"]


class SilentProducer:
    """librdkafka's producer as seen from a leader that never acknowledges."""

    def __init__(self, config: dict[str, Any], acks: bool = False) -> None:
        self.config, self.acks, self.purged = config, acks, False
        self._pending: list[Any] = []

    def produce(self, topic: str, on_delivery: Any, **_kw: Any) -> None:
        self._pending.append(on_delivery)

    def flush(self, _timeout: float) -> int:
        if self.acks:
            for callback in self._pending:
                callback(None, None)
        elif self._pending:  # the first one times out, the others are acknowledged
            self._pending[0](KafkaError(KafkaError._MSG_TIMED_OUT), None)
            for callback in self._pending[1:]:
                callback(None, None)
        self._pending = []
        return 0

    def purge(self) -> None:
        self.purged = True


def test_a_publisher_timing_out_in_every_batch_is_replaced_after_a_while() -> None:
    clock, made = Clock(), list[SilentProducer]()

    def make(config: dict[str, Any]) -> SilentProducer:
        made.append(SilentProducer(config, acks=len(made) > 0))
        return made[-1]

    publisher = KafkaPublisher({"bootstrap.servers": "k:9092"}, clock=clock, make=make)
    batch = [OutgoingMessage(ref, "t", "k", b"{}", {}) for ref in (1, 2)]
    assert [d.ok for d in publisher.publish(batch, 1.0)] == [False, True]
    clock.now = STRANDED_S - 1
    publisher.publish(batch, 1.0)
    assert len(made) == 1  # not yet: a move to a new leader takes a few seconds
    clock.now = STRANDED_S
    publisher.publish(batch, 1.0)
    assert len(made) == 2 and made[0].purged
    assert all(d.ok for d in publisher.publish(batch, 1.0))


def test_a_batch_without_a_time_out_means_the_publisher_is_not_stranded() -> None:
    clock, made = Clock(), list[SilentProducer]()

    def make(config: dict[str, Any]) -> SilentProducer:
        made.append(SilentProducer(config))
        return made[-1]

    publisher = KafkaPublisher({"bootstrap.servers": "k:9092"}, clock=clock, make=make)
    batch = [OutgoingMessage(1, "t", "k", b"{}", {})]
    publisher.publish(batch, 1.0)
    made[0].acks = True
    clock.now = STRANDED_S / 2
    publisher.publish(batch, 1.0)
    made[0].acks = False
    clock.now = STRANDED_S * 1.4
    publisher.publish(batch, 1.0)
    assert len(made) == 1
