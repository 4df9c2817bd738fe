"""Publisher on librdkafka's idempotent producer (see `Publisher` for the guarantees)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from sagaline.core.kafka.stranded import Rescue
from sagaline.core.messaging.publisher import Delivery, OutgoingMessage

log = logging.getLogger(__name__)

# Errors that no retry of the same message can fix.
PERMANENT_ERRORS = frozenset({
    KafkaError.MSG_SIZE_TOO_LARGE,
    KafkaError.RECORD_LIST_TOO_LARGE,
    KafkaError.INVALID_RECORD,
    KafkaError.TOPIC_AUTHORIZATION_FAILED,  # re-queue with `sagaline outbox requeue`
    KafkaError._INVALID_ARG,
})
# Not permanent: an unknown topic (not created yet, or recreated). Rows wait for it, as in a
# broker outage, rather than being given up on.
# Of those, the ones that say the message is larger than the broker (or client) allows.
TOO_LARGE_ERRORS = frozenset({KafkaError.MSG_SIZE_TOO_LARGE, KafkaError.RECORD_LIST_TOO_LARGE})


# Codecs librdkafka can write. Every client decodes `none` and `gzip`; KafkaJS (the seed's
# client) needs a plugin for the others and crashes on them without one (CONTRACT.md).
COMPRESSION_TYPES = ("none", "gzip", "snappy", "lz4", "zstd")
DEFAULT_COMPRESSION = "none"  # measured against gzip: docs/performance.md


# A leader cut off from the other brokers (but not from us) keeps answering as the leader
# after the quorum has moved its partitions: a fetch from it gets nothing new, and a client
# that only asks it for metadata never learns. Asked every few seconds, any broker may
# answer; the other ones know the new leaders (librdkafka's default: every 5 minutes).
METADATA_REFRESH = {"topic.metadata.refresh.interval.ms": 5_000}


def producer_config(bootstrap: str, extra: Mapping[str, str] | None = None,
                    compression: str = DEFAULT_COMPRESSION) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,  # implies acks=all, no reordering, no retry duplicates
        "acks": "all",
        "linger.ms": 1,  # the relay sends whole batches; don't wait for more
        "batch.num.messages": 10_000,
        "compression.type": compression_type(compression),
        # Bounds how long the relay holds its transaction while the broker is away.
        "message.timeout.ms": 10_000,
        **METADATA_REFRESH,
        **without_protected(extra),
    }


def compression_type(codec: str) -> str:
    if codec not in COMPRESSION_TYPES:
        raise ValueError(f"compression {codec!r} is not one of {', '.join(COMPRESSION_TYPES)}")
    return codec


# Settings that the outbox guarantees rest on: a user's client config may not change them.
# (The relay's publish timeout is above message.timeout.ms; a consumer starting from the
# latest offset would skip events.)
PROTECTED = frozenset({"enable.idempotence", "acks", "enable.auto.offset.store",
                       "enable.auto.commit", "group.id", "bootstrap.servers",
                       "message.timeout.ms", "delivery.timeout.ms", "auto.offset.reset"})


# The codec has a setting of its own, checked against what the contract's clients decode.
CODEC_KEYS = frozenset({"compression.type", "compression.codec"})


def without_protected(extra: Mapping[str, str] | None) -> dict[str, str]:
    clash = PROTECTED & set(extra or {})
    if clash:
        raise ValueError(f"KAFKA_CLIENT_CONFIG may not set {', '.join(sorted(clash))}: "
                         "the outbox and the idempotent consumer rely on them")
    codec = CODEC_KEYS & set(extra or {})
    if codec:
        raise ValueError(f"KAFKA_CLIENT_CONFIG may not set {', '.join(sorted(codec))}: "
                         "use KAFKA_COMPRESSION_TYPE")
    return dict(extra or {})


# What librdkafka says of a message it could not get acknowledged in time.
TIMEOUTS = frozenset({KafkaError._MSG_TIMED_OUT, KafkaError._TIMED_OUT,
                      KafkaError.REQUEST_TIMED_OUT})


class KafkaPublisher:
    """Replaces its producer when one is broken (a fatal error) or stranded (messages timed
    out, and the brokers' answers leave one out: see core/kafka/stranded.py). Failed messages
    are reported so; the caller sends them again (the relay: they stay pending in the
    outbox), with the new producer. Shared by threads (the relay, the dead letters): a
    producer is replaced once, by the first to find it so."""

    def __init__(self, config: Mapping[str, Any], make: Callable[[dict[str, Any]], Any] = Producer,
                 rescue: Rescue | None = None) -> None:
        self._config = dict(config)
        self._make = make
        self._rescue = rescue or Rescue(self._config)
        self._producer = make(self._config)
        self._replacing = threading.Lock()

    def publish(self, batch: Sequence[OutgoingMessage], timeout_s: float) -> list[Delivery]:
        results: dict[int, Delivery] = {}
        timeouts: set[int] = set()

        def on_delivery(ref: int) -> Any:
            def callback(err: KafkaError | None, _msg: Message) -> None:
                results[ref] = _delivery(ref, err)
                if err is not None and err.code() in TIMEOUTS:
                    timeouts.add(ref)
            return callback

        producer = self._producer
        for message in batch:
            self._produce(producer, message, on_delivery(message.ref), results)
        producer.flush(timeout_s)
        if any(d.fatal for d in results.values()):
            self._replace(producer, "fatal error", self._config)
        elif (any(m.ref not in results or m.ref in timeouts for m in batch)
              and (config := self._rescue.replacement(batch[0].topic)) is not None):
            self._replace(producer, "messages timed out", config)
        return [results.get(m.ref, Delivery(m.ref, "delivery timed out")) for m in batch]

    def _replace(self, used: Any, why: str, config: dict[str, Any]) -> None:
        with self._replacing:
            if self._producer is not used:  # another thread replaced it already
                return
            log.error("producer: %s; replacing the producer", why)
            used.purge()  # what it still held is reported failed and sent again
            self._producer = self._make(config)

    def _produce(self, producer: Producer, message: OutgoingMessage, callback: Any,
                 results: dict[int, Delivery]) -> None:
        while True:
            try:
                producer.produce(
                    message.topic, value=message.value, key=message.key,
                    headers=list(message.headers.items()), on_delivery=callback,
                )
                return
            except BufferError:  # local queue full: let deliveries drain, then try again
                producer.poll(0.05)
            except KafkaException as exc:
                results[message.ref] = _delivery(message.ref, exc.args[0])
                return

    def reachable(self, timeout_s: float = 2.0) -> bool:
        try:
            self._producer.list_topics(timeout=timeout_s)
            return True
        except KafkaException:
            return False

    def close(self) -> None:
        self._producer.flush(10)


def _delivery(ref: int, err: KafkaError | None) -> Delivery:
    if err is None:
        return Delivery(ref)
    return Delivery(ref, f"{err.name()}: {err.str()}", permanent=err.code() in PERMANENT_ERRORS,
                    too_large=err.code() in TOO_LARGE_ERRORS, fatal=err.fatal())
