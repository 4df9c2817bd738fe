"""A rewind that the client refuses (a failed seek) must not let the consumer go on past the
message it could not handle: its position is past that message, so what comes next would be
handled and its offset stored beyond it. The consumer is replaced instead (a new one starts
at the committed offset, before the message), and says so at ERROR. KafkaSource on a
stand-in for librdkafka's consumer (tests/unit/fake_librdkafka.py)."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from sagaline.core.kafka import source as kafka_source
from sagaline.core.kafka.source import KafkaSource
from tests.unit.fake_librdkafka import FakeConsumer
from tests.unit.test_consumer_loop import Recorder, event_message
from tests.unit.test_consumer_restart import Clock, loop_on

pytestmark = pytest.mark.unit
AT = ("t", 0)


def source_on(consumer: FakeConsumer, monkeypatch: pytest.MonkeyPatch) -> KafkaSource:
    monkeypatch.setattr(kafka_source, "Consumer", consumer)
    source = KafkaSource({"group.id": "group-r"}, ["t"])
    consumer.assign([AT])
    return source


def test_a_failed_seek_never_lets_an_ack_pass_the_unhandled_message(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    log = [event_message(i, i) for i in range(4)]
    first, second = FakeConsumer({AT: log}), FakeConsumer({AT: log})
    first.seek_error = KafkaError._STATE
    source, replacement = source_on(first, monkeypatch), source_on(second, monkeypatch)
    gone = ConnectionError("database gone")
    handler = Recorder({0: [gone, gone]})  # in the batch, then alone; then it works
    loop = loop_on(source, [replacement], Clock(), handler)
    loop.step()  # offset 0 fails; its partition cannot be rewound
    log.append(event_message(4, 4))  # more comes while the first consumer is still there
    for _ in range(3):
        loop.step()
    assert max(first.stored.get(AT, [0])) == 0  # never past the message at offset 0
    assert max(second.stored[AT]) == 5  # the new consumer handled it and what followed
    assert any(r.levelname == "ERROR" and "cannot rewind t[0] to 0" in r.getMessage()
               for r in caplog.records)


def test_a_seek_refused_for_a_partition_no_longer_assigned_changes_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = FakeConsumer({AT: [event_message(0, 0)]})
    source = source_on(consumer, monkeypatch)
    (message,) = source.poll(10, 0)
    consumer.lose()  # revoked meanwhile: its next owner starts at the committed offset
    consumer.seek_error = KafkaError._UNKNOWN_PARTITION
    source.rewind([message])
    assert not consumer.closed
