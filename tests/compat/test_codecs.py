"""Which of librdkafka's codecs the seed's client reads: KafkaJS 2.x without plugins decodes
uncompressed and GZIP batches and crashes on the others. This is why our default codec is one
of the first two, and what this tier would catch if it changed."""

from __future__ import annotations

import json
import uuid

import pytest

from sagaline.core.kafka.publisher import COMPRESSION_TYPES, KafkaPublisher, producer_config
from sagaline.core.messaging.publisher import OutgoingMessage
from sagaline.devstack import Stack
from sagaline.devstack.topics import ensure_topics
from tests.compat.kafkajs import SeedConsumer

DECODED = {"none", "gzip"}


@pytest.mark.parametrize("codec", COMPRESSION_TYPES)
def test_kafkajs_without_plugins_decodes_only_none_and_gzip(codec: str, node: None,
                                                             stack: Stack) -> None:
    s = stack.settings
    topic = f"compat.codec.{codec}"
    ensure_topics(s.kafka_bootstrap_servers, [topic], 1, s.kafka_client_config)
    consumer = SeedConsumer(s.kafka_bootstrap_servers, f"compat-{uuid.uuid4().hex[:8]}", [topic])
    try:
        consumer.wait_ready()
        order_id = str(uuid.uuid4())
        publisher = KafkaPublisher(producer_config(s.kafka_bootstrap_servers,
                                                   s.kafka_client_config, compression=codec))
        # Compressible: librdkafka sends a batch uncompressed when the codec would not shrink it.
        value = {"orderId": order_id, "note": "seed " * 400}
        message = OutgoingMessage(0, topic, order_id, json.dumps(value).encode(), {})
        [delivery] = publisher.publish([message], 10)
        publisher.close()
        assert delivery.error is None, delivery.error
        if codec in DECODED:
            assert consumer.message(topic, order_id) == value
        else:
            with pytest.raises(AssertionError, match=f"(?i){codec} compression not implemented"):
                consumer.message(topic, order_id)
    finally:
        consumer.close()
