"""A dead-letter topic that grew is not read back whole: the dashboard shows the newest
LETTERS_SHOWN letters of a service, so it reads at most that many from the end of each
partition (which hold the newest of any partition). Over a fake librdkafka consumer that
counts what it hands out, for a topic of 3 partitions and 60 000 letters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from confluent_kafka import OFFSET_BEGINNING, KafkaError, TopicPartition

from sagaline.audit import read_kafka
from sagaline.audit.read_db import SourceUnavailable
from sagaline.dashboard import dead_letter_tail, kafka_view
from sagaline.dashboard.kafka_view import LETTERS_SHOWN, KafkaView
from tests.unit.test_dashboard_declared import FOUR

pytestmark = pytest.mark.unit
TOPIC = FOUR.service("courier").dead_letter_topic
# partition -> (first offset kept, end): partition 2 lost most of its letters to retention.
PARTITIONS = {0: (0, 20_000), 1: (0, 30_000), 2: (29_950, 30_000)}
NOT_MESSAGES: set[tuple[int, int]] = set()  # offsets that hold no message (a transaction's end)


def failed_at(partition: int, offset: int) -> float:
    """Letters of the three partitions interleave in time."""
    return offset * 3.0 + partition


class Message:
    def __init__(self, partition: int, offset: int | None) -> None:
        self._partition, self._offset = partition, offset

    def error(self) -> KafkaError | None:
        return KafkaError(KafkaError._PARTITION_EOF) if self._offset is None else None

    def topic(self) -> str:
        return TOPIC

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset or 0

    def key(self) -> bytes:
        return b"<script>alert(1)</script>"

    def value(self) -> bytes:
        return b'{"userId": "<img src=x onerror=alert(1)>"}'

    def headers(self) -> list[tuple[str, bytes]]:
        return [("dlq-failed-at", str(failed_at(self._partition, self.offset())).encode())]


class FakeConsumer:
    """The topic above, read from where each partition is assigned; counts what it hands
    out. Made by the code under test as `Consumer(config)`."""

    handed_out: ClassVar[int] = 0
    made: ClassVar[list[FakeConsumer]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self._next: dict[int, int] = {}
        self._eof_told: set[int] = set()
        self.closed = False
        FakeConsumer.made.append(self)

    def list_topics(self, topic: str, timeout: float) -> Any:
        partitions = dict.fromkeys(PARTITIONS) if topic == TOPIC else {}  # the others: empty
        return type("Meta", (), {"topics": {topic: type("T", (), {"partitions": partitions})}})

    def get_watermark_offsets(self, tp: TopicPartition, timeout: float) -> tuple[int, int]:
        return PARTITIONS[tp.partition]

    def assign(self, tps: list[TopicPartition]) -> None:
        for tp in tps:
            low, _ = PARTITIONS[tp.partition]
            start = low if tp.offset == OFFSET_BEGINNING else tp.offset
            self._next[tp.partition] = max(start, low)  # auto.offset.reset=earliest

    def consume(self, count: int, timeout: float) -> list[Message]:
        found: list[Message] = []
        for partition, offset in self._next.items():
            end = PARTITIONS[partition][1]
            take = min(count - len(found), end - offset)
            found += [Message(partition, o) for o in range(offset, offset + take)
                      if (partition, o) not in NOT_MESSAGES]
            self._next[partition] = offset + take
            if self._next[partition] == end and partition not in self._eof_told and (
                    self.config.get("enable.partition.eof") in (True, "true")):
                self._eof_told.add(partition)
                found.append(Message(partition, None))
        FakeConsumer.handed_out += sum(m.error() is None for m in found)
        return found

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def view(monkeypatch: pytest.MonkeyPatch) -> Iterator[KafkaView]:
    FakeConsumer.handed_out, FakeConsumer.made = 0, []
    monkeypatch.setattr("sagaline.dashboard.dead_letter_tail.Consumer", FakeConsumer)
    monkeypatch.setattr(kafka_view, "admin_client", lambda bootstrap, extra: None)
    topics = [(TOPIC, p) for p in PARTITIONS]
    monkeypatch.setattr(read_kafka, "partitions",
                        lambda client, wanted: [tp for tp in topics if tp[0] in wanted])
    monkeypatch.setattr(read_kafka, "offsets",
                        lambda client, tps, spec: {(TOPIC, p): PARTITIONS[p][1]
                                                   for (_, p) in tps})
    yield KafkaView("127.0.0.1:1", {}, FOUR)


def test_only_the_tail_of_each_partition_is_read(view: KafkaView) -> None:
    letters = view.dead_letters()["courier"]
    assert FakeConsumer.handed_out <= len(PARTITIONS) * LETTERS_SHOWN
    expected = sorted(((p, o) for p, (low, end) in PARTITIONS.items()
                       for o in range(max(low, end - LETTERS_SHOWN), end)),
                      key=lambda po: failed_at(*po))[-LETTERS_SHOWN:]
    assert [(d.partition, d.offset) for d in letters] == expected
    assert all(consumer.closed for consumer in FakeConsumer.made)


def test_a_topic_is_read_again_only_when_it_grew(view: KafkaView) -> None:
    view.dead_letters()
    before = FakeConsumer.handed_out
    view.dead_letters()
    assert FakeConsumer.handed_out == before


def test_a_partition_that_ends_in_a_transaction_marker_is_read_to_its_end(
        view: KafkaView, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.NOT_MESSAGES", {(1, 29_999)})
    letters = dead_letter_tail.read_tail("127.0.0.1:1", {}, TOPIC, {1: 30_000}, 10,
                                         timeout_s=30)
    assert [d.offset for d in letters] == list(range(29_990, 29_999))


class SilentConsumer(FakeConsumer):
    def consume(self, count: int, timeout: float) -> list[Message]:
        return []


def test_a_partition_not_read_to_its_end_in_time_is_an_error(
        view: KafkaView, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sagaline.dashboard.dead_letter_tail.Consumer", SilentConsumer)
    monkeypatch.setattr(kafka_view, "READ_TIMEOUT_S", 0.2)
    with pytest.raises(SourceUnavailable, match="not read to their end"):
        view.dead_letters()
    assert all(consumer.closed for consumer in FakeConsumer.made)
