"""Publisher on librdkafka's idempotent producer (see `Publisher` for the guarantees)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from sagaline.core.kafka.quorum_view import STRANDED_S, counted_bootstrap
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
    """Replaces its producer when one is broken (a fatal error) or stranded: messages timing
    out in every batch for `STRANDED_S`, as when it keeps sending to a leader cut off from
    the quorum (see quorum_view: the new producer starts from the brokers the cluster
    counts). The messages of the old one stay pending in the outbox and go out with the new."""

    def __init__(self, config: Mapping[str, Any], clock: Callable[[], float] = time.monotonic,
                 make: Callable[[dict[str, Any]], Any] = Producer) -> None:
        self._config = dict(config)
        self._clock, self._make = clock, make
        self._producer = make(self._config)
        self._timing_out_since: float | None = None

    def publish(self, batch: Sequence[OutgoingMessage], timeout_s: float) -> list[Delivery]:
        results: dict[int, Delivery] = {}
        timeouts: set[int] = set()

        def on_delivery(ref: int) -> Any:
            def callback(err: KafkaError | None, _msg: Message) -> None:
                results[ref] = _delivery(ref, err)
                if err is not None and err.code() in TIMEOUTS:
                    timeouts.add(ref)
            return callback

        producer, started = self._producer, self._clock()
        for message in batch:
            self._produce(producer, message, on_delivery(message.ref), results)
        producer.flush(timeout_s)
        timed_out = {m.ref for m in batch if m.ref not in results or m.ref in timeouts}
        if any(d.fatal for d in results.values()):
            # A fatal idempotent-producer error poisons the instance.
            self._replace("fatal error", self._config)
        elif self._stranded(started, bool(timed_out)):
            self._replace(f"messages timing out for {STRANDED_S:.0f} s",
                          counted_bootstrap(self._config, batch[0].topic))
        return [results.get(m.ref, Delivery(m.ref, "delivery timed out")) for m in batch]

    def _stranded(self, started: float, timed_out: bool) -> bool:
        """Time-outs in every batch since one that started STRANDED_S ago: a partition's
        leader has taken nothing for that long (a move to a new one takes seconds)."""
        if not timed_out:
            self._timing_out_since = None
            return False
        if self._timing_out_since is None:
            self._timing_out_since = started
        return self._clock() - self._timing_out_since >= STRANDED_S

    def _replace(self, why: str, config: dict[str, Any]) -> None:
        log.error("producer: %s; replacing the producer", why)
        self._producer.purge()  # its messages go out with the new one (the outbox has them)
        self._producer, self._timing_out_since = self._make(config), None

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
