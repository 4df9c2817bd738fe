"""A dead letter the broker refuses for good (too large once the `dlq-*` headers are added)
must not stop its partition: a truncated letter is stored instead, and the consumer goes on."""

from __future__ import annotations

import uuid
from functools import partial

from confluent_kafka import Producer

from sagaline.core.messaging import deadletter as dl
from sagaline.ops import dlq
from sagaline.seed_saga import topics
from tests.integration.saga.conftest import Saga, wait_for

NEAR_LIMIT = 1_020_000  # under the broker's 1 MiB limit, over the producer's 1,000,000


def letters_with(saga: Saga, marker: str) -> list[dlq.DeadLetter] | None:
    s = saga.stack.settings
    found = [d for d in dlq.read_all(s.kafka_bootstrap_servers, "dlq.payment")
             if marker.encode() in d.value]
    return found if len(found) >= 2 else None


def test_a_dead_letter_too_large_to_store_is_truncated_and_the_partition_moves_on(
        saga: Saga) -> None:
    marker = uuid.uuid4().hex
    big = Producer({"bootstrap.servers": saga.stack.settings.kafka_bootstrap_servers,
                    "message.max.bytes": 1_048_576})
    huge = f"not json {marker} ".encode() + b"x" * NEAR_LIMIT
    big.produce(topics.ORDER_CREATED, value=huge, key=marker.encode())
    assert big.flush(10) == 0
    # On the same partition (same key), after it: held back for as long as the first is.
    saga.produce(topics.ORDER_CREATED, f"also not json {marker}".encode(), key=marker.encode())
    found = wait_for(partial(letters_with, saga, marker), 30, "both dead letters")
    cut, small = sorted(found, key=lambda d: len(d.value), reverse=True)
    assert cut.value == huge[:len(cut.value)] and len(cut.value) < 100_000
    assert cut.headers[dl.H_TRUNCATED] == str(len(huge))
    assert cut.headers[dl.H_ERROR_TYPE] == "MalformedMessage"
    assert cut.headers[dl.H_SOURCE_TOPIC] == topics.ORDER_CREATED
    assert small.value == f"also not json {marker}".encode()
    assert dl.H_TRUNCATED not in small.headers
