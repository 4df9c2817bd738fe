"""A client replacing a stranded one starts from the brokers the cluster still counts: a
broker cut off from the quorum lists itself and the others, but the quorum's brokers no
longer list it (it is fenced). A publisher whose messages time out is replaced when the
answers leave a broker out, and only then; the brokers are asked at most every STRANDED_S."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError

from sagaline.core.kafka import stranded
from sagaline.core.kafka.publisher import KafkaPublisher
from sagaline.core.kafka.quorum_view import counted, counted_bootstrap
from sagaline.core.kafka.stranded import STRANDED_S
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


def test_one_bootstrap_address_has_nothing_to_leave_out() -> None:
    assert counted_bootstrap({"bootstrap.servers": "k1:9092"}, "t") is None


def test_the_brokers_are_asked_at_most_once_every_stranded_s(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def counted_bootstrap(_config: Any, topic: str) -> dict[str, Any]:
        asked.append(topic)
        return {"narrowed": True}

    monkeypatch.setattr(stranded, "counted_bootstrap", counted_bootstrap)
    clock = Clock()
    rescue = stranded.Rescue({"bootstrap.servers": "k1,k2,k3"}, clock)
    assert rescue.replacement("t") == {"narrowed": True}
    clock.now = STRANDED_S - 1
    assert rescue.replacement("t") is None
    clock.now = STRANDED_S
    assert rescue.replacement("t") == {"narrowed": True} and asked == ["t", "t"]


class SilentProducer:
    """librdkafka's producer as seen from a leader that never acknowledges."""

    def __init__(self, config: dict[str, Any], acks: bool = False) -> None:
        self.config, self.acks, self.purged = config, acks, False
        self._pending: list[Any] = []

    def produce(self, topic: str, on_delivery: Any, **_kw: Any) -> None:
        self._pending.append(on_delivery)

    def flush(self, _timeout: float) -> int:
        for n, callback in enumerate(self._pending):  # the first one times out
            callback(None if self.acks or n else KafkaError(KafkaError._MSG_TIMED_OUT), None)
        self._pending = []
        return 0

    def purge(self) -> None:
        self.purged = True


class Answers(stranded.Rescue):
    """The brokers' answers, as a stranded publisher would get them."""

    def __init__(self, leave_out: bool) -> None:
        super().__init__({"bootstrap.servers": "k1:9092,k2:9092"})
        self.leave_out = leave_out

    def replacement(self, topic: str) -> dict[str, Any] | None:
        return {"bootstrap.servers": "k2:9092"} if self.leave_out else None


def publisher_on(answers: Answers) -> tuple[KafkaPublisher, list[SilentProducer]]:
    made: list[SilentProducer] = []

    def make(config: dict[str, Any]) -> SilentProducer:
        made.append(SilentProducer(config, acks=len(made) > 0))
        return made[-1]

    return KafkaPublisher({"bootstrap.servers": "k1:9092,k2:9092"}, make, answers), made


BATCH = [OutgoingMessage(ref, "t", "k", b"{}", {}) for ref in (1, 2)]


def test_a_publisher_whose_messages_time_out_is_replaced_when_a_broker_is_left_out() -> None:
    publisher, made = publisher_on(Answers(leave_out=True))
    assert [d.ok for d in publisher.publish(BATCH, 1.0)] == [False, True]
    assert len(made) == 2 and made[0].purged
    assert made[1].config == {"bootstrap.servers": "k2:9092"}
    assert all(d.ok for d in publisher.publish(BATCH, 1.0))


def test_time_outs_alone_do_not_replace_it_when_every_broker_is_counted() -> None:
    """A broker down, or the whole cluster: a new producer would gain nothing."""
    publisher, made = publisher_on(Answers(leave_out=False))
    publisher.publish(BATCH, 1.0)
    assert len(made) == 1 and not made[0].purged


def test_a_producer_is_replaced_once_by_the_threads_that_share_it() -> None:
    publisher, made = publisher_on(Answers(leave_out=True))
    used = made[0]
    publisher._replace(used, "messages timed out", {"bootstrap.servers": "k2:9092"})
    publisher._replace(used, "messages timed out", {"bootstrap.servers": "k2:9092"})
    assert len(made) == 2
