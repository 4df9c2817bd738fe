"""Dead letters: messages a consumer gave up on, kept on a topic with why and where from.

A letter the broker refuses as too large (the original was near the size limit, and the
`dlq-*` headers push it over) is stored truncated: its headers, the error and a prefix of its
value, with `dlq-truncated` giving the original size. One still too large even so is skipped
and named in an ERROR line (it is still on its source topic): the only letter the consumer
moves past unstored. A letter refused for good for any other reason (no write access to the
topic, a value the client rejects) raises `DeadLetterRefused`: the consumer stops that
partition, says why in readiness, and tries again now and then (an ACL may be fixed).
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from typing import Protocol

from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.publisher import Delivery, OutgoingMessage, Publisher
from sagaline.core.observability import alerts

log = logging.getLogger(__name__)

H_ERROR = "dlq-error"
H_ERROR_TYPE = "dlq-error-type"
H_SOURCE_TOPIC = "dlq-source-topic"
H_SOURCE_PARTITION = "dlq-source-partition"
H_SOURCE_OFFSET = "dlq-source-offset"
H_CONSUMER = "dlq-consumer"
H_FAILED_AT = "dlq-failed-at"
H_ORIGINAL_KEY_NULL = "dlq-original-key-null"
H_TRUNCATED = "dlq-truncated"  # the original value's size in bytes; the value is a prefix
H_CUT_HEADERS = "dlq-cut-headers"  # original headers shortened or left out, comma-separated

VALUE_PREFIX_BYTES = 64 * 1024  # of a truncated letter's value
HEADER_BYTES = 1024  # each original header (and the key) of a truncated letter, at most
HEADERS_BUDGET_BYTES = 16 * 1024  # all original headers of a truncated letter together


class DeadLetterRefused(Exception):
    """The dead-letter topic refused a letter for good, and not for its size."""


class DeadLetterSink(Protocol):
    """Keeps a message the consumer gives up on. `send` returns only once the dead letter is
    durably stored, and raises otherwise (then the consumer must not move past the message);
    `DeadLetterRefused` when trying again as it is cannot help."""

    def send(self, message: IncomingMessage, error: BaseException, consumer: str) -> None: ...


def truncated(letter: OutgoingMessage, original_headers: dict[str, str]) -> OutgoingMessage:
    """`letter` cut to fit: a prefix of its value, of its key and of each original header
    (within a budget; the rest left out), its own `dlq-*` headers whole."""
    own = {k: v for k, v in letter.headers.items() if k.startswith("dlq-")}
    kept: dict[str, str] = {}
    cut: list[str] = []
    budget = HEADERS_BUDGET_BYTES
    for name, value in original_headers.items():
        short = value[:HEADER_BYTES]
        if len(name) + len(short) > budget:
            cut.append(name)
            continue
        if short != value:
            cut.append(name)
        kept[name] = short
        budget -= len(name) + len(short)
    marks = {H_TRUNCATED: str(len(letter.value))}
    if cut:
        marks[H_CUT_HEADERS] = ",".join(cut)[:HEADER_BYTES]
    key = letter.key[:HEADER_BYTES] if letter.key is not None else None
    return dataclasses.replace(letter, key=key, value=letter.value[:VALUE_PREFIX_BYTES],
                               headers={**kept, **own, **marks})


def dead_letter_headers(message: IncomingMessage, error: BaseException,
                        consumer: str) -> dict[str, str]:
    text = "".join(traceback.format_exception_only(error)).strip()[:4000]
    own = {
        H_ERROR: text,
        H_ERROR_TYPE: type(error).__name__,
        H_SOURCE_TOPIC: message.topic,
        H_SOURCE_PARTITION: str(message.partition),
        H_SOURCE_OFFSET: str(message.offset),
        H_CONSUMER: consumer,
        H_FAILED_AT: f"{time.time():.3f}",
    }
    if message.key is None:
        own[H_ORIGINAL_KEY_NULL] = "1"
    original = {k: v.decode("utf-8", "replace") for k, v in message.headers.items()}
    return {**original, **own}


class TopicDeadLetters:
    """Publishes dead letters to one topic: original key and value, original headers, plus
    the error, the source topic, partition and offset, and the consumer in `dlq-*` headers."""

    def __init__(self, publisher: Publisher, topic: str, timeout_s: float = 30.0) -> None:
        self._publisher = publisher
        self.topic = topic
        self._timeout_s = timeout_s
        self.truncated = 0  # letters stored cut (see alerts.DEAD_LETTERS_TRUNCATED)
        self.unstored = 0  # letters refused even cut, skipped (alerts.DEAD_LETTERS_UNSTORED)

    def send(self, message: IncomingMessage, error: BaseException, consumer: str) -> None:
        """Returns once stored (whole or truncated), or refused as too large even truncated;
        raises ConnectionError while the broker cannot be reached and DeadLetterRefused when
        it refuses the letter for another reason: the consumer does not move past it."""
        letter = OutgoingMessage(
            ref=0, topic=self.topic,
            key=message.key.decode("utf-8", "replace") if message.key is not None else None,
            value=message.value or b"",
            headers=dead_letter_headers(message, error, consumer),
        )
        delivery = self._store(letter)
        if delivery.too_large:
            original = {k: v.decode("utf-8", "replace") for k, v in message.headers.items()}
            delivery = self._store(truncated(letter, original))
            if delivery.ok:
                self._count_cut(message, letter)
        if delivery.too_large:
            self._count_unstored(message, delivery)

    def _store(self, letter: OutgoingMessage) -> Delivery:
        (delivery,) = self._publisher.publish([letter], self._timeout_s)
        if not delivery.ok and not delivery.permanent:
            raise ConnectionError(f"dead letter not stored: {delivery.error}")
        if delivery.permanent and not delivery.too_large:
            raise DeadLetterRefused(f"{self.topic} refused its dead letter for good: "
                                    f"{delivery.error}")
        return delivery

    def _count_cut(self, message: IncomingMessage, letter: OutgoingMessage) -> None:
        self.truncated += 1
        alerts.DEAD_LETTERS_TRUNCATED.inc(message.topic)
        log.warning("dead letter of %s[%d]@%d stored truncated: value cut from %d to %d bytes",
                    message.topic, message.partition, message.offset, len(letter.value),
                    min(len(letter.value), VALUE_PREFIX_BYTES))

    def _count_unstored(self, message: IncomingMessage, delivery: Delivery) -> None:
        self.unstored += 1
        alerts.DEAD_LETTERS_UNSTORED.inc(message.topic)
        log.error("dead letter of %s[%d]@%d too large, even truncated (%s): skipped; "
                  "the message is still on its source topic at that offset",
                  message.topic, message.partition, message.offset, delivery.error)
