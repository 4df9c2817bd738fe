"""Dead letters as operators see them: read them, and send them back to their source topic
(`ops.dlq_actions` replays them with a record in the operator log).

A replayed message keeps its key, value and envelope headers (so its event id): it goes
through the same idempotent path as any delivery, and a consumer that already handled it
skips it. That holds while the consumers' inbox remembers the event, so replaying a message
older than the inbox retention is refused unless forced. Whether a letter's event has been
handled since (replayed, and handled that time) is in the consumer's inbox: `handled`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import psycopg

from sagaline.core.kafka.reader import read_topic
from sagaline.core.messaging import deadletter as dl
from sagaline.core.messaging import inbox
from sagaline.core.messaging.envelope import H_OCCURRED_AT, MalformedMessage, decode
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.publisher import OutgoingMessage, Publisher


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, message: IncomingMessage) -> DeadLetter:
        key = message.key.decode("utf-8", "replace") if message.key is not None else None
        headers = {k: v.decode("utf-8", "replace") for k, v in message.headers.items()}
        return cls(message.topic, message.partition, message.offset, key, message.value or b"",
                   headers)

    @property
    def ref(self) -> str:
        return f"{self.partition}:{self.offset}"

    @property
    def source_topic(self) -> str:
        return self.headers.get(dl.H_SOURCE_TOPIC, "?")

    def age_s(self, now: float) -> float:
        """Age of the original event: its occurred-at header, else since it was dead-lettered;
        infinite when neither says (then only a forced replay sends it)."""
        try:
            if occurred := self.headers.get(H_OCCURRED_AT):
                return now - datetime.fromisoformat(occurred).timestamp()
            return now - float(self.headers[dl.H_FAILED_AT])
        except (KeyError, ValueError):
            return float("inf")

    def event_id(self) -> uuid.UUID | None:
        """The id its consumer's inbox knows it by; None when it is no readable event."""
        try:
            return decode(self.source_topic, None, self.value, self._original_headers()).event_id
        except MalformedMessage:
            return None

    def original(self) -> OutgoingMessage:
        headers = {k: v for k, v in self.headers.items() if not k.startswith("dlq-")}
        return OutgoingMessage(self.offset, self.source_topic, self.key, self.value, headers)

    def _original_headers(self) -> dict[str, bytes]:
        return {k: v.encode() for k, v in self.original().headers.items()}


def read_all(bootstrap: str, topic: str, extra: dict[str, str] | None = None,
             timeout_s: float = 10.0) -> list[DeadLetter]:
    """Every letter on `topic`, by partition and offset; commits nothing."""
    return [DeadLetter.of(m) for m in read_topic(bootstrap, topic, extra, timeout_s)]


def handled(conn: psycopg.Connection, consumer: str,
            letters: Iterable[DeadLetter]) -> dict[str, bool | None]:
    """For each letter (by ref): has `consumer` handled its event since (a replay did), by
    its inbox on `conn`; None for a letter that is no readable event (never handleable)."""
    ids = {d.ref: d.event_id() for d in letters}
    done = inbox.handled(conn, consumer, [i for i in ids.values() if i is not None])
    return {ref: None if i is None else i in done for ref, i in ids.items()}


class TooOld(Exception):
    """Replaying it could repeat an effect: the inbox may have forgotten the event."""


def check_age(letters: Sequence[DeadLetter], inbox_retention_s: float,
              force: bool = False) -> None:
    """TooOld unless every letter is younger than the inbox retention (or `force`)."""
    now = time.time()
    old = [d.ref for d in letters if d.age_s(now) > inbox_retention_s]
    if old and not force:
        raise TooOld(f"older than the inbox retention ({inbox_retention_s:.0f} s), or of "
                     f"unknown age: {', '.join(old)}; replay with --force only if you know "
                     "they were never handled")


def publish_back(letters: Sequence[DeadLetter], publisher: Publisher) -> None:
    """Publish each letter to its source topic; ConnectionError if any was not stored."""
    deliveries = publisher.publish([d.original() for d in letters], timeout_s=30)
    failed = [d for d in deliveries if not d.ok]
    if failed:
        raise ConnectionError(f"{len(failed)} messages not replayed: {failed[0].error}")


def replay(letters: Sequence[DeadLetter], publisher: Publisher, inbox_retention_s: float,
           force: bool = False) -> int:
    """Publish each letter back to its source topic, unrecorded (the operator's commands go
    through `dlq_actions.replay`, which writes the log); all or nothing for the age check."""
    check_age(letters, inbox_retention_s, force)
    publish_back(letters, publisher)
    return len(letters)
