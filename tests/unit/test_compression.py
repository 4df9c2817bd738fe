"""The producers' codec: a parameter, checked, and one every client of the contract decodes
unless chosen otherwise."""

from __future__ import annotations

import pytest

from sagaline.core.kafka.publisher import COMPRESSION_TYPES, producer_config
from sagaline.core.kafka.source import consumer_config
from sagaline.core.runtime.wiring import Plumbing

pytestmark = pytest.mark.unit


def test_the_default_codec_is_one_kafkajs_decodes_without_a_plugin() -> None:
    assert producer_config("b")["compression.type"] in ("none", "gzip")
    assert Plumbing("order", "dsn", "b").compression == producer_config("b")["compression.type"]


@pytest.mark.parametrize("codec", COMPRESSION_TYPES)
def test_every_codec_librdkafka_writes_can_be_chosen(codec: str) -> None:
    assert producer_config("b", compression=codec)["compression.type"] == codec


@pytest.mark.parametrize("codec", ["LZ4", "brotli", "", "gzip "])
def test_an_unknown_codec_is_refused_by_name(codec: str) -> None:
    with pytest.raises(ValueError, match=r"not one of none, gzip, snappy, lz4, zstd"):
        producer_config("b", compression=codec)


@pytest.mark.parametrize("key", ["compression.type", "compression.codec"])
def test_the_client_config_cannot_bypass_the_codec_setting(key: str) -> None:
    with pytest.raises(ValueError, match="KAFKA_COMPRESSION_TYPE"):
        producer_config("b", {key: "lz4"})
    with pytest.raises(ValueError, match="KAFKA_COMPRESSION_TYPE"):
        consumer_config("b", "g", {key: "lz4"})
