"""What the dashboard reads from Kafka: each consumer group's lag (admin API only: it joins
no group) and the newest dead letters, re-read (the tail of each partition only) when a
dead-letter topic has grown."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaException

from sagaline.audit import read_kafka
from sagaline.audit.read_db import SourceUnavailable
from sagaline.core.saga import Saga
from sagaline.dashboard.dead_letter_tail import read_tail
from sagaline.ops import dlq
from sagaline.ops.kafka_admin import admin_client

# The dashboard shows at most this many letters per service (the newest).
LETTERS_SHOWN = 200
READ_TIMEOUT_S = 5.0  # to read a dead-letter topic's tail; then Kafka is shown unavailable


class KafkaView:
    def __init__(self, bootstrap: str, extra: Mapping[str, str], topology: Saga) -> None:
        self._bootstrap, self._extra = bootstrap, dict(extra)
        self._client = admin_client(bootstrap, extra)
        self._topology = topology
        self._topics = {s.dead_letter_topic: s.name for s in topology.services}
        self._partitions: list[tuple[str, int]] | None = None  # of the dead-letter topics
        self._letters: dict[str, list[dlq.DeadLetter]] = {}
        self._ends: dict[str, int] = {}  # sum of each topic's end offsets when last read

    def lag(self) -> dict[str, int]:
        """Service -> messages its consumer group has yet to read, over its topics."""
        groups = {s.consumer_group: s.name for s in self._topology.services}
        found: dict[str, int] = dict.fromkeys(groups.values(), 0)
        for row in read_kafka.lags(self._client, self._topology.subscriptions()):
            found[groups[row.group]] += row.lag
        return found

    def dead_letters(self, look_again: bool = False) -> dict[str, list[dlq.DeadLetter]]:
        """Service -> its newest dead letters. One request for the topics' end offsets; a
        topic is read again only when its end moved. `look_again`: list the partitions anew."""
        if look_again or self._partitions is None:
            self._partitions = read_kafka.partitions(self._client, self._topics)
        ends = read_kafka.offsets(self._client, self._partitions, "latest")
        for topic, service in self._topics.items():
            own = {p: offset for (t, p), offset in ends.items() if t == topic}
            if sum(own.values()) != self._ends.get(topic):
                try:  # the newest of any partition are among the last of each
                    letters = read_tail(self._bootstrap, self._extra, topic, own,
                                        LETTERS_SHOWN, READ_TIMEOUT_S)
                except (KafkaException, TimeoutError) as exc:
                    raise SourceUnavailable(f"Kafka: reading {topic}: {exc}") from None
                self._letters[service] = newest(letters, LETTERS_SHOWN)
                self._ends[topic] = sum(own.values())
        return dict(self._letters)


def newest(letters: list[dlq.DeadLetter], count: int) -> list[dlq.DeadLetter]:
    """The `count` letters that failed last, whatever their partition (a topic is read
    partition by partition: its last letters are not the newest)."""
    by_time = sorted(letters, key=lambda d: (_float(d.headers.get("dlq-failed-at")) or 0.0,
                                             d.offset))
    return by_time[-count:]


def letter_json(service: str, letter: dlq.DeadLetter, handled: bool | None) -> dict[str, Any]:
    """One letter for the page; `saga` is its key when that is an order id (a UUID)."""
    h = letter.headers
    return {"service": service, "topic": letter.topic, "ref": letter.ref, "key": letter.key,
            "source_topic": letter.source_topic, "error_type": h.get("dlq-error-type"),
            "error": h.get("dlq-error", "")[:300], "failed_at": _float(h.get("dlq-failed-at")),
            "replayed": handled, "saga": letter.key if _is_uuid(letter.key) else None,
            "value": letter.value[:300].decode("utf-8", "replace")}


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _is_uuid(text: str | None) -> bool:
    try:
        uuid.UUID(text or "")
        return True
    except ValueError:
        return False
