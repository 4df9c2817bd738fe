"""Dead letters: messages a consumer gave up on, kept on a topic with why and where from."""

from __future__ import annotations

import time
import traceback
from typing import Protocol

from sagaline.core.messages import IncomingMessage
from sagaline.core.publisher import OutgoingMessage, Publisher

H_ERROR = "dlq-error"
H_ERROR_TYPE = "dlq-error-type"
H_SOURCE_TOPIC = "dlq-source-topic"
H_SOURCE_PARTITION = "dlq-source-partition"
H_SOURCE_OFFSET = "dlq-source-offset"
H_CONSUMER = "dlq-consumer"
H_FAILED_AT = "dlq-failed-at"
H_ORIGINAL_KEY_NULL = "dlq-original-key-null"


class DeadLetterSink(Protocol):
    """Keeps a message the consumer gives up on. `send` returns only once the dead letter is
    durably stored, and raises otherwise (then the consumer must not move past the message)."""

    def send(self, message: IncomingMessage, error: BaseException, consumer: str) -> None: ...


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

    def send(self, message: IncomingMessage, error: BaseException, consumer: str) -> None:
        letter = OutgoingMessage(
            ref=0, topic=self.topic,
            key=message.key.decode("utf-8", "replace") if message.key is not None else None,
            value=message.value or b"",
            headers=dead_letter_headers(message, error, consumer),
        )
        (delivery,) = self._publisher.publish([letter], self._timeout_s)
        if not delivery.ok:
            raise ConnectionError(f"dead letter not stored: {delivery.error}")
