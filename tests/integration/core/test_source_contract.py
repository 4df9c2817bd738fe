"""One suite for the MessageSource interface, run on the in-memory fake and on Kafka."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence

import pytest
from confluent_kafka import Producer

from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.core.kafka.source import KafkaSource, consumer_config
from sagaline.core.messaging.messages import IncomingMessage, MessageSource, Partition
from sagaline.core.messaging.publisher import OutgoingMessage
from sagaline.devstack import Stack
from sagaline.testing.messaging import InMemorySource

TOPIC = "test.contract.b"
Opener = Callable[[], MessageSource]


class Harness:
    """Sends n messages to a fresh place and opens sources (as one consumer group) on it;
    `send_to(partition, n)` sends them to one partition of the topic."""

    def __init__(self, send_to: Callable[[int, int], None], open_source: Opener) -> None:
        self.send_to = send_to
        self.open = open_source

    def send(self, n: int) -> None:
        self.send_to(0, n)


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.unit), "kafka"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    if request.param == "memory":
        shared = InMemorySource()

        def send_memory(partition: int, n: int) -> None:
            start = sum(m.partition == partition for m in shared.messages)
            for i in range(n):
                shared.add(IncomingMessage(TOPIC, partition, start + i, b"k", f"{i}".encode()))

        def reopen() -> MessageSource:  # a restart resumes after the acknowledged position
            shared.restart()
            return shared

        yield Harness(send_memory, reopen)
        return
    stack: Stack = request.getfixturevalue("stack")
    request.getfixturevalue("test_topics")
    bootstrap = stack.settings.kafka_bootstrap_servers
    key = uuid.uuid4().hex.encode()  # one key: one partition, so a total order to check
    group = f"contract-{uuid.uuid4()}"
    producer = Producer(producer_config(bootstrap))

    def send_kafka(partition: int, n: int) -> None:
        for i in range(n):  # to the partition asked for, whatever the key's hash says
            producer.produce(TOPIC, f"{i}".encode(), key, partition=partition)
        assert producer.flush(30) == 0

    def open_kafka() -> MessageSource:
        return _OnlyKey(KafkaSource(consumer_config(bootstrap, group), [TOPIC]), key)

    yield Harness(send_kafka, open_kafka)


class _OnlyKey:
    """Filters a shared topic down to this test's key (other tests write there too)."""

    def __init__(self, inner: KafkaSource, key: bytes) -> None:
        self.inner, self.key = inner, key

    def poll(self, max_messages: int, timeout_s: float) -> list[IncomingMessage]:
        return [m for m in self.inner.poll(max_messages, timeout_s) if m.key == self.key]

    def ack(self, messages: Sequence[IncomingMessage]) -> None:
        self.inner.ack(messages)

    def rewind(self, messages: Sequence[IncomingMessage]) -> None:
        self.inner.rewind(messages)

    def pause(self, partitions: Collection[Partition]) -> None:
        self.inner.pause(partitions)

    def resume(self, partitions: Collection[Partition]) -> None:
        self.inner.resume(partitions)

    def waiting(self) -> int:
        return self.inner.waiting()

    def problem(self) -> str | None:
        return self.inner.problem()

    def close(self) -> None:
        self.inner.close()


def drain(source: MessageSource, want: int, rounds: int = 60) -> list[IncomingMessage]:
    got: list[IncomingMessage] = []
    for _ in range(rounds):
        got += source.poll(100, 0.5)
        if len(got) >= want:
            break
    return got


def test_messages_come_in_order(harness: Harness) -> None:
    harness.send(10)
    source = harness.open()
    got = drain(source, 10)
    assert [m.value for m in got] == [f"{i}".encode() for i in range(10)]
    source.close()


def test_after_a_restart_delivery_resumes_after_the_last_ack(harness: Harness) -> None:
    harness.send(10)
    source = harness.open()
    got = drain(source, 10)
    source.ack(got[:4])
    source.close()
    again = harness.open()
    redelivered = drain(again, 6)
    assert [m.value for m in redelivered] == [f"{i}".encode() for i in range(4, 10)]
    again.close()


def test_rewind_delivers_again_from_the_earliest_given(harness: Harness) -> None:
    harness.send(6)
    source = harness.open()
    got = drain(source, 6)
    source.rewind(got[2:])
    assert [m.value for m in drain(source, 4)] == [b"2", b"3", b"4", b"5"]
    source.close()


def test_rewind_goes_back_in_the_given_messages_partitions_only(harness: Harness) -> None:
    harness.send_to(0, 3)
    harness.send_to(1, 3)
    source = harness.open()
    got = drain(source, 6)
    source.rewind([m for m in got if m.partition == 1][1:])
    again = drain(source, 2)
    assert [(m.partition, m.value) for m in again] == [(1, b"1"), (1, b"2")]
    assert source.poll(100, 0.5) == []
    source.close()


def test_a_paused_partition_delivers_nothing_until_resumed(harness: Harness) -> None:
    harness.send_to(0, 3)
    harness.send_to(1, 3)
    source = harness.open()
    got = drain(source, 6)
    source.rewind(got)  # both partitions from their first message again
    source.pause([(TOPIC, 0)])  # while its messages are already fetched again
    others = drain(source, 3)
    assert [(m.partition, m.value) for m in others] == [(1, b"0"), (1, b"1"), (1, b"2")]
    assert source.poll(100, 1.0) == []
    source.resume([(TOPIC, 0)])
    resumed = drain(source, 3)
    assert [(m.partition, m.value) for m in resumed] == [(0, b"0"), (0, b"1"), (0, b"2")]
    source.close()


def test_a_rewind_while_paused_says_where_the_partition_resumes(harness: Harness) -> None:
    harness.send_to(0, 4)
    source = harness.open()
    got = drain(source, 4)
    source.pause([(TOPIC, 0)])
    source.rewind(got[1:])
    assert source.poll(100, 1.0) == []
    source.resume([(TOPIC, 0)])
    assert [m.value for m in drain(source, 3)] == [b"1", b"2", b"3"]
    source.close()


def test_waiting_counts_what_arrived_but_was_not_received(harness: Harness) -> None:
    harness.send(10)
    source = harness.open()
    assert len(drain(source, 10)) == 10
    for _ in range(20):  # the consumer also reads other tests' messages on the topic
        if source.waiting() == 0:
            break
        source.poll(500, 0.5)
    assert source.waiting() == 0
    harness.send(5)
    assert source.waiting() == 5
    source.close()


def test_asking_what_waits_does_not_queue_behind_the_consumers_idle_fetch(
        stack: Stack, test_topics: None) -> None:
    # An idle consumer keeps a fetch waiting on the broker for fetch.wait.max.ms; a request on
    # the same connection would be answered only after it, while the consumer's thread does
    # not poll (the first messages after a quiet spell waited ~100 ms at p99). The wait is
    # 5 s here, so a queued answer is unmistakable on a loaded machine (the bound is 2.5 s).
    bootstrap = stack.settings.kafka_bootstrap_servers
    key = uuid.uuid4().hex
    publisher = KafkaPublisher(producer_config(bootstrap))
    assert publisher.publish([OutgoingMessage(0, TOPIC, key, b"0", {})], 30)[0].ok
    source = KafkaSource(consumer_config(bootstrap, f"contract-{uuid.uuid4()}",
                                         {"fetch.wait.max.ms": "5000"}), [TOPIC])
    assert drain(_OnlyKey(source, key.encode()), 1)
    source.poll(1, 1.0)  # idle now: a fetch waits on the broker
    started = time.monotonic()
    counts = [source.waiting() for _ in range(5)]
    assert time.monotonic() - started < 2.5 and len(set(counts)) == 1
    source.close()
